import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, DescribeTasksCommand, ListClustersCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { docker, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' as const } };

describe('tasks on a real Docker engine, through the aws CLI and the SDK', () => {
  let wharf: TestWharf;
  let image: string;
  before(async () => {
    image = await ensureTestImage();
    wharf = await startTestWharf();
    await wharf.ecs().send(new CreateClusterCommand({ clusterName: 'my-app', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }));
  });
  after(() => wharf.stop());

  async function register(family: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({ family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: containers, ...extra } as never),
    );
  }

  async function run(family: string, overrides?: unknown): Promise<string> {
    const result = await wharf.ecs().send(new RunTaskCommand({ cluster: 'my-app', taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK, ...(overrides ? { overrides } : {}) } as never));
    assert.deepEqual(result.failures, []);
    return result.tasks![0]!.taskArn!;
  }

  async function describeTask(arn: string): Promise<Task> {
    const result = await wharf.ecs().send(new DescribeTasksCommand({ cluster: 'my-app', tasks: [arn] }));
    return result.tasks![0]!;
  }

  const stopped = (arn: string, timeoutMs = 60_000) => waitFor(() => describeTask(arn), (task) => task.lastStatus === 'STOPPED', timeoutMs, `${arn} STOPPED`);
  const running = (arn: string, timeoutMs = 60_000) => waitFor(() => describeTask(arn), (task) => task.lastStatus === 'RUNNING', timeoutMs, `${arn} RUNNING`);

  test("the seed's one-off migration task: command override, exit 0, the ECS story of its life", async () => {
    await register('my-app-migration', [{ name: 'app', image, command: ['sh', '-c', 'exit 9'] }]);
    const result = await wharf.aws([
      'ecs', 'run-task', '--cluster', 'my-app', '--task-definition', 'my-app-migration:1', '--launch-type', 'FARGATE',
      '--network-configuration', '{"awsvpcConfiguration":{"subnets":["subnet-aaa"],"securityGroups":["sg-12345"],"assignPublicIp":"DISABLED"}}',
      '--overrides', '{"containerOverrides":[{"name":"app","command":["sh","-c","echo migrating; exit 0"]}]}',
    ]);
    const task = result.tasks[0];
    assert.equal(task.lastStatus, 'PROVISIONING');
    assert.equal(task.desiredStatus, 'RUNNING');
    assert.equal(task.group, 'family:my-app-migration');
    assert.match(task.taskArn, /^arn:aws:ecs:us-east-1:123456789012:task\/my-app\/[0-9a-f]{32}$/);

    await wharf.aws(['ecs', 'wait', 'tasks-stopped', '--cluster', 'my-app', '--tasks', task.taskArn]);
    const { tasks } = await wharf.aws(['ecs', 'describe-tasks', '--cluster', 'my-app', '--tasks', task.taskArn]);
    const done = tasks[0];
    assert.equal(done.lastStatus, 'STOPPED');
    assert.equal(done.desiredStatus, 'STOPPED');
    assert.equal(done.stopCode, 'EssentialContainerExited');
    assert.equal(done.stoppedReason, 'Essential container in task exited');
    assert.equal(done.containers[0].exitCode, 0);
    assert.equal(done.containers[0].lastStatus, 'STOPPED');
    for (const field of ['createdAt', 'pullStartedAt', 'pullStoppedAt', 'startedAt', 'stoppingAt', 'executionStoppedAt', 'stoppedAt']) {
      assert.ok(done[field], `${field} is reported`);
    }
    const eni = Object.fromEntries(done.attachments[0].details.map((d: { name: string; value: string }) => [d.name, d.value]));
    assert.equal(eni.subnetId, 'subnet-aaa');
    assert.match(eni.privateIPv4Address, /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(eni.macAddress, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    assert.match(eni.networkInterfaceId, /^eni-/);
    assert.equal(done.containers[0].networkInterfaces[0].privateIpv4Address, eni.privateIPv4Address);

    const stoppedList = await wharf.aws(['ecs', 'list-tasks', '--cluster', 'my-app', '--desired-status', 'STOPPED']);
    assert.ok(stoppedList.taskArns.includes(task.taskArn));
    const runningList = await wharf.aws(['ecs', 'list-tasks', '--cluster', 'my-app', '--family', 'my-app-migration']);
    assert.ok(!runningList.taskArns.includes(task.taskArn));
    // The container really ran on the engine, labelled as the ECS agent labels it.
    const ids = await docker(['ps', '-a', '-q', '--filter', `label=com.amazonaws.ecs.task-arn=${task.taskArn}`, '--filter', 'label=com.amazonaws.ecs.container-name=app']);
    assert.equal(ids.split('\n').filter(Boolean).length, 1);
  });

  test('two containers of one task talk over localhost, and ports are published on 127.0.0.1', async () => {
    await register('pair', [
      { name: 'web', image, command: ['httpd', '-f', '-p', '8080', '-h', '/etc'], portMappings: [{ containerPort: 8080 }] },
      { name: 'client', image, essential: false, command: ['sh', '-c', 'until wget -q -O /dev/null http://127.0.0.1:8080/hostname; do sleep 0.2; done; echo ok'] },
    ]);
    const arn = await run('pair');
    const task = await waitFor(() => describeTask(arn), (t) => t.containers?.find((c) => c.name === 'client')?.lastStatus === 'STOPPED', 60_000, 'client done');
    assert.equal(task.containers!.find((c) => c.name === 'client')!.exitCode, 0);
    assert.equal(task.lastStatus, 'RUNNING', 'a non-essential container exiting leaves the task running');
    const binding = task.containers!.find((c) => c.name === 'web')!.networkBindings![0]!;
    assert.equal(binding.bindIP, '127.0.0.1');
    assert.equal(binding.containerPort, 8080);
    const body = await waitFor(() => fetch(`http://127.0.0.1:${binding.hostPort}/hostname`).then((r) => (r.ok ? r.text() : '')).catch(() => ''), (text) => text.length > 0, 20_000, 'published port');
    assert.ok(body.length > 0);
    const busy = await wharf.awsFails(['ecs', 'delete-cluster', '--cluster', 'my-app']);
    assert.match(busy.stderr, /\(ClusterContainsTasksException\).*The Cluster cannot be deleted while Tasks are active\./);
    const counts = (await wharf.aws(['ecs', 'describe-clusters', '--clusters', 'my-app'])).clusters[0];
    assert.ok(counts.runningTasksCount >= 1);
    await wharf.aws(['ecs', 'stop-task', '--cluster', 'my-app', '--task', arn]);
    const final = await stopped(arn);
    assert.equal(final.stopCode, 'UserInitiated');
    assert.equal(final.stoppedReason, 'Task stopped by user');
  });

  test('dependsOn: SUCCESS and HEALTHY gate the start of a container', async () => {
    await register('ordered', [
      { name: 'init', image, essential: false, command: ['sh', '-c', 'sleep 1; exit 0'] },
      {
        name: 'db', image, essential: false, command: ['httpd', '-f', '-p', '8081', '-h', '/etc'],
        healthCheck: { command: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8081/hostname || exit 1'], interval: 5, timeout: 2, retries: 1, startPeriod: 1 },
      },
      {
        name: 'app', image, command: ['sh', '-c', 'wget -q -O /dev/null http://127.0.0.1:8081/hostname && echo ready'],
        dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }, { containerName: 'db', condition: 'HEALTHY' }],
      },
    ]);
    const arn = await run('ordered');
    const task = await stopped(arn, 90_000);
    const byName = Object.fromEntries(task.containers!.map((c) => [c.name, c]));
    assert.equal(byName.init!.exitCode, 0);
    assert.equal(byName.app!.exitCode, 0, 'app started only once db answered');
    assert.equal(task.stopCode, 'EssentialContainerExited');
  });

  test('OOM: exit 137 with the OutOfMemoryError reason; the task-level limit holds across two containers', async () => {
    await register('hungry', [
      { name: 'a', image, command: ['tail', '/dev/zero'] },
      { name: 'b', image, command: ['tail', '/dev/zero'] },
    ]);
    const arn = await run('hungry');
    const task = await stopped(arn, 90_000);
    const killed = task.containers!.filter((c) => c.reason === 'OutOfMemoryError: Container killed due to memory usage');
    assert.ok(killed.length >= 1, JSON.stringify(task.containers));
    assert.equal(killed[0]!.exitCode, 137);
    assert.equal(task.stopCode, 'EssentialContainerExited');
  });

  test('an image that cannot be pulled: CannotPullContainerError, STOPPED', async () => {
    await register('ghost', [{ name: 'app', image: 'wharf-test/does-not-exist:1' }]);
    const arn = await run('ghost');
    const task = await stopped(arn);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(task.stoppedReason!, /^CannotPullContainerError: /);
    assert.match(task.containers![0]!.reason!, /^CannotPullContainerError: /);
  });

  test('a malformed image name stops the task with the engine\'s words, and Wharf lives on', async () => {
    // `/fuzz` once reached the engine as GET /images//fuzz/json, whose redirect the client followed to a host "images" and crashed Wharf.
    await register('malformed', [{ name: 'app', image: '/fuzz' }]);
    const task = await stopped(await run('malformed'));
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(task.stoppedReason!, /^CannotPullContainerError: .*invalid reference format/);
    await wharf.ecs().send(new ListClustersCommand({}));
  });

  test('stop-task on a container that ignores SIGTERM kills it after stopTimeout', async () => {
    await register('stubborn', [{ name: 'app', image, command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"], stopTimeout: 2 }]);
    const arn = await run('stubborn');
    await running(arn);
    const stop = await wharf.ecs().send(new StopTaskCommand({ cluster: 'my-app', task: arn, reason: 'deploy' }));
    assert.equal(stop.task?.desiredStatus, 'STOPPED');
    const task = await stopped(arn);
    assert.equal(task.containers![0]!.exitCode, 137);
    assert.equal(task.stopCode, 'UserInitiated');
    assert.equal(task.stoppedReason, 'deploy');
    const waited = task.executionStoppedAt!.getTime() - task.stoppingAt!.getTime();
    assert.ok(waited >= 1500, `SIGKILL came after the 2 s stopTimeout (waited ${waited} ms)`);
  });

  test('a container the engine cannot start stops the task with CannotStartContainerError instead of leaving it PENDING', async () => {
    await register('unstartable', [{ name: 'app', image, command: ['/no/such/program'] }]);
    const task = await stopped(await run('unstartable'));
    assert.equal(task.stopCode, 'EssentialContainerExited');
    assert.match(task.containers![0]!.reason ?? '', /^CannotStartContainerError: .*no such file or directory/);
    assert.equal(task.containers![0]!.lastStatus, 'STOPPED');
  });

  test('container health checks show as container and task healthStatus', async () => {
    await register('checked', [
      {
        name: 'app', image, command: ['sh', '-c', 'touch /tmp/healthy; sleep 7; rm /tmp/healthy; sleep 1000'],
        healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/healthy'], interval: 5, timeout: 2, retries: 1 },
      },
    ]);
    const arn = await run('checked');
    const healthy = await waitFor(() => describeTask(arn), (t) => t.healthStatus === 'HEALTHY', 30_000, 'HEALTHY');
    assert.equal(healthy.containers![0]!.healthStatus, 'HEALTHY');
    const unhealthy = await waitFor(() => describeTask(arn), (t) => t.healthStatus === 'UNHEALTHY', 30_000, 'UNHEALTHY');
    assert.equal(unhealthy.containers![0]!.healthStatus, 'UNHEALTHY');
    assert.equal(unhealthy.lastStatus, 'RUNNING', 'a standalone task keeps running when unhealthy');
    await wharf.ecs().send(new StopTaskCommand({ cluster: 'my-app', task: arn }));
    await stopped(arn);
  });

  test('run-task refusals and describe-tasks failures', async () => {
    const network = await wharf.awsFails(['ecs', 'run-task', '--cluster', 'my-app', '--task-definition', 'pair', '--launch-type', 'FARGATE']);
    assert.match(network.stderr, /\(InvalidParameterException\).*Network Configuration must be provided when networkMode 'awsvpc' is specified\./);
    const cluster = await wharf.awsFails(['ecs', 'run-task', '--cluster', 'nope', '--task-definition', 'pair', '--launch-type', 'FARGATE']);
    assert.match(cluster.stderr, /ClusterNotFoundException/);
    const missing = await wharf.aws(['ecs', 'describe-tasks', '--cluster', 'my-app', '--tasks', '0123456789abcdef0123456789abcdef']);
    assert.deepEqual(missing.failures, [{ arn: 'arn:aws:ecs:us-east-1:123456789012:task/my-app/0123456789abcdef0123456789abcdef', reason: 'MISSING' }]);
    const unknown = await wharf.awsFails(['ecs', 'stop-task', '--cluster', 'my-app', '--task', '0123456789abcdef0123456789abcdef']);
    assert.match(unknown.stderr, /InvalidParameterException/);
  });
});
