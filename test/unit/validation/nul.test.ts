import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { RegisterTasksParamSchema } from '../../../lib/asset/index.js';
import { rejectNulCharacters } from '../../../lib/asset/validation/index.js';
import { isOrcError } from '../../../lib/errors/index.js';

function refusal(request: object): string | undefined {
  try {
    rejectNulCharacters(request);
    return undefined;
  } catch (err) {
    expect(isOrcError(err) && err.kind).toBe('InvalidAsset');
    return (err as Error).message;
  }
}

describe('rejectNulCharacters', () => {
  it('finds U+0000 in nested strings, list items, map keys and map values, and names where', () => {
    const tasks = (init: object) => create(RegisterTasksParamSchema, { tasks: [{ key: 'a' }, init] });
    expect(refusal(tasks({ key: 'b\u0000' }))).toMatch(/^OE0101: tasks\[1\]\.key: /);
    expect(refusal(tasks({ metadata: { k: 'v\u0000' } }))).toMatch(/^OE0101: tasks\[1\]\.metadata\.k: /);
    expect(refusal(tasks({ metadata: { ['k\u0000']: 'v' } }))).toMatch(/^OE0101: tasks\[1\]\.metadata \(a map key\): /);
    expect(refusal(tasks({ inputs: [{ identifier: 'x', ref: { case: 'assetKey', value: '\u0000' } }] }))).toMatch(
      /^OE0101: tasks\[1\]\.inputs\[0\]\.ref\.value: /,
    );
  });

  it('accepts ordinary text and leaves bytes fields alone', () => {
    expect(refusal(create(RegisterTasksParamSchema, { tasks: [{ key: 'a', metadata: { é: '日本' } }] }))).toBe(
      undefined,
    );
    expect(refusal({ payload: new Uint8Array([0, 0, 0]) })).toBe(undefined);
  });
});
