// A Fabric common connection profile as the facade's Fabric configuration (facade/fabricprofile.ts): what it takes
// from the profile, what it takes from the environment, and the one-line refusal of a profile it cannot use.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../facade/config.js';
import { loadFabricConfig } from '../../../facade/fabricenv.js';

const dir = mkdtempSync(join(tmpdir(), 'profile-test-'));

/** Org1 and Org2 on both channels, Org3 on `two` only; Org3 has no identity in the profile. */
function profile(): Record<string, unknown> {
  const peer = (n: number) => ({
    url: `grpcs://10.1.2.${n}:7051`,
    tlsCACerts: n === 2 ? { pem: '-----BEGIN CERTIFICATE-----\n' } : { path: `crypto/ca${n}.crt` },
    grpcOptions: { 'ssl-target-name-override': `peer0.org${n}.example.com` },
  });
  const org = (n: number, identity: boolean) => ({
    mspid: `Org${n}MSP`,
    peers: [`peer0.org${n}`],
    ...(identity ? { signedCert: { path: `users/${n}.pem` }, adminPrivateKey: { path: `/abs/key${n}` } } : {}),
  });
  const all = { endorsingPeer: true };
  return {
    name: 'test',
    version: '1.0.0',
    organizations: { Org1: org(1, true), Org2: org(2, true), Org3: org(3, false) },
    peers: { 'peer0.org1': peer(1), 'peer0.org2': peer(2), 'peer0.org3': peer(3) },
    channels: {
      one: { peers: { 'peer0.org1': all, 'peer0.org2': all } },
      two: { peers: { 'peer0.org1': all, 'peer0.org2': all, 'peer0.org3': all } },
    },
  };
}

function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

describe('ORCHESTRATOR_FABRIC_CONNECTION_PROFILE', () => {
  it('takes peers, TLS CAs, identities and channel membership from the profile', () => {
    const file = write('good.yaml', profile());
    const config = loadFabricConfig({ ORCHESTRATOR_FABRIC_CONNECTION_PROFILE: file });
    expect(config.chaincode).toBe('orchestrator');
    expect(config.channels).toEqual(['one', 'two']);
    expect([...config.organizations.keys()]).toEqual(['Org1MSP', 'Org2MSP']);
    expect(config.organizations.get('Org1MSP')).toEqual({
      mspId: 'Org1MSP',
      peerEndpoint: '10.1.2.1:7051',
      peerHostAlias: 'peer0.org1.example.com',
      tlsCaPath: join(dir, 'crypto/ca1.crt'),
      certPath: join(dir, 'users/1.pem'),
      keyPath: '/abs/key1',
    });
    expect(config.organizations.get('Org2MSP')?.tlsCaPem).toContain('BEGIN CERTIFICATE');
    expect(Object.fromEntries(config.channelMembers)).toEqual({
      one: ['Org1MSP', 'Org2MSP'],
      two: ['Org1MSP', 'Org2MSP', 'Org3MSP'],
    });
    expect(config.endorsingOrganizations).toEqual(['Org1MSP', 'Org2MSP']);
  });

  it('lets the environment name identities, channels, chaincode and endorsers', () => {
    const file = write('env.json', JSON.stringify(profile()));
    const config = loadFabricConfig({
      ORCHESTRATOR_FABRIC_CONNECTION_PROFILE: file,
      ORCHESTRATOR_FABRIC_Org3MSP_CERT: '/c3',
      ORCHESTRATOR_FABRIC_Org3MSP_KEY: '/k3',
      ORCHESTRATOR_FABRIC_CHANNELS: 'two',
      ORCHESTRATOR_FABRIC_CHAINCODE: 'cc',
      ORCHESTRATOR_FABRIC_ENDORSING_ORGS: 'Org1MSP,Org3MSP',
    });
    expect(config.organizations.get('Org3MSP')).toMatchObject({ certPath: '/c3', keyPath: '/k3' });
    expect(config.channels).toEqual(['two']);
    expect(config.chaincode).toBe('cc');
    expect(config.endorsingOrganizations).toEqual(['Org1MSP', 'Org3MSP']);
  });

  const bad: [string, () => string, string][] = [
    ['a missing file', () => join(dir, 'absent.yaml'), 'cannot read it (ENOENT)'],
    ['text that is not YAML', () => write('broken.yaml', 'peers: [\n'), 'not YAML or JSON'],
    [
      'a peer dialled without TLS',
      () =>
        write('plain.yaml', {
          ...profile(),
          peers: { ...(profile().peers as object), 'peer0.org1': { url: 'grpc://h:1', tlsCACerts: { path: '/ca' } } },
        }),
      'peers.peer0.org1.url: must be grpcs://<host>:<port>',
    ],
    [
      'a peer without a TLS CA',
      () =>
        write('noca.yaml', {
          ...profile(),
          peers: { ...(profile().peers as object), 'peer0.org1': { url: 'grpcs://h:1', tlsCACerts: {} } },
        }),
      'peers.peer0.org1.tlsCACerts: needs path or pem',
    ],
    [
      'a served channel the profile does not list',
      () =>
        write('nochannel.yaml', {
          ...profile(),
          channels: { one: (profile().channels as Record<string, unknown>).one },
        }),
      'channels: has no channel "two"',
    ],
    ['no organizations', () => write('noorgs.yaml', { peers: {}, channels: {} }), 'organizations: '],
  ];
  for (const [what, file, detail] of bad) {
    it(`refuses ${what} with one line naming the file`, () => {
      const path = file();
      const vars = {
        ORCHESTRATOR_MODE: 'distributed',
        ORCHESTRATOR_FABRIC_CONNECTION_PROFILE: path,
        ...(what.startsWith('a served channel') ? { ORCHESTRATOR_FABRIC_CHANNELS: 'one,two' } : {}),
      };
      expect(() => loadConfig(vars)).toThrow(`ORCHESTRATOR_FABRIC_CONNECTION_PROFILE: ${path}: ${detail}`);
    });
  }
});
