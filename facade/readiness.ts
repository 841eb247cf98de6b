// Whether this server should receive traffic: a replica whose storage cannot be reached answers NOT_SERVING on the
// gRPC health service and 503 on /readyz, so a load balancer sends its calls to the others until it recovers.
import type { Backend } from './backend.js';
import type { Health } from './health.js';
import type { Logger } from './logger.js';

/** How long a check waits for the storage before calling it unreachable. */
const STORAGE_CHECK_TIMEOUT_MS = 2000;
/** How often the health service's status is brought up to date. */
const WATCH_INTERVAL_MS = 2000;

/** The storage answers within the timeout (a backend without storage of its own always does). */
export async function storageReachable(backend: Backend): Promise<boolean> {
  if (!backend.checkStorage) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), STORAGE_CHECK_TIMEOUT_MS);
  });
  const check = backend.checkStorage().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps the gRPC health status in step with the storage while the server serves. */
export class StorageWatch {
  private timer: NodeJS.Timeout | undefined;
  private reachable = true;
  private checking = false;

  constructor(
    private readonly backend: Backend,
    private readonly health: Health,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.backend.checkStorage) return;
    this.timer = setInterval(() => void this.check(), WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const reachable = await storageReachable(this.backend);
      if (reachable === this.reachable || this.timer === undefined) return;
      this.reachable = reachable;
      this.health.setAll(reachable ? 'SERVING' : 'NOT_SERVING');
      if (reachable) this.logger.info('storage reachable again: SERVING');
      else this.logger.warn('storage unreachable: NOT_SERVING until it answers again');
    } finally {
      this.checking = false;
    }
  }
}
