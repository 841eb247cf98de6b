// The conformance suite: one set of API scenarios over real gRPC, run against any target (embedded LevelDB,
// PostgreSQL, Fabric). A target file calls describeConformance(name, startTarget); the suite knows nothing of the
// server's internals, only the wire API and the RPC table that lists it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcPath, rpcs } from '../../lib/api/index.js';
import { allServicePaths } from '../support/client.js';
import { seenCodes, type OrcCode } from './assertions.js';
import { channelScenarios } from './channels.js';
import { concurrencyScenarios } from './concurrency.js';
import { ConformanceContext, type StartTarget } from './context.js';
import { dataManagerScenarios } from './datamanagers.js';
import { dataSampleScenarios } from './datasamples.js';
import { errorScenarios } from './errors.js';
import { eventScenarios } from './events.js';
import { failureReportScenarios } from './failures.js';
import { functionScenarios } from './functions.js';
import { modelScenarios } from './models.js';
import { bootstrapOrganizations, organizationScenarios } from './organizations.js';
import { paginationScenarios } from './pagination.js';
import { performanceScenarios } from './performances.js';
import { planScenarios } from './plans.js';
import { scenario } from './scenario.js';
import { streamScenarios } from './stream.js';
import { taskScenarios } from './tasks.js';

export type { StartTarget, TargetHandle, Topology } from './context.js';
export { DEFAULT_TOPOLOGY } from './context.js';

/** The scenario areas, in the order they run (the stream replays what the earlier ones wrote). */
export const areas: readonly [string, (ctx: ConformanceContext) => void][] = [
  ['organizations', organizationScenarios],
  ['functions', functionScenarios],
  ['data managers', dataManagerScenarios],
  ['data samples', dataSampleScenarios],
  ['plans', planScenarios],
  ['tasks', taskScenarios],
  ['models', modelScenarios],
  ['performances', performanceScenarios],
  ['failure reports', failureReportScenarios],
  ['events', eventScenarios],
  ['errors', errorScenarios],
  ['pagination', paginationScenarios],
  ['channels', channelScenarios],
  ['concurrency', concurrencyScenarios],
  ['stream', streamScenarios],
  ['scenario', scenario],
];

/**
 * Error codes the server can return to a client (substra-behaviour §2.15 with ARCHITECTURE §6). OE0010 (unimplemented) is not in
 * the list: every request that led to it in Substra (PLAN_ACTION_UNKNOWN, unsupported input kinds) is now refused by
 * validation with OE0101. OE0007 is for server faults, which no valid scenario should provoke.
 */
export const REACHABLE_CODES: readonly OrcCode[] = [
  'OE0002',
  'OE0003',
  'OE0006',
  'OE0101',
  'OE0102',
  'OE0106',
  'OE0107',
  'OE0108',
  'OE0109',
];

export interface ConformanceOptions {
  /** Start-up budget of the target (ms). */
  startTimeoutMs?: number;
  /**
   * Run only these areas (names of `areas`), e.g. for a slow target during development. The coverage checks then
   * only apply to a full run and are skipped.
   */
  areas?: readonly string[];
}

export function describeConformance(
  targetName: string,
  startTarget: StartTarget,
  options: ConformanceOptions = {},
): void {
  describe(`conformance: ${targetName}`, () => {
    const ctx = new ConformanceContext(targetName);

    beforeAll(async () => {
      seenCodes.clear();
      ctx.attach(await startTarget());
      await bootstrapOrganizations(ctx);
    }, options.startTimeoutMs ?? 600_000);

    afterAll(async () => {
      await ctx.detach();
    }, 120_000);

    const selected = areas.filter(([name]) => !options.areas || options.areas.includes(name));
    for (const [, register] of selected) register(ctx);

    describe.skipIf(selected.length !== areas.length)('coverage', () => {
      it('the RPC table and the generated services list the same RPCs', () => {
        expect(rpcs.map(grpcPath).sort()).toEqual(allServicePaths().sort());
      });

      it('every RPC of the API table was called by some scenario', () => {
        const missing = rpcs.map(grpcPath).filter((path) => !ctx.recorder.paths.has(path));
        expect(missing, 'RPCs without a scenario').toEqual([]);
      });

      it('every error code the server can return was asserted by some scenario', () => {
        const missing = REACHABLE_CODES.filter((code) => !seenCodes.has(code));
        expect(missing, 'error codes without a scenario').toEqual([]);
      });
    });
  });
}
