// Starts a real orchestrator in process (embedded LevelDB in a temp folder, gRPC on 127.0.0.1:0) and talks to it over gRPC.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestrator, type Orchestrator } from '../../../facade/app.js';
import { channelConfig } from '../../../facade/channels.js';
import { loadConfig } from '../../../facade/config.js';
import { EmbeddedBackend } from '../../../facade/embedded/backend.js';
import { createLogger } from '../../../facade/logger.js';
import type { Event } from '../../../lib/asset/index.js';
import { connect, type OrchestratorClient, type RpcError } from '../../support/client.js';
import { healthCheck, listServices } from './introspection.js';

const dataDir = mkdtempSync(join(tmpdir(), 'orc-smoke-'));
const logLines: Record<string, unknown>[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n'))
      if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let orc: Orchestrator;
let client: OrchestratorClient;
const org1 = { mspid: 'MyOrg1MSP', channel: 'mychannel' };

// Enough organizations for more than 10 events: positions past 9 catch text-vs-number ordering mistakes.
const extraOrgs = Array.from({ length: 11 }, (_, i) => `Org${i + 3}`);
let backend: EmbeddedBackend;

beforeAll(async () => {
  const config = loadConfig(
    {
      ORCHESTRATOR_GRPC_ADDRESS: '127.0.0.1:0',
      ORCHESTRATOR_DATA_DIR: dataDir,
      ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE: '4',
    },
    dataDir,
  );
  config.channels = channelConfig({
    mychannel: ['MyOrg1MSP', 'MyOrg2MSP', ...extraOrgs],
    yourchannel: ['MyOrg1MSP', 'MyOrg2MSP'],
  });
  const logger = createLogger('info', logSink);
  // Injected so that the test can also read the AMQP outbox of the same database.
  backend = await EmbeddedBackend.open({ dataDir, replayEventsBatchSize: config.replayEventsBatchSize });
  orc = await startOrchestrator(config, { logger, backend });
  client = connect(orc.address, org1);
}, 300_000);

afterAll(async () => {
  client?.connection.close();
  await orc?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function grpcError(p: Promise<unknown>): Promise<RpcError> {
  return p.then(
    () => {
      throw new Error('expected a gRPC error');
    },
    (err: RpcError) => err,
  );
}

describe('orchestrator over gRPC', () => {
  it('logs one listening line with the bound address and the storage', () => {
    const listening = logLines.filter((l) => l.msg === 'listening');
    expect(listening).toHaveLength(1);
    expect(listening[0]).toMatchObject({ address: orc.address, storage: 'leveldb' });
    expect(orc.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('registers an organization and lists it', async () => {
    const org = await client.organization.registerOrganization({ address: 'https://org1.example' });
    expect(org.id).toBe('MyOrg1MSP');
    const all = await client.organization.getAllOrganizations();
    expect(all.organizations.map((o) => o.id)).toEqual(['MyOrg1MSP']);
    // Channels are isolated.
    const other = await client.as({ channel: 'yourchannel' }).organization.getAllOrganizations();
    expect(other.organizations).toEqual([]);
  });

  it('maps business errors to their status with the OE code', async () => {
    const err = await grpcError(client.organization.registerOrganization());
    expect(err.code).toBe(Status.ALREADY_EXISTS);
    expect(err.details).toMatch(/^OE0006: /);
  });

  it('checks the mspid and channel headers', async () => {
    const call = (metadata: Record<string, string | undefined>) =>
      grpcError(client.organization.getAllOrganizations({}, { metadata }));
    const noMsp = await call({ mspid: undefined });
    expect([noMsp.code, noMsp.details.slice(0, 6)]).toEqual([Status.FAILED_PRECONDITION, 'OE0003']);
    const noChannel = await call({ channel: undefined });
    expect([noChannel.code, noChannel.details.slice(0, 6)]).toEqual([Status.FAILED_PRECONDITION, 'OE0003']);
    const denied = await call({ mspid: 'Stranger' });
    expect([denied.code, denied.details.slice(0, 6)]).toEqual([Status.PERMISSION_DENIED, 'OE0102']);
  });

  it('answers INVALID_ARGUMENT to undecodable request bytes', async () => {
    const err = await new Promise<ServiceError>((resolve) => {
      const md = new Metadata();
      md.add('mspid', 'MyOrg1MSP');
      md.add('channel', 'mychannel');
      client.connection.grpc.makeUnaryRequest(
        '/orchestrator.OrganizationService/RegisterOrganization',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0x10, 0x61]),
        md,
        (e) => resolve(e as ServiceError),
      );
    });
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
  });

  it('streams the channel events (replay), with the channel set', async () => {
    const events: Event[] = [];
    for await (const e of client.event.subscribeToEvents()) {
      events.push(e);
      break;
    }
    expect(events[0]).toMatchObject({ assetKey: 'MyOrg1MSP', channel: 'mychannel' });
    expect(events[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replays and dispatches events in commit order past position 9, live after replay', async () => {
    const stream = client.event.subscribeToEvents();
    expect((await stream.next())?.assetKey).toBe('MyOrg1MSP');
    for (const mspid of extraOrgs) {
      await client.as({ mspid }).organization.registerOrganization({ address: `https://${mspid}.example` });
    }
    const live: string[] = [];
    for (let i = 0; i < extraOrgs.length; i++) live.push((await stream.next())?.assetKey ?? '');
    expect(live).toEqual(extraOrgs);
    stream.cancel();

    // A replay from the start, in batches of 4, sees the same order.
    const replay: Event[] = [];
    for await (const e of client.event.subscribeToEvents()) {
      replay.push(e);
      if (replay.length === extraOrgs.length + 1) break;
    }
    expect(replay.map((e) => e.assetKey)).toEqual(['MyOrg1MSP', ...extraOrgs]);

    // Resuming after the 5th event returns the rest.
    const resumed: string[] = [];
    for await (const e of client.event.subscribeToEvents({ startEventId: replay[4]?.id })) {
      resumed.push(e.assetKey);
      if (resumed.length === extraOrgs.length - 4) break;
    }
    expect(resumed).toEqual(extraOrgs.slice(4));

    // The AMQP outbox reads every channel in position order.
    const outbox = await backend.outbox.next('', 100);
    const positions = outbox.map((o) => BigInt(o.cursor));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(outbox.map((o) => o.event.assetKey)).toEqual(['MyOrg1MSP', ...extraOrgs]);
    expect(await backend.outbox.loadCursor()).toBe('0');
  });

  it('rejects unknown and malformed start event ids', async () => {
    const first = async (startEventId: string) => {
      for await (const e of client.event.subscribeToEvents({ startEventId })) return e;
      return undefined;
    };
    const unknown = await grpcError(first('00000000-0000-4000-8000-000000000000'));
    expect([unknown.code, unknown.details.slice(0, 6)]).toEqual([Status.NOT_FOUND, 'OE0002']);
    const malformed = await grpcError(first('nope'));
    expect([malformed.code, malformed.details.slice(0, 6)]).toEqual([Status.INVALID_ARGUMENT, 'OE0101']);
  });

  it('serves reflection and health without headers', async () => {
    const list = await listServices(orc.address);
    expect(list).toContain('orchestrator.OrganizationService');
    expect(list).toContain('orchestrator.EventService');
    expect(list).toContain('grpc.health.v1.Health');
    expect(await healthCheck(orc.address, '')).toBe('SERVING');
    expect(await healthCheck(orc.address, 'orchestrator.ComputeTaskService')).toBe('SERVING');
  });

  it('shuts down cleanly, ending open event streams with UNAVAILABLE', async () => {
    // yourchannel has no event: the stream is live and waiting.
    const stream = client.as({ channel: 'yourchannel' }).event.subscribeToEvents();
    const ended = stream.next(60_000).then(
      () => undefined,
      (err: RpcError) => err,
    );
    await new Promise((r) => setTimeout(r, 300));
    await orc.close();
    const err = await ended;
    expect(err?.code).toBe(Status.UNAVAILABLE);
    expect(logLines.some((l) => l.msg === 'stopped')).toBe(true);
    await orc.close(); // idempotent
  });
});
