import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KIND } from '../../domain/ecs/record-keys.js';
import { CONTAINER_INSTANCE_KIND, demandOf, HOST_SCOPE, remainingOf, taskKey, type ContainerInstance } from '../../domain/placement/container-instance.js';
import { isPlaced } from '../../domain/placement/place-tasks.js';
import { planPlacement } from '../../domain/placement/reserve.js';
import type { Task } from '../../domain/task/task.js';
import type { HostCapacity } from '../../ports/runtime.js';
import { retryOnStale, type Scope, type Store } from '../../ports/store.js';
import { SqliteStore } from '../store-sqlite/sqlite-store.js';
import { StoreContainerInstances } from './store-container-instances.js';
import { seededRandom } from '../../domain/seeded-random.js';

const clock = { now: () => new Date(1_700_000_000_000) };
const SCOPES: Scope[] = [{ account: '111111111111', region: 'us-east-1' }, { account: '222222222222', region: 'eu-west-1' }];
const CLUSTER = 'default';

/** The smallest task record the placement path reads. */
function taskDoc(id: string, memory: number, cpu = 256, group = 'family:app'): Task {
  return { taskArn: `arn:aws:ecs:us-east-1:111111111111:task/${CLUSTER}/${id}`, cpu: String(cpu), memory: String(memory), group, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' } as unknown as Task;
}

const seeded = seededRandom;

/** What RunTask does: read the instances, place, write the tasks and the reservations together (retrying a stale write). */
async function runTasks(store: Store, instances: StoreContainerInstances, scope: Scope, tasks: { id: string; doc: Task }[]): Promise<string[]> {
  return retryOnStale(async () => {
    const snapshot = await instances.forPlacement(scope, CLUSTER);
    const plan = planPlacement(
      tasks.map(({ id, doc }) => ({ key: taskKey(scope, `${CLUSTER}/${id}`), demand: demandOf(doc) })),
      snapshot.instances.map((item) => item.instance),
      { strategy: [], constraints: [] },
      { account: scope.account, region: scope.region, clusterName: CLUSTER, clusterArn: `arn:aws:ecs:${scope.region}:${scope.account}:cluster/${CLUSTER}` },
    );
    const placed = tasks.filter((_, index) => isPlaced(plan.outcomes[index]!));
    if (placed.length > 0) {
      await store.write([
        ...placed.map(({ id, doc }) => ({ op: 'put' as const, kind: KIND.task, scope, id: `${CLUSTER}/${id}`, doc, expect: 'absent' as const })),
        ...snapshot.reserve(plan.reservations),
      ]);
    }
    return plan.outcomes.map((outcome) => (isPlaced(outcome) ? 'placed' : outcome.failure.reason));
  }, 64);
}

/** The answer a scan of every task gives: the live (not STOPPED) tasks and what they hold. */
async function scanned(store: Store): Promise<{ keys: string[]; memory: number }> {
  const live = (await store.listAll<Task>(KIND.task)).filter((record) => record.doc.lastStatus !== 'STOPPED');
  return { keys: live.map((record) => taskKey(record.scope, record.id)).sort(), memory: live.reduce((sum, record) => sum + Number(record.doc.memory), 0) };
}

describe('container instance records in the store', () => {
  test('property: after any sequence of RunTask, StopTask, STOPPED and removal, with releases and some lost to crashes, the reservations are what a scan finds plus the lost releases, and the repair drops exactly those', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const random = seeded(seed);
      const store = new SqliteStore(':memory:');
      const capacity: HostCapacity = { cpuUnits: Infinity, memoryMiB: 8192 };
      const instances = new StoreContainerInstances(store, { hostId: 'host-1', capacity: async () => capacity, clock });
      // Tasks stopped or removed whose release a crash lost: they still hold room until the repair.
      const unreleased = new Map<string, number>();
      let next = 0;
      for (let step = 0; step < 60; step++) {
        const scope = SCOPES[Math.floor(random() * SCOPES.length)]!;
        const tasks = await store.list<Task>(KIND.task, scope);
        const pick = tasks[Math.floor(random() * tasks.length)];
        const action = random();
        const finish = async () => {
          // What the releaser does on the task's write, unless the process died first.
          if (random() < 0.8) await instances.release(scope, pick!.id);
          else if (!unreleased.has(taskKey(scope, pick!.id))) unreleased.set(taskKey(scope, pick!.id), Number(pick!.doc.memory));
        };
        if (action < 0.45 || !pick) {
          const count = 1 + Math.floor(random() * 3);
          await runTasks(store, instances, scope, Array.from({ length: count }, () => ({ id: `t${next++}`, doc: taskDoc(`t${next}`, 256 * (1 + Math.floor(random() * 4))) })));
        } else if (action < 0.65) {
          await store.write([{ op: 'put', kind: KIND.task, scope, id: pick.id, doc: { ...pick.doc, desiredStatus: 'STOPPED' }, expect: pick.version }]);
        } else if (action < 0.9) {
          if (pick.doc.lastStatus === 'STOPPED') continue;
          await store.write([{ op: 'put', kind: KIND.task, scope, id: pick.id, doc: { ...pick.doc, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' }, expect: pick.version }]);
          await finish();
        } else {
          await store.write([{ op: 'delete', kind: KIND.task, scope, id: pick.id }]);
          if (pick.doc.lastStatus !== 'STOPPED') await finish();
        }
        const held = (await instances.forPlacement(scope, CLUSTER)).instances[0]!.instance;
        const truth = await scanned(store);
        const lost = [...unreleased.keys()];
        assert.deepEqual(Object.keys(held.reservations).sort(), [...truth.keys, ...lost].sort(), `seed ${seed} step ${step}`);
        const lostMemory = [...unreleased.values()].reduce((sum, memory) => sum + memory, 0);
        assert.equal(remainingOf(held).memory, 8192 - truth.memory - lostMemory, `seed ${seed} step ${step}`);
        assert.ok(truth.memory + lostMemory <= 8192, 'never over-committed');
        if (random() < 0.1) {
          assert.equal(await instances.reconcileReservations(), lost.length, `seed ${seed} step ${step}: the repair drops the lost releases`);
          unreleased.clear();
          const repaired = (await instances.forPlacement(scope, CLUSTER)).instances[0]!.instance;
          assert.deepEqual(Object.keys(repaired.reservations).sort(), truth.keys);
        }
      }
      await store.close();
    }
  });

  test('a placement reads one record however many tasks the instance holds', async () => {
    const store = new SqliteStore(':memory:');
    const instances = new StoreContainerInstances(store, { hostId: 'host-1', capacity: async () => ({ cpuUnits: Infinity, memoryMiB: 1_000_000 }), clock });
    const scope = SCOPES[0]!;
    await runTasks(store, instances, scope, Array.from({ length: 200 }, (_, i) => ({ id: `many${i}`, doc: taskDoc(`many${i}`, 512) })));
    const get = store.get.bind(store);
    let reads = 0;
    store.get = async (kind, readScope, id) => {
      reads++;
      return get(kind, readScope, id);
    };
    const snapshot = await instances.forPlacement(scope, CLUSTER);
    assert.equal(Object.keys(snapshot.instances[0]!.instance.reservations).length, 200);
    assert.equal(reads, 1);
    await store.close();
  });

  test('twenty placements at once on room for exactly five: five placed, fifteen RESOURCE:MEMORY, none over-committed', async () => {
    const store = new SqliteStore(':memory:');
    const instances = new StoreContainerInstances(store, { hostId: 'host-1', capacity: async () => ({ cpuUnits: Infinity, memoryMiB: 5 * 512 }), clock });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => runTasks(store, instances, SCOPES[i % 2]!, [{ id: `p${i}`, doc: taskDoc(`p${i}`, 512) }])));
    const outcomes = results.flat();
    assert.equal(outcomes.filter((o) => o === 'placed').length, 5);
    assert.equal(outcomes.filter((o) => o === 'RESOURCE:MEMORY').length, 15);
    assert.equal((await store.listAll(KIND.task)).length, 5);
    const record = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, HOST_SCOPE, 'host-1');
    assert.equal(Object.keys(record!.doc.reservations).length, 5);
    await store.close();
  });

  test('the first record counts the live tasks written before instance records existed; later reads never scan', async () => {
    const store = new SqliteStore(':memory:');
    const scope = SCOPES[0]!;
    await store.write([
      { op: 'put', kind: KIND.task, scope, id: `${CLUSTER}/old1`, doc: taskDoc('old1', 1024) },
      { op: 'put', kind: KIND.task, scope, id: `${CLUSTER}/old2`, doc: { ...taskDoc('old2', 2048), lastStatus: 'STOPPED' } },
    ]);
    const instances = new StoreContainerInstances(store, { hostId: 'host-1', capacity: async () => ({ cpuUnits: 2048, memoryMiB: 2048 }), clock, cpuArchitecture: 'x86_64' });
    const first = (await instances.forPlacement(scope, CLUSTER)).instances[0]!;
    assert.deepEqual(Object.keys(first.instance.reservations), [taskKey(scope, `${CLUSTER}/old1`)]);
    assert.equal(first.instance.implicit, true);
    assert.deepEqual(first.instance.registeredResources, { cpu: 2048, memory: 2048 });
    assert.deepEqual(first.instance.attributes.find((a) => a.name === 'ecs.cpu-architecture'), { name: 'ecs.cpu-architecture', value: 'x86_64' });
    assert.deepEqual(first.scope, HOST_SCOPE);
    assert.deepEqual(await runTasks(store, instances, scope, [{ id: 'new1', doc: taskDoc('new1', 1024) }, { id: 'new2', doc: taskDoc('new2', 1024) }]), ['placed', 'RESOURCE:MEMORY']);

    // Once the record exists, a task the store holds without a reservation is not looked for (no scan): only reservations count.
    const listAll = store.listAll.bind(store);
    let scans = 0;
    store.listAll = async (kind) => {
      scans++;
      return listAll(kind);
    };
    await instances.forPlacement(scope, CLUSTER);
    assert.equal(scans, 0);
    await store.close();
  });

  test('the registered resources follow the host capacity; nothing is written when nothing is placed', async () => {
    const store = new SqliteStore(':memory:');
    let capacity: HostCapacity = { cpuUnits: Infinity, memoryMiB: 1024 };
    const instances = new StoreContainerInstances(store, { hostId: 'host-1', capacity: async () => capacity, clock });
    const scope = SCOPES[0]!;
    assert.deepEqual(await runTasks(store, instances, scope, [{ id: 'a', doc: taskDoc('a', 1024) }, { id: 'b', doc: taskDoc('b', 1024) }]), ['placed', 'RESOURCE:MEMORY']);
    capacity = { cpuUnits: Infinity, memoryMiB: 2048 };
    const snapshot = await instances.forPlacement(scope, CLUSTER);
    assert.deepEqual(snapshot.instances[0]!.instance.registeredResources, { memory: 2048 });
    assert.deepEqual(snapshot.reserve([]), [], 'no reservation, no write');
    assert.deepEqual(await runTasks(store, instances, scope, [{ id: 'b', doc: taskDoc('b', 1024) }]), ['placed']);
    const record = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, HOST_SCOPE, 'host-1');
    assert.deepEqual(record!.doc.registeredResources, { memory: 2048 });
    await store.close();
  });
});
