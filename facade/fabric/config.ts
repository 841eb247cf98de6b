// The Fabric side of the facade's configuration: what it knows of the network, and who is a member of which channel.
// Read from the environment or network/.state/facade.env by ../fabricenv.ts, or from a Fabric connection profile by
// ../fabricprofile.ts.

/** How the facade reaches one organization's peer and signs as that organization. */
export interface FabricOrganization {
  mspId: string;
  /** host:port of the organization's gateway peer. */
  peerEndpoint: string;
  /** TLS server name the peer's certificate carries. */
  peerHostAlias: string;
  /** The peer's TLS CA: a file, or (from a connection profile's `tlsCACerts.pem`) the PEM itself. */
  tlsCaPath?: string;
  tlsCaPem?: string;
  certPath: string;
  keyPath: string;
}

export interface FabricConfig {
  chaincode: string;
  channels: string[];
  organizations: Map<string, FabricOrganization>;
  /**
   * The organizations whose peers endorse every write, in parallel. Empty: the gateway peer endorses first to learn
   * the chaincode's needs and only then asks the others, which doubles the latency of a long transaction.
   */
  endorsingOrganizations: string[];
  /**
   * The member organizations of each served channel (ORCHESTRATOR_FABRIC_CHANNEL_ORGS); without that variable, every
   * organization of `organizations` on every channel. The facade asks only members' peers about a channel (commit
   * status, events) and refuses a non-member caller itself; Fabric refuses whatever this map gets wrong.
   */
  channelMembers: ReadonlyMap<string, readonly string[]>;
}

/** The organizations the facade holds an identity for that are members of `channel`, in configuration order. */
export function membersOf(config: FabricConfig, channel: string): string[] {
  const members = config.channelMembers.get(channel) ?? [];
  return [...config.organizations.keys()].filter((mspId) => members.includes(mspId));
}

/**
 * The organizations that endorse every write on `channel` at once: the configured ones that are members of it (an
 * organization outside the channel has no peer there to ask).
 */
export function endorsersOn(config: FabricConfig, channel: string): string[] {
  const members = config.channelMembers.get(channel);
  return config.endorsingOrganizations.filter((mspId) => !members || members.includes(mspId));
}
