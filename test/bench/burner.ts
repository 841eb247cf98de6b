import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Keeps every core busy with processes that spin (a plain busy loop each), to measure latency under CPU contention
 * the way the issue measured it: the server then competes for the CPU with work it does not control.
 *
 * @returns a function that stops the burners
 */
export function startCpuBurners(count = availableParallelism()): () => Promise<void> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  // An interrupted driver must not leave the machine loaded.
  const killAll = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  return async () => {
    process.off('exit', killAll);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  };
}
