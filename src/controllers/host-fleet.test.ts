import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeRuntime } from '../adapters/runtime-fake/fake-runtime.js';
import { MemoryStore } from '../adapters/store-memory/memory-store.js';
import { KIND, taskRecordId } from '../domain/ecs/record-keys.js';
import { hostLostReason, stoppedWithHost } from '../domain/hosts/host-health.js';
import { CONTAINER_INSTANCE_KIND, containerInstanceRecordId, taskKey, type ContainerInstance } from '../domain/placement/container-instance.js';
import { applyObservations, markRunningIfStarted, markSandboxReady, recordContainerId } from '../domain/task/lifecycle.js';
import { planRunTask, type RunnableDefinition } from '../domain/task/run-task.js';
import type { Task } from '../domain/task/task.js';
import { silentLogger } from '../ports/logger.js';
import type { Scope } from '../ports/store.js';
import { HostFleet, type HostAgent } from './host-fleet.js';

const scope: Scope = { account: '123456789012', region: 'eu-west-1' };
const CLUSTER = 'prod';
const LOST_AFTER_MS = 60_000;
const T0 = 1_700_000_000_000;

let n = 0;
const ids = { taskId: () => (++n).toString(16).padStart(32, '0'), uuid: () => `u${++n}`, eniId: () => `eni-${++n}` };
const sandbox = { containerId: 'pause', cgroupParent: '/wharf/t', ipv4Address: '172.30.0.5', macAddress: '02:42:ac:1e:00:05', subnetCidr: '172.30.0.0/16', gateway: '172.30.0.1' };

/** A RUNNING task of the cluster, placed on `containerInstanceId` when given. */
function runningTask(containerInstanceId?: string): Task {
  const definition: RunnableDefinition = {
    taskDefinitionArn: `arn:aws:ecs:${scope.region}:${scope.account}:task-definition/f:1`, family: 'f', revision: 1, status: 'ACTIVE', networkMode: 'awsvpc', cpu: '256', memory: '512',
    compatibilities: ['EC2', 'FARGATE'], containerDefinitions: [{ name: 'app', image: 'i' }],
  };
  const cluster = { clusterArn: `arn:aws:ecs:${scope.region}:${scope.account}:cluster/${CLUSTER}`, clusterName: CLUSTER, capacityProviders: [], defaultCapacityProviderStrategy: [] };
  const planned = planRunTask({ launchType: 'EC2', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }, definition, [], cluster, { region: scope.region, account: scope.account, now: new Date(T0), ids })[0]!;
  let task = markSandboxReady(planned, sandbox, [], sandbox.macAddress);
  task = applyObservations(recordContainerId(task, 'app', 'c-app'), { app: { status: 'running' } }, new Date(T0));
  task = markRunningIfStarted(task, new Date(T0));
  return containerInstanceId === undefined ? task : { ...task, wharf: { ...task.wharf, containerInstanceId } };
}

function registered(id: string, name: string, reservations: ContainerInstance['reservations'] = {}): ContainerInstance {
  return {
    containerInstanceId: id, ec2InstanceId: `i-${id.slice(0, 17)}`, clusterName: CLUSTER, status: 'ACTIVE', implicit: false,
    host: { name, url: `tcp://${name}:2376` }, agentConnected: false, version: 1, registeredResources: {}, attributes: [], registeredAt: T0, reservations,
  };
}

/** Resolves once `condition` holds, polled; fails after `timeoutMs` naming what it waited for. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The fleet over an in-memory store, with agents whose engines are fake runtimes and a clock the test moves. */
class World {
  readonly store = new MemoryStore();
  readonly local = new FakeRuntime();
  now = T0;
  /** Every agent made, in order, with what was done to it. */
  readonly agents: { instance: ContainerInstance; runtime: FakeRuntime; starts: number; stops: number }[] = [];
  readonly fleet = new HostFleet(this.store, { now: () => new Date(this.now) }, silentLogger, {
    localRuntime: this.local,
    agentFor: (instance) => {
      const made = { instance, runtime: new FakeRuntime({ capacity: { cpuUnits: 2048, memoryMiB: 4096 } }), starts: 0, stops: 0 };
      this.agents.push(made);
      const agent: HostAgent = {
        runtime: made.runtime,
        start: async () => void made.starts++,
        stop: async () => void made.stops++,
      };
      return agent;
    },
    engineFor: () => new FakeRuntime(),
    checkEveryMs: 10,
    lostAfterMs: LOST_AFTER_MS,
  });

  async putInstance(instance: ContainerInstance): Promise<void> {
    await this.store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: containerInstanceRecordId(CLUSTER, instance.containerInstanceId), doc: instance }]);
  }

  async instance(id: string): Promise<ContainerInstance | undefined> {
    return (await this.store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, containerInstanceRecordId(CLUSTER, id)))?.doc;
  }

  async putTask(task: Task): Promise<string> {
    const id = taskRecordId(CLUSTER, task.wharf.taskId);
    await this.store.write([{ op: 'put', kind: KIND.task, scope, id, doc: task }]);
    return id;
  }

  async task(id: string) {
    return this.store.get<Task>(KIND.task, scope, id);
  }

  pings(runtime: FakeRuntime): number {
    return runtime.actions.filter((action) => action.call === 'ping').length;
  }

  /** Waits until `runtime` has been checked twice more (so a whole check began and ended since), then for the queue. */
  async checksPass(runtime: FakeRuntime): Promise<void> {
    const seen = this.pings(runtime);
    await until('two more engine checks', () => this.pings(runtime) >= seen + 2);
    await this.fleet.idle();
  }
}

const HOST_A = 'a'.repeat(32);
const HOST_B = 'b'.repeat(32);

describe('the host fleet', () => {
  let world: World;
  beforeEach(() => {
    world = new World();
  });
  afterEach(async () => {
    await world.fleet.stop();
  });

  test('a registered instance gets one agent, started, and its record turns connected with the engine resources', async () => {
    await world.putInstance(registered(HOST_A, 'engine-a'));
    await world.fleet.start();
    await world.fleet.idle();
    assert.equal(world.agents.length, 1);
    assert.equal(world.agents[0]!.instance.containerInstanceId, HOST_A);
    assert.equal(world.agents[0]!.starts, 1);
    const after = await world.instance(HOST_A);
    assert.equal(after!.agentConnected, true);
    assert.deepEqual(after!.registeredResources, { cpu: 2048, memory: 4096 });
    assert.equal(after!.lastSeenAt, T0);
    assert.equal(after!.version, 2);

    // Steady: more checks make no new agent and write nothing.
    world.now += 1_000;
    await world.checksPass(world.agents[0]!.runtime);
    assert.equal(world.agents.length, 1);
    assert.equal(world.agents[0]!.starts, 1);
    assert.equal((await world.instance(HOST_A))!.version, 2);
  });

  test('an instance registered while the fleet runs is driven; implicit instances are not', async () => {
    await world.fleet.start();
    await world.fleet.idle();
    await world.store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: { account: 'wharf', region: 'hosts' }, id: 'local', doc: { ...registered('c'.repeat(32), 'local'), implicit: true, host: undefined } }]);
    await world.putInstance(registered(HOST_B, 'engine-b'));
    await until('engine-b connected', async () => (await world.instance(HOST_B))?.agentConnected === true);
    assert.deepEqual(world.agents.map((agent) => agent.instance.containerInstanceId), [HOST_B]);
  });

  test('of(task): the local engine without an instance, the host engine with one, nothing for an unknown one', async () => {
    await world.putInstance(registered(HOST_A, 'engine-a'));
    await world.fleet.start();
    await world.fleet.idle();
    assert.equal(world.fleet.of(runningTask()), world.local);
    assert.equal(world.fleet.of(runningTask(HOST_A)), world.agents[0]!.runtime);
    assert.equal(world.fleet.of(runningTask(HOST_B)), undefined);
  });

  test('a silent host turns disconnected, and after lostAfterMs its tasks are STOPPED; other tasks are not', async () => {
    const mine = runningTask(HOST_A);
    const other = runningTask();
    const onB = runningTask(HOST_B);
    const mineId = await world.putTask(mine);
    const otherId = await world.putTask(other);
    const onBId = await world.putTask(onB);
    await world.putInstance(registered(HOST_A, 'engine-a', { [taskKey(scope, mineId)]: { cpu: 256, memory: 512, group: 'family:f' } }));
    await world.putInstance(registered(HOST_B, 'engine-b', { [taskKey(scope, onBId)]: { cpu: 256, memory: 512, group: 'family:f' } }));
    await world.fleet.start();
    await world.fleet.idle();
    const engineA = world.agents.find((agent) => agent.instance.containerInstanceId === HOST_A)!.runtime;
    const engineB = world.agents.find((agent) => agent.instance.containerInstanceId === HOST_B)!.runtime;

    engineA.setAnswering(false);
    await until('engine-a disconnected', async () => (await world.instance(HOST_A))!.agentConnected === false);
    const silent = await world.instance(HOST_A);
    assert.equal(silent!.lastSeenAt, T0, 'last seen when it last answered');

    // A millisecond short of the timeout: nothing is stopped.
    world.now += LOST_AFTER_MS - 1;
    await world.checksPass(engineA);
    assert.equal((await world.task(mineId))!.doc.lastStatus, 'RUNNING');

    world.now += 1;
    await until('the task of engine-a to stop', async () => (await world.task(mineId))!.doc.lastStatus === 'STOPPED');
    const stopped = (await world.task(mineId))!.doc;
    assert.equal(stopped.desiredStatus, 'STOPPED');
    assert.equal(stopped.stopCode, 'TerminationNotice');
    assert.equal(stopped.stoppedReason, hostLostReason(silent!.ec2InstanceId!));
    assert.equal(stopped.stoppedAt, world.now);

    // The local task and engine-b's task (engine-b answers) are untouched.
    await world.checksPass(engineB);
    assert.deepEqual((await world.task(otherId))!.doc, other);
    assert.equal((await world.task(otherId))!.version, 1);
    assert.deepEqual((await world.task(onBId))!.doc, onB);
    assert.equal((await world.instance(HOST_B))!.agentConnected, true);
  });

  test('a host that answers again before the timeout keeps its tasks and turns connected', async () => {
    const mine = runningTask(HOST_A);
    const mineId = await world.putTask(mine);
    await world.putInstance(registered(HOST_A, 'engine-a', { [taskKey(scope, mineId)]: { cpu: 256, memory: 512, group: 'family:f' } }));
    await world.fleet.start();
    await world.fleet.idle();
    const engine = world.agents[0]!.runtime;
    engine.setAnswering(false);
    await until('disconnected', async () => (await world.instance(HOST_A))!.agentConnected === false);
    world.now += LOST_AFTER_MS / 2;
    engine.setAnswering(true);
    await until('connected again', async () => (await world.instance(HOST_A))!.agentConnected === true);
    assert.equal((await world.instance(HOST_A))!.lastSeenAt, world.now);
    // The silence counts afresh: going silent again, the timeout runs from then.
    engine.setAnswering(false);
    await until('disconnected again', async () => (await world.instance(HOST_A))!.agentConnected === false);
    world.now += LOST_AFTER_MS / 2 + 1;
    await world.checksPass(engine);
    assert.equal((await world.task(mineId))!.doc.lastStatus, 'RUNNING');
  });

  test('deleting the record stops its agent and of() no longer finds it', async () => {
    await world.putInstance(registered(HOST_A, 'engine-a'));
    await world.fleet.start();
    await world.fleet.idle();
    await world.store.write([{ op: 'delete', kind: CONTAINER_INSTANCE_KIND, scope, id: containerInstanceRecordId(CLUSTER, HOST_A) }]);
    await until('the agent to stop', () => world.agents[0]!.stops === 1);
    assert.equal(world.fleet.of(runningTask(HOST_A)), undefined);
    await world.fleet.idle();
    assert.equal(world.agents.length, 1, 'no agent made for a deleted record');
  });

  test("a deregistered host's STOPPED tasks go to the local supervisor (which ends their retention); its live ones and other hosts' stay", async () => {
    await world.putInstance(registered(HOST_A, 'engine-a'));
    await world.putInstance(registered(HOST_B, 'engine-b'));
    const stoppedOnA = await world.putTask(stoppedWithHost(runningTask(HOST_A), hostLostReason('i-a'), new Date(T0)));
    const runningOnA = await world.putTask(runningTask(HOST_A));
    const stoppedOnB = await world.putTask(stoppedWithHost(runningTask(HOST_B), hostLostReason('i-b'), new Date(T0)));
    await world.fleet.start();
    await world.fleet.idle();
    await world.store.write([{ op: 'delete', kind: CONTAINER_INSTANCE_KIND, scope, id: containerInstanceRecordId(CLUSTER, HOST_A) }]);
    await until('the agent of A to stop', () => world.agents.find((agent) => agent.instance.containerInstanceId === HOST_A)!.stops === 1);
    await until('the STOPPED task of A handed over', async () => (await world.task(stoppedOnA))!.doc.wharf.containerInstanceId === undefined);
    const handed = (await world.task(stoppedOnA))!.doc;
    assert.equal(world.fleet.of(handed), world.local, 'the local engine drives it now');
    assert.equal((await world.task(runningOnA))!.doc.wharf.containerInstanceId, HOST_A, 'a live task stays on its instance');
    assert.equal((await world.task(stoppedOnB))!.doc.wharf.containerInstanceId, HOST_B, "another host's task is not touched");
  });

  test('a changed engine address gets a new agent; the old one is stopped', async () => {
    await world.putInstance(registered(HOST_A, 'engine-a'));
    await world.fleet.start();
    await world.fleet.idle();
    const record = (await world.store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, containerInstanceRecordId(CLUSTER, HOST_A)))!;
    const moved = { ...record.doc, host: { ...record.doc.host!, url: 'tcp://10.0.0.9:2376' }, version: record.doc.version! + 1 };
    await world.store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: record.id, doc: moved, expect: record.version }]);
    await until('a second agent', () => world.agents.length === 2);
    await until('the first agent to stop', () => world.agents[0]!.stops === 1);
    assert.equal(world.agents[1]!.instance.host!.url, 'tcp://10.0.0.9:2376');
    assert.equal(world.agents[1]!.starts, 1);
    assert.equal(world.agents[1]!.stops, 0);
    assert.equal(world.fleet.of(runningTask(HOST_A)), world.agents[1]!.runtime);
    await world.checksPass(world.agents[1]!.runtime);
    assert.equal(world.agents.length, 2, 'the same address again makes no third agent');
  });

  test('stopping the fleet stops every agent', async () => {
    await world.putInstance(registered(HOST_A, 'engine-a'));
    await world.putInstance(registered(HOST_B, 'engine-b'));
    await world.fleet.start();
    await world.fleet.idle();
    await world.fleet.stop();
    assert.deepEqual(world.agents.map((agent) => agent.stops), [1, 1]);
  });
});
