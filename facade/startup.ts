/**
 * A reason the server cannot start that the operator can fix (data folder in use, old or unwritable folder): main.ts
 * prints its message as ONE line on stderr and exits 1, without a stack. The message names what is wrong.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
