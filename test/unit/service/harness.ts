// A Provider per call over an in-memory ledger, run like a real transaction: on success the writes commit and the
// events are appended to the channel's event log; on error the writes are rolled back and the events dropped.
import { clone, create, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import { expect } from 'vitest';
import { rpcByPath } from '../../../lib/api/index.js';
import {
  ApplyFunctionActionParamSchema,
  ApplyTaskActionParamSchema,
  AssetKind,
  ComputeTaskAction,
  ComputeTaskStatus,
  EventSchema,
  FunctionAction,
  FunctionStatus,
  RegisterDataSamplesParamSchema,
  RegisterModelsParamSchema,
  RegisterOrganizationParamSchema,
  RegisterTasksParamSchema,
  type ComputePlan,
  type ComputeTask,
  type DataManager,
  type DataSample,
  type Event,
  type Function as OrcFunction,
  type Model,
  type NewComputeTask,
} from '../../../lib/asset/index.js';
import { isOrcError, type OrcError } from '../../../lib/errors/index.js';
import { ledgerDB, MemoryKV } from '../../../lib/ledger/index.js';
import type { DBAL } from '../../../lib/persistence/index.js';
import { withProvider } from '../../../lib/api/index.js';
import { fixedClock, Provider } from '../../../lib/service/index.js';
import {
  CHANNEL,
  inp,
  ORG1,
  ORG2,
  ORG3,
  out,
  publicPerms,
  restrictedPerms,
  shapes,
  newDataManager,
  newDataSample,
  newFunction,
  newModel,
  newPlan,
  newTask,
  type FunctionShape,
  type TaskInit,
} from './fixtures.js';

type Services = Omit<Provider, 'ctx'>;
/** The services of a Provider, each method running in its own transaction. */
export type Client = { readonly [K in keyof Services]: Services[K] };

/** One transaction over the test's storage. */
interface Tx {
  dbal: DBAL;
  commit(): Promise<void>;
  rollback(): void;
}

/** Where the harness keeps its world state. */
export interface Backend {
  begin(channel: string): Tx;
  /** A stable dump of everything stored, to prove that a refused request wrote nothing. */
  state(): string[];
}

/** Start of the fixed clock: 2024-01-02T03:04:05.123456Z. */
const START_SECONDS = 1704164645n;
const START_NANOS = 123_456_000;

export class Harness {
  private readonly logs = new Map<string, Event[]>();
  private eventCounter = 0;
  private seconds = START_SECONDS;
  private nanos = START_NANOS;

  constructor(
    readonly channel: string = CHANNEL,
    readonly backend: Backend = ledgerBackend(),
  ) {}

  /** The transaction time the next call will get. */
  now(): Timestamp {
    return create(TimestampSchema, { seconds: this.seconds, nanos: this.nanos });
  }

  /** Moves the clock forward (default one second); returns the new time. */
  advance(seconds = 1, micros = 0): Timestamp {
    const total = this.nanos + micros * 1000;
    this.seconds += BigInt(seconds + Math.floor(total / 1e9));
    this.nanos = total % 1e9;
    return this.now();
  }

  /** Runs `fn` as one transaction of `requester` in `channel`. */
  async run<T>(requester: string, fn: (p: Provider) => Promise<T>, channel: string = this.channel): Promise<T> {
    const tx = this.backend.begin(channel);
    const dbal = tx.dbal;
    let result: T;
    let events: Event[];
    try {
      const outcome = await withProvider({ dbal, clock: fixedClock(this.now()), requester, channel }, fn);
      result = outcome.response;
      events = outcome.events.map((e) => {
        const stored = clone(EventSchema, e);
        stored.id = String(++this.eventCounter);
        stored.channel = channel;
        return stored;
      });
      await dbal.addEvents(events);
    } catch (err) {
      tx.rollback();
      throw err;
    }
    await tx.commit();
    this.log(channel).push(...events);
    return result;
  }

  /** `h.as(org).computeTask.registerTasks(...)`: every method call is one transaction. */
  as(requester: string, channel: string = this.channel): Client {
    return new Proxy({} as Client, {
      get: (_, service: string) =>
        new Proxy(
          {},
          {
            get:
              (__, method: string) =>
              (...args: unknown[]) =>
                this.run(
                  requester,
                  (p) => {
                    const svc = (p as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[
                      service
                    ];
                    const call = svc?.[method];
                    if (!call) throw new Error(`no method ${service}.${method}`);
                    return call.apply(svc, args);
                  },
                  channel,
                ),
          },
        ),
    });
  }

  /** Calls an RPC of the API table by its gRPC path, e.g. "/orchestrator.ComputePlanService/RegisterPlan". */
  async call<O extends DescMessage = DescMessage>(
    requester: string,
    path: string,
    request: MessageInitShape<DescMessage>,
    channel: string = this.channel,
  ): Promise<MessageShape<O>> {
    const rpc = rpcByPath(path);
    if (!rpc || rpc.kind !== 'unary') throw new Error(`no unary RPC ${path}`);
    const message = create(rpc.method.input, request);
    return this.run(requester, (p) => rpc.call(p, message), channel) as Promise<MessageShape<O>>;
  }

  /** Every committed event of the channel, in emission order. */
  events(channel: string = this.channel): Event[] {
    return [...this.log(channel)];
  }

  /** A position in the event log, for `since`. */
  mark(channel: string = this.channel): number {
    return this.log(channel).length;
  }

  /** Events committed after `mark`. */
  since(mark: number, channel: string = this.channel): Event[] {
    return this.log(channel).slice(mark);
  }

  /** The whole world state (to prove a refused request changed nothing). */
  state(): string[] {
    return this.backend.state();
  }

  /**
   * Asserts that `action` fails with an OrcError of `code` (also present in its message), and that it neither wrote
   * nor emitted anything. Returns the error.
   */
  async refused(code: string, action: () => Promise<unknown>, messagePart?: string | RegExp): Promise<OrcError> {
    const before = this.state();
    const eventsBefore = this.eventCounter;
    const logSizes = [...this.logs.entries()].map(([c, l]) => [c, l.length] as const);
    let error: unknown;
    try {
      await action();
    } catch (err) {
      error = err;
    }
    expect(error, `expected a refusal with ${code}`).toBeDefined();
    if (!isOrcError(error)) throw error;
    expect(error.code).toBe(code);
    expect(error.message).toContain(code);
    if (messagePart !== undefined) {
      if (typeof messagePart === 'string') expect(error.message).toContain(messagePart);
      else expect(error.message).toMatch(messagePart);
    }
    expect(this.state()).toEqual(before);
    expect(this.eventCounter).toBe(eventsBefore);
    for (const [c, size] of logSizes) expect(this.log(c).length).toBe(size);
    return error;
  }

  private log(channel: string): Event[] {
    let log = this.logs.get(channel);
    if (!log) {
      log = [];
      this.logs.set(channel, log);
    }
    return log;
  }

  // ---- world builders (each one request, as a client would do it) ----

  async orgs(...ids: string[]): Promise<void> {
    for (const id of ids) await this.as(id).organization.registerOrganization(create(RegisterOrganizationParamSchema));
  }

  /** Registers a function and drives it to `status` (WAITING by default) through function actions. */
  async fn(
    owner: string,
    shape: FunctionShape & Parameters<typeof newFunction>[0] = {},
    status: FunctionStatus = FunctionStatus.WAITING,
  ): Promise<OrcFunction> {
    const fn = await this.as(owner).function.registerFunction(newFunction(shape));
    const path: Partial<Record<FunctionStatus, FunctionAction[]>> = {
      [FunctionStatus.WAITING]: [],
      [FunctionStatus.BUILDING]: [FunctionAction.BUILDING],
      [FunctionStatus.READY]: [FunctionAction.BUILDING, FunctionAction.READY],
      [FunctionStatus.FAILED]: [FunctionAction.BUILDING, FunctionAction.FAILED],
      [FunctionStatus.CANCELED]: [FunctionAction.CANCELED],
    };
    for (const action of path[status] ?? []) await this.fnAction(owner, fn.key, action);
    return this.as(owner).function.load(fn.key);
  }

  async fnAction(owner: string, functionKey: string, action: FunctionAction): Promise<void> {
    await this.as(owner).function.applyFunctionAction(create(ApplyFunctionActionParamSchema, { functionKey, action }));
  }

  async plan(owner: string): Promise<ComputePlan> {
    return this.as(owner).computePlan.registerPlan(newPlan());
  }

  async dataManager(owner: string, init: Parameters<typeof newDataManager>[0] = {}): Promise<DataManager> {
    return this.as(owner).dataManager.registerDataManager(newDataManager(init));
  }

  async samples(owner: string, dataManagerKeys: string[], n = 1): Promise<DataSample[]> {
    const samples = Array.from({ length: n }, () => newDataSample(dataManagerKeys));
    const res = await this.as(owner).dataSample.registerDataSamples(
      create(RegisterDataSamplesParamSchema, { samples }),
    );
    return res.dataSamples;
  }

  async tasks(owner: string, ...tasks: NewComputeTask[]): Promise<ComputeTask[]> {
    return (await this.as(owner).computeTask.registerTasks(create(RegisterTasksParamSchema, { tasks }))).tasks;
  }

  async task(owner: string, init: TaskInit): Promise<ComputeTask> {
    const [task] = await this.tasks(owner, newTask(init));
    return task!;
  }

  async getTask(key: string, requester = 'MyOrg1MSP'): Promise<ComputeTask> {
    return this.as(requester).computeTask.load(key);
  }

  async status(key: string): Promise<ComputeTaskStatus> {
    return (await this.getTask(key)).status;
  }

  async taskAction(requester: string, computeTaskKey: string, action: ComputeTaskAction, log = ''): Promise<void> {
    await this.as(requester).computeTask.applyTaskAction(
      create(ApplyTaskActionParamSchema, { computeTaskKey, action, log }),
    );
  }

  /** Worker side: EXECUTING, one model on `identifier`, DONE. */
  async runToDone(worker: string, taskKey: string, identifier = 'model'): Promise<Model> {
    await this.taskAction(worker, taskKey, ComputeTaskAction.TASK_ACTION_EXECUTING);
    const { models } = await this.as(worker).model.registerModels(
      create(RegisterModelsParamSchema, { models: [newModel(taskKey, identifier)] }),
    );
    await this.taskAction(worker, taskKey, ComputeTaskAction.TASK_ACTION_DONE);
    return models[0]!;
  }
}

/** One MemoryKV per channel (a channel is its own world state), a LedgerDB per transaction. */
export function ledgerBackend(): Backend {
  const worlds = new Map<string, MemoryKV>();
  const world = (channel: string) => {
    let kv = worlds.get(channel);
    if (!kv) {
      kv = new MemoryKV();
      worlds.set(channel, kv);
    }
    return kv;
  };
  return {
    begin(channel) {
      const tx = world(channel).transaction();
      return {
        dbal: ledgerDB(tx, channel),
        commit: () => {
          tx.commit();
          return Promise.resolve();
        },
        rollback: () => tx.rollback(),
      };
    },
    state: () =>
      [...worlds.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .flatMap(([channel, kv]) =>
          kv.entries().map((e) => `${channel} ${JSON.stringify(e.key)}=${Buffer.from(e.value).toString('hex')}`),
        ),
  };
}

export const S = ComputeTaskStatus;
export const A = ComputeTaskAction;
export { AssetKind, FunctionAction, FunctionStatus };

/**
 * A common world for task tests: ORG1 owns the plan and four READY public functions (root, chain, train, test), ORG2
 * owns a public data manager (logs restricted to ORG3 and itself) with two samples. Task builders fill in what each
 * function needs; `init` overrides.
 */
export async function taskWorld(h: Harness = new Harness()) {
  await h.orgs(ORG1, ORG2, ORG3);
  const fns = {
    root: await h.fn(ORG1, shapes.root(), FunctionStatus.READY),
    chain: await h.fn(ORG1, shapes.chain(), FunctionStatus.READY),
    train: await h.fn(ORG1, shapes.train(), FunctionStatus.READY),
    test: await h.fn(ORG1, shapes.test(), FunctionStatus.READY),
  };
  const plan = await h.plan(ORG1);
  const dm = await h.dataManager(ORG2, { logsPermission: restrictedPerms(ORG3) });
  const samples = await h.samples(ORG2, [dm.key], 2);
  h.advance();
  const base = (functionKey: string, init: Partial<TaskInit>): TaskInit => ({
    functionKey,
    computePlanKey: plan.key,
    ...init,
  });
  const builders = {
    /** No input, output `model`; worker ORG1 unless given. */
    root: (init: Partial<TaskInit> = {}) => newTask(base(fns.root.key, { worker: ORG1, ...init })),
    /** Consumes parent models through `models`; worker ORG1 unless given. */
    chain: (parents: string[], init: Partial<TaskInit> = {}) =>
      newTask(base(fns.chain.key, { worker: ORG1, inputs: parents.map((p) => inp.parent('models', p)), ...init })),
    /** Trains on ORG2's data (worker inferred: ORG2); optional parent model. */
    train: (init: Partial<TaskInit> & { parent?: string } = {}) =>
      newTask(
        base(fns.train.key, {
          inputs: [
            inp.asset('opener', dm.key),
            ...samples.map((s) => inp.asset('datasamples', s.key)),
            ...(init.parent ? [inp.parent('model', init.parent)] : []),
          ],
          ...init,
        }),
      ),
    /** Evaluates a parent model; output `performance` must be public. */
    test: (parent: string, init: Partial<TaskInit> = {}) =>
      newTask(
        base(fns.test.key, {
          worker: ORG1,
          inputs: [inp.parent('model', parent)],
          outputs: { performance: out(publicPerms()) },
          ...init,
        }),
      ),
  };
  return { h, fns, plan, dm, samples, ...builders };
}
