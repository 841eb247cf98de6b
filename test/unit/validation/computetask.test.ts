import { describe, expect, it } from 'vitest';
import { clone, create } from '@bufbuild/protobuf';
import {
  ApplyTaskActionParamSchema,
  ComputeTaskAction,
  ComputeTaskStatus,
  DisableOutputParamSchema,
  GetTaskInputAssetsParamSchema,
  GetTaskParamSchema,
  NewComputeTaskOutputSchema,
  NewComputeTaskSchema,
  ParentTaskOutputRefSchema,
  QueryTasksParamSchema,
  RegisterTasksParamSchema,
  type NewComputeTask,
} from '../../../lib/asset/index.js';
import {
  validateApplyTaskActionParam,
  validateDisableOutputParam,
  validateGetTaskInputAssetsParam,
  validateGetTaskParam,
  validateNewComputeTask,
  validateQueryTasksParam,
  validateRegisterTasksParam,
} from '../../../lib/asset/validation/index.js';
import { bytes, expectInvalid, permissions, uuid, violationsOf } from './helpers.js';

const task = (n: number): NewComputeTask =>
  create(NewComputeTaskSchema, {
    key: uuid(n),
    functionKey: uuid(1000),
    computePlanKey: uuid(2000),
    worker: 'Org1MSP',
    metadata: { __tag__: 'x' },
    inputs: [
      { identifier: 'opener', ref: { case: 'assetKey', value: uuid(3000) } },
      {
        identifier: 'models',
        ref: { case: 'parentTaskOutput', value: { parentTaskKey: uuid(n + 1), outputIdentifier: 'model' } },
      },
    ],
    outputs: { model: { permissions: permissions(), transient: true } },
  });

const mutated = (change: (t: NewComputeTask) => void): NewComputeTask => {
  const t = clone(NewComputeTaskSchema, task(1));
  change(t);
  return t;
};

describe('validateNewComputeTask', () => {
  it('accepts the baseline, and a task without worker, inputs nor outputs', () => {
    expect(() => validateNewComputeTask(task(1))).not.toThrow();
    expect(() =>
      validateNewComputeTask(mutated((t) => ((t.worker = ''), (t.inputs = []), (t.outputs = {})))),
    ).not.toThrow();
  });

  it.each<[string, (t: NewComputeTask) => void, string, string]>([
    ['empty key', (t) => (t.key = ''), 'key', 'cannot be blank'],
    ['bad key', (t) => (t.key = 'task-1'), 'key', 'UUID'],
    ['empty function_key', (t) => (t.functionKey = ''), 'function_key', 'cannot be blank'],
    ['upper-case function_key', (t) => (t.functionKey = t.functionKey.toUpperCase()), 'function_key', 'UUID'],
    ['empty compute_plan_key', (t) => (t.computePlanKey = ''), 'compute_plan_key', 'cannot be blank'],
    ['bad compute_plan_key', (t) => (t.computePlanKey = 'plan'), 'compute_plan_key', 'UUID'],
    ['101-byte worker', (t) => (t.worker = bytes(101)), 'worker', 'no more than 100 bytes (got 101)'],
    ['long metadata value', (t) => (t.metadata['__tag__'] = bytes(101)), 'metadata["__tag__"]', 'value is too long'],
    ['blank input identifier', (t) => (t.inputs[0]!.identifier = ''), 'inputs[0].identifier', 'cannot be blank'],
    [
      'input without ref',
      (t) => (t.inputs[1]!.ref = { case: undefined }),
      'inputs[1].ref',
      'one of asset_key or parent_task_output',
    ],
    [
      'blank asset_key',
      (t) => (t.inputs[0]!.ref = { case: 'assetKey', value: '' }),
      'inputs[0].asset_key',
      'cannot be blank',
    ],
    ['bad asset_key', (t) => (t.inputs[0]!.ref = { case: 'assetKey', value: 'x' }), 'inputs[0].asset_key', 'UUID'],
    [
      'blank parent_task_key',
      (t) =>
        (t.inputs[1]!.ref = {
          case: 'parentTaskOutput',
          value: create(ParentTaskOutputRefSchema, { outputIdentifier: 'model' }),
        }),
      'inputs[1].parent_task_output.parent_task_key',
      'cannot be blank',
    ],
    [
      'upper-case parent_task_key',
      (t) => {
        if (t.inputs[1]!.ref.case === 'parentTaskOutput') t.inputs[1]!.ref.value.parentTaskKey = uuid(9).toUpperCase();
      },
      'inputs[1].parent_task_output.parent_task_key',
      'UUID',
    ],
    [
      'blank output_identifier',
      (t) => {
        if (t.inputs[1]!.ref.case === 'parentTaskOutput') t.inputs[1]!.ref.value.outputIdentifier = '';
      },
      'inputs[1].parent_task_output.output_identifier',
      'cannot be blank',
    ],
    [
      'blank output identifier',
      (t) => (t.outputs[''] = create(NewComputeTaskOutputSchema, { permissions: permissions() })),
      'outputs[""]',
      'identifier cannot be blank',
    ],
    [
      'output without permissions',
      (t) => (t.outputs['model']!.permissions = undefined),
      'outputs["model"].permissions',
      'cannot be blank',
    ],
  ])('refuses %s', (_n, change, path, reason) => {
    expectInvalid(() => validateNewComputeTask(mutated(change)), 'computetask', [path, reason]);
  });

  it('accepts a 100-byte worker', () => {
    expect(() => validateNewComputeTask(mutated((t) => (t.worker = bytes(100))))).not.toThrow();
  });
});

describe('validateRegisterTasksParam', () => {
  it('accepts a batch; leaves an empty batch to the service (OE0003 there, as in Substra)', () => {
    expect(() =>
      validateRegisterTasksParam(create(RegisterTasksParamSchema, { tasks: [task(1), task(3)] })),
    ).not.toThrow();
    expect(() => validateRegisterTasksParam(create(RegisterTasksParamSchema, {}))).not.toThrow();
  });

  it('validates every task, prefixing paths with the task index', () => {
    const bad = task(3);
    bad.inputs[0]!.ref = { case: undefined };
    const items = violationsOf(
      () =>
        validateRegisterTasksParam(
          create(RegisterTasksParamSchema, { tasks: [task(1), bad, mutated((t) => (t.key = uuid(5).toUpperCase()))] }),
        ),
      'computetask',
    );
    expect(items.map((i) => i.split(': ')[0])).toEqual(['tasks[1].inputs[0].ref', 'tasks[2].key']);
  });

  it('refuses a key repeated in the batch, naming it', () => {
    expectInvalid(
      () => validateRegisterTasksParam(create(RegisterTasksParamSchema, { tasks: [task(1), task(3), task(1)] })),
      'computetask',
      ['tasks[2].key', `duplicate key "${uuid(1)}" in the batch (also tasks[0].key)`],
    );
  });
});

describe('computetask params', () => {
  it('GetTaskParam and GetTaskInputAssetsParam need a UUID key', () => {
    expect(() => validateGetTaskParam(create(GetTaskParamSchema, { key: uuid(1) }))).not.toThrow();
    expect(() =>
      validateGetTaskInputAssetsParam(create(GetTaskInputAssetsParamSchema, { computeTaskKey: uuid(1) })),
    ).not.toThrow();
    expectInvalid(() => validateGetTaskParam(create(GetTaskParamSchema, { key: 'x' })), 'computetask', ['key', 'UUID']);
    expectInvalid(() => validateGetTaskInputAssetsParam(create(GetTaskInputAssetsParamSchema, {})), 'computetask', [
      'compute_task_key',
      'cannot be blank',
    ]);
  });

  it.each([
    ComputeTaskAction.TASK_ACTION_EXECUTING,
    ComputeTaskAction.TASK_ACTION_CANCELED,
    ComputeTaskAction.TASK_ACTION_FAILED,
    ComputeTaskAction.TASK_ACTION_DONE,
    ComputeTaskAction.TASK_ACTION_BUILD_STARTED,
    ComputeTaskAction.TASK_ACTION_BUILD_FINISHED,
  ])("ApplyTaskActionParam accepts the well-formed action %i (who may send it is the service's rule)", (action) => {
    expect(() =>
      validateApplyTaskActionParam(create(ApplyTaskActionParamSchema, { computeTaskKey: uuid(1), action, log: 'x' })),
    ).not.toThrow();
  });

  it.each([ComputeTaskAction.TASK_ACTION_UNKNOWN, 17])(
    'ApplyTaskActionParam refuses action %i (malformed)',
    (action) => {
      expectInvalid(
        () => validateApplyTaskActionParam(create(ApplyTaskActionParamSchema, { computeTaskKey: uuid(1), action })),
        'computetask',
        ['action', 'must be one of TASK_ACTION_EXECUTING, TASK_ACTION_CANCELED, TASK_ACTION_FAILED, TASK_ACTION_DONE'],
      );
    },
  );

  it('ApplyTaskActionParam refuses a bad compute_task_key', () => {
    expectInvalid(
      () =>
        validateApplyTaskActionParam(
          create(ApplyTaskActionParamSchema, { computeTaskKey: 'K', action: ComputeTaskAction.TASK_ACTION_DONE }),
        ),
      'computetask',
      ['compute_task_key', 'UUID'],
    );
  });

  it('DisableOutputParam needs a UUID task key and an identifier', () => {
    expect(() =>
      validateDisableOutputParam(create(DisableOutputParamSchema, { computeTaskKey: uuid(1), identifier: 'model' })),
    ).not.toThrow();
    expectInvalid(
      () => validateDisableOutputParam(create(DisableOutputParamSchema, { computeTaskKey: 'x' })),
      'computetask',
      ['compute_task_key', 'UUID'],
      ['identifier', 'cannot be blank'],
    );
  });

  it('QueryTasksParam: optional key filters must be UUIDs, the status a defined value', () => {
    const q = (filter: object) => create(QueryTasksParamSchema, { filter });
    expect(() => validateQueryTasksParam(create(QueryTasksParamSchema, {}))).not.toThrow();
    expect(() =>
      validateQueryTasksParam(q({ worker: 'any org', status: ComputeTaskStatus.STATUS_UNKNOWN })),
    ).not.toThrow();
    expect(() =>
      validateQueryTasksParam(
        q({ computePlanKey: uuid(1), functionKey: uuid(2), status: ComputeTaskStatus.STATUS_BUILDING }),
      ),
    ).not.toThrow();
    expectInvalid(() => validateQueryTasksParam(q({ computePlanKey: 'plan' })), 'computetask', [
      'filter.compute_plan_key',
      'UUID',
    ]);
    expectInvalid(() => validateQueryTasksParam(q({ functionKey: uuid(2).toUpperCase() })), 'computetask', [
      'filter.function_key',
      'UUID',
    ]);
    expectInvalid(() => validateQueryTasksParam(q({ status: 9 })), 'computetask', [
      'filter.status',
      'must be a defined ComputeTaskStatus value (got 9)',
    ]);
  });
});
