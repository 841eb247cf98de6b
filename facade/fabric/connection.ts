import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FabricOrganization } from './config.js';
import { newNativeP256Signer } from './signer.js';

/** Deadlines per gateway step; a commit wait that times out is resolved by asking again, never by re-endorsing. */
const DEADLINES_MS = { evaluate: 10_000, endorse: 30_000, submit: 10_000, commitStatus: 30_000 };

export interface OrganizationGateway {
  readonly mspId: string;
  readonly gateway: Gateway;
  close(): void;
}

/** Opens one gRPC connection to the organization's peer and a gateway signing as that organization. */
export async function connectOrganization(org: FabricOrganization): Promise<OrganizationGateway> {
  const [tlsCa, cert, key] = await Promise.all([
    org.tlsCaPem !== undefined ? Buffer.from(org.tlsCaPem) : readFile(org.tlsCaPath ?? ''),
    readFile(org.certPath),
    readFile(org.keyPath),
  ]);
  const client = new grpc.Client(org.peerEndpoint, grpc.credentials.createSsl(tlsCa), {
    'grpc.ssl_target_name_override': org.peerHostAlias,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.keepalive_time_ms': 60_000,
  });
  const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
  const gateway = connect({
    client,
    identity: { mspId: org.mspId, credentials: cert },
    // The signer hashes (SHA-256) as it signs: see signer.ts.
    signer: newNativeP256Signer(createPrivateKey(key)),
    hash: hash.none,
    evaluateOptions: deadline(DEADLINES_MS.evaluate),
    endorseOptions: deadline(DEADLINES_MS.endorse),
    submitOptions: deadline(DEADLINES_MS.submit),
    commitStatusOptions: deadline(DEADLINES_MS.commitStatus),
  });
  return {
    mspId: org.mspId,
    gateway,
    close() {
      gateway.close();
      client.close();
    },
  };
}
