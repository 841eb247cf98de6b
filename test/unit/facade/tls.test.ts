import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGrpcError } from '../../../facade/grpc/errors.js';
import { loadClientCas, subjectOrganizations, verifyClientMspId } from '../../../facade/tls.js';

// Certificates made with the openssl CLI: a CA per organization and client certificates signed by them.
const dir = mkdtempSync(join(tmpdir(), 'orc-tls-'));
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
};

function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/O=${name}/CN=ca.${name}`,
    '-keyout',
    `${name}-ca.key`,
    '-out',
    `${name}-ca.pem`,
  );
}

function makeClient(file: string, subject: string, caName: string): PeerCertificate {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    `${file}.key`,
    '-out',
    `${file}.csr`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${file}.csr`,
    '-CA',
    `${caName}-ca.pem`,
    '-CAkey',
    `${caName}-ca.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    `${file}.pem`,
  );
  return peerOf(readFileSync(join(dir, `${file}.pem`), 'utf8'));
}

/** What grpc-js getAuthContext().sslPeerCertificate looks like, for the fields the check reads. */
function peerOf(pem: string): PeerCertificate {
  const x = new X509Certificate(pem);
  const subject: Record<string, string | string[]> = {};
  for (const line of x.subject.split('\n')) {
    const [k, v] = line.split('=') as [string, string];
    const prev = subject[k];
    subject[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  return { subject, raw: x.raw } as unknown as PeerCertificate;
}

let org1: PeerCertificate;
let twoOrgs: PeerCertificate;
let forged: PeerCertificate;
let cas: Map<string, X509Certificate[]>;

beforeAll(() => {
  makeCa('Org1MSP');
  makeCa('Org2MSP');
  org1 = makeClient('org1-user', '/O=Org1MSP/CN=user1', 'Org1MSP');
  twoOrgs = makeClient('multi', '/O=Org1MSP/O=Other/CN=user2', 'Org1MSP');
  // Claims Org1 but was issued by Org2's CA.
  forged = makeClient('forged', '/O=Org1MSP/CN=mallory', 'Org2MSP');
  for (const org of ['Org1MSP', 'Org2MSP']) {
    mkdirSync(join(dir, 'cas', org), { recursive: true });
    writeFileSync(join(dir, 'cas', org, 'ca.pem'), readFileSync(join(dir, `${org}-ca.pem`)));
  }
  mkdirSync(join(dir, 'cas', '..data'));
  cas = loadClientCas(join(dir, 'cas'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function denied(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    const s = toGrpcError(err);
    expect(s.code).toBe(Status.PERMISSION_DENIED);
    expect(s.details).toMatch(/^OE0102: /);
    return s.details;
  }
  throw new Error('expected PERMISSION_DENIED');
}

describe('client certificate MSP id', () => {
  it('loads one CA list per MSP folder, skipping hidden entries', () => {
    expect([...cas.keys()].sort()).toEqual(['Org1MSP', 'Org2MSP']);
  });

  it('reads every Subject O value', () => {
    expect(subjectOrganizations(org1)).toEqual(['Org1MSP']);
    expect(subjectOrganizations(twoOrgs)).toEqual(['Org1MSP', 'Other']);
  });

  it('accepts the MSP named in the certificate and issued by its CA', () => {
    expect(() => verifyClientMspId('Org1MSP', org1, cas)).not.toThrow();
    expect(() => verifyClientMspId('Org1MSP', twoOrgs, cas)).not.toThrow();
  });

  it('refuses another MSP id than the certificate organization', () => {
    expect(denied(() => verifyClientMspId('Org2MSP', org1, cas))).toContain('Org2MSP');
  });

  it('refuses a certificate whose O is right but whose issuer is another organization CA', () => {
    denied(() => verifyClientMspId('Org1MSP', forged, cas));
    // Without a CA folder only the O values are compared.
    expect(() => verifyClientMspId('Org1MSP', forged, new Map())).not.toThrow();
  });

  it('refuses a call without a client certificate', () => {
    denied(() => verifyClientMspId('Org1MSP', undefined, cas));
  });
});
