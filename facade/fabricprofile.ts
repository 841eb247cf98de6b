// A Fabric "common connection profile" (the YAML or JSON that Fabric's tooling writes for client applications) as the
// facade's Fabric configuration: ORCHESTRATOR_FABRIC_CONNECTION_PROFILE=<path>. The profile says where each
// organization's peers are and which peers are on which channel; the facade needs three more facts that a profile
// does not carry, each with a default: the chaincode (ORCHESTRATOR_FABRIC_CHAINCODE, default "orchestrator"), the
// served channels (ORCHESTRATOR_FABRIC_CHANNELS, default all of the profile's), and the endorsing organizations
// (ORCHESTRATOR_FABRIC_ENDORSING_ORGS, default those the facade signs for that are members of every served channel).
// Each organization's signing identity is ORCHESTRATOR_FABRIC_<MSPID>_CERT / _KEY, or else the profile's own
// `signedCert` / `adminPrivateKey` of that organization; an organization with neither is a channel member the facade
// does not speak for.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { FabricConfig, FabricOrganization } from './fabric/config.js';

const fileOrPem = z.object({ path: z.string().min(1).optional(), pem: z.string().min(1).optional() });

const profileSchema = z.object({
  organizations: z.record(
    z.string(),
    z.object({
      mspid: z.string().min(1),
      peers: z.array(z.string()).min(1),
      signedCert: fileOrPem.optional(),
      adminPrivateKey: fileOrPem.optional(),
    }),
  ),
  peers: z.record(
    z.string(),
    z.object({
      url: z.string().regex(/^grpcs:\/\/[^/]+:\d+$/, 'must be grpcs://<host>:<port> (the facade dials peers with TLS)'),
      tlsCACerts: fileOrPem,
      grpcOptions: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  channels: z.record(z.string(), z.object({ peers: z.record(z.string(), z.unknown()) })),
});

type Profile = z.infer<typeof profileSchema>;

/** The profile could not be used: the message names the file and what is wrong with it. */
export class ConnectionProfileError extends Error {
  override readonly name = 'ConnectionProfileError';
}

export function loadConnectionProfile(file: string, vars: Record<string, string | undefined>): FabricConfig {
  const fail = (detail: string): never => {
    throw new ConnectionProfileError(`${file}: ${detail}`);
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    return fail(`not YAML or JSON: ${(err as Error).message.split('\n')[0]?.replace(/:$/, '')}`);
  }
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  const profile = parsed.data;
  // Relative paths in a profile are relative to the profile, as Fabric's SDKs read them.
  const fromProfile = (p: string): string => resolve(dirname(file), p);

  const orgOfPeer = new Map<string, string>();
  for (const org of Object.values(profile.organizations)) {
    for (const peer of org.peers) orgOfPeer.set(peer, org.mspid);
  }
  const organizations = new Map<string, FabricOrganization>();
  for (const [name, org] of Object.entries(profile.organizations)) {
    if ((org.signedCert?.pem && !org.signedCert.path) || (org.adminPrivateKey?.pem && !org.adminPrivateKey.path)) {
      fail(
        `organizations.${name}: an identity given as pem is not supported, give signedCert.path and adminPrivateKey.path`,
      );
    }
    const identity = identityOf(org, vars, fromProfile);
    if (!identity) continue;
    const peerName = org.peers[0] as string;
    const peer = profile.peers[peerName] ?? fail(`organizations.${name}.peers: "${peerName}" is not under peers`);
    const ca = peer.tlsCACerts;
    if (!ca.path && !ca.pem) fail(`peers.${peerName}.tlsCACerts: needs path or pem`);
    const override = peer.grpcOptions?.['ssl-target-name-override'];
    const endpoint = peer.url.slice('grpcs://'.length);
    organizations.set(org.mspid, {
      mspId: org.mspid,
      peerEndpoint: endpoint,
      peerHostAlias: typeof override === 'string' && override ? override : endpoint.slice(0, endpoint.lastIndexOf(':')),
      ...(ca.pem ? { tlsCaPem: ca.pem } : { tlsCaPath: fromProfile(ca.path as string) }),
      ...identity,
    });
  }
  if (organizations.size === 0) {
    fail(
      'no organization has a signing identity (signedCert + adminPrivateKey paths in the profile, or ' +
        'ORCHESTRATOR_FABRIC_<MSPID>_CERT and _KEY)',
    );
  }

  const members = new Map<string, string[]>();
  for (const [channel, { peers }] of Object.entries(profile.channels)) {
    const orgs = Object.keys(peers).map(
      (peer) => orgOfPeer.get(peer) ?? fail(`channels.${channel}.peers: "${peer}" belongs to no organization`),
    );
    members.set(channel, [...new Set(orgs)]);
  }
  const channels = listVar(vars.ORCHESTRATOR_FABRIC_CHANNELS) ?? [...members.keys()];
  if (channels.length === 0) fail('channels: lists no channel');
  const held = [...organizations.keys()];
  for (const channel of channels) {
    const orgs = members.get(channel) ?? fail(`channels: has no channel "${channel}" (ORCHESTRATOR_FABRIC_CHANNELS)`);
    if (!orgs.some((mspId) => held.includes(mspId))) {
      fail(`channel "${channel}": the facade holds no identity for any of its members (${orgs.join(', ')})`);
    }
  }
  return {
    chaincode: vars.ORCHESTRATOR_FABRIC_CHAINCODE || 'orchestrator',
    channels,
    organizations,
    endorsingOrganizations:
      listVar(vars.ORCHESTRATOR_FABRIC_ENDORSING_ORGS) ??
      held.filter((mspId) => channels.every((channel) => members.get(channel)?.includes(mspId))),
    channelMembers: new Map(channels.map((channel) => [channel, members.get(channel) ?? []])),
  };
}

function identityOf(
  org: Profile['organizations'][string],
  vars: Record<string, string | undefined>,
  fromProfile: (p: string) => string,
): { certPath: string; keyPath: string } | undefined {
  const certPath = vars[`ORCHESTRATOR_FABRIC_${org.mspid}_CERT`] || pathOf(org.signedCert, fromProfile);
  const keyPath = vars[`ORCHESTRATOR_FABRIC_${org.mspid}_KEY`] || pathOf(org.adminPrivateKey, fromProfile);
  return certPath && keyPath ? { certPath, keyPath } : undefined;
}

function pathOf(entry: { path?: string | undefined } | undefined, fromProfile: (p: string) => string): string {
  return entry?.path ? fromProfile(entry.path) : '';
}

function listVar(value: string | undefined): string[] | undefined {
  if (!value?.trim()) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
