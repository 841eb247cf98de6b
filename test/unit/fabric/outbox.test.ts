import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fileCheckpoint } from '../../../facade/fabric/checkpoint.js';
import { LedgerOutbox } from '../../../facade/fabric/outbox.js';
import { FakeLedger } from './fakenetwork.js';

const TX = (n: number) => n.toString(16).padStart(64, '0');

function outboxOver(ledgers: FakeLedger[], checkpointFile: string): LedgerOutbox {
  const byChannel = new Map(ledgers.map((l) => [l.channel, l]));
  return new LedgerOutbox({
    checkpoint: fileCheckpoint(checkpointFile),
    channels: ledgers.map((l) => l.channel),
    chaincode: 'orchestrator',
    network: (channel) => Promise.resolve(byChannel.get(channel)!.network()),
    logger: pino({ level: 'silent' }),
  });
}

async function drain(outbox: LedgerOutbox, count: number): Promise<{ ids: string[]; cursor: string }> {
  let cursor = await outbox.loadCursor();
  const ids: string[] = [];
  const signal = new AbortController().signal;
  while (ids.length < count) {
    const batch = await outbox.next(cursor, 3);
    if (batch.length === 0) {
      await outbox.waitForEvents(signal, 1_000);
      continue;
    }
    ids.push(...batch.map((b) => b.event.id));
    cursor = batch.at(-1)!.cursor;
  }
  return { ids, cursor };
}

describe('the ledger as AMQP outbox', () => {
  it('resumes after the checkpoint: nothing dispatched is sent again, nothing pending is lost', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'checkpoint.json');
    const a = new FakeLedger('a');
    const b = new FakeLedger('b');
    a.commit(TX(1), 2);
    b.commit(TX(2), 1);
    a.commit(TX(3), 2);

    const first = outboxOver([a, b], file);
    const { ids, cursor } = await drain(first, 5);
    expect(ids.filter((id) => id.startsWith(TX(1)) || id.startsWith(TX(3)))).toEqual([
      `${TX(1)}:000000`,
      `${TX(1)}:000001`,
      `${TX(3)}:000000`,
      `${TX(3)}:000001`,
    ]);
    // Dispatch confirmed up to the third event only (of the session drain() started), then the facade stops.
    const third = (await first.next('{}', 3)).at(-1)!.cursor;
    await first.saveCursor(third);
    await first.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(third));
    expect(cursor).not.toBe(third);

    a.commit(TX(4), 1);
    const second = outboxOver([a, b], file);
    const resumed = await drain(second, 3);
    await second.close();
    // Exactly the two not yet confirmed, then the new one; per channel in ledger order.
    expect(new Set([...ids.slice(0, 3), ...resumed.ids]).size).toBe(6);
    expect(resumed.ids).toContain(`${TX(4)}:000000`);
  });

  it('every cursor carries all channels, so saving one never forgets another channel', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'checkpoint.json');
    const a = new FakeLedger('a');
    const b = new FakeLedger('b');
    b.commit(TX(1), 1);
    const first = outboxOver([a, b], file);
    const { cursor } = await drain(first, 1);
    await first.saveCursor(cursor);
    await first.close();

    a.commit(TX(2), 1);
    const second = outboxOver([a, b], file);
    const next = await drain(second, 1);
    await second.close();
    expect(next.ids).toEqual([`${TX(2)}:000000`]);
    expect(Object.keys(JSON.parse(next.cursor) as object).sort()).toEqual(['a', 'b']);
  });
});
