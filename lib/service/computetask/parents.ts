import type { ComputeTask, NewComputeTask } from '../../asset/index.js';

/** Distinct parent keys referenced by a task's inputs, in first-appearance order. */
export function parentKeys(task: Pick<ComputeTask | NewComputeTask, 'inputs'>): string[] {
  const keys: string[] = [];
  for (const input of task.inputs) {
    if (input.ref.case === 'parentTaskOutput') {
      const key = input.ref.value.parentTaskKey;
      if (!keys.includes(key)) keys.push(key);
    }
  }
  return keys;
}
