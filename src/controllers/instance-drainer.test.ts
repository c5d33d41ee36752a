import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../adapters/store-memory/memory-store.js';
import { KIND } from '../domain/ecs/record-keys.js';
import { CONTAINER_INSTANCE_KIND, taskKey, type ContainerInstance } from '../domain/placement/container-instance.js';
import type { Task } from '../domain/task/task.js';
import { silentLogger } from '../ports/logger.js';
import type { Scope } from '../ports/store.js';
import { InstanceDrainer } from './instance-drainer.js';

const scope: Scope = { account: '111111111111', region: 'us-east-1' };
const clock = { now: () => new Date(1_700_000_000_000) };

function task(id: string, lastStatus: Task['lastStatus'], group = 'service:web', instanceId?: string): Task {
  return {
    taskArn: `arn:aws:ecs:us-east-1:111111111111:task/c/${id}`,
    lastStatus,
    desiredStatus: 'RUNNING',
    group,
    version: 1,
    wharf: { taskId: id, clusterName: 'c', family: 'web', ...(instanceId ? { containerInstanceId: instanceId } : {}) },
  } as unknown as Task;
}

function instance(id: string, status: ContainerInstance['status'], taskIds: string[]): ContainerInstance {
  return {
    containerInstanceId: id,
    status,
    implicit: false,
    clusterName: 'c',
    version: 1,
    registeredResources: {},
    attributes: [],
    registeredAt: 0,
    reservations: Object.fromEntries(taskIds.map((taskId) => [taskKey(scope, `c/${taskId}`), { cpu: 0, memory: 0, group: 'service:web' }])),
  };
}

const service = (desiredCount: number, minimumHealthyPercent: number) => ({ serviceName: 'web', status: 'ACTIVE', desiredCount, deploymentConfiguration: { minimumHealthyPercent, maximumPercent: 200 } });

async function seed(store: MemoryStore, status: ContainerInstance['status'], minimumHealthyPercent = 50) {
  await store.write([
    { op: 'put', kind: KIND.service, scope, id: 'c/web', doc: service(4, minimumHealthyPercent) },
    { op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'c/i1', doc: instance('i1', status, ['a', 'b', 'c', 'd', 'p', 's']) },
    ...['a', 'b', 'c', 'd'].map((id) => ({ op: 'put' as const, kind: KIND.task, scope, id: `c/${id}`, doc: task(id, 'RUNNING', 'service:web', 'i1') })),
    { op: 'put', kind: KIND.task, scope, id: 'c/p', doc: task('p', 'PENDING', 'service:web', 'i1') },
    { op: 'put', kind: KIND.task, scope, id: 'c/s', doc: task('s', 'RUNNING', 'family:batch', 'i1') },
  ]);
}

async function desired(store: MemoryStore, id: string) {
  return (await store.get<Task>(KIND.task, scope, `c/${id}`))!.doc;
}

test('a DRAINING instance: pending service tasks stop, RUNNING ones down to the minimum healthy count, standalone ones stay; replacements elsewhere let the rest go', async () => {
  const store = new MemoryStore();
  await seed(store, 'DRAINING');
  const drainer = new InstanceDrainer(store, clock, silentLogger);

  const first = await drainer.drainCluster(scope, 'c');
  // desired 4 at 50%: 2 must stay RUNNING, none runs elsewhere, so 2 of the 4 stop.
  assert.deepEqual(first, { stop: ['c/a', 'c/b', 'c/p'], held: ['c/c', 'c/d'] });
  const stopped = await desired(store, 'a');
  assert.equal(stopped.desiredStatus, 'STOPPED');
  assert.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
  assert.match(stopped.stoppedReason!, /container instance is in DRAINING state/);
  assert.equal(stopped.version, 2);
  assert.equal((await desired(store, 'p')).desiredStatus, 'STOPPED');
  assert.equal((await desired(store, 'c')).desiredStatus, 'RUNNING');
  assert.equal((await desired(store, 's')).desiredStatus, 'RUNNING');

  // Nothing changed: a second pass stops nothing more.
  assert.deepEqual((await drainer.drainCluster(scope, 'c')).stop, []);

  // The scheduler's two replacements run on another instance: the last two go.
  await store.write(['r1', 'r2'].map((id) => ({ op: 'put' as const, kind: KIND.task, scope, id: `c/${id}`, doc: task(id, 'RUNNING', 'service:web', 'i2') })));
  assert.deepEqual(await drainer.drainCluster(scope, 'c'), { stop: ['c/c', 'c/d'], held: [] });
  assert.equal((await desired(store, 's')).desiredStatus, 'RUNNING');
});

test('an ACTIVE instance is left alone', async () => {
  const store = new MemoryStore();
  await seed(store, 'ACTIVE');
  const drainer = new InstanceDrainer(store, clock, silentLogger);
  assert.deepEqual(await drainer.drainCluster(scope, 'c'), { stop: [], held: [] });
  assert.equal((await desired(store, 'a')).desiredStatus, 'RUNNING');
});

test('started, it drains when an instance turns DRAINING and again when tasks change', async () => {
  const store = new MemoryStore();
  await seed(store, 'ACTIVE', 0);
  const drainer = new InstanceDrainer(store, clock, silentLogger, { resyncMs: 60_000, recheckMs: 60_000 });
  await drainer.start();
  try {
    await drainer.idle();
    assert.equal((await desired(store, 'a')).desiredStatus, 'RUNNING');
    const record = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, 'c/i1');
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'c/i1', doc: { ...record!.doc, status: 'DRAINING' }, expect: record!.version }]);
    await waitUntil(async () => (await desired(store, 'd')).desiredStatus === 'STOPPED');
    await drainer.idle();
    // At 0% every service task stops at once; the standalone one stays.
    for (const id of ['a', 'b', 'c', 'd', 'p']) assert.equal((await desired(store, id)).desiredStatus, 'STOPPED');
    assert.equal((await desired(store, 's')).desiredStatus, 'RUNNING');

    // A service task placed there before the drain reached it (a late write) is stopped when it is written.
    const late = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, 'c/i1');
    await store.write([
      { op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'c/i1', doc: { ...late!.doc, reservations: { ...late!.doc.reservations, [taskKey(scope, 'c/e')]: { cpu: 0, memory: 0, group: 'service:web' } } }, expect: late!.version },
      { op: 'put', kind: KIND.task, scope, id: 'c/e', doc: task('e', 'PROVISIONING', 'service:web', 'i1') },
    ]);
    await waitUntil(async () => (await desired(store, 'e')).desiredStatus === 'STOPPED');
  } finally {
    await drainer.stop();
  }
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
