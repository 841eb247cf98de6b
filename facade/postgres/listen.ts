// Feeds the process's EventHub from PostgreSQL: ONE LISTEN connection per process (lib/postgres listenEvents).
import { listenEvents, type DbHandle } from '../../lib/postgres/index.js';
import { EventHub } from '../events/hub.js';
import type { Logger } from '../logger.js';

export async function listeningHub(db: DbHandle, log: Logger): Promise<EventHub> {
  const hub = new EventHub();
  const unlisten = await listenEvents(db, (n) => hub.dispatch(n), {
    onReconnect: () => {
      log.warn('event listener reconnected; subscribers re-read');
      hub.resyncAll();
    },
    onError: (err) => log.warn({ err }, 'event listener connection problem'),
  });
  hub.setSource(unlisten);
  return hub;
}
