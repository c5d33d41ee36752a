import { TASKS_BY_LISTING, taskListingKey } from '../domain/ecs/record-indexes.js';
import { KIND } from '../domain/ecs/record-keys.js';
import { CONTAINER_INSTANCE_KIND, HOST_SCOPE, parseTaskKey, type ContainerInstance } from '../domain/placement/container-instance.js';
import { DRAIN_STOP_CODE, drainStopReason, planDrain, type DrainingTask, type DrainPlan, type ServiceMargin } from '../domain/placement/drain-plan.js';
import { serviceRecordId, type Service } from '../domain/service/service.js';
import { serviceOfTask } from '../domain/task/draining.js';
import { requestStop } from '../domain/task/lifecycle.js';
import type { Task } from '../domain/task/task.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { retryOnStale, type Scope, type Store, type StoredRecord, type WriteOp } from '../ports/store.js';
import { againAfter, done, WorkQueue, type ReconcileResult } from './work-queue.js';

export interface InstanceDrainerOptions {
  /** How often every DRAINING instance is looked at again, whatever was written (a net for a missed change). */
  readonly resyncMs?: number;
  /** How soon a cluster whose drain is held by a service's minimum healthy count is looked at again. */
  readonly recheckMs?: number;
}

/** `[account, region, cluster name]`: the drainer's work is per cluster. */
type ClusterKey = string;

function clusterKey(scope: Scope, clusterName: string): ClusterKey {
  return JSON.stringify([scope.account, scope.region, clusterName]);
}

/** Registered instances, services and tasks are all stored as `<cluster>/...`. */
function clusterOfRecordId(id: string): string | undefined {
  const slash = id.indexOf('/');
  return slash > 0 ? id.slice(0, slash) : undefined;
}

function isHostScope(scope: Scope): boolean {
  return scope.account === HOST_SCOPE.account && scope.region === HOST_SCOPE.region;
}

/**
 * Drains DRAINING container instances (UpdateContainerInstancesState): the
 * service tasks on them are stopped, with ECS's ServiceSchedulerInitiated
 * code and draining reason, so the service scheduler replaces them on
 * instances still ACTIVE. Each reconcile takes one cluster and plans all its
 * draining instances together with the pure `planDrain`; a service's RUNNING
 * tasks stop only as far as its minimumHealthyPercent allows, so the drain
 * moves on as replacements start: every task and service write in a
 * cluster with a draining instance queues that cluster again, and a held
 * drain is looked at again after `recheckMs` as well. Standalone tasks are
 * left running, as ECS leaves them.
 *
 * The stops are desired state only (requestStop, written over the version
 * read, all in one write: a stale one re-reads and re-plans); the task
 * supervisor does the stopping.
 */
export class InstanceDrainer {
  private readonly queue: WorkQueue;
  private readonly unwatch: (() => void)[] = [];
  /** Clusters with a DRAINING instance when last reconciled: the ones task and service writes wake. */
  private readonly draining = new Set<ClusterKey>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: InstanceDrainerOptions = {},
  ) {
    this.queue = new WorkQueue('instance-drainer', (key) => this.reconcile(key), logger, {
      concurrency: 4,
      resyncMs: options.resyncMs ?? 30_000,
      listKeys: () => this.drainingClusters(),
    });
  }

  async start(): Promise<void> {
    this.unwatch.push(
      this.store.watch(CONTAINER_INSTANCE_KIND, ({ scope, id }) => {
        const cluster = isHostScope(scope) ? undefined : clusterOfRecordId(id);
        if (cluster !== undefined) this.queue.add(clusterKey(scope, cluster));
      }),
    );
    const wakeIfDraining = ({ scope, id }: { scope: Scope; id: string }) => {
      const cluster = clusterOfRecordId(id);
      if (cluster === undefined) return;
      const key = clusterKey(scope, cluster);
      if (this.draining.has(key)) this.queue.add(key);
    };
    this.unwatch.push(this.store.watch(KIND.task, wakeIfDraining), this.store.watch(KIND.service, wakeIfDraining));
    this.queue.start();
  }

  async stop(): Promise<void> {
    for (const unwatch of this.unwatch.splice(0)) unwatch();
    await this.queue.stop();
  }

  /** Resolves when nothing is queued or running (for tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** One pass over a cluster's draining instances: what was stopped and what is held (the reconcile; tests call it directly). */
  async drainCluster(scope: Scope, clusterName: string): Promise<DrainPlan> {
    return retryOnStale(async () => {
      const instances = (await this.store.list<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, { prefix: `${clusterName}/` })).filter(
        ({ doc }) => !doc.implicit && doc.status === 'DRAINING',
      );
      const key = clusterKey(scope, clusterName);
      if (instances.length === 0) {
        this.draining.delete(key);
        return { stop: [], held: [] };
      }
      this.draining.add(key);

      const onDraining = await this.tasksOn(scope, instances.map(({ doc }) => doc));
      const drainingIds = new Set(onDraining.map((record) => record.id));
      const services = new Map<string, ServiceMargin>();
      for (const name of new Set(onDraining.flatMap(({ doc }) => serviceOfTask(doc) ?? []))) {
        const margin = await this.marginOf(scope, clusterName, name, drainingIds);
        if (margin) services.set(name, margin);
      }
      const plan = planDrain(onDraining.map(({ id, doc }): DrainingTask => ({ id, task: doc })), services);

      const byId = new Map(onDraining.map((record) => [record.id, record]));
      const now = this.clock.now();
      const ops: WriteOp[] = plan.stop.map((id) => {
        const record = byId.get(id)!;
        const next = requestStop(record.doc, DRAIN_STOP_CODE, drainStopReason(serviceOfTask(record.doc)!), now);
        return { op: 'put', kind: KIND.task, scope, id, doc: next, expect: record.version };
      });
      if (ops.length > 0) {
        await this.store.write(ops);
        this.logger.info({ cluster: clusterName, account: scope.account, region: scope.region, stopped: plan.stop, held: plan.held.length }, 'stopped service tasks on draining container instances');
      }
      return plan;
    });
  }

  private async reconcile(key: ClusterKey): Promise<ReconcileResult> {
    const [account, region, clusterName] = JSON.parse(key) as [string, string, string];
    const plan = await this.drainCluster({ account, region }, clusterName);
    return plan.held.length > 0 ? againAfter(this.options.recheckMs ?? 5_000) : done;
  }

  /** The tasks the draining instances' reservations name (the room a live task holds), as stored now. */
  private async tasksOn(scope: Scope, instances: readonly ContainerInstance[]): Promise<StoredRecord<Task>[]> {
    const keys = [...new Set(instances.flatMap((instance) => Object.keys(instance.reservations)))];
    const found = await Promise.all(
      keys.map(async (key) => {
        const parsed = parseTaskKey(key);
        // A registered instance holds its own cluster's tasks only.
        if (!parsed || parsed.scope.account !== scope.account || parsed.scope.region !== scope.region) return undefined;
        return this.store.get<Task>(KIND.task, scope, parsed.id);
      }),
    );
    return found.filter((record): record is StoredRecord<Task> => record !== undefined);
  }

  /** A service's desired count, minimum and RUNNING tasks off the draining instances; undefined when the service is gone. */
  private async marginOf(scope: Scope, clusterName: string, serviceName: string, drainingIds: ReadonlySet<string>): Promise<ServiceMargin | undefined> {
    const service = await this.store.get<Service>(KIND.service, scope, serviceRecordId(clusterName, serviceName));
    if (!service || service.doc.status === 'INACTIVE') return undefined;
    const { key } = taskListingKey(clusterName, 'RUNNING', { serviceName });
    const wanted = await this.store.listByIndex<Task>(TASKS_BY_LISTING, scope, key);
    const runningElsewhere = wanted.filter(({ id, doc }) => doc.lastStatus === 'RUNNING' && !drainingIds.has(id)).length;
    return { desiredCount: service.doc.desiredCount, minimumHealthyPercent: service.doc.deploymentConfiguration.minimumHealthyPercent, runningElsewhere };
  }

  private async drainingClusters(): Promise<ClusterKey[]> {
    const records = await this.store.listAll<ContainerInstance>(CONTAINER_INSTANCE_KIND);
    const keys = new Set<ClusterKey>();
    for (const { scope, id, doc } of records) {
      const cluster = clusterOfRecordId(id);
      if (!doc.implicit && doc.status === 'DRAINING' && cluster !== undefined) keys.add(clusterKey(scope, cluster));
    }
    return [...keys];
  }
}
