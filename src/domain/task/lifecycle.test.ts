import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyObservations, dependencyReadiness, failPull, markDeactivating, markExecutionStopped, markPulled, markRunningIfStarted, markSandboxReady, markStopped, markStopping, pullFailureDetail, recordContainerId, requestStop, taskHealth, withDrainUntil,
} from './lifecycle.js';
import { planRunTask, type RunnableDefinition } from './run-task.js';
import type { Task } from './task.js';

let n = 0;
const ids = { taskId: () => (++n).toString(16).padStart(32, '0'), uuid: () => `u${++n}`, eniId: () => `eni-${++n}` };
const now = new Date(5_000);

function newTask(containers: Record<string, unknown>[]): Task {
  const definition: RunnableDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/f:1', family: 'f', revision: 1, status: 'ACTIVE', networkMode: 'awsvpc', cpu: '256', memory: '512',
    compatibilities: ['EC2', 'FARGATE'], containerDefinitions: containers,
  };
  const cluster = { clusterArn: 'arn:aws:ecs:us-east-1:1:cluster/c', clusterName: 'c', capacityProviders: [], defaultCapacityProviderStrategy: [] };
  return planRunTask({ launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }, definition, [], cluster, { region: 'us-east-1', account: '1', now, ids })[0]!;
}

const sandbox = { containerId: 'pause', cgroupParent: '/wharf/t', ipv4Address: '172.30.0.5', macAddress: '02:42:ac:1e:00:05', subnetCidr: '172.30.0.0/16', gateway: '172.30.0.1' };

describe('task lifecycle steps', () => {
  test('sandbox ready: PENDING, ENI details, network bindings for mapped ports only', () => {
    const task = newTask([{ name: 'app', image: 'i', portMappings: [{ containerPort: 8080 }] }, { name: 'side', image: 'i' }]);
    const ready = markSandboxReady(task, sandbox, [{ containerPort: 8080, protocol: 'tcp', hostPort: 32768, bindIP: '127.0.0.1' }], sandbox.macAddress);
    assert.equal(ready.lastStatus, 'PENDING');
    assert.equal(task.lastStatus, 'PROVISIONING', 'the input is not mutated');
    const details = Object.fromEntries(ready.attachments[0]!.details.map((d) => [d.name, d.value]));
    assert.equal(details.privateIPv4Address, '172.30.0.5');
    assert.equal(details.macAddress, '02:42:ac:1e:00:05');
    assert.equal(ready.attachments[0]!.status, 'ATTACHED');
    assert.deepEqual(ready.containers[0]!.networkBindings, [{ bindIP: '127.0.0.1', containerPort: 8080, hostPort: 32768, protocol: 'tcp' }]);
    assert.deepEqual(ready.containers[1]!.networkBindings, []);
    assert.equal(ready.containers[1]!.networkInterfaces[0]!.privateIpv4Address, '172.30.0.5');
  });

  test('an essential container exiting stops the task with ECS words; OOM gets its reason', () => {
    let task = newTask([{ name: 'app', image: 'i' }, { name: 'helper', image: 'i', essential: false }]);
    task = markSandboxReady(task, sandbox, [], sandbox.macAddress);
    task = applyObservations(task, { app: { status: 'running' }, helper: { status: 'running' } }, now);
    task = markRunningIfStarted(task, now);
    assert.equal(task.lastStatus, 'RUNNING');
    assert.equal(task.startedAt, 5_000);
    const helperDone = applyObservations(task, { helper: { status: 'exited', exitCode: 0 } }, now);
    assert.equal(helperDone.desiredStatus, 'RUNNING', 'a non-essential exit keeps the task');
    const oom = applyObservations(task, { app: { status: 'exited', exitCode: 137, oomKilled: true } }, now);
    assert.equal(oom.desiredStatus, 'STOPPED');
    assert.equal(oom.stopCode, 'EssentialContainerExited');
    assert.equal(oom.stoppedReason, 'Essential container in task exited');
    assert.equal(oom.containers[0]!.exitCode, 137);
    assert.equal(oom.containers[0]!.reason, 'OutOfMemoryError: Container killed due to memory usage');
  });

  test('observing what is already known changes nothing (no write, no wake-up loop)', () => {
    let task = markSandboxReady(newTask([{ name: 'app', image: 'i' }]), sandbox, [], sandbox.macAddress);
    task = applyObservations(recordContainerId(task, 'app', 'c1'), { app: { status: 'running' } }, now);
    assert.equal(applyObservations(task, { app: { status: 'running' } }, now), task);
  });

  test('the first stop reason wins and stop steps run in order', () => {
    const task = markSandboxReady(newTask([{ name: 'app', image: 'i' }]), sandbox, [], sandbox.macAddress);
    const stopped = requestStop(task, 'UserInitiated', 'deploy', now);
    assert.equal(requestStop(stopped, 'EssentialContainerExited', 'later', now), stopped);
    const stopping = markStopping(stopped, new Date(6_000));
    assert.equal(stopping.lastStatus, 'STOPPING');
    assert.equal(stopping.stoppingAt, 6_000);
    const executionStopped = markExecutionStopped(stopping, new Date(7_000));
    assert.equal(executionStopped.lastStatus, 'DEPROVISIONING');
    assert.equal(executionStopped.containers[0]!.lastStatus, 'STOPPED');
    const final = markStopped(executionStopped, new Date(8_000));
    assert.deepEqual([final.lastStatus, final.stoppedAt, final.stopCode, final.stoppedReason], ['STOPPED', 8_000, 'UserInitiated', 'deploy']);
    assert.equal(final.attachments[0]!.status, 'DELETED');
  });

  test('an unpullable image fails the task to start with CannotPullContainerError', () => {
    const task = failPull(newTask([{ name: 'app', image: 'nope:1' }]), 'nope:1', 'repository does not exist', now);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.equal(task.stoppedReason, 'CannotPullContainerError: repository does not exist');
    assert.equal(task.containers[0]!.reason, 'CannotPullContainerError: repository does not exist');
    assert.equal(task.pullStoppedAt, 5_000);
  });

  test('an ECR image with no such repository or tag: the agent\'s "not found" words, naming the ref as written', () => {
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:nope';
    const detail = pullFailureDetail(image, { notFound: true, message: 'manifest for 127.0.0.1:4566/my-app:nope not found: manifest unknown' });
    assert.equal(detail, `pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: ${image}: not found`);
    const task = failPull(newTask([{ name: 'app', image }]), image, detail, now);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.equal(task.stoppedReason, `CannotPullContainerError: ${detail}`);
    // Any other failure keeps the engine's own reason.
    assert.equal(pullFailureDetail('r:1', { notFound: false, message: 'no basic auth credentials' }), 'pull image manifest has been retried 1 time(s): failed to resolve ref r:1: no basic auth credentials');
  });

  test('pulled: each container gets its image digest, and pinned run images are kept for the containers to come', () => {
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:1';
    const digest = `sha256:${'c'.repeat(64)}`;
    const task = markPulled(newTask([{ name: 'app', image }, { name: 'side', image: 'i' }]), { [image]: digest, i: 'sha256:local' }, now, { [image]: `127.0.0.1:4566/my-app@${digest}` });
    assert.deepEqual(task.containers.map((c) => c.imageDigest), [digest, 'sha256:local']);
    assert.deepEqual(task.wharf.runImages, { [image]: `127.0.0.1:4566/my-app@${digest}` });
    assert.equal(task.pullStoppedAt, 5_000);
    assert.equal(markPulled(newTask([{ name: 'app', image: 'i' }]), {}, now).wharf.runImages, undefined, 'nothing recorded when every image runs as written');
  });

  test('dependsOn conditions', () => {
    const task = newTask([
      { name: 'init', image: 'i', essential: false },
      { name: 'db', image: 'i', healthCheck: { command: ['CMD', 'true'], interval: 5, timeout: 2, retries: 1 } },
      { name: 'app', image: 'i', dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }, { containerName: 'db', condition: 'HEALTHY' }] },
    ]);
    const plan = task.wharf.containerPlans[2]!;
    assert.equal(dependencyReadiness(plan, task.containers).state, 'waiting');
    let ran = recordContainerId(recordContainerId(task, 'init', 'i1'), 'db', 'd1');
    ran = applyObservations(ran, { init: { status: 'exited', exitCode: 0 }, db: { status: 'running', health: 'starting' } }, now);
    assert.equal(dependencyReadiness(plan, ran.containers).state, 'waiting');
    const healthy = applyObservations(ran, { db: { status: 'running', health: 'healthy' } }, now);
    assert.equal(dependencyReadiness(plan, healthy.containers).state, 'ready');
    assert.equal(healthy.healthStatus, 'HEALTHY');
    const failedInit = applyObservations(task, { init: { status: 'exited', exitCode: 2 } }, now);
    assert.deepEqual(dependencyReadiness(plan, failedInit.containers), { state: 'failed', reason: 'dependency init exited with code 2, not 0' });
    const startPlan = { ...plan, dependsOn: [{ containerName: 'init', condition: 'START' as const }] };
    assert.equal(dependencyReadiness(startPlan, task.containers).state, 'waiting');
    assert.equal(dependencyReadiness(startPlan, failedInit.containers).state, 'ready');
  });

  test('task health comes from essential containers with checks', () => {
    const task = newTask([
      { name: 'a', image: 'i', healthCheck: { command: ['CMD', 'true'], interval: 5, timeout: 2, retries: 1 } },
      { name: 'b', image: 'i', essential: false, healthCheck: { command: ['CMD', 'true'], interval: 5, timeout: 2, retries: 1 } },
    ]);
    const [a, b] = task.containers;
    const plans = task.wharf.containerPlans;
    assert.equal(taskHealth([{ ...a!, healthStatus: 'HEALTHY' }, { ...b!, healthStatus: 'UNHEALTHY' }], plans), 'HEALTHY');
    assert.equal(taskHealth([{ ...a!, healthStatus: 'UNHEALTHY' }, b!], plans), 'UNHEALTHY');
    assert.equal(taskHealth([a!, b!], plans), 'UNKNOWN');
  });

  test('a draining task: the first drain deadline stays, DEACTIVATING only from RUNNING, then STOPPING', () => {
    const task = newTask([{ name: 'app', image: 'i' }]);
    const stopped = withDrainUntil(requestStop({ ...task, lastStatus: 'RUNNING' }, 'ServiceSchedulerInitiated', 'scale in', now), 9_000);
    assert.equal(stopped.wharf.drainUntil, 9_000);
    assert.equal(withDrainUntil(stopped, 12_000).wharf.drainUntil, 9_000, 'set once');
    const draining = markDeactivating(stopped);
    assert.equal(draining.lastStatus, 'DEACTIVATING');
    assert.equal(markDeactivating(draining), draining, 'idempotent');
    assert.equal(markDeactivating(task).lastStatus, 'PROVISIONING', 'a task that never ran has nothing to drain');
    assert.equal(markStopping(draining, now).lastStatus, 'STOPPING');
  });
});
