import { ErrorKinds, type ErrorKind } from './kinds.js';
import type { GrpcStatusCode } from './status.js';

/** An error the orchestrator means to report; its message always starts with the Substra code ("OE0002: ..."). */
export class OrcError extends Error {
  override readonly name = 'OrcError';
  readonly kind: ErrorKind;
  /** The message without the code prefix. */
  readonly detail: string;

  constructor(kind: ErrorKind, detail: string, options?: { cause?: unknown }) {
    super(`${ErrorKinds[kind].code}: ${detail}`, options);
    this.kind = kind;
    this.detail = detail;
  }

  /**
   * Turns anything thrown into an OrcError: the reason itself if it already is one, otherwise an OrcError of `kind`
   * whose detail is `prefix` and the reason's message, keeping the reason as `cause` (connect-es ConnectError.from).
   */
  static from(reason: unknown, kind: ErrorKind = 'Internal', prefix = ''): OrcError {
    if (isOrcError(reason)) return reason;
    return new OrcError(kind, `${prefix}${errorMessage(reason)}`, { cause: reason });
  }

  get code(): string {
    return ErrorKinds[this.kind].code;
  }

  get status(): GrpcStatusCode {
    return ErrorKinds[this.kind].status;
  }
}

/** Structural check, so errors crossing package copies or realms (e.g. chaincode bundles) are still recognised. */
export function isOrcError(err: unknown): err is OrcError {
  return (
    err instanceof OrcError ||
    (err instanceof Error && err.name === 'OrcError' && typeof (err as Partial<OrcError>).kind === 'string')
  );
}

// Shorthands for the kinds the storage and service layers raise most, so that their messages read alike everywhere.

/** NotFound (OE0002): `what` with key `key` does not exist. */
export const notFound = (what: string, key: string): OrcError =>
  new OrcError('NotFound', `${what} with key "${key}" not found`);
/** Conflict (OE0006, ALREADY_EXISTS): `what` with key `key` exists already. */
export const conflict = (what: string, key: string): OrcError =>
  new OrcError('Conflict', `${what} with key "${key}" already exists`);
/** BadRequest: a request that is well-formed but not acceptable as it stands. */
export const badRequest = (detail: string): OrcError => new OrcError('BadRequest', detail);
/** InvalidAsset: a field breaks a validation rule; `detail` names the field. */
export const invalidAsset = (detail: string): OrcError => new OrcError('InvalidAsset', detail);
/** PermissionDenied: the requester may not do this. */
export const permissionDenied = (detail: string): OrcError => new OrcError('PermissionDenied', detail);
/** Internal: a broken invariant of ours, never the client's fault; `cause` is kept for the logs. */
export const internal = (detail: string, cause?: unknown): OrcError => new OrcError('Internal', detail, { cause });

/** The message of anything thrown: an Error's message, or the value as text. */
export function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
