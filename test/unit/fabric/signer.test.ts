// The facade's native signer must produce what Fabric accepts: DER ECDSA-SHA256 over the message with a low s.
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { signers } from '@hyperledger/fabric-gateway';
import { describe, expect, it } from 'vitest';
import { newNativeP256Signer } from '../../../facade/fabric/signer.js';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** r and s of a DER signature, checking the encoding is minimal DER on the way. */
function parseDer(sig: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(sig);
  expect(b[0]).toBe(0x30);
  expect(b[1]).toBe(b.length - 2);
  let at = 2;
  const int = (): bigint => {
    expect(b[at]).toBe(0x02);
    const len = b[at + 1] as number;
    const bytes = b.subarray(at + 2, at + 2 + len);
    // minimal: no needless leading zero, and a leading zero only before a set high bit
    if (bytes[0] === 0) expect((bytes[1] as number) & 0x80).not.toBe(0);
    else expect((bytes[0] as number) & 0x80).toBe(0);
    at += 2 + len;
    return BigInt(`0x${bytes.toString('hex')}`);
  };
  const r = int();
  const s = int();
  expect(at).toBe(b.length);
  return { r, s };
}

describe('native P-256 signer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sign = newNativeP256Signer(privateKey);

  it('signs the message as ECDSA-SHA256, always with a low s, in minimal DER', async () => {
    for (let i = 0; i < 300; i++) {
      const message = Buffer.from(`proposal ${i}`);
      const signature = await sign(message);
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
      const { r, s } = parseDer(signature);
      expect(r > 0n && r < N).toBe(true);
      expect(s > 0n && s <= N >> 1n).toBe(true);
    }
  });

  it('is interchangeable with fabric-gateway own signer over the SHA-256 digest', async () => {
    const message = Buffer.from('a transaction envelope');
    const theirs = await signers.newPrivateKeySigner(privateKey)(createHash('sha256').update(message).digest());
    // ECDSA is randomised: compare by verifying each with the other's convention.
    expect(verify('sha256', message, publicKey, theirs)).toBe(true);
    expect(verify('sha256', message, publicKey, await sign(message))).toBe(true);
  });

  it('refuses a key Fabric would not accept from this signer', () => {
    expect(() => newNativeP256Signer(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey)).toThrow(/P-256/);
    expect(() => newNativeP256Signer(generateKeyPairSync('ed25519').privateKey)).toThrow(/P-256/);
  });
});
