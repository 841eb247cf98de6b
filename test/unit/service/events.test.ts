import { create, equals } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import {
  ComputeTaskSchema,
  EventKind,
  EventSchema,
  FunctionAction,
  GetComputeTaskModelsParamSchema,
  QueryEventsParamSchema,
  RegisterModelsParamSchema,
  SortOrder,
  type ComputeTask,
  type Event,
} from '../../../lib/asset/index.js';
import { EventBuffer, fixedClock, type ServiceContext } from '../../../lib/service/index.js';
import { emitEvent } from '../../../lib/service/events.js';
import {
  inp,
  newFailureReport,
  newModel,
  newPerformance,
  newTask,
  ORG1,
  ORG2,
  out,
  publicPerms,
  shapes,
} from './fixtures.js';
import { A, AssetKind, FunctionStatus, Harness, taskWorld } from './harness.js';

type QueryInit = Parameters<typeof create<typeof QueryEventsParamSchema>>[1];
const query = (h: Harness, init: QueryInit, channel?: string) =>
  h.as(ORG1, channel).event.queryEvents(create(QueryEventsParamSchema, init));

const compareEvents = (a: Event, b: Event): number => {
  const ta = a.timestamp!.seconds * 1_000_000_000n + BigInt(a.timestamp!.nanos);
  const tb = b.timestamp!.seconds * 1_000_000_000n + BigInt(b.timestamp!.nanos);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

describe('event emission (substra-behaviour §4.2)', () => {
  it('task registered with a READY function, started, one model: exactly 3 events with asset_key = task key', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    w.h.advance();
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    w.h.advance();
    await w.h.as(ORG2).model.registerModels(create(RegisterModelsParamSchema, { models: [newModel(task!.key)] }));
    const { events } = await query(w.h, { filter: { assetKey: task!.key } });
    expect(events.map((e) => [e.eventKind, e.assetKind])).toEqual([
      [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_COMPUTE_TASK],
      [EventKind.EVENT_ASSET_UPDATED, AssetKind.ASSET_COMPUTE_TASK],
      [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET],
    ]);
  });

  it('a whole plan life emits exactly the table, in emission order', async () => {
    const h = new Harness();
    await h.orgs(ORG1, ORG2);
    const fn = await h.fn(ORG1, shapes.root(), FunctionStatus.WAITING);
    const testFn = await h.fn(ORG1, shapes.test(), FunctionStatus.READY);
    const plan = await h.plan(ORG1);
    const mark = h.mark();
    const [t] = await h.tasks(ORG1, newTask({ functionKey: fn.key, computePlanKey: plan.key, worker: ORG2 }));
    await h.fnAction(ORG1, fn.key, FunctionAction.BUILDING);
    await h.fnAction(ORG1, fn.key, FunctionAction.READY);
    const [child] = await h.tasks(
      ORG1,
      newTask({
        functionKey: testFn.key,
        computePlanKey: plan.key,
        worker: ORG2,
        inputs: [inp.parent('model', t!.key)],
        outputs: { performance: out(publicPerms()) },
      }),
    );
    const model = await h.runToDone(ORG2, t!.key);
    await h.taskAction(ORG2, child!.key, A.TASK_ACTION_EXECUTING);
    await h.as(ORG2).performance.registerPerformance(newPerformance(child!.key));
    await h.as(ORG2).failureReport.registerFailureReport(newFailureReport(child!.key));
    const perfKey = `${child!.key}|performance`;
    const C = EventKind.EVENT_ASSET_CREATED;
    const U = EventKind.EVENT_ASSET_UPDATED;
    const K = AssetKind;
    expect(h.since(mark).map((e) => [e.eventKind, e.assetKind, e.assetKey, e.metadata['reason'] ?? ''])).toEqual([
      [C, K.ASSET_COMPUTE_TASK, t!.key, ''],
      [U, K.ASSET_FUNCTION, fn.key, 'User action'],
      [U, K.ASSET_COMPUTE_TASK, t!.key, 'User action'],
      [U, K.ASSET_FUNCTION, fn.key, 'User action'],
      [U, K.ASSET_COMPUTE_TASK, t!.key, `Function ${fn.key} finished building`],
      [C, K.ASSET_COMPUTE_TASK, child!.key, ''],
      [U, K.ASSET_COMPUTE_TASK, t!.key, 'User action'],
      [C, K.ASSET_MODEL, model.key, ''],
      [C, K.ASSET_COMPUTE_TASK_OUTPUT_ASSET, t!.key, ''],
      [U, K.ASSET_COMPUTE_TASK, t!.key, 'User action'],
      [U, K.ASSET_COMPUTE_TASK, child!.key, `Last parent task ${t!.key} done`],
      [U, K.ASSET_COMPUTE_TASK, child!.key, 'User action'],
      [C, K.ASSET_PERFORMANCE, perfKey, ''],
      [C, K.ASSET_COMPUTE_TASK_OUTPUT_ASSET, child!.key, ''],
      [U, K.ASSET_COMPUTE_TASK, child!.key, 'failure report registered'],
      [C, K.ASSET_FAILURE_REPORT, child!.key, ''],
    ]);
    // Metadata is only set on status changes.
    for (const e of h.since(mark)) {
      if (e.eventKind === C) expect(e.metadata).toEqual({});
    }
  });

  it('a refused request emits nothing and writes nothing', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    // The first model is valid and would emit two events; the second fails: all is dropped.
    await w.h.refused('OE0106', () =>
      w.h
        .as(ORG2)
        .model.registerModels(
          create(RegisterModelsParamSchema, { models: [newModel(task!.key), newModel(task!.key, 'nope')] }),
        ),
    );
    expect(
      (
        await w.h
          .as(ORG1)
          .model.getComputeTaskOutputModels(create(GetComputeTaskModelsParamSchema, { computeTaskKey: task!.key }))
      ).models,
    ).toEqual([]);
  });

  it('every event of a request carries the transaction time', async () => {
    const w = await taskWorld();
    const [p] = await w.h.tasks(ORG1, w.root());
    await w.h.tasks(ORG1, w.chain([p!.key]));
    await w.h.tasks(ORG1, w.chain([p!.key]));
    await w.h.taskAction(ORG1, p!.key, A.TASK_ACTION_EXECUTING);
    const at = w.h.advance(7, 3);
    const mark = w.h.mark();
    await w.h.taskAction(ORG1, p!.key, A.TASK_ACTION_DONE);
    const events = w.h.since(mark);
    expect(events).toHaveLength(3);
    for (const e of events) expect(e.timestamp).toEqual(at);
  });

  it('the transaction time is truncated to microseconds', async () => {
    const clock = fixedClock(create(TimestampSchema, { seconds: 10n, nanos: 123_456_789 }));
    expect(clock.now()).toEqual(create(TimestampSchema, { seconds: 10n, nanos: 123_456_000 }));
  });

  it('an event payload is a snapshot: later changes to the asset in the same request do not alter it', async () => {
    const events = new EventBuffer();
    const ctx = { events, clock: fixedClock(create(TimestampSchema, { seconds: 1n })), requester: ORG1, channel: 'c' };
    const task = create(ComputeTaskSchema, { key: 'k', status: 1, metadata: { a: 'b' }, inputs: [] });
    emitEvent(ctx as unknown as ServiceContext, EventKind.EVENT_ASSET_UPDATED, 'computeTask', task.key, task, {
      reason: 'r',
    });
    task.status = 4;
    task.metadata['a'] = 'changed';
    task.inputs.push({ $typeName: 'orchestrator.ComputeTaskInput', identifier: 'x', ref: { case: undefined } });
    const payload = events.events[0]!.asset.value as ComputeTask;
    expect(payload.status).toBe(1);
    expect(payload.metadata).toEqual({ a: 'b' });
    expect(payload.inputs).toEqual([]);
  });
});

describe('QueryEvents', () => {
  async function history() {
    const w = await taskWorld();
    const [t] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    w.h.advance();
    await w.h.taskAction(ORG2, t!.key, A.TASK_ACTION_EXECUTING, 'started');
    w.h.advance();
    await w.h.as(ORG2).model.registerModels(create(RegisterModelsParamSchema, { models: [newModel(t!.key)] }));
    w.h.advance();
    await w.h.taskAction(ORG2, t!.key, A.TASK_ACTION_DONE);
    return { ...w, task: t! };
  }

  it('stored events read back equal to what was emitted, channel filled, ordered by (timestamp, id)', async () => {
    const { h } = await history();
    const all = h.events();
    const { events, nextPageToken } = await query(h, { pageSize: 1000 });
    expect(nextPageToken).toBe('');
    expect(events).toHaveLength(all.length);
    const expected = [...all].sort(compareEvents);
    for (const [i, e] of events.entries()) {
      expect(e.channel).toBe(h.channel);
      expect(equals(EventSchema, e, expected[i]!)).toBe(true);
    }
    const desc = await query(h, { pageSize: 1000, sort: SortOrder.DESCENDING });
    expect(desc.events.map((e) => e.id)).toEqual([...expected].reverse().map((e) => e.id));
  });

  it('filters by asset kind, event kind, metadata (containment) and inclusive time bounds', async () => {
    const { h, task } = await history();
    const all = [...h.events()].sort(compareEvents);
    const kinds = await query(h, { pageSize: 1000, filter: { assetKind: AssetKind.ASSET_COMPUTE_TASK } });
    expect(kinds.events.map((e) => e.id)).toEqual(
      all.filter((e) => e.assetKind === AssetKind.ASSET_COMPUTE_TASK).map((e) => e.id),
    );
    const updated = await query(h, {
      filter: { assetKind: AssetKind.ASSET_COMPUTE_TASK, eventKind: EventKind.EVENT_ASSET_UPDATED },
    });
    expect(updated.events.map((e) => e.metadata['reason'])).toEqual(['started', 'User action']);
    const meta = await query(h, { filter: { metadata: { reason: 'started' } } });
    expect(meta.events.map((e) => e.assetKey)).toEqual([task.key]);
    const started = meta.events[0]!.timestamp!;
    const bounded = await query(h, { pageSize: 1000, filter: { start: started, end: started } });
    expect(bounded.events.map((e) => e.id)).toEqual(meta.events.map((e) => e.id));
    const after = await query(h, { pageSize: 1000, filter: { start: started } });
    expect(after.events.length).toBe(all.filter((e) => compareEvents(e, meta.events[0]!) >= 0).length);
  });

  it('is channel scoped', async () => {
    const { h } = await history();
    expect((await query(h, {}, 'otherchannel')).events).toEqual([]);
  });

  it('refuses undefined enum values (OE0101)', async () => {
    const h = new Harness();
    await h.refused('OE0101', () => query(h, { filter: { assetKind: 99 as AssetKind } }));
    await h.refused('OE0101', () => query(h, { sort: 7 as SortOrder }));
  });
});
