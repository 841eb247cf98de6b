// What every scenario file receives: the running target, its topology (channels and organizations) and clients.
// The suite talks to the target only through gRPC, so any deployment (embedded, PostgreSQL, Fabric) can be plugged in.
import { CallRecorder, Connection, type OrchestratorClient } from '../support/client.js';

/**
 * Which channels and organizations the target serves. Every scenario uses two organizations: `owner` registers
 * plans, functions and data; `worker` executes tasks on its own data. Both must be allowed on both channels.
 */
export interface Topology {
  channels: readonly [string, string];
  owner: string;
  worker: string;
  /**
   * An MSP id allowed on `channels[1]` only (for "channel not allowed" and per-channel organization checks).
   * Targets that cannot serve such an identity leave it out and those scenarios are skipped.
   */
  restricted?: string;
}

export const DEFAULT_TOPOLOGY: Topology = {
  channels: ['mychannel', 'yourchannel'],
  owner: 'MyOrg1MSP',
  worker: 'MyOrg2MSP',
  restricted: 'MyOrg3MSP',
};

/**
 * The channel configuration a local server needs for `topology`: both organizations on both channels, the restricted
 * one on the second channel only.
 */
export function channelConfigFor(topology: Topology): Record<string, string[]> {
  const [first, second] = topology.channels;
  const both = [topology.owner, topology.worker];
  return { [first]: both, [second]: topology.restricted ? [...both, topology.restricted] : both };
}

/** What a target start function returns. */
export interface TargetHandle {
  /** host:port of the orchestrator's gRPC server. */
  address: string;
  stop(): Promise<void>;
  /** Overrides of DEFAULT_TOPOLOGY, for targets whose network names its channels and organizations otherwise. */
  topology?: Partial<Topology>;
}

export type StartTarget = () => Promise<TargetHandle>;

/** The shared state of one target's run, filled by the suite's beforeAll. */
export class ConformanceContext {
  readonly recorder = new CallRecorder();
  #handle: TargetHandle | undefined;
  #connection: Connection | undefined;
  #topology: Topology = DEFAULT_TOPOLOGY;

  constructor(readonly targetName: string) {}

  attach(handle: TargetHandle): void {
    this.#handle = handle;
    this.#topology = { ...DEFAULT_TOPOLOGY, ...handle.topology };
    this.#connection = new Connection(handle.address);
  }

  async detach(): Promise<void> {
    this.#connection?.close();
    this.#connection = undefined;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.stop();
  }

  get target(): TargetHandle {
    if (!this.#handle) throw new Error('conformance target not started (used outside a test?)');
    return this.#handle;
  }

  get topology(): Topology {
    return this.#topology;
  }

  get address(): string {
    return this.target.address;
  }

  get connection(): Connection {
    if (!this.#connection) throw new Error('conformance target not started (used outside a test?)');
    return this.#connection;
  }

  /** A client speaking as `mspid` on `channel` (defaults: the owner, the first channel); its calls are recorded. */
  client(
    mspid: string | undefined = this.topology.owner,
    channel: string | undefined = this.channel,
  ): OrchestratorClient {
    return this.connection.as({ mspid, channel, recorder: this.recorder });
  }

  /** A client with exactly these headers (`undefined` leaves a header out), for header checks. */
  rawClient(identity: { mspid: string | undefined; channel: string | undefined }): OrchestratorClient {
    return this.connection.as({ ...identity, recorder: this.recorder });
  }

  /** A client on its own connection (for tests that disconnect abruptly). */
  isolatedClient(mspid: string = this.topology.owner, channel: string = this.channel): OrchestratorClient {
    return new Connection(this.address).as({ mspid, channel, recorder: this.recorder });
  }

  get channel(): string {
    return this.topology.channels[0];
  }

  get otherChannel(): string {
    return this.topology.channels[1];
  }

  /** The owner organization on the first channel. */
  get owner(): OrchestratorClient {
    return this.client(this.topology.owner);
  }

  /** The worker organization on the first channel. */
  get worker(): OrchestratorClient {
    return this.client(this.topology.worker);
  }
}
