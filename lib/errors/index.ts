export { GrpcStatus, type GrpcStatusCode } from './status.js';
export { ErrorKinds, type ErrorKind } from './kinds.js';
export {
  OrcError,
  errorMessage,
  isOrcError,
  notFound,
  conflict,
  badRequest,
  invalidAsset,
  permissionDenied,
  internal,
} from './orcerror.js';
export { orcErrorFromText } from './fromtext.js';
