// The client side of idempotent retries across a crash, shared by the fault tests of every mode: writers that send
// each write under a fresh key until the serving process is killed, and the checks that retrying every write under
// its key, elsewhere, had exactly one effect each.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Function as OrcFunction } from '../../lib/asset/index.js';
import { newFunction } from '../conformance/fixtures.js';
import { failureOf, type OrchestratorClient } from '../support/client.js';

const withKey = (key: string) => ({ metadata: { 'idempotency-key': key } });

export interface Sent {
  key: string;
  request: ReturnType<typeof newFunction>;
  answer?: OrcFunction;
}

/**
 * `writers` concurrent writers on `client`, each write under a fresh key, until `acksBeforeKill` are answered; then `kill` lands
 * in the middle of their calls. Returns every write sent, answered or not.
 */
export async function writeUntilKilled(
  client: OrchestratorClient,
  kill: () => void,
  { writers: WRITERS, acksBeforeKill: ACKS_BEFORE_KILL }: { writers: number; acksBeforeKill: number },
): Promise<Sent[]> {
  const sent: Sent[] = [];
  let acks = 0;
  let killed = false;
  const writers = Array.from({ length: WRITERS }, async () => {
    while (!killed) {
      const entry: Sent = { key: randomUUID(), request: newFunction('model-only') };
      sent.push(entry);
      try {
        entry.answer = await client.function.registerFunction(entry.request, withKey(entry.key));
      } catch {
        if (killed) return;
        throw new Error('a write failed before the kill');
      }
      if (++acks === ACKS_BEFORE_KILL) {
        killed = true;
        kill();
      }
    }
  });
  await Promise.all(writers);
  return sent;
}

/** Retries every write on `client` with its key, and checks there was exactly one effect each. */
export async function retryEverything(client: OrchestratorClient, sent: Sent[], killedAt: number): Promise<void> {
  let committedUnanswered = 0;
  for (const entry of sent) {
    const again = await client.function.registerFunction(entry.request, withKey(entry.key));
    if (entry.answer) expect(again).toEqual(entry.answer);
    else if (Number(again.creationDate?.seconds) * 1000 < killedAt) committedUnanswered++;
    expect((await client.function.getFunction({ key: entry.request.key as string })).key).toBe(entry.request.key);
    // One effect: one event for the function, and the same request without the key conflicts with it.
    const events = await client.event.queryEvents({ filter: { assetKey: entry.request.key as string } });
    expect(events.events).toHaveLength(1);
  }
  const unanswered = sent.filter((entry) => !entry.answer).length;
  console.log(
    `idempotent retries: ${sent.length} writes, ${unanswered} cut off by kill -9, ` +
      `${committedUnanswered} of those had committed (answered from the record)`,
  );
  const [status, code] = await failureOf(() => client.function.registerFunction(sent[0]!.request));
  expect([status, code]).toEqual(['ALREADY_EXISTS', 'OE0006']);
}

/** What every mode must do with the header besides retries. */
export async function checkHeaderRules(client: OrchestratorClient): Promise<void> {
  const key = randomUUID();
  const first = await client.function.registerFunction(newFunction('model-only'), withKey(key));
  // Another body (here another function) under a used key: refused, and nothing written.
  const other = newFunction('model-only');
  const [status, code] = await failureOf(() => client.function.registerFunction(other, withKey(key)));
  expect([status, code]).toEqual(['INVALID_ARGUMENT', 'OE0101']);
  expect(await failureOf(() => client.function.getFunction({ key: other.key as string }))).toEqual([
    'NOT_FOUND',
    'OE0002',
  ]);
  // Another RPC under the same key is another request too.
  expect(
    await failureOf(() => client.function.updateFunction({ key: first.key, name: 'renamed' }, withKey(key))),
  ).toEqual(['INVALID_ARGUMENT', 'OE0101']);
  // A malformed key on a write: refused before anything runs.
  for (const bad of ['', 'a,b', 'x'.repeat(129), 'with space']) {
    expect(await failureOf(() => client.function.registerFunction(other, withKey(bad)))).toEqual([
      'INVALID_ARGUMENT',
      'OE0101',
    ]);
  }
  // Reads ignore the header, whatever it holds.
  expect((await client.function.getFunction({ key: first.key }, withKey('a,b'))).key).toBe(first.key);
}
