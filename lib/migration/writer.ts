import { createHash, type Hash } from 'node:crypto';
import { toJson, type DescMessage } from '@bufbuild/protobuf';
import { canonicalJson } from './canonicaljson.js';
import {
  emptyCounts,
  LEDGER_FORMAT,
  LEDGER_FORMAT_VERSION,
  RECORD_SCHEMAS,
  type LedgerManifest,
  type LedgerRecord,
  type RecordKind,
} from './format.js';

/** Where the lines go; resolves when the sink can take more (backpressure). */
export type LineSink = (line: string) => Promise<void>;

/** The canonical line of one record. Events lose `channel`: the manifest names it once. */
export function recordLine(record: LedgerRecord): string {
  const schema: DescMessage = RECORD_SCHEMAS[record.kind];
  const value = record.kind === 'event' ? { ...record.value, channel: '' } : record.value;
  return canonicalJson({ kind: record.kind, value: toJson(schema, value) });
}

/**
 * Writes a ledger file line by line: the header at once, each record as it comes, the manifest on finish. Holds
 * only the running checksum and the counts, so a ledger of any size goes through in constant memory.
 */
export class LedgerWriter {
  private readonly hash: Hash = createHash('sha256');
  private readonly counts = emptyCounts();
  private started = false;

  constructor(
    private readonly sink: LineSink,
    private readonly channel: string,
  ) {}

  private async line(text: string): Promise<void> {
    const withNewline = `${text}\n`;
    this.hash.update(withNewline);
    await this.sink(withNewline);
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.line(canonicalJson({ format: LEDGER_FORMAT, version: LEDGER_FORMAT_VERSION }));
  }

  async write(record: LedgerRecord): Promise<void> {
    await this.start();
    this.counts[record.kind]++;
    await this.line(recordLine(record));
  }

  /** Records written so far, per kind. */
  count(kind: RecordKind): number {
    return this.counts[kind];
  }

  /** Writes the trailer; returns the manifest. */
  async finish(): Promise<LedgerManifest> {
    await this.start();
    const manifest: LedgerManifest = {
      format: LEDGER_FORMAT,
      version: LEDGER_FORMAT_VERSION,
      channel: this.channel,
      counts: { ...this.counts },
      sha256: this.hash.digest('hex'),
    };
    await this.sink(`${canonicalJson({ manifest })}\n`);
    return manifest;
  }
}
