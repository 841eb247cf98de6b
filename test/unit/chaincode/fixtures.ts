// A federated-learning shaped RegisterTasks batch: per round, one train task per data manager (opener + samples,
// plus the previous aggregate's model) and one aggregate task consuming the round's trained models.
import { create } from '@bufbuild/protobuf';
import { NewComputeTaskSchema, type NewComputeTask } from '../../../lib/asset/index.js';
import { inp, out, restrictedPerms } from '../service/fixtures.js';

export interface FlKeys {
  planKey: string;
  trainFunctionKey: string;
  aggregateFunctionKey: string;
  /** The aggregator's organization (aggregate tasks have no data, so their worker is explicit). */
  aggregator: string;
  /** Every organization taking part: task outputs are processable by all of them. */
  orgs: string[];
  dataManagers: { key: string; sampleKeys: string[] }[];
}

/** Deterministic task keys, so that two runs of the same batch are byte-identical. */
export function taskKey(planKey: string, index: number): string {
  return `${planKey.slice(0, 24)}${index.toString(16).padStart(12, '0')}`;
}

/** `count` tasks, parents first, in rounds of (one train task per data manager, then one aggregate task). */
export function flBatch(count: number, keys: FlKeys): NewComputeTask[] {
  const tasks: NewComputeTask[] = [];
  const outputs = { model: out(restrictedPerms(...keys.orgs)) };
  let previousAggregate: string | undefined;
  for (let round = 0; tasks.length < count; round++) {
    const trained: string[] = [];
    for (const dm of keys.dataManagers) {
      if (tasks.length >= count) break;
      const key = taskKey(keys.planKey, tasks.length);
      trained.push(key);
      tasks.push(
        create(NewComputeTaskSchema, {
          key,
          functionKey: keys.trainFunctionKey,
          computePlanKey: keys.planKey,
          inputs: [
            inp.asset('opener', dm.key),
            ...dm.sampleKeys.map((sample) => inp.asset('datasamples', sample)),
            ...(previousAggregate ? [inp.parent('model', previousAggregate)] : []),
          ],
          outputs,
          metadata: { round: String(round), kind: 'train' },
        }),
      );
    }
    if (tasks.length >= count) break;
    const key = taskKey(keys.planKey, tasks.length);
    tasks.push(
      create(NewComputeTaskSchema, {
        key,
        functionKey: keys.aggregateFunctionKey,
        computePlanKey: keys.planKey,
        worker: keys.aggregator,
        inputs: trained.map((parent) => inp.parent('models', parent)),
        outputs,
        metadata: { round: String(round), kind: 'aggregate' },
      }),
    );
    previousAggregate = key;
  }
  return tasks;
}

/** A representative batch with made-up keys (2 organizations, 5 samples each), for measurements. */
export function registerTasksBatch(count: number): NewComputeTask[] {
  const uuid = (n: number): string => `5c1d5b4a-1c1b-4f4e-8b1e-${n.toString(16).padStart(12, '0')}`;
  return flBatch(count, {
    planKey: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    trainFunctionKey: uuid(1),
    aggregateFunctionKey: uuid(2),
    aggregator: 'MyOrg1MSP',
    orgs: ['MyOrg1MSP', 'MyOrg2MSP'],
    dataManagers: [
      { key: uuid(10), sampleKeys: [11, 12, 13, 14, 15].map(uuid) },
      { key: uuid(20), sampleKeys: [21, 22, 23, 24, 25].map(uuid) },
    ],
  });
}
