import { ErrorKinds, type ErrorKind } from './kinds.js';
import { OrcError } from './orcerror.js';

const kindByCode = new Map<string, ErrorKind>();
for (const [kind, { code }] of Object.entries(ErrorKinds) as [ErrorKind, { code: string }][]) {
  // The first kind listed for a shared code (OE0007 → Internal) is the canonical one.
  if (!kindByCode.has(code)) kindByCode.set(code, kind);
}

const codePattern = /\b(OE\d{4}): ?/;

/**
 * Rebuilds an OrcError from text that crossed a boundary which only keeps messages (a chaincode error returned
 * through Fabric). The first OE code found wins; text without a code yields undefined.
 */
export function orcErrorFromText(text: string): OrcError | undefined {
  const match = codePattern.exec(text);
  if (!match?.[1]) return undefined;
  const kind = kindByCode.get(match[1]);
  if (!kind) return undefined;
  return new OrcError(kind, text.slice(match.index + match[0].length));
}
