import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Commit, Network } from '@hyperledger/fabric-gateway';
import { rowOf, transactionName, type UnaryRpc } from '../../lib/api/index.js';
import { EventService, type Event } from '../../lib/asset/index.js';
import { isOrcError, OrcError, permissionDenied } from '../../lib/errors/index.js';
import { DEFAULT_IDEMPOTENCY_WINDOW_MS, idempotencyTransient } from '../../lib/idempotency/index.js';
import type { Backend, CallContext } from '../backend.js';
import type { Encoded } from '../encoded.js';
import type { Logger } from '../logger.js';
import { endorsersOn, membersOf, type FabricConfig } from './config.js';
import { WriteLane, type BatchingOptions } from './batcher.js';
import { connectOrganization, type OrganizationGateway } from './connection.js';
import { fromFabricError } from './errors.js';
import { invokeChaincode, submitBatch, submitWrite, type InvokeOptions } from './invoke.js';
import { fileCheckpoint, rabbitCheckpoint } from './checkpoint.js';
import { rabbitLease } from './lease.js';
import { FabricEventIndex } from './eventindex.js';
import { LedgerOutbox } from './outbox.js';

interface FabricBackendOptions {
  config: FabricConfig;
  retryBudgetMs: number;
  /** How concurrent writes share transactions; maxCalls 1 sends every write alone, with no limit in flight. */
  batching: BatchingOptions;
  /** How long an idempotency key answers retries (ORCHESTRATOR_IDEMPOTENCY_WINDOW; default 24h). */
  idempotencyWindowMs?: number;
  /** AMQP dispatch (no outbox without it): where its checkpoint lives, and the replica group it belongs to. */
  amqp?: {
    url: string;
    /** One facade: the checkpoint is this file. */
    checkpointFile: string;
    /**
     * Replicas of one organization's facade share this name (ORCHESTRATOR_AMQP_DISPATCH_GROUP): one of them
     * dispatches, elected through a RabbitMQ single-active-consumer queue, and the checkpoint lives in RabbitMQ.
     */
    dispatchGroup?: string;
  };
  /** The folder of the event index that QueryEvents and streams read (eventindex.ts); one facade per folder. */
  eventIndexDir: string;
  replayEventsBatchSize: number;
  logger: Logger;
}

/**
 * Distributed mode: every unary RPC becomes one chaincode transaction signed as the caller's organization, so the
 * chaincode (not a header) decides who the requester is. The facade refuses callers it holds no identity for.
 */
/** Answered from the facade's event index (eventindex.ts) instead of the chaincode. */
const QUERY_EVENTS: UnaryRpc = rowOf(EventService.method.queryEvents);

export class FabricBackend implements Backend {
  readonly storage = 'fabric';
  readonly outbox: LedgerOutbox | undefined;
  private events: FabricEventIndex | undefined;
  private readonly gateways = new Map<string, Promise<OrganizationGateway>>();
  /** One per organization and channel: a batch is signed by one organization and ordered on one channel. */
  private readonly lanes = new Map<string, WriteLane>();

  private constructor(private readonly options: FabricBackendOptions) {
    const { config, amqp, logger } = options;
    if (amqp) {
      const group = amqp.dispatchGroup;
      const queue = `orchestrator.dispatcher.${group ?? ''}`;
      this.outbox = new LedgerOutbox({
        checkpoint: group ? rabbitCheckpoint(amqp.url, `${queue}.checkpoint`) : fileCheckpoint(amqp.checkpointFile),
        ...(group ? { lease: rabbitLease(amqp.url, queue) } : {}),
        channels: config.channels,
        chaincode: config.chaincode,
        network: (channel) => this.network({ mspid: this.listenerOn(channel), channel }),
        logger,
      });
    }
  }

  /** Loads the first organization's credentials eagerly, so that a missing or unreadable file fails the start. */
  static async open(options: FabricBackendOptions): Promise<FabricBackend> {
    const backend = new FabricBackend(options);
    const first = [...options.config.organizations.keys()][0];
    if (!first) throw new OrcError('Internal', 'the Fabric configuration names no organization');
    await backend.gateway(first);
    backend.events = await FabricEventIndex.open({
      dir: options.eventIndexDir,
      channels: options.config.channels,
      chaincode: options.config.chaincode,
      network: (channel) => backend.network({ mspid: backend.listenerOn(channel), channel }),
      logger: options.logger,
      replayEventsBatchSize: options.replayEventsBatchSize,
    });
    return backend;
  }

  async invoke<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageShape<I>,
    caller: CallContext,
  ): Promise<MessageShape<O>> {
    const network = await this.network(caller);
    if ((rpc as UnaryRpc) === QUERY_EVENTS && this.events) {
      return this.events.query(rpc, request, caller, network).catch((err: unknown) => {
        throw isOrcError(err) ? err : fromFabricError(err);
      });
    }
    const refused = async (err: unknown): Promise<never> => {
      throw await refusalOrOutage(err, network);
    };
    // A write under an idempotency key travels alone: the key rides in the proposal's transient map, which a batch
    // transaction shares between all its calls.
    const key = rpc.readOnly ? undefined : caller.idempotencyKey;
    if (rpc.readOnly || key !== undefined || this.options.batching.maxCalls <= 1) {
      const contract = network.getContract(this.options.config.chaincode);
      const options: InvokeOptions = { ...this.invokeOptions(caller), signal: caller.signal };
      if (key !== undefined) {
        const windowMs = this.options.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS;
        options.transientData = idempotencyTransient(key, windowMs);
      }
      const response = await invokeChaincode(contract, rpc as unknown as UnaryRpc, request, options).catch(refused);
      return response as MessageShape<O>;
    }
    const call = { function: transactionName(rpc), request: toBinary(rpc.method.input, request) };
    const response = await this.lane(caller, network).write(call, caller.signal).catch(refused);
    return fromBinary(rpc.method.output, response);
  }

  private invokeOptions(caller: Pick<CallContext, 'mspid' | 'channel'>): InvokeOptions {
    return {
      retryBudgetMs: this.options.retryBudgetMs,
      endorsingOrganizations: endorsersOn(this.options.config, caller.channel),
      afterCommit: (commit) => this.awaitCommitOnOtherPeers(caller, commit),
    };
  }

  private lane(caller: Pick<CallContext, 'mspid' | 'channel'>, network: Network): WriteLane {
    const key = `${caller.mspid}\u0000${caller.channel}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      const contract = network.getContract(this.options.config.chaincode);
      const identity = { mspid: caller.mspid, channel: caller.channel };
      const options = this.invokeOptions(identity);
      lane = new WriteLane(this.options.batching, {
        one: (call, endorsed) => submitWrite(contract, call.function, call.request, { ...options, endorsed }),
        many: (calls, endorsed) => submitBatch(contract, calls, { ...options, endorsed }),
      });
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Served by the event index: it survives peer restarts (its block reader reconnects) and replays locally. */
  async *subscribe(startEventId: string, caller: CallContext): AsyncIterable<Event | Encoded> {
    const network = await this.network(caller);
    if (!this.events) throw new OrcError('Internal', 'the event index is not open');
    yield* this.events.subscribe(startEventId, caller, network);
  }

  /**
   * A commit is awaited on the submitter's peer only; the other organizations' peers may not have the block yet. Since
   * the next call may come from another organization (the worker acting on a task the owner just registered), a
   * write returns once every peer the facade talks to on that channel has it, which standalone clients take for
   * granted. Peers of organizations outside the channel have no such ledger and are not asked. A peer that cannot
   * confirm only costs a warning: the transaction is committed anyway.
   */
  private async awaitCommitOnOtherPeers(
    submitter: Pick<CallContext, 'mspid' | 'channel'>,
    commit: Commit,
  ): Promise<void> {
    const bytes = commit.getBytes();
    const others = membersOf(this.options.config, submitter.channel).filter((mspId) => mspId !== submitter.mspid);
    await Promise.all(
      others.map(async (mspId) => {
        try {
          await (await this.gateway(mspId)).gateway.newCommit(bytes).getStatus();
        } catch (err) {
          this.options.logger.warn(
            { err, mspid: mspId, tx: commit.getTransactionId() },
            'commit not confirmed by peer',
          );
        }
      }),
    );
  }

  async close(): Promise<void> {
    await this.outbox?.close();
    await this.events?.close();
    const gateways = await Promise.allSettled(this.gateways.values());
    for (const result of gateways) if (result.status === 'fulfilled') result.value.close();
    this.gateways.clear();
  }

  /**
   * Who reads a channel's events for the broker: the facade's first organization that is a member of it (any member
   * sees the same ledger; one outside the channel would be refused).
   */
  private listenerOn(channel: string): string {
    const listener = membersOf(this.options.config, channel)[0];
    if (!listener) throw new OrcError('Internal', `the facade holds no identity of a member of channel "${channel}"`);
    return listener;
  }

  /**
   * The channel as seen by the caller's organization, connecting lazily on first use. An organization that the
   * configuration says is no member of the channel is refused here: its peer has not joined the channel, and the
   * gateway would word that as "no endorsing peers", which reads like an outage.
   */
  async network(caller: Pick<CallContext, 'mspid' | 'channel'>) {
    const { channels, channelMembers, organizations } = this.options.config;
    if (!channels.includes(caller.channel)) {
      throw new OrcError('PermissionDenied', `channel "${caller.channel}" is not served by this Fabric network`);
    }
    if (organizations.has(caller.mspid) && !channelMembers.get(caller.channel)?.includes(caller.mspid)) {
      throw permissionDenied(`organization "${caller.mspid}" is not a member of Fabric channel "${caller.channel}"`);
    }
    return (await this.gateway(caller.mspid)).gateway.getNetwork(caller.channel);
  }

  private gateway(mspId: string): Promise<OrganizationGateway> {
    let gateway = this.gateways.get(mspId);
    if (!gateway) {
      const org = this.options.config.organizations.get(mspId);
      if (!org) throw permissionDenied(`this facade holds no Fabric identity for organization "${mspId}"`);
      gateway = connectOrganization(org);
      gateway.catch(() => this.gateways.delete(mspId));
      this.gateways.set(mspId, gateway);
    }
    return gateway;
  }
}

/**
 * A gateway whose own peer has not joined the channel answers a write with "failed to find any endorsing peers", as
 * it does when the other organizations' peers are down. Without channel membership in the configuration, asking that
 * same peer (which just answered) about the channel tells a refusal, which clients must not retry, from an outage.
 */
async function refusalOrOutage(err: unknown, network: Network): Promise<unknown> {
  if (!isOrcError(err) || err.kind !== 'Unavailable' || !/failed to find any endorsing peers/.test(err.message)) {
    return err;
  }
  try {
    await network.getContract('qscc').evaluate('GetChainInfo', { arguments: [network.getName()] });
    return err;
  } catch (probe) {
    const refusal = fromFabricError(probe);
    return refusal.kind === 'PermissionDenied' ? refusal : err;
  }
}
