import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Commit } from '@hyperledger/fabric-gateway';
import type { UnaryRpc } from '../../lib/api/index.js';
import type { Event } from '../../lib/asset/index.js';
import { OrcError, permissionDenied } from '../../lib/errors/index.js';
import type { Backend, CallContext } from '../backend.js';
import type { Logger } from '../logger.js';
import type { FabricConfig } from './config.js';
import { connectOrganization, type OrganizationGateway } from './connection.js';
import { invokeChaincode } from './invoke.js';
import { LedgerOutbox } from './outbox.js';
import { followLedgerEvents } from './follow.js';
import { positionOfEvent } from './subscribe.js';

export interface FabricBackendOptions {
  config: FabricConfig;
  retryBudgetMs: number;
  /** Where the AMQP dispatch checkpoint lives; no outbox without it. */
  amqpCheckpointFile?: string;
  logger: Logger;
}

/**
 * Distributed mode: every unary RPC becomes one chaincode transaction signed as the caller's organization, so the
 * chaincode (not a header) decides who the requester is. The facade refuses callers it holds no identity for.
 */
export class FabricBackend implements Backend {
  readonly storage = 'fabric';
  readonly outbox: LedgerOutbox | undefined;
  private readonly gateways = new Map<string, Promise<OrganizationGateway>>();

  private constructor(private readonly options: FabricBackendOptions) {
    const { config, amqpCheckpointFile, logger } = options;
    // The facade's first organization listens for the broker; any member of the channel sees the same ledger.
    const listener = [...config.organizations.keys()][0];
    if (amqpCheckpointFile && listener) {
      this.outbox = new LedgerOutbox({
        checkpointFile: amqpCheckpointFile,
        channels: config.channels,
        chaincode: config.chaincode,
        network: (channel) => this.network({ mspid: listener, channel }),
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
    return backend;
  }

  async invoke<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageShape<I>,
    caller: CallContext,
  ): Promise<MessageShape<O>> {
    const contract = (await this.network(caller)).getContract(this.options.config.chaincode);
    const response = await invokeChaincode(contract, rpc as unknown as UnaryRpc, request, {
      retryBudgetMs: this.options.retryBudgetMs,
      endorsingOrganizations: this.options.config.endorsingOrganizations,
      signal: caller.signal,
      afterCommit: (commit) => this.awaitCommitOnOtherPeers(caller.mspid, commit),
    });
    return response as MessageShape<O>;
  }

  /** Survives peer restarts: the stream waits and resumes after the last event it sent (followLedgerEvents). */
  async *subscribe(startEventId: string, caller: CallContext): AsyncIterable<Event> {
    const network = await this.network(caller);
    const after = startEventId === '' ? undefined : await positionOfEvent(network, startEventId);
    const events = followLedgerEvents(after, {
      chaincode: this.options.config.chaincode,
      network: () => this.network(caller),
      signal: caller.signal,
      interrupted: (err, retryInMs) =>
        this.options.logger.warn(
          { err, mspid: caller.mspid, channel: caller.channel, retry_in_ms: retryInMs },
          'event stream interrupted: reconnecting',
        ),
    });
    for await (const { event } of events) yield event;
  }

  /**
   * A commit is awaited on the submitter's peer only; the other organizations' peers may not have the block yet. Since
   * the next call may come from another organization (the worker acting on a task the owner just registered), a
   * write returns once every peer the facade talks to has it, which standalone clients take for granted. A peer that
   * cannot confirm only costs a warning: the transaction is committed anyway.
   */
  private async awaitCommitOnOtherPeers(submitter: string, commit: Commit): Promise<void> {
    const bytes = commit.getBytes();
    const others = [...this.options.config.organizations.keys()].filter((mspId) => mspId !== submitter);
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
    const gateways = await Promise.allSettled(this.gateways.values());
    for (const result of gateways) if (result.status === 'fulfilled') result.value.close();
    this.gateways.clear();
  }

  /** The channel as seen by the caller's organization, connecting lazily on first use. */
  async network(caller: Pick<CallContext, 'mspid' | 'channel'>) {
    if (!this.options.config.channels.includes(caller.channel)) {
      throw new OrcError('PermissionDenied', `channel "${caller.channel}" is not served by this Fabric network`);
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
