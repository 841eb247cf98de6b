// Functions (substra-behaviour §2.2, §2.11): registration, validation, updates, the build state machine and its propagation.
import { clone, create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  AddressableSchema,
  AssetKind,
  ComputeTaskStatus,
  EventKind,
  FunctionAction,
  FunctionSchema,
  FunctionStatus,
} from '../../lib/asset/index.js';
import {
  createdEvent,
  eventsOf,
  expectEventMeta,
  expectMessage,
  expectMicros,
  expectNothingWritten,
  expectOrcError,
  payload,
} from './assertions.js';
import type { ConformanceContext } from './context.js';
import {
  addressable,
  key,
  newFunction,
  registerTask,
  restrictedTo,
  seedTask,
  setupFunction,
  setupPlan,
} from './fixtures.js';

export function functionScenarios(ctx: ConformanceContext): void {
  describe('functions', () => {
    it('RegisterFunction: response == GetFunction == CREATED event payload', async () => {
      const input = newFunction('train');
      const registered = await ctx.owner.function.registerFunction(input);
      expect(registered.key).toBe(input.key);
      expect(registered.owner).toBe(ctx.topology.owner);
      expect(registered.status).toBe(FunctionStatus.WAITING);
      expect(registered.name).toBe(input.name);
      expect(registered.metadata).toEqual(input.metadata);
      expect(registered.inputs.opener?.kind).toBe(AssetKind.ASSET_DATA_MANAGER);
      expect(registered.outputs.model?.kind).toBe(AssetKind.ASSET_MODEL);
      // The image is present but empty until a build sets it (substra-behaviour §2.2).
      expect(registered.image).toBeDefined();
      expect(registered.image?.checksum).toBe('');
      expect(registered.image?.storageAddress).toBe('');
      // Public permissions still list the owner (kept quirk, ARCHITECTURE §6).
      expect(registered.permissions?.process).toMatchObject({ public: true, authorizedIds: [ctx.topology.owner] });
      expect(registered.permissions?.download).toMatchObject({ public: true, authorizedIds: [ctx.topology.owner] });
      expectMicros(registered.creationDate, 'creation_date');

      const fetched = await ctx.owner.function.getFunction({ key: registered.key });
      expectMessage(FunctionSchema, fetched, registered, 'GetFunction vs RegisterFunction');
      // Another organization of the channel reads the same asset.
      expectMessage(FunctionSchema, await ctx.worker.function.getFunction({ key: registered.key }), registered);

      const event = await createdEvent(ctx.owner, registered.key, 'function');
      expectEventMeta(event, ctx.channel);
      expect(event.assetKind).toBe(AssetKind.ASSET_FUNCTION);
      expect(event.timestamp).toEqual(registered.creationDate);
      expectMessage(FunctionSchema, payload(event, 'function'), registered, 'event payload vs RegisterFunction');
    });

    it('restricted permissions list the authorized organizations and the owner', async () => {
      const fn = await ctx.owner.function.registerFunction(
        newFunction('aggregate', { newPermissions: restrictedTo(ctx.topology.worker) }),
      );
      expect(fn.permissions?.process).toMatchObject({
        public: false,
        authorizedIds: [ctx.topology.worker, ctx.topology.owner],
      });
      expect(fn.permissions?.download).toEqual(fn.permissions?.process);
    });

    it('refuses permissions naming an unknown organization (FAILED_PRECONDITION OE0003) and writes nothing', async () => {
      const input = newFunction('aggregate', { newPermissions: restrictedTo('NoSuchOrgMSP') });
      await expectOrcError(ctx.owner.function.registerFunction(input), 'OE0003');
      await expectNothingWritten(ctx.owner, input.key!, () => ctx.owner.function.getFunction({ key: input.key! }));
    });

    it.each([
      ['a key that is not a UUID', { key: 'not-a-uuid' }],
      ['an upper-case UUID key', { key: key().toUpperCase() }],
      ['no name', { name: '' }],
      ['a name over 100 bytes', { name: 'é'.repeat(51) }],
      ['no description', { description: undefined }],
      [
        'a description checksum that is not 64 hex chars',
        { description: { checksum: 'abc', storageAddress: 'http://x.example.com/d' } },
      ],
      ['an archive with no storage address', { archive: { checksum: 'a'.repeat(64), storageAddress: '' } }],
      ['no permissions', { newPermissions: undefined }],
      ['a metadata key over 100 bytes', { metadata: { ['k'.repeat(101)]: 'v' } }],
      ['a metadata value over 100 bytes', { metadata: { k: 'v'.repeat(101) } }],
      ['an input of kind 0', { inputs: { x: { kind: AssetKind.ASSET_UNKNOWN } }, outputs: {} }],
      ['an input of kind PERFORMANCE', { inputs: { x: { kind: AssetKind.ASSET_PERFORMANCE } }, outputs: {} }],
      [
        'a multiple data manager input',
        {
          inputs: {
            opener: { kind: AssetKind.ASSET_DATA_MANAGER, multiple: true },
            datasamples: { kind: AssetKind.ASSET_DATA_SAMPLE, multiple: true },
          },
        },
      ],
      ['a data manager input without data samples', { inputs: { opener: { kind: AssetKind.ASSET_DATA_MANAGER } } }],
      ['data samples without a data manager', { inputs: { datasamples: { kind: AssetKind.ASSET_DATA_SAMPLE } } }],
      ['an output of kind DATA_SAMPLE', { outputs: { x: { kind: AssetKind.ASSET_DATA_SAMPLE } } }],
      ['a multiple performance output', { outputs: { perf: { kind: AssetKind.ASSET_PERFORMANCE, multiple: true } } }],
      ['an empty output identifier', { outputs: { '': { kind: AssetKind.ASSET_MODEL } } }],
    ])('refuses %s with INVALID_ARGUMENT (OE0101) and writes nothing', async (_what, overrides) => {
      const input = newFunction('train', { key: key(), ...overrides });
      await expectOrcError(ctx.owner.function.registerFunction(input), 'OE0101');
      if (/^[0-9a-f-]{36}$/.test(input.key!)) {
        await expectNothingWritten(ctx.owner, input.key!, () => ctx.owner.function.getFunction({ key: input.key! }));
      }
    });

    it('refuses a duplicate key with ALREADY_EXISTS (OE0006), leaving the first function intact', async () => {
      const first = await ctx.owner.function.registerFunction(newFunction('train'));
      await expectOrcError(
        ctx.worker.function.registerFunction(newFunction('aggregate', { key: first.key, name: 'second' })),
        'OE0006',
      );
      expectMessage(FunctionSchema, await ctx.owner.function.getFunction({ key: first.key }), first);
      expect(await eventsOf(ctx.owner, first.key)).toHaveLength(1);
    });

    it('UpdateFunction: the owner renames and sets the image; others get PERMISSION_DENIED (OE0102)', async () => {
      const fn = await ctx.owner.function.registerFunction(newFunction('train'));
      const image = addressable();
      await ctx.owner.function.updateFunction({ key: fn.key, name: 'renamed', image });
      const updated = await ctx.owner.function.getFunction({ key: fn.key });
      expect(updated.name).toBe('renamed');
      expect(updated.image).toMatchObject(image);
      const expected = clone(FunctionSchema, fn);
      expected.name = 'renamed';
      expected.image = create(AddressableSchema, image);
      expectMessage(FunctionSchema, updated, expected, 'GetFunction after UpdateFunction');

      const events = await eventsOf(ctx.owner, fn.key);
      expect(events.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_UPDATED]);
      expectMessage(FunctionSchema, payload(events[1]!, 'function'), updated, 'UPDATED payload vs GetFunction');

      // An update without image keeps the image.
      await ctx.owner.function.updateFunction({ key: fn.key, name: 'renamed again' });
      expect((await ctx.owner.function.getFunction({ key: fn.key })).image).toMatchObject(image);

      await expectOrcError(ctx.worker.function.updateFunction({ key: fn.key, name: 'hijacked' }), 'OE0102');
      await expectOrcError(ctx.owner.function.updateFunction({ key: key(), name: 'ghost' }), 'OE0002');
      await expectOrcError(ctx.owner.function.updateFunction({ key: fn.key, name: '' }), 'OE0101');
      expect((await ctx.owner.function.getFunction({ key: fn.key })).name).toBe('renamed again');
      expect(await eventsOf(ctx.owner, fn.key)).toHaveLength(3);
    });

    it('ApplyFunctionAction walks WAITING → BUILDING → READY, one UPDATED event with reason per step', async () => {
      const fn = await ctx.owner.function.registerFunction(newFunction('aggregate'));
      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.BUILDING });
      expect((await ctx.owner.function.getFunction({ key: fn.key })).status).toBe(FunctionStatus.BUILDING);
      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.READY });
      const ready = await ctx.owner.function.getFunction({ key: fn.key });
      expect(ready.status).toBe(FunctionStatus.READY);

      const events = await eventsOf(ctx.owner, fn.key);
      expect(events.map((e) => e.eventKind)).toEqual([
        EventKind.EVENT_ASSET_CREATED,
        EventKind.EVENT_ASSET_UPDATED,
        EventKind.EVENT_ASSET_UPDATED,
      ]);
      const statuses = events.slice(1).map((e) => payload(e, 'function').status);
      expect(statuses.sort()).toEqual([FunctionStatus.BUILDING, FunctionStatus.READY].sort());
      for (const e of events.slice(1)) expect(e.metadata).toEqual({ reason: 'User action' });
      const last = events.find((e) => payload(e, 'function').status === FunctionStatus.READY)!;
      expectMessage(FunctionSchema, payload(last, 'function'), ready);
    });

    it('refuses invalid function transitions with FAILED_PRECONDITION (OE0003) and unknown actions with OE0101', async () => {
      const fn = await ctx.owner.function.registerFunction(newFunction('aggregate'));
      const act = (action: FunctionAction, client = ctx.owner) =>
        client.function.applyFunctionAction({ functionKey: fn.key, action });
      await expectOrcError(act(FunctionAction.READY), 'OE0003');
      await expectOrcError(act(FunctionAction.FAILED), 'OE0003');
      await expectOrcError(act(FunctionAction.UNKNOWN), 'OE0101');
      await expectOrcError(act(FunctionAction.BUILDING, ctx.worker), 'OE0102');
      await expectOrcError(
        ctx.owner.function.applyFunctionAction({ functionKey: key(), action: FunctionAction.BUILDING }),
        'OE0002',
      );
      expect(await eventsOf(ctx.owner, fn.key)).toHaveLength(1);
      await act(FunctionAction.BUILDING);
      await act(FunctionAction.READY);
      await expectOrcError(act(FunctionAction.CANCELED), 'OE0003');
      await expectOrcError(act(FunctionAction.BUILDING), 'OE0003');
      expect((await ctx.owner.function.getFunction({ key: fn.key })).status).toBe(FunctionStatus.READY);
      expect(await eventsOf(ctx.owner, fn.key)).toHaveLength(3);
    });

    it('a READY function needs an image: UpdateFunction without one is refused (OE0101)', async () => {
      const fn = await setupFunction(ctx.owner, 'aggregate');
      // substra-behaviour §2.2: if the resulting image checksum is empty and the status is READY ⇒ OE0101.
      await expectOrcError(ctx.owner.function.updateFunction({ key: fn.key, name: 'x' }), 'OE0101');
      await ctx.owner.function.updateFunction({ key: fn.key, name: 'with image', image: addressable() });
      expect((await ctx.owner.function.getFunction({ key: fn.key })).image?.checksum).toHaveLength(64);
    });

    it('the build drives the tasks: WAITING_FOR_BUILDER_SLOT → BUILDING → WAITING_FOR_EXECUTOR_SLOT', async () => {
      const fn = await ctx.owner.function.registerFunction(newFunction('model-only'));
      const plan = await setupPlan(ctx.owner);
      const parent = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      expect(parent.status).toBe(ComputeTaskStatus.STATUS_WAITING_FOR_BUILDER_SLOT);

      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.BUILDING });
      expect((await ctx.owner.task.getTask({ key: parent.key })).status).toBe(ComputeTaskStatus.STATUS_BUILDING);
      const building = await eventsOf(ctx.owner, parent.key);
      expect(building.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_UPDATED]);
      expect(building[1]?.metadata).toEqual({ reason: 'User action' });

      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.READY });
      expect((await ctx.owner.task.getTask({ key: parent.key })).status).toBe(
        ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT,
      );
      const ready = await eventsOf(ctx.owner, parent.key);
      expect(ready).toHaveLength(3);
      expect(ready.map((e) => e.metadata.reason)).toContain(`Function ${fn.key} finished building`);
    });

    it('a function failing its build fails its BUILDING tasks and their plan (no plan event)', async () => {
      const fn = await ctx.owner.function.registerFunction(newFunction('model-only'));
      const plan = await setupPlan(ctx.owner);
      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.BUILDING });
      const task = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      expect(task.status).toBe(ComputeTaskStatus.STATUS_BUILDING);

      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.FAILED });
      expect((await ctx.owner.function.getFunction({ key: fn.key })).status).toBe(FunctionStatus.FAILED);
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(ComputeTaskStatus.STATUS_FAILED);
      const failedPlan = await ctx.owner.plan.getPlan({ key: plan.key });
      expectMicros(failedPlan.failureDate, 'failure_date');
      expect(failedPlan.cancelationDate).toBeUndefined();
      expect((await eventsOf(ctx.owner, plan.key)).map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED]);

      // A task registered on a failed function starts FAILED.
      const late = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      expect(late.status).toBe(ComputeTaskStatus.STATUS_FAILED);
    });

    it('cancelling a building function cancels its BUILDING tasks', async () => {
      const fn = await ctx.owner.function.registerFunction(newFunction('model-only'));
      const plan = await setupPlan(ctx.owner);
      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.BUILDING });
      const task = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.CANCELED });
      expect((await ctx.owner.function.getFunction({ key: fn.key })).status).toBe(FunctionStatus.CANCELED);
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(ComputeTaskStatus.STATUS_CANCELED);
      // Cancelling is not failing: the plan is not terminated.
      expect((await ctx.owner.plan.getPlan({ key: plan.key })).failureDate).toBeUndefined();
    });

    it('QueryFunctions filters on the functions used by a plan', async () => {
      const used = await setupFunction(ctx.owner, 'model-only');
      const unused = await setupFunction(ctx.owner, 'model-only');
      const plan = await setupPlan(ctx.owner);
      await registerTask(ctx.owner, seedTask({ plan, fn: used, worker: ctx.topology.worker }));
      await registerTask(ctx.owner, seedTask({ plan, fn: used, worker: ctx.topology.worker }));
      const res = await ctx.worker.function.queryFunctions({ filter: { computePlanKey: plan.key } });
      expect(res.Functions.map((f) => f.key)).toEqual([used.key]);
      expect(res.nextPageToken).toBe('');
      expectMessage(FunctionSchema, res.Functions[0], used);

      const all = await ctx.owner.function.queryFunctions({ pageSize: 1000 });
      const keys: string[] = all.Functions.map((f) => f.key);
      let token = all.nextPageToken;
      while (token !== '') {
        const page = await ctx.owner.function.queryFunctions({ pageSize: 1000, pageToken: token });
        keys.push(...page.Functions.map((f) => f.key));
        token = page.Functions.length === 0 ? '' : page.nextPageToken;
      }
      expect(keys).toEqual(expect.arrayContaining([used.key, unused.key]));
    });
  });
}
