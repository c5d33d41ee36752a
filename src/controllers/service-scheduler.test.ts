import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { StoreContainerInstances } from '../adapters/container-instances-store/store-container-instances.js';
import { MemoryStore } from '../adapters/store-memory/memory-store.js';
import { newCluster } from '../domain/ecs/cluster.js';
import { inCluster, KIND, taskDefinitionId } from '../domain/ecs/record-keys.js';
import { changeCtx, revision, T0 } from '../domain/service/scheduler-fixtures.js';
import { newService, updateService, type CreateServiceInput } from '../domain/service/service-changes.js';
import { serviceRecordId, type Service } from '../domain/service/service.js';
import type { RunnableDefinition } from '../domain/task/run-task.js';
import type { Task } from '../domain/task/task.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { Scope, WriteOp } from '../ports/store.js';
import { ServiceScheduler } from './service-scheduler.js';

// What scheduler-fixtures' changeCtx() creates services in: account 1, us-east-1, cluster c.
const SCOPE: Scope = { account: '1', region: 'us-east-1' };
const SERVICE_ID = serviceRecordId('c', 'web');
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' } };

/** Revision n with the service's launch settings, as CreateService and UpdateService resolve it: awsvpc needs the network. */
const launched = (n: number) => ({ ...revision(n), launch: { ...revision(n).launch, networkConfiguration: NETWORK } });

/** Revision n of `web` as RegisterTaskDefinition stores it (what scheduler-fixtures' revision(n) names). */
function definition(n: number): { taskDefinition: RunnableDefinition; tags: [] } {
  return {
    taskDefinition: {
      taskDefinitionArn: revision(n).taskDefinitionArn,
      family: 'web',
      revision: n,
      status: 'ACTIVE',
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      compatibilities: ['EC2', 'FARGATE'],
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'app', image: 'busybox', essential: true, command: ['sleep', '1000'] }],
    },
    tags: [],
  };
}

/**
 * The scheduler on an in-memory store with a clock the test moves, plus a
 * stand-in for the task supervisor: it brings every new task to RUNNING and
 * every task asked to stop to STOPPED, each in its own write, as the real one
 * does. A task counts as healthy 40 s after it started, so the stand-in moves
 * the clock 41 s on with each start; a short resync lets the scheduler see it.
 */
class World {
  readonly store = new MemoryStore();
  now = T0;
  readonly clock = { now: () => new Date(this.now) };
  /** What the scheduler warned about (a failed reconcile): a test fails on any. */
  readonly warnings: string[] = [];
  private readonly logger: Logger = {
    ...silentLogger,
    warn: (obj, msg) => void this.warnings.push(`${msg}: ${String((obj as { err?: unknown }).err)}`),
    error: (obj, msg) => void this.warnings.push(`${msg}: ${String((obj as { err?: unknown }).err)}`),
  };
  readonly scheduler = new ServiceScheduler(this.store, this.clock, this.logger, {
    timeScale: 1,
    // The host's implicit Fargate instance, its reservations kept in the same store.
    instances: new StoreContainerInstances(this.store, { hostId: 'host-1', capacity: async () => ({ cpuUnits: 16_384, memoryMiB: 32_768 }), clock: this.clock }),
    resyncMs: 20,
  });
  private stopAgent: (() => void) | undefined;
  /** Where the test's own set-up ends in the store's journal: what comes after is the scheduler's and the agent's. */
  private setupEnd = 0;

  async create(input: Partial<CreateServiceInput> & { desiredCount: number }): Promise<void> {
    const cluster = newCluster({ clusterName: 'c' }, { ...SCOPE, now: new Date(T0), containerInsightsDefault: 'disabled', knownProviders: ['FARGATE', 'FARGATE_SPOT'] });
    const service = newService({ serviceName: 'web', taskDefinition: 'web:1', networkConfiguration: NETWORK, ...input }, launched(1), changeCtx(T0));
    await this.store.write([
      { op: 'put', kind: KIND.cluster, scope: SCOPE, id: 'c', doc: cluster },
      { op: 'put', kind: KIND.taskDefinition, scope: SCOPE, id: taskDefinitionId('web', 1), doc: definition(1) },
      { op: 'put', kind: KIND.taskDefinition, scope: SCOPE, id: taskDefinitionId('web', 2), doc: definition(2) },
      { op: 'put', kind: KIND.service, scope: SCOPE, id: SERVICE_ID, doc: service },
    ]);
    this.setupEnd = this.store.journal.length;
  }

  start(options: { agent: boolean }): void {
    if (options.agent) this.stopAgent = this.store.watch(KIND.task, (change) => void this.agentStep(change.id));
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    this.stopAgent?.();
    await this.scheduler.stop();
  }

  private async agentStep(id: string): Promise<void> {
    const record = await this.store.get<Task>(KIND.task, SCOPE, id);
    if (!record) return;
    const task = record.doc;
    let next: Task | undefined;
    if (task.desiredStatus === 'STOPPED' && task.lastStatus !== 'STOPPED') next = { ...task, lastStatus: 'STOPPED', stoppedAt: this.now };
    else if (task.desiredStatus === 'RUNNING' && task.lastStatus === 'PROVISIONING') next = { ...task, lastStatus: 'RUNNING', startedAt: this.now };
    if (!next) return;
    try {
      await this.store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id, doc: next, expect: record.version }]);
    } catch {
      return; // the scheduler wrote first; its write wakes this step again
    }
    if (next.lastStatus === 'RUNNING') this.now += 41_000;
  }

  async service(): Promise<Service> {
    return (await this.store.get<Service>(KIND.service, SCOPE, SERVICE_ID))!.doc;
  }

  async tasks(): Promise<Task[]> {
    return (await this.store.list<Task>(KIND.task, SCOPE, { prefix: inCluster('c') })).map((record) => record.doc);
  }

  /** The batches written since the set-up (by the scheduler, the agent or the test). */
  batches(): (readonly WriteOp[])[] {
    return this.store.journal.slice(this.setupEnd);
  }

  /** Resolves once `condition` holds, re-checked after every write; fails after `timeoutMs` with what it waited for. */
  until(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        for (const stop of stops) stop();
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        condition().then((ok) => ok && finish(), (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
      };
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}${this.warnings.length > 0 ? ` (the scheduler warned: ${[...new Set(this.warnings)].join('; ')})` : ''}`)), timeoutMs);
      const stops = [KIND.task, KIND.service].map((kind) => this.store.watch(kind, check));
      check();
    });
  }
}

const taskPuts = (batch: readonly WriteOp[]) => batch.filter((op) => op.op === 'put' && op.kind === KIND.task);

describe('the service scheduler on an in-memory store', () => {
  let world: World;
  afterEach(async () => {
    await world.stop();
    assert.deepEqual(world.warnings, [], 'no reconcile failed');
  });

  test('a service with desiredCount 3 and no tasks gets 3 new tasks and the service update in one write', async () => {
    world = new World();
    await world.create({ desiredCount: 3 });
    world.start({ agent: false });
    await world.until('3 tasks', async () => (await world.tasks()).length === 3);

    const [first, ...later] = world.batches();
    const puts = taskPuts(first!);
    assert.equal(puts.length, 3);
    for (const op of puts) assert.equal(op.op === 'put' && op.expect, 'absent', 'a new task, never an overwrite');
    assert.deepEqual(first!.filter((op) => op.kind === KIND.service).map((op) => op.op === 'put' && op.expect), [1], 'the service as read');
    assert.equal(later.flatMap(taskPuts).length, 0, 'nothing more to start');

    const service = await world.service();
    const tasks = await world.tasks();
    for (const task of tasks) {
      assert.equal(task.lastStatus, 'PROVISIONING');
      assert.equal(task.desiredStatus, 'RUNNING');
      assert.equal(task.group, 'service:web');
      assert.equal(task.startedBy, service.deployments[0]!.id);
      assert.equal(task.taskDefinitionArn, revision(1).taskDefinitionArn);
    }
    assert.equal(service.pendingCount, 3);
    assert.match(service.events[0]!.message, /^\(service web\) has started 3 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/);
  });

  test('a task that stopped is replaced by one new task', async () => {
    world = new World();
    await world.create({ desiredCount: 2 });
    world.start({ agent: true });
    await world.until('the deployment to complete', async () => (await world.service()).deployments[0]!.rolloutState === 'COMPLETED');
    const [victim] = await world.tasks();
    const before = world.batches().length;

    // The essential container exited: the supervisor records the task as STOPPED.
    const record = (await world.store.get<Task>(KIND.task, SCOPE, `c/${victim!.wharf.taskId}`))!;
    await world.store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id: record.id, doc: { ...record.doc, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedAt: world.now }, expect: record.version }]);
    await world.until('a replacement running', async () => (await world.tasks()).filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING').length === 2);

    const started = world.batches().slice(before).flatMap(taskPuts).filter((op) => op.op === 'put' && op.expect === 'absent');
    assert.equal(started.length, 1, 'exactly one replacement');
    const replacement = (started[0]!.op === 'put' ? started[0]!.doc : undefined) as Task;
    assert.notEqual(replacement.wharf.taskId, victim!.wharf.taskId);
    assert.equal((await world.tasks()).length, 3, 'the stopped task stays until it expires');
    assert.ok((await world.service()).events.some((e) => e.message === `(service web) has started 1 tasks: (task ${replacement.wharf.taskId}).`));
  });

  for (const [min, max, desired] of [[50, 100, 2], [100, 200, 2], [50, 150, 4]] as const) {
    test(`a rolling deployment from revision 1 to 2 with minimumHealthyPercent ${min} and maximumPercent ${max} keeps within both and ends on revision 2`, async () => {
      world = new World();
      await world.create({ desiredCount: desired, deploymentConfiguration: { minimumHealthyPercent: min, maximumPercent: max } });
      world.start({ agent: true });
      await world.until('revision 1 to complete', async () => (await world.service()).deployments[0]!.rolloutState === 'COMPLETED');
      const before = world.batches().length;

      // UpdateService records the new revision; the scheduler rolls it out.
      const record = (await world.store.get<Service>(KIND.service, SCOPE, SERVICE_ID))!;
      await world.store.write([{ op: 'put', kind: KIND.service, scope: SCOPE, id: SERVICE_ID, doc: updateService(record.doc, { taskDefinition: 'web:2' }, launched(2), changeCtx(world.now)), expect: record.version }]);
      await world.until('revision 2 to complete', async () => {
        const service = await world.service();
        return service.deployments.length === 1 && service.deployments[0]!.taskDefinition === revision(2).taskDefinitionArn && service.deployments[0]!.rolloutState === 'COMPLETED';
      });

      // Replay every write of the rollout: after each one, the bounds held.
      const tasks = new Map<string, Task>();
      for (const batch of world.batches().slice(0, before)) for (const op of taskPuts(batch)) if (op.op === 'put') tasks.set((op.doc as Task).wharf.taskId, op.doc as Task);
      for (const batch of world.batches().slice(before)) {
        for (const op of taskPuts(batch)) if (op.op === 'put') tasks.set((op.doc as Task).wharf.taskId, op.doc as Task);
        const alive = [...tasks.values()].filter((t) => t.lastStatus !== 'STOPPED');
        const serving = alive.filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING');
        assert.ok(alive.length <= Math.floor((desired * max) / 100), `${alive.length} tasks alive, above maximumPercent ${max}`);
        assert.ok(serving.length >= Math.ceil((desired * min) / 100), `${serving.length} tasks serving, below minimumHealthyPercent ${min}`);
      }
      const live = (await world.tasks()).filter((t) => t.desiredStatus === 'RUNNING');
      assert.equal(live.length, desired);
      assert.ok(live.every((t) => t.taskDefinitionArn === revision(2).taskDefinitionArn && t.lastStatus === 'RUNNING'));
      const stoppedOld = (await world.tasks()).filter((t) => t.taskDefinitionArn === revision(1).taskDefinitionArn);
      assert.equal(stoppedOld.length, desired);
      assert.ok(stoppedOld.every((t) => t.lastStatus === 'STOPPED' && t.stopCode === 'ServiceSchedulerInitiated'));
    });
  }
});
