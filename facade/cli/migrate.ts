// `orchestrator export` and `orchestrator import`: the ledger file on disk on one side, a server on the other.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { LedgerManifest } from '../../lib/migration/index.js';
import { MigrationService } from '../../lib/wire/gen/orchestratorts/migration/v1/migration_pb.js';
import type { OrchestratorConnection } from './client.js';
import { exportLedger } from './export.js';
import type { Progress } from './progress.js';

/**
 * Exports the connection's channel to `path`. The file is written beside it under a temporary name and renamed
 * at the end, so an export that fails leaves no partial file behind.
 */
export async function exportToFile(
  connection: OrchestratorConnection,
  path: string,
  progress: Progress,
): Promise<LedgerManifest> {
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  void failed.catch(() => undefined);
  const sink = async (line: string): Promise<void> => {
    if (!out.write(line)) await Promise.race([once(out, 'drain'), failed]);
  };
  try {
    const manifest = await exportLedger(connection, sink, (kind, written, total) =>
      progress.update(kind, written, total),
    );
    progress.end();
    out.end();
    await Promise.race([once(out, 'close'), failed]);
    await rename(partial, path);
    return manifest;
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}

const CHUNK_BYTES = 256 * 1024;

/** Sends the file at `path` to the server's MigrationService; the records written per kind. */
export async function importFromFile(
  connection: OrchestratorConnection,
  path: string,
  progress: Progress,
): Promise<Record<string, number>> {
  const { size } = await stat(path);
  async function* chunks() {
    let sent = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
      const bytes = chunk as Buffer;
      sent += bytes.length;
      progress.update('bytes sent', sent, size);
      yield { chunk: bytes };
    }
    progress.note('sent; the server checks the file and writes it');
  }
  const response = await connection.upload(MigrationService.method.importLedger, chunks());
  progress.end();
  return Object.fromEntries(Object.entries(response.counts).map(([kind, n]) => [kind, Number(n)]));
}
