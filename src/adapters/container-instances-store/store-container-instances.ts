import { KIND } from '../../domain/ecs/record-keys.js';
import {
  ATTRIBUTE,
  CONTAINER_INSTANCE_KIND,
  containerInstanceRecordId,
  demandOf,
  HOST_SCOPE,
  IMPLICIT_INSTANCE_TYPE,
  implicitInstance,
  parseTaskKey,
  pruneReservations,
  resourcesOf,
  sameResources,
  taskKey,
  withReservations,
  type ContainerInstance,
  type InstanceAttribute,
} from '../../domain/placement/container-instance.js';
import type { Task } from '../../domain/task/task.js';
import type { Clock } from '../../ports/clock.js';
import type { CapacityKind, ContainerInstances, InstanceSnapshot, NewReservation, PlacementSnapshot } from '../../ports/container-instances.js';
import type { HostCapacity } from '../../ports/runtime.js';
import { retryOnStale, type Expectation, type Scope, type Store } from '../../ports/store.js';

export interface StoreContainerInstancesOptions {
  /** The engine host's stable id (the data directory's instance id): its implicit instance's id. */
  readonly hostId: string;
  /** What the host's tasks may use (the configured cap, else the engine's memory). */
  readonly capacity: () => Promise<HostCapacity>;
  readonly clock: Clock;
  /** `ecs.cpu-architecture` of the host (`x86_64`, `arm64`). */
  readonly cpuArchitecture?: string;
}

/**
 * Container instances kept as `ecs.container-instance` records in the store.
 * The local engine is one implicit instance in the host scope; its
 * registered resources follow the host's capacity (refreshed whenever a
 * placement reads it and the figure moved). A placement reads that one
 * record; a stopped task's room comes back through `release` (called by the
 * reservation releaser as the task stops) and `reconcileReservations` (its
 * periodic repair).
 */
export class StoreContainerInstances implements ContainerInstances {
  constructor(private readonly store: Store, private readonly options: StoreContainerInstancesOptions) {}

  async forPlacement(scope: Scope, clusterName: string, capacity: CapacityKind = 'fargate'): Promise<PlacementSnapshot> {
    return capacity === 'registered' ? this.registeredForPlacement(scope, clusterName) : this.implicitForPlacement();
  }

  /** The cluster's registered instances, each as read (its version expected back). */
  private async registeredForPlacement(scope: Scope, clusterName: string): Promise<PlacementSnapshot> {
    const records = await this.store.list<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, { prefix: `${clusterName}/` });
    const read = records.filter((record) => !record.doc.implicit);
    return {
      instances: read.map((record): InstanceSnapshot => ({ scope, id: record.id, instance: record.doc })),
      reserve: (reservations: readonly NewReservation[]) =>
        read.flatMap((record) => {
          const mine = reservations.filter((item) => item.instanceId === record.doc.containerInstanceId);
          return mine.length === 0 ? [] : [{ op: 'put' as const, kind: CONTAINER_INSTANCE_KIND, scope, id: record.id, doc: withReservations(record.doc, mine), expect: record.version }];
        }),
    };
  }

  private async implicitForPlacement(): Promise<PlacementSnapshot> {
    const registered = resourcesOf(await this.options.capacity());
    const id = this.options.hostId;
    const record = await this.store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, HOST_SCOPE, id);
    let instance: ContainerInstance;
    let expect: Expectation;
    if (record) {
      instance = record.doc;
      expect = record.version;
    } else {
      instance = await this.firstRecord(registered);
      expect = 'absent';
    }
    if (!sameResources(instance.registeredResources, registered)) instance = { ...instance, registeredResources: registered };
    const read = instance;
    return {
      instances: [{ scope: HOST_SCOPE, id, instance: read }],
      reserve: (reservations: readonly NewReservation[]) => {
        const mine = reservations.filter((item) => item.instanceId === id);
        if (mine.length === 0) return [];
        return [{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: HOST_SCOPE, id, doc: withReservations(read, mine), expect }];
      },
    };
  }

  async release(scope: Scope, taskRecordId: string, containerInstanceId?: string): Promise<void> {
    const key = taskKey(scope, taskRecordId);
    // A task's record id is `<cluster>/<task id>`: its registered instance is stored beside it.
    const where =
      containerInstanceId === undefined
        ? { scope: HOST_SCOPE, id: this.options.hostId }
        : { scope, id: containerInstanceRecordId(taskRecordId.slice(0, taskRecordId.indexOf('/')), containerInstanceId) };
    await retryOnStale(async () => {
      const record = await this.store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, where.scope, where.id);
      if (!record || !(key in record.doc.reservations)) return;
      const doc = pruneReservations(record.doc, (held) => held !== key);
      await this.store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: where.scope, id: where.id, doc, expect: record.version }]);
    }, 32);
  }

  /** Over the local engine's implicit instance and every registered one (a handful: one per host). */
  async reconcileReservations(): Promise<number> {
    const registered = (await this.store.listAll<ContainerInstance>(CONTAINER_INSTANCE_KIND)).filter((record) => !record.doc.implicit);
    const places = [{ scope: HOST_SCOPE as Scope, id: this.options.hostId }, ...registered.map((record) => ({ scope: record.scope, id: record.id }))];
    let dropped = 0;
    for (const place of places) {
      dropped += await retryOnStale(async () => {
        const record = await this.store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, place.scope, place.id);
        if (!record) return 0;
        const doc = await this.pruned(record.doc);
        const count = Object.keys(record.doc.reservations).length - Object.keys(doc.reservations).length;
        if (count > 0) await this.store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: place.scope, id: place.id, doc, expect: record.version }]);
        return count;
      }, 32);
    }
    return dropped;
  }

  /** Drops the reservations of tasks that are gone or STOPPED: one read per task the instance holds. */
  private async pruned(instance: ContainerInstance): Promise<ContainerInstance> {
    const keys = Object.keys(instance.reservations);
    const live = new Set<string>();
    await Promise.all(
      keys.map(async (key) => {
        const where = parseTaskKey(key);
        const task = where ? await this.store.get<Task>(KIND.task, where.scope, where.id) : undefined;
        if (task && task.doc.lastStatus !== 'STOPPED') live.add(key);
      }),
    );
    return pruneReservations(instance, (key) => live.has(key));
  }

  /**
   * The host's first instance record. Tasks written before instance records
   * existed (an older data directory) hold room too, so this one time the
   * live tasks are read from the whole store; afterwards only reservations are.
   */
  private async firstRecord(registered: ContainerInstance['registeredResources']): Promise<ContainerInstance> {
    const attributes: InstanceAttribute[] = [
      { name: ATTRIBUTE.osType, value: 'linux' },
      { name: ATTRIBUTE.instanceType, value: IMPLICIT_INSTANCE_TYPE },
      ...(this.options.cpuArchitecture ? [{ name: ATTRIBUTE.cpuArchitecture, value: this.options.cpuArchitecture }] : []),
    ];
    const empty = implicitInstance(this.options.hostId, registered, attributes, this.options.clock.now().getTime());
    const live = (await this.store.listAll<Task>(KIND.task)).filter((record) => record.doc.lastStatus !== 'STOPPED');
    return withReservations(empty, live.map((record) => ({ key: taskKey(record.scope, record.id), reservation: demandOf(record.doc) })));
  }
}
