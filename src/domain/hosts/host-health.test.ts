import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerInstance } from '../placement/container-instance.js';
import { applyObservations, markRunningIfStarted, markSandboxReady, recordContainerId, requestStop } from '../task/lifecycle.js';
import { planRunTask, type RunnableDefinition } from '../task/run-task.js';
import type { Task } from '../task/task.js';
import { afterEngineCheck, handedOverFromDeregisteredHost, hostLostReason, isHostLost, stoppedWithHost } from './host-health.js';

let n = 0;
const ids = { taskId: () => (++n).toString(16).padStart(32, '0'), uuid: () => `u${++n}`, eniId: () => `eni-${++n}` };
const sandbox = { containerId: 'pause', cgroupParent: '/wharf/t', ipv4Address: '172.30.0.5', macAddress: '02:42:ac:1e:00:05', subnetCidr: '172.30.0.0/16', gateway: '172.30.0.1' };
const started = new Date(1_000);
const lost = new Date(90_000);
const reason = hostLostReason('i-0123456789abcdef0');

function provisioning(): Task {
  const definition: RunnableDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/f:1', family: 'f', revision: 1, status: 'ACTIVE', networkMode: 'awsvpc', cpu: '256', memory: '512',
    compatibilities: ['EC2', 'FARGATE'], containerDefinitions: [{ name: 'app', image: 'i' }, { name: 'side', image: 'i', essential: false }],
  };
  const cluster = { clusterArn: 'arn:aws:ecs:us-east-1:1:cluster/c', clusterName: 'c', capacityProviders: [], defaultCapacityProviderStrategy: [] };
  return planRunTask({ launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }, definition, [], cluster, { region: 'us-east-1', account: '1', now: new Date(0), ids })[0]!;
}

/** RUNNING with both containers running. */
function running(): Task {
  let task = markSandboxReady(provisioning(), sandbox, [], sandbox.macAddress);
  task = recordContainerId(recordContainerId(task, 'app', 'c-app'), 'side', 'c-side');
  task = applyObservations(task, { app: { status: 'running' }, side: { status: 'running' } }, started);
  return markRunningIfStarted(task, started);
}

function instance(overrides: Partial<ContainerInstance> = {}): ContainerInstance {
  return {
    containerInstanceId: '0123456789abcdef0123456789abcdef', ec2InstanceId: 'i-0123456789abcdef0', clusterName: 'c', status: 'ACTIVE', implicit: false,
    host: { name: 'h1', url: 'tcp://10.0.0.5:2376' }, agentConnected: true, lastSeenAt: 500, version: 3,
    registeredResources: { cpu: 4096, memory: 8192 }, attributes: [], registeredAt: 100, reservations: {}, ...overrides,
  };
}

describe('afterEngineCheck', () => {
  test('a connected host answering with the same resources: the same object (no write)', () => {
    const before = instance();
    assert.equal(afterEngineCheck(before, { answered: true, now: 9_000, registered: { cpu: 4096, memory: 8192 } }), before);
    assert.equal(afterEngineCheck(before, { answered: true, now: 9_000 }), before, 'no figures reported: nothing to compare');
  });

  test('a disconnected host still not answering: the same object', () => {
    const before = instance({ agentConnected: false });
    assert.equal(afterEngineCheck(before, { answered: false, now: 9_000 }), before);
  });

  test('a host that answers again: connected, seen now, version + 1', () => {
    const before = instance({ agentConnected: false });
    const after = afterEngineCheck(before, { answered: true, now: 9_000, registered: { cpu: 4096, memory: 8192 } });
    assert.equal(after.agentConnected, true);
    assert.equal(after.lastSeenAt, 9_000);
    assert.equal(after.version, 4);
    assert.deepEqual(after.registeredResources, { cpu: 4096, memory: 8192 });
    assert.equal(before.agentConnected, false, 'the input is not mutated');
  });

  test('a host that stops answering: disconnected, last seen kept, version + 1', () => {
    const after = afterEngineCheck(instance(), { answered: false, now: 9_000 });
    assert.equal(after.agentConnected, false);
    assert.equal(after.lastSeenAt, 500, 'last seen is when it last answered, not when it was checked');
    assert.equal(after.version, 4);
  });

  test('a new host (never connected, no version) answering: version 2 and its resources', () => {
    const { version: _, lastSeenAt: __, ...fresh } = instance({ agentConnected: false, registeredResources: {} });
    const after = afterEngineCheck(fresh, { answered: true, now: 7_000, registered: { cpu: 2048, memory: 4096 } });
    assert.equal(after.version, 2);
    assert.equal(after.lastSeenAt, 7_000);
    assert.deepEqual(after.registeredResources, { cpu: 2048, memory: 4096 });
  });

  test('changed resources of a connected host: recorded, version + 1, seen now', () => {
    const after = afterEngineCheck(instance(), { answered: true, now: 9_000, registered: { cpu: 8192, memory: 8192 } });
    assert.deepEqual(after.registeredResources, { cpu: 8192, memory: 8192 });
    assert.equal(after.version, 4);
    assert.equal(after.agentConnected, true);
    assert.equal(after.lastSeenAt, 9_000);
  });

  test('a figure that becomes unlimited (left out) counts as a change', () => {
    const after = afterEngineCheck(instance(), { answered: true, now: 9_000, registered: { memory: 8192 } });
    assert.deepEqual(after.registeredResources, { memory: 8192 });
    assert.equal(after.version, 4);
  });
});

describe('isHostLost', () => {
  test('a host that answers is never lost', () => {
    assert.equal(isHostLost(undefined, 1e12, 60_000), false);
  });

  test('lost exactly at lostAfterMs of silence, not a millisecond before', () => {
    assert.equal(isHostLost(10_000, 69_999, 60_000), false);
    assert.equal(isHostLost(10_000, 70_000, 60_000), true);
    assert.equal(isHostLost(10_000, 70_001, 60_000), true);
  });

  test('with a zero timeout the first silent check loses it', () => {
    assert.equal(isHostLost(10_000, 10_000, 0), true);
  });
});

describe('stoppedWithHost', () => {
  test('a RUNNING task: STOPPED at once with TerminationNotice and the reason, every time set', () => {
    const task = running();
    const stopped = stoppedWithHost(task, reason, lost);
    assert.equal(stopped.lastStatus, 'STOPPED');
    assert.equal(stopped.desiredStatus, 'STOPPED');
    assert.equal(stopped.stopCode, 'TerminationNotice');
    assert.equal(stopped.stoppedReason, reason);
    assert.equal(stopped.stoppingAt, lost.getTime());
    assert.equal(stopped.executionStoppedAt, lost.getTime());
    assert.equal(stopped.stoppedAt, lost.getTime());
    assert.equal(stopped.wharf.stopRequestedAt, lost.getTime());
    assert.deepEqual(stopped.containers.map((container) => container.lastStatus), ['STOPPED', 'STOPPED']);
    assert.ok(stopped.version > task.version);
    assert.equal(task.lastStatus, 'RUNNING', 'the input is not mutated');
  });

  test('a task still PROVISIONING stops the same way', () => {
    const stopped = stoppedWithHost(provisioning(), reason, lost);
    assert.equal(stopped.lastStatus, 'STOPPED');
    assert.equal(stopped.stopCode, 'TerminationNotice');
    assert.ok(stopped.containers.every((container) => container.lastStatus === 'STOPPED'));
  });

  test('a task already STOPPED is returned as is', () => {
    const stopped = stoppedWithHost(running(), reason, lost);
    assert.equal(stoppedWithHost(stopped, 'another reason', new Date(200_000)), stopped);
  });

  test('a task already asked to stop keeps its first reason and code (requestStop: the first wins)', () => {
    const asked = requestStop(running(), 'UserInitiated', 'stopped by me', new Date(50_000));
    const stopped = stoppedWithHost(asked, reason, lost);
    assert.equal(stopped.lastStatus, 'STOPPED');
    assert.equal(stopped.stopCode, 'UserInitiated');
    assert.equal(stopped.stoppedReason, 'stopped by me');
    assert.equal(stopped.wharf.stopRequestedAt, 50_000);
    assert.equal(stopped.stoppedAt, lost.getTime());
  });

  test('a task already STOPPING keeps when it began stopping', () => {
    const stopping = { ...requestStop(running(), 'UserInitiated', 'stopped by me', new Date(50_000)), lastStatus: 'STOPPING' as const, stoppingAt: 60_000 };
    const stopped = stoppedWithHost(stopping, reason, lost);
    assert.equal(stopped.lastStatus, 'STOPPED');
    assert.equal(stopped.stoppingAt, 60_000);
    assert.equal(stopped.stoppedAt, lost.getTime());
  });

  test('the reason names the instance', () => {
    assert.equal(hostLostReason('i-0abc'), 'Host EC2 (instance i-0abc) stopped answering; its tasks were stopped.');
  });
});

describe('handedOverFromDeregisteredHost', () => {
  const HOST = '0123456789abcdef0123456789abcdef';
  const on = (task: Task, id: string): Task => ({ ...task, wharf: { ...task.wharf, containerInstanceId: id } });

  test("a STOPPED task of the host loses only its instance id: the local supervisor drives it, and what ECS shows is the same", () => {
    const stopped = on(stoppedWithHost(running(), reason, lost), HOST);
    const handed = handedOverFromDeregisteredHost(stopped, HOST)!;
    assert.equal(handed.wharf.containerInstanceId, undefined);
    assert.equal('containerInstanceId' in handed.wharf, false);
    const { containerInstanceId: _dropped, ...rest } = stopped.wharf;
    assert.deepEqual({ ...handed, wharf: undefined }, { ...stopped, wharf: undefined });
    assert.deepEqual(handed.wharf, rest);
    assert.equal(stopped.wharf.containerInstanceId, HOST, 'the input is not mutated');
  });

  test('a live task of the host, or a task of another host or of the local engine, is not handed over', () => {
    assert.equal(handedOverFromDeregisteredHost(on(running(), HOST), HOST), undefined);
    assert.equal(handedOverFromDeregisteredHost(on(stoppedWithHost(running(), reason, lost), 'f'.repeat(32)), HOST), undefined);
    assert.equal(handedOverFromDeregisteredHost(stoppedWithHost(running(), reason, lost), HOST), undefined);
  });
});
