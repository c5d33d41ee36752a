import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeRuntime } from '../adapters/runtime-fake/fake-runtime.js';
import { MemoryStore } from '../adapters/store-memory/memory-store.js';
import { KIND, taskRecordId } from '../domain/ecs/record-keys.js';
import { planRunTask, type RunnableDefinition } from '../domain/task/run-task.js';
import type { Task } from '../domain/task/task.js';
import { requestStop } from '../domain/task/lifecycle.js';
import type { HostPortPublisher } from '../ports/host-ports.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { HostPortBinding, PortMappingSpec } from '../ports/runtime.js';
import type { Scope } from '../ports/store.js';
import { TaskSupervisor, taskKey } from './task-supervisor.js';

const SCOPE: Scope = { account: '123456789012', region: 'us-east-1' };
const IMAGE = 'busybox:latest';

const definition: RunnableDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
  family: 'web',
  revision: 1,
  status: 'ACTIVE',
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  compatibilities: ['EC2', 'FARGATE'],
  requiresCompatibilities: ['FARGATE'],
  containerDefinitions: [{ name: 'app', image: IMAGE, essential: true, command: ['sleep', '1000'], portMappings: [{ containerPort: 8080, protocol: 'tcp' }] }],
};

/** Ports on 127.0.0.1 without sockets: the supervisor only needs the bindings back. */
class RecordingPublisher implements HostPortPublisher {
  readonly published = new Map<string, HostPortBinding[]>();
  async publish(key: string, _targetIp: string, mappings: readonly PortMappingSpec[]): Promise<HostPortBinding[]> {
    const bindings = mappings.map((mapping, i) => ({ ...mapping, hostPort: 50_000 + i, bindIP: '127.0.0.1' }));
    this.published.set(key, bindings);
    return bindings;
  }
  isPublished(key: string): boolean {
    return this.published.has(key);
  }
  async unpublish(key: string): Promise<void> {
    this.published.delete(key);
  }
  async close(): Promise<void> {}
}

/** Resolves once the task's record satisfies `condition`, re-checked after each write of it. */
function untilTask(store: MemoryStore, id: string, what: string, condition: (task: Task) => boolean, warnings: string[], timeoutMs = 10_000): Promise<Task> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}${warnings.length > 0 ? ` (the supervisor warned: ${[...new Set(warnings)].join('; ')})` : ''}`)), timeoutMs);
    const stop = store.watch(KIND.task, () => check());
    function finish(error?: Error, task?: Task): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop();
      if (error) reject(error);
      else resolve(task!);
    }
    function check(): void {
      store.get<Task>(KIND.task, SCOPE, id).then((record) => record && condition(record.doc) && finish(undefined, record.doc), (error: unknown) => finish(error as Error));
    }
    check();
  });
}

test('the task supervisor on the fake runtime brings a task to RUNNING and stops it when its essential container exits', async () => {
  const store = new MemoryStore();
  const runtime = new FakeRuntime({ localImages: [IMAGE] });
  const publisher = new RecordingPublisher();
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (obj, msg) => void warnings.push(`${msg}: ${String((obj as { err?: unknown }).err)}`) };
  const supervisor = new TaskSupervisor(store, runtime, { now: () => new Date() }, logger, { instanceId: 'test-instance', publisher, resyncMs: 50 });
  await supervisor.start();
  try {
    const [planned] = planRunTask(
      { launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } },
      definition,
      [],
      { clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c', clusterName: 'c', capacityProviders: [], defaultCapacityProviderStrategy: [] },
      { ...SCOPE, now: new Date(), ids: { taskId: () => 'a'.repeat(32), uuid: () => 'uuid-1', eniId: () => 'eni-00000000000000001' } },
    );
    const id = taskRecordId('c', planned!.wharf.taskId);
    await store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id, doc: planned, expect: 'absent' }]);

    const running = await untilTask(store, id, 'the task to run', (task) => task.lastStatus === 'RUNNING', warnings);
    const app = running.wharf.containerIds['app'];
    assert.ok(app, 'the container id is on the record');
    const calls = runtime.actions.map((action) => action.call);
    const order = ['createSandbox', 'ensureImage', 'createContainer', 'startContainer'].map((call) => calls.indexOf(call as never));
    assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), `sandbox, image, create, start in order: ${calls.join(', ')}`);
    assert.equal(runtime.specOf(app)?.image, IMAGE);
    assert.deepEqual(runtime.limitsOf(running.wharf.sandbox!.cgroupParent), { cpuUnits: 256, memoryMiB: 512 }, 'the task-level limits');
    assert.deepEqual(running.containers.find((c) => c.name === 'app')?.networkBindings?.map((b) => b.hostPort), [50_000]);

    runtime.exit(app, 3);
    const stopped = await untilTask(store, id, 'the task to stop', (task) => task.lastStatus === 'STOPPED', warnings);
    assert.equal(stopped.stopCode, 'EssentialContainerExited');
    assert.equal(stopped.containers.find((c) => c.name === 'app')?.exitCode, 3);
    assert.equal(publisher.isPublished(taskKey(SCOPE, id)), false, 'its ports are closed');
    assert.equal((await runtime.inspectContainer(running.wharf.sandbox!.containerId))?.status, 'exited', 'the sandbox is stopped');
  } finally {
    await supervisor.stop();
  }
});

test('while the engine is silent its tasks wait for it instead of each retrying, and go on when it answers', async () => {
  const store = new MemoryStore();
  const runtime = new FakeRuntime({ localImages: [IMAGE] });
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (obj, msg) => void warnings.push(`${msg}: ${String((obj as { err?: unknown }).err)}`) };
  const supervisor = new TaskSupervisor(store, runtime, { now: () => new Date() }, logger, { instanceId: 'test-instance', publisher: new RecordingPublisher(), resyncMs: 60_000, engineProbeMs: 20 });
  await supervisor.start();
  const TASKS = 10;
  try {
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const [planned] = planRunTask(
        { launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } },
        definition,
        [],
        { clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c', clusterName: 'c', capacityProviders: [], defaultCapacityProviderStrategy: [] },
        { ...SCOPE, now: new Date(), ids: { taskId: () => String(i).padStart(32, '0'), uuid: () => `uuid-${i}`, eniId: () => `eni-${String(i).padStart(17, '0')}` } },
      );
      const id = taskRecordId('c', planned!.wharf.taskId);
      ids.push(id);
      await store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id, doc: planned, expect: 'absent' }]);
    }
    for (const id of ids) await untilTask(store, id, `task ${id} to run`, (task) => task.lastStatus === 'RUNNING', warnings);

    runtime.setAnswering(false);
    const callsBefore = runtime.actions.filter((action) => action.call !== 'ping').length;
    const pingsBefore = runtime.actions.filter((action) => action.call === 'ping').length;
    for (const id of ids) {
      const record = (await store.get<Task>(KIND.task, SCOPE, id))!;
      await store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id, doc: requestStop(record.doc, 'UserInitiated', 'stopped by the test', new Date()), expect: record.version }]);
    }
    // Ten probes of the silent engine later (200 ms): with a back-off each task would have failed three times by now.
    const pings = () => runtime.actions.filter((action) => action.call === 'ping').length;
    const deadline = Date.now() + 5_000;
    while (pings() < pingsBefore + 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(pings() >= pingsBefore + 10, 'the silent engine is probed');
    const engineCalls = runtime.actions.filter((action) => action.call !== 'ping').length - callsBefore;
    // One failing pass per task at most: its first engine call fails, and then it waits.
    assert.ok(engineCalls <= TASKS * 2, `${engineCalls} engine calls for ${TASKS} waiting tasks`);
    assert.equal(warnings.filter((line) => line.startsWith('the Docker engine does not answer')).length, 1, `one warning for all of them: ${warnings.join('; ')}`);
    assert.equal(warnings.filter((line) => line.startsWith('reconcile failed')).length, 0, 'no task failed on its own');

    runtime.setAnswering(true);
    for (const id of ids) assert.equal((await untilTask(store, id, `task ${id} to stop`, (task) => task.lastStatus === 'STOPPED', warnings)).stopCode, 'UserInitiated');
  } finally {
    await supervisor.stop();
  }
});
