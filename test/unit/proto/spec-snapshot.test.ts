// The committed snapshot of the reference's API tables (substra-api.json) must say what the reference says, so that
// the wire check gives the same verdict with or without the shared reference beside the project.
// UPDATE_SPEC_SNAPSHOT=1 npx vitest run test/unit/proto rewrites it from the reference.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec, SNAPSHOT_PATH, SPEC_PATH, specAvailable, toSnapshot } from './spec-tables.js';

describe.runIf(specAvailable())(`the snapshot of ${SPEC_PATH}`, () => {
  it('holds exactly the tables of the reference', () => {
    const fresh = toSnapshot(parseSpec());
    if (process.env.UPDATE_SPEC_SNAPSHOT === '1') writeFileSync(SNAPSHOT_PATH, fresh);
    expect(JSON.parse(readFileSync(SNAPSHOT_PATH, 'utf8'))).toEqual(JSON.parse(fresh));
  });
});
