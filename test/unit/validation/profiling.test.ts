import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { ProfilingStepSchema, type ProfilingStep } from '../../../lib/asset/index.js';
import { validateProfilingStep } from '../../../lib/asset/validation/index.js';
import { bytes, expectInvalid, uuid } from './helpers.js';

const step = (extra: Partial<ProfilingStep> = {}) =>
  create(ProfilingStepSchema, { assetKey: uuid(1), step: 'build_image', duration: 1_500_000, ...extra });

describe('validateProfilingStep', () => {
  it('accepts a step, down to a 1 µs duration and a 100-byte name', () => {
    expect(() => validateProfilingStep(step())).not.toThrow();
    expect(() => validateProfilingStep(step({ duration: 1, step: bytes(100) }))).not.toThrow();
  });

  it.each<[string, Partial<ProfilingStep>, string, string]>([
    ['empty asset_key', { assetKey: '' }, 'asset_key', 'cannot be blank'],
    ['upper-case asset_key', { assetKey: uuid(1).toUpperCase() }, 'asset_key', 'UUID'],
    ['empty step', { step: '' }, 'step', 'cannot be blank'],
    ['101-byte step', { step: bytes(101) }, 'step', 'between 1 and 100 bytes'],
    ['zero duration', { duration: 0 }, 'duration', 'greater than 0'],
  ])('refuses %s', (_n, extra, path, reason) => {
    expectInvalid(() => validateProfilingStep(step(extra)), 'profiling_step', [path, reason]);
  });
});
