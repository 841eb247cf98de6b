import type { ComputePlan, ComputeTask, DataManager, Function as OrcFunction, Model } from '../../asset/index.js';
import { notFound } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';

/**
 * Memoised reads for one batch registration: a batch of a thousand tasks usually shares one plan, a few functions and
 * data managers, so each is read once.
 */
export class RegistrationLookups {
  private readonly plans = new Map<string, Promise<ComputePlan | undefined>>();
  private readonly functions = new Map<string, Promise<OrcFunction | undefined>>();
  private readonly dataManagers = new Map<string, Promise<DataManager | undefined>>();
  private readonly organizations = new Map<string, Promise<boolean>>();
  private readonly models = new Map<string, Promise<Model[]>>();
  /** Tasks created earlier in this batch, and parents read from storage. */
  readonly tasks = new Map<string, ComputeTask>();

  constructor(private readonly ctx: ServiceContext) {}

  plan(key: string): Promise<ComputePlan> {
    return required(
      memo(this.plans, key, () => this.ctx.dbal.getComputePlan(key)),
      'computeplan',
      key,
    );
  }

  function(key: string): Promise<OrcFunction> {
    return required(
      memo(this.functions, key, () => this.ctx.dbal.getFunction(key)),
      'function',
      key,
    );
  }

  dataManager(key: string): Promise<DataManager> {
    return required(
      memo(this.dataManagers, key, () => this.ctx.dbal.getDataManager(key)),
      'datamanager',
      key,
    );
  }

  async requireOrganization(id: string): Promise<void> {
    const exists = await memo(this.organizations, id, async () => !!(await this.ctx.dbal.getOrganization(id)));
    if (!exists) throw notFound('organization', id);
  }

  taskModels(taskKey: string): Promise<Model[]> {
    return memo(this.models, taskKey, () => this.ctx.dbal.getComputeTaskOutputModels(taskKey));
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
  }
  return value;
}

async function required<T>(value: Promise<T | undefined>, what: string, key: string): Promise<T> {
  const found = await value;
  if (found === undefined) throw notFound(what, key);
  return found;
}
