// orchestratorts.migration.v1.MigrationService: `orchestrator import` streams a ledger file here. The file is
// spooled to a temporary file while it arrives, checked whole (lib/migration verifyLedger), and only then handed to
// the backend, which writes it all or nothing. Off unless ORCHESTRATOR_ALLOW_IMPORT=true: rewriting a channel's
// history is for a migration, not for a live deployment.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { create } from '@bufbuild/protobuf';
import { status as Status, type Server, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';
import { badRequest, OrcError } from '../../lib/errors/index.js';
import { verifyLedger } from '../../lib/migration/index.js';
import {
  ImportLedgerResponseSchema,
  MigrationService,
  type ImportLedgerRequest,
  type ImportLedgerResponse,
} from '../../lib/wire/gen/orchestratorts/migration/v1/migration_pb.js';
import type { VerifiedLedger } from '../backend.js';
import { serverDefinition, type Decoded } from './adapter.js';
import { toGrpcError } from './errors.js';
import { requestIdOf } from './identity.js';
import { authorize, type PipelineDeps } from './pipeline.js';

export interface MigrationDeps extends PipelineDeps {
  /** ORCHESTRATOR_ALLOW_IMPORT. */
  allowImport: boolean;
}

/** The file's lines, read again from disk on every call. */
function linesOf(path: string): () => AsyncIterable<string> {
  return () => createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
}

/** Writes the streamed chunks to `path`, waiting for the disk when it falls behind. */
async function spool(call: ServerReadableStream<Decoded<ImportLedgerRequest>, unknown>, path: string): Promise<void> {
  const out = createWriteStream(path);
  try {
    for await (const request of call as AsyncIterable<Decoded<ImportLedgerRequest>>) {
      if (!request.ok) throw new OrcError('InvalidAsset', `malformed request: ${request.error.message}`);
      if (!out.write(request.message.chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
}

async function importLedger(
  call: ServerReadableStream<Decoded<ImportLedgerRequest>, ImportLedgerResponse>,
  deps: MigrationDeps,
  signal: AbortSignal,
): Promise<ImportLedgerResponse> {
  const caller = authorize(call, deps);
  if (!deps.allowImport) {
    throw badRequest('import is off on this server: start it with ORCHESTRATOR_ALLOW_IMPORT=true to import a ledger');
  }
  const importer = deps.backend.importLedger?.bind(deps.backend);
  if (!importer) throw new OrcError('Unimplemented', `the ${deps.backend.storage} backend cannot import a ledger`);
  const dir = await mkdtemp(join(tmpdir(), 'orc-import-'));
  try {
    const path = join(dir, 'ledger.ndjson');
    await spool(call, path);
    const lines = linesOf(path);
    const ledger: VerifiedLedger = { manifest: await verifyLedger(lines()), lines };
    const requestId = requestIdOf(call.metadata);
    const written = await importer(ledger, { ...caller, requestId, signal });
    deps.logger.info({ channel: caller.channel, records: written, counts: ledger.manifest.counts }, 'ledger imported');
    return create(ImportLedgerResponseSchema, {
      counts: Object.fromEntries(Object.entries(ledger.manifest.counts).map(([kind, n]) => [kind, BigInt(n)])),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function addMigrationService(server: Server, deps: MigrationDeps): string {
  const handler = (
    call: ServerReadableStream<Decoded<ImportLedgerRequest>, ImportLedgerResponse>,
    callback: sendUnaryData<ImportLedgerResponse>,
  ): void => {
    const cancelled = new AbortController();
    call.once('cancelled', () => cancelled.abort());
    const log = deps.logger.child({ method: `${MigrationService.typeName}/ImportLedger` });
    importLedger(call, deps, cancelled.signal).then(
      (response) => callback(null, response),
      (err: unknown) => {
        const mapped = toGrpcError(err);
        if (mapped.unexpected) log.error({ err }, 'import failed');
        else log.info({ code: Status[mapped.code], details: mapped.details }, 'import refused');
        callback({ code: mapped.code, details: mapped.details });
      },
    );
  };
  server.addService(serverDefinition(MigrationService), { ImportLedger: handler });
  return MigrationService.typeName;
}
