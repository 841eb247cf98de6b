import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { UnaryRpc } from '../../lib/api/index.js';
import type { Event } from '../../lib/asset/index.js';
import { OrcError, permissionDenied } from '../../lib/errors/index.js';
import type { Backend, CallContext, EventOutbox } from '../backend.js';
import type { FabricConfig } from './config.js';
import { connectOrganization, type OrganizationGateway } from './connection.js';
import { invokeChaincode } from './invoke.js';
import { ledgerEvents, positionOfEvent } from './subscribe.js';

export interface FabricBackendOptions {
  config: FabricConfig;
  retryBudgetMs: number;
  outbox?: EventOutbox;
}

/**
 * Distributed mode: every unary RPC becomes one chaincode transaction signed as the caller's organization, so the
 * chaincode (not a header) decides who the requester is. The facade refuses callers it holds no identity for.
 */
export class FabricBackend implements Backend {
  readonly storage = 'fabric';
  readonly outbox: EventOutbox | undefined;
  private readonly gateways = new Map<string, Promise<OrganizationGateway>>();

  constructor(private readonly options: FabricBackendOptions) {
    this.outbox = options.outbox;
  }

  async invoke<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageShape<I>,
    caller: CallContext,
  ): Promise<MessageShape<O>> {
    const contract = (await this.network(caller)).getContract(this.options.config.chaincode);
    const response = await invokeChaincode(contract, rpc as unknown as UnaryRpc, request, {
      retryBudgetMs: this.options.retryBudgetMs,
      signal: caller.signal,
    });
    return response as MessageShape<O>;
  }

  async *subscribe(startEventId: string, caller: CallContext): AsyncIterable<Event> {
    const network = await this.network(caller);
    const after = startEventId === '' ? undefined : await positionOfEvent(network, startEventId);
    for await (const { event } of ledgerEvents(network, this.options.config.chaincode, after, caller.signal)) {
      yield event;
    }
  }

  async close(): Promise<void> {
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
