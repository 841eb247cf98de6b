import type { ClassicLevel, Snapshot } from 'classic-level';

/** The folder's database: UTF-8 string keys (byte order = code point order), binary values. */
export type LevelDB = ClassicLevel<string, Uint8Array>;

/** One entry of a range read. */
type LevelEntry = [key: string, value: Uint8Array];

/**
 * Reads of one consistent state: either the committed state at the moment of each read (writes, which run one at
 * a time, so nothing else changes the keys they read), or an explicit LevelDB snapshot (a read RPC, which may
 * interleave with a commit and must not see half of what came before and half of what came after it).
 */
export class LevelReader {
  constructor(
    readonly db: LevelDB,
    private readonly snapshot?: Snapshot,
  ) {}

  /**
   * Point reads are synchronous (`getSync`): LedgerDB reads key by key (it was written for a chaincode stub), and an
   * asynchronous LevelDB get costs a trip through libuv's thread pool and back, several times the read itself,
   * which hit LevelDB's memtable or block cache. Measured in the bench: RegisterTasks and GetTask were bound by
   * those trips. The price is that a read missing every cache blocks the event loop for one disk read.
   */
  get(key: string): Promise<Uint8Array | undefined> {
    try {
      return Promise.resolve(this.db.getSync(key, this.options()));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    try {
      return Promise.resolve(keys.map((key) => this.db.getSync(key, this.options())));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Entries of [gte or gt, lt) in key order (descending with `reverse`). Read in chunks: one native call per chunk
   * instead of one per entry.
   */
  async *range(bounds: {
    gte?: string;
    gt?: string;
    lt?: string;
    lte?: string;
    reverse?: boolean;
    limit?: number;
  }): AsyncGenerator<LevelEntry> {
    const iterator = this.db.iterator({ ...bounds, ...this.options() });
    try {
      for (;;) {
        const chunk = await iterator.nextv(256);
        if (chunk.length === 0) return;
        for (const entry of chunk) yield entry;
      }
    } finally {
      await iterator.close();
    }
  }

  private options(): { snapshot?: Snapshot } {
    return this.snapshot ? { snapshot: this.snapshot } : {};
  }
}
