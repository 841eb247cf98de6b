/**
 * Peer ↔ chaincode server traffic is TLS, both ways, in whichever topology the network runs
 * (ORCHESTRATOR_NETWORK_TOPOLOGY): each organization's orchestrator chaincode server refuses a plain-TCP gRPC client
 * and a TLS client without a certificate, and accepts its peer's TLS certificate, presenting one that its
 * organization's TLS CA signed for the address it listens on.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureFabricNetwork,
  NETWORK_STATE_DIR,
  readFabricTopology,
  type FabricNode,
} from '../support/fabric-network.js';

const NETWORK_UP_TIMEOUT_MS = 30 * 60_000;

let peers: FabricNode[] = [];

beforeAll(async () => {
  await ensureFabricNetwork();
  peers = (await readFabricTopology()).nodes.filter((node) => node.name.startsWith('peer0.'));
}, NETWORK_UP_TIMEOUT_MS);

/** The peer's TLS directory (cryptogen): its CA, and the key pair it presents to its chaincode servers. */
function peerTls(peer: FabricNode): { ca: Buffer; cert: Buffer; key: Buffer } {
  const domain = peer.name.slice('peer0.'.length) + '.example.com';
  const dir = path.join(
    NETWORK_STATE_DIR,
    'crypto/peerOrganizations',
    domain,
    'peers',
    `${peer.name}.example.com`,
    'tls',
  );
  const read = (file: string) => readFileSync(path.join(dir, file));
  return { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') };
}

function server(peer: FabricNode): { host: string; port: number } {
  const address = peer.chaincodeServers?.orchestrator;
  if (!address) throw new Error(`network.json lists no orchestrator chaincode server for ${peer.name}`);
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

/** Completes a TLS handshake (and, with a client certificate, the server's check of it) or fails with its error. */
function handshake(options: tls.ConnectionOptions): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, ALPNProtocols: ['h2'] }, () => {
      const certificate = socket.getPeerCertificate();
      // A server that refuses the client certificate says so in an alert right after the handshake: wait for it.
      setTimeout(() => {
        socket.destroy();
        resolve(certificate);
      }, 300);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed by the server')));
  });
}

describe('peer ↔ chaincode server TLS', { timeout: 60_000 }, () => {
  it('every organization runs its orchestrator chaincode server at its own address', () => {
    expect(peers.map((p) => p.name)).toEqual(['peer0.org1', 'peer0.org2', 'peer0.org3']);
    for (const peer of peers) expect(server(peer).host).toBe(peer.address.slice(0, peer.address.lastIndexOf(':')));
  });

  it('refuses a plain-TCP gRPC client', async () => {
    for (const peer of peers) {
      const { host, port } = server(peer);
      const client = new grpc.Client(`${host}:${port}`, grpc.credentials.createInsecure());
      const error = await new Promise<Error | undefined>((resolve) =>
        client.waitForReady(Date.now() + 3_000, (err) => resolve(err)),
      );
      client.close();
      expect(error, `${peer.name}'s chaincode server answered plain TCP`).toBeInstanceOf(Error);
    }
  });

  it('refuses a TLS client that presents no certificate', async () => {
    for (const peer of peers) {
      const { host, port } = server(peer);
      await expect(handshake({ host, port, ca: peerTls(peer).ca, servername: undefined })).rejects.toThrow();
    }
  });

  it("accepts the peer's TLS certificate, with a server certificate its organization's TLS CA signed for its address", async () => {
    for (const peer of peers) {
      const { host, port } = server(peer);
      const { ca, cert, key } = peerTls(peer);
      // checkServerIdentity stays Node's default: the certificate must carry the address dialled (an IP SAN).
      const certificate = await handshake({ host, port, ca, cert, key });
      expect(certificate.subject.CN).toBe(`chaincode.${peer.name.slice('peer0.'.length)}.example.com`);
    }
  });
});
