import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { EventKind, ProfilingStepSchema, type ProfilingStep } from '../../../lib/asset/index.js';
import { ORG1, uuid } from './fixtures.js';
import { AssetKind, Harness } from './harness.js';

describe('RegisterProfilingStep', () => {
  it('only emits CREATED/PROFILING_STEP (asset_key = step.asset_key), with no existence check', async () => {
    const h = new Harness();
    const step = create(ProfilingStepSchema, { assetKey: uuid(), step: 'build', duration: 1234 });
    await h.as(ORG1).profiling.registerProfilingStep(step);
    const events = h.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventKind: EventKind.EVENT_ASSET_CREATED,
      assetKind: AssetKind.ASSET_PROFILING_STEP,
      assetKey: step.assetKey,
    });
    expect(equals(ProfilingStepSchema, events[0]!.asset.value as ProfilingStep, step)).toBe(true);
    // Nothing stored but the event itself (and its indexes).
    const stored = h.state();
    expect(stored.length).toBeGreaterThan(0);
    for (const line of stored) expect(line).toContain('"\\u0000ev');
  });

  it('validates the step (OE0101): key, name, duration > 0', async () => {
    const h = new Harness();
    for (const init of [
      { assetKey: 'x', step: 'build', duration: 1 },
      { assetKey: uuid(), step: '', duration: 1 },
      { assetKey: uuid(), step: 'build', duration: 0 },
    ]) {
      await h.refused('OE0101', () => h.as(ORG1).profiling.registerProfilingStep(create(ProfilingStepSchema, init)));
    }
  });
});
