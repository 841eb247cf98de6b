// The CLI's progress output: a bar redrawn in place on a terminal, plain lines (no carriage returns) otherwise.
import { describe, expect, it } from 'vitest';
import { Progress } from '../../../facade/cli/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  let text = '';
  const stream = {
    isTTY,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, written: () => text };
}

describe('Progress', () => {
  it('draws one bar in place on a terminal, ending the line when the step changes', () => {
    const { stream, written } = fakeStream(true);
    const progress = new Progress(stream);
    progress.update('event', 10, 10);
    progress.update('done', 1);
    progress.end();
    const text = written();
    expect(text).toContain(`\r[${'#'.repeat(30)}] 100% event 10/10`);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('writes plain lines otherwise: the first and one per tenth of a counted step, one per uncounted step', () => {
    const { stream, written } = fakeStream(false);
    const progress = new Progress(stream);
    for (let done = 1; done <= 100; done++) progress.update('bytes sent', done, 100);
    for (let done = 1; done <= 3000; done++) progress.update('computeTask', done);
    progress.end();
    const lines = written().trimEnd().split('\n');
    expect(written()).not.toContain('\r');
    expect(lines.filter((l) => l.startsWith('bytes sent'))).toHaveLength(11);
    expect(lines.slice(0, 2)).toEqual(['bytes sent 1/100', 'bytes sent 10/100']);
    expect(lines.at(-1)).toBe('computeTask 3,000');
  });
});
