// Optional TLS / mTLS for the gRPC server, and the check that ties the `mspid` header to the client certificate
// (Substra's ORCHESTRATOR_VERIFY_CLIENT_MSP_ID, substra-behaviour §5.5).
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { ServerCredentials } from '@grpc/grpc-js';
import { OrcError } from '../lib/errors/index.js';
import type { TlsConfig } from './config.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function pemCertificates(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

// Kubernetes secret mounts add "..data" and timestamped hidden folders next to the real files: skip dot entries.
const visible = (name: string): boolean => !name.startsWith('.');

/** `<dir>/<mspid>/<any file>`: every certificate of every file, by MSP id. Symlinks are followed. */
export function loadClientCas(dir: string): Map<string, X509Certificate[]> {
  const byMsp = new Map<string, X509Certificate[]>();
  for (const mspid of readdirSync(dir).filter(visible)) {
    const mspDir = join(dir, mspid);
    if (!statSync(mspDir).isDirectory()) continue;
    const certs: X509Certificate[] = [];
    for (const file of readdirSync(mspDir).filter(visible)) {
      const path = join(mspDir, file);
      if (!statSync(path).isFile()) continue;
      for (const pem of pemCertificates(readFileSync(path, 'utf8'))) certs.push(new X509Certificate(pem));
    }
    if (certs.length > 0) byMsp.set(mspid, certs);
  }
  return byMsp;
}

interface ServerTls {
  credentials: ServerCredentials;
  /** Client CAs by MSP id (empty without a client CA folder). */
  clientCas: Map<string, X509Certificate[]>;
}

export function serverCredentials(tls: TlsConfig | undefined): ServerTls {
  if (!tls) return { credentials: ServerCredentials.createInsecure(), clientCas: new Map() };
  const clientCas = tls.clientCaCertDir ? loadClientCas(tls.clientCaCertDir) : new Map<string, X509Certificate[]>();
  let roots: Buffer | null = null;
  if (tls.mtls) {
    const pems = [...clientCas.values()].flat().map((c) => c.toString());
    if (tls.serverCaCertPath) pems.push(...pemCertificates(readFileSync(tls.serverCaCertPath, 'utf8')));
    if (pems.length === 0) throw new Error('mTLS is enabled but no client CA certificate was found');
    roots = Buffer.from(pems.join('\n'));
  }
  const credentials = ServerCredentials.createSsl(
    roots,
    [{ private_key: readFileSync(tls.keyPath), cert_chain: readFileSync(tls.certPath) }],
    tls.mtls,
  );
  return { credentials, clientCas };
}

/** Subject O values of a peer certificate (Node gives a string, or an array when the attribute repeats). */
export function subjectOrganizations(cert: Pick<PeerCertificate, 'subject'>): string[] {
  const o: unknown = (cert.subject as unknown as Record<string, unknown> | undefined)?.O;
  if (typeof o === 'string') return [o];
  if (Array.isArray(o)) return o.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * The `mspid` header must name the organization of the client certificate: one of its Subject O values, and, when
 * a client CA folder is configured, the certificate must be signed by a CA of that organization's folder (Substra
 * compares Authority/Subject Key Ids; verifying the signature is the stronger form of the same check).
 * Throws OE0102 (PERMISSION_DENIED) otherwise.
 */
export function verifyClientMspId(
  mspid: string,
  peer: Pick<PeerCertificate, 'subject' | 'raw'> | undefined,
  clientCas: ReadonlyMap<string, readonly X509Certificate[]>,
): void {
  if (!peer?.raw) throw new OrcError('PermissionDenied', 'a client certificate is required to verify the MSP id');
  if (!subjectOrganizations(peer).includes(mspid)) {
    throw new OrcError('PermissionDenied', `MSP id "${mspid}" does not match the client certificate organization`);
  }
  if (clientCas.size === 0) return;
  const leaf = new X509Certificate(peer.raw);
  const issuedByOrg = (clientCas.get(mspid) ?? []).some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  if (!issuedByOrg) {
    throw new OrcError('PermissionDenied', `the client certificate was not issued by a CA of "${mspid}"`);
  }
}
