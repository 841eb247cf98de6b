// ONE source of commit notifications per process, fanned out to every stream subscriber and the AMQP dispatcher
// (Substra opens one connection per stream; with many subscribers that starves the server of connections). The
// source is the backend's: PostgreSQL's LISTEN (facade/postgres/listen.ts) or the embedded store's commits
// (facade/embedded/backend.ts). Notifications only say "something up to position P was committed on channel C";
// listeners re-read the store by position, so a lost or coalesced notification costs a read, never an event.

/** "Events up to `position` may be committed on `channel`." */
export interface EventNotification {
  channel: string;
  position: bigint;
}

export interface HubListener {
  /** Events up to `position` may be committed on the watched channel. */
  notify(position: bigint): void;
  /** Notifications may have been lost (listener reconnected): re-read. */
  resync(): void;
}

export class EventHub {
  private readonly byChannel = new Map<string, Set<HubListener>>();
  private readonly everyChannel = new Set<HubListener>();
  private stopSource: (() => Promise<void>) | undefined;
  private notifications = 0;

  /** Changes with every notification and resync, before listeners hear of it (see SharedReads). */
  get generation(): number {
    return this.notifications;
  }

  /** Connects the notification source; `stop` disconnects it at close(). */
  setSource(stop: () => Promise<void>): void {
    this.stopSource = stop;
  }

  /** Registers for one channel, or every channel when `channel` is undefined. Returns the unregister function. */
  watch(channel: string | undefined, listener: HubListener): () => void {
    let set = this.everyChannel;
    if (channel !== undefined) {
      set = this.byChannel.get(channel) ?? new Set();
      this.byChannel.set(channel, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (channel !== undefined && set.size === 0) this.byChannel.delete(channel);
    };
  }

  get listenerCount(): number {
    let n = this.everyChannel.size;
    for (const set of this.byChannel.values()) n += set.size;
    return n;
  }

  dispatch(n: EventNotification): void {
    this.notifications++;
    for (const l of this.byChannel.get(n.channel) ?? []) l.notify(n.position);
    for (const l of this.everyChannel) l.notify(n.position);
  }

  resyncAll(): void {
    this.notifications++;
    for (const set of [this.everyChannel, ...this.byChannel.values()]) for (const l of set) l.resync();
  }

  async close(): Promise<void> {
    const stop = this.stopSource;
    this.stopSource = undefined;
    await stop?.();
  }
}
