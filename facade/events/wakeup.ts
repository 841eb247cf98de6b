// A level-triggered wake-up flag: set() may come before wait() (a notification arriving while the waiter was busy
// reading the database) and is not lost; several set() calls coalesce into one wake-up.
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  set(): void {
    this.pending = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Forget earlier wake-ups: call just before re-reading the state they were about. */
  clear(): void {
    this.pending = false;
  }

  /** Resolves at the next set() (at once if one is pending), on abort, or after timeoutMs. Never rejects. */
  wait(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (this.pending || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        if (timer) clearTimeout(timer);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiter = done;
    });
  }
}
