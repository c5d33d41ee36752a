import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { docker, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };

describe('task settings reach the engine; capacity, container instances and refusals', () => {
  let wharf: TestWharf;
  let image: string;
  before(async () => {
    image = await ensureTestImage();
    // A small cap so placement failures can be shown without filling the machine.
    wharf = await startTestWharf({ WHARF_CAPACITY_MEMORY_MIB: '1024' });
    await wharf.ecs().send(new CreateClusterCommand({ clusterName: 'settings' }));
  });
  after(() => wharf.stop());

  const describeTask = async (arn: string): Promise<Task> => (await wharf.ecs().send(new DescribeTasksCommand({ cluster: 'settings', tasks: [arn] }))).tasks![0]!;

  test('container settings are applied as Docker settings, and tasks-running waits for RUNNING', async () => {
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'tuned', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '512', memory: '1024',
        containerDefinitions: [{
          name: 'app', image, entryPoint: ['sh', '-c'], command: ['sleep 1000'], user: '1000:1000', workingDirectory: '/tmp',
          readonlyRootFilesystem: true, cpu: 256, memory: 300, memoryReservation: 200, stopTimeout: 5,
          ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 2048 }], dockerLabels: { team: 'web' },
          linuxParameters: { initProcessEnabled: true, capabilities: { add: ['SYS_PTRACE'] } },
          environment: [{ name: 'GREETING', value: 'hello' }],
        }],
      }),
    );
    const run = await wharf.aws(['ecs', 'run-task', '--cluster', 'settings', '--task-definition', 'tuned', '--launch-type', 'FARGATE', '--network-configuration', JSON.stringify(NETWORK)]);
    const arn = run.tasks[0].taskArn;
    await wharf.aws(['ecs', 'wait', 'tasks-running', '--cluster', 'settings', '--tasks', arn]);
    const task = await describeTask(arn);
    assert.equal(task.lastStatus, 'RUNNING');
    const inspect = JSON.parse(await docker(['inspect', task.containers![0]!.runtimeId!]))[0];
    assert.deepEqual(inspect.Config.Entrypoint, ['sh', '-c']);
    assert.deepEqual(inspect.Config.Cmd, ['sleep 1000']);
    assert.equal(inspect.Config.User, '1000:1000');
    assert.equal(inspect.Config.WorkingDir, '/tmp');
    assert.equal(inspect.Config.Labels.team, 'web');
    assert.equal(inspect.Config.Labels['com.amazonaws.ecs.task-arn'], arn);
    assert.equal(inspect.Config.Labels['com.amazonaws.ecs.container-name'], 'app');
    assert.equal(inspect.Config.Labels['com.amazonaws.ecs.task-definition-family'], 'tuned');
    assert.ok(inspect.Config.Env.includes('GREETING=hello'));
    assert.ok(inspect.Config.Env.includes('AWS_EXECUTION_ENV=AWS_ECS_FARGATE'));
    assert.equal(inspect.HostConfig.ReadonlyRootfs, true);
    assert.equal(inspect.HostConfig.Init, true);
    assert.deepEqual(inspect.HostConfig.CapAdd, ['SYS_PTRACE']);
    assert.equal(inspect.HostConfig.Memory, 300 * 1024 * 1024);
    assert.equal(inspect.HostConfig.MemoryReservation, 200 * 1024 * 1024);
    assert.equal(inspect.HostConfig.CpuShares, 256);
    assert.deepEqual(inspect.HostConfig.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
    assert.match(inspect.HostConfig.NetworkMode, /^container:/);
    assert.ok(inspect.HostConfig.CgroupParent, 'the container sits in the task cgroup');
    await wharf.aws(['ecs', 'stop-task', '--cluster', 'settings', '--task', arn]);
    await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'STOPPED', 60_000, 'STOPPED');
  });

  test('tasks beyond the capacity come back as placement failures', async () => {
    await wharf.ecs().send(new RegisterTaskDefinitionCommand({ family: 'half', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image, command: ['sleep', '1000'] }] }));
    const result = await wharf.ecs().send(new RunTaskCommand({ cluster: 'settings', taskDefinition: 'half', launchType: 'FARGATE', networkConfiguration: NETWORK, count: 3 }));
    assert.equal(result.tasks?.length, 2);
    assert.deepEqual(result.failures, [{ arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/settings', reason: 'RESOURCE:MEMORY' }]);
    await wharf.aws(['ecs', 'wait', 'tasks-running', '--cluster', 'settings', '--tasks', ...result.tasks!.map((t) => t.taskArn!)]);
    for (const task of result.tasks!) await wharf.aws(['ecs', 'stop-task', '--cluster', 'settings', '--task', task.taskArn!]);
    // Stopped tasks give their capacity back.
    await wharf.aws(['ecs', 'wait', 'tasks-stopped', '--cluster', 'settings', '--tasks', ...result.tasks!.map((t) => t.taskArn!)]);
  });

  test('twenty RunTasks at once on room for two: exactly two placed, eighteen RESOURCE:MEMORY failures', async () => {
    // The capacity is 1024 MiB and 'half' takes 512: each placement reserves on the engine host's instance record in the
    // same write as its task, so concurrent RunTasks cannot both take the last room.
    const results = await Promise.all(
      Array.from({ length: 20 }, () => wharf.ecs().send(new RunTaskCommand({ cluster: 'settings', taskDefinition: 'half', launchType: 'FARGATE', networkConfiguration: NETWORK }))),
    );
    const placed = results.flatMap((result) => result.tasks ?? []);
    const failures = results.flatMap((result) => result.failures ?? []);
    assert.equal(placed.length, 2, JSON.stringify(results.map((r) => [r.tasks?.length, r.failures])));
    assert.equal(failures.length, 18);
    assert.ok(failures.every((f) => f.reason === 'RESOURCE:MEMORY' && f.arn === 'arn:aws:ecs:us-east-1:123456789012:cluster/settings'));
    const arns = placed.map((t) => t.taskArn!);
    for (const arn of arns) await wharf.aws(['ecs', 'stop-task', '--cluster', 'settings', '--task', arn]);
    await wharf.aws(['ecs', 'wait', 'tasks-stopped', '--cluster', 'settings', '--tasks', ...arns]);
    // Once they are STOPPED their room is free again.
    const again = await wharf.ecs().send(new RunTaskCommand({ cluster: 'settings', taskDefinition: 'half', launchType: 'FARGATE', networkConfiguration: NETWORK, count: 2 }));
    assert.equal(again.tasks?.length, 2);
    assert.deepEqual(again.failures, []);
    for (const task of again.tasks!) await wharf.aws(['ecs', 'stop-task', '--cluster', 'settings', '--task', task.taskArn!]);
    await wharf.aws(['ecs', 'wait', 'tasks-stopped', '--cluster', 'settings', '--tasks', ...again.tasks!.map((t) => t.taskArn!)]);
  });

  test('placement strategies and constraints are refused for Fargate in ECS words', async () => {
    const strategy = await wharf.awsFails(['ecs', 'run-task', '--cluster', 'settings', '--task-definition', 'half', '--launch-type', 'FARGATE', '--network-configuration', JSON.stringify(NETWORK), '--placement-strategy', 'type=binpack,field=memory']);
    assert.match(strategy.stderr, /\(InvalidParameterException\).*Placement strategies are not supported with FARGATE launch type\./);
    const constraint = await wharf.awsFails(['ecs', 'run-task', '--cluster', 'settings', '--task-definition', 'half', '--launch-type', 'FARGATE', '--network-configuration', JSON.stringify(NETWORK), '--placement-constraints', 'type=distinctInstance']);
    assert.match(constraint.stderr, /\(InvalidParameterException\).*Placement constraints are not supported with FARGATE launch type\./);
    const tooMany = await wharf.awsFails(['ecs', 'run-task', '--cluster', 'settings', '--task-definition', 'half', '--launch-type', 'FARGATE', '--network-configuration', JSON.stringify(NETWORK), '--placement-strategy', ...Array.from({ length: 6 }, () => 'type=random')]);
    assert.match(tooMany.stderr, /placementStrategy can have at most 5 items\./);
    const service = await wharf.awsFails(['ecs', 'create-service', '--cluster', 'settings', '--service-name', 'placed', '--task-definition', 'half', '--desired-count', '0', '--launch-type', 'FARGATE', '--network-configuration', JSON.stringify(NETWORK), '--placement-strategy', 'type=spread,field=attribute:ecs.availability-zone']);
    assert.match(service.stderr, /\(InvalidParameterException\) when calling the CreateService operation: Placement strategies are not supported with FARGATE launch type\./);
  });

  test('a secret that does not exist and S3 environment files (no S3 here) stop the task before it starts, saying why', async () => {
    await wharf.ecs().send(new RegisterTaskDefinitionCommand({
      family: 'secretive', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      containerDefinitions: [{ name: 'app', image, secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password' }] }],
    }));
    const arn = (await wharf.ecs().send(new RunTaskCommand({ cluster: 'settings', taskDefinition: 'secretive', launchType: 'FARGATE', networkConfiguration: NETWORK }))).tasks![0]!.taskArn!;
    const task = await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'STOPPED', 60_000, 'STOPPED');
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(task.stoppedReason!, /^ResourceInitializationError: unable to pull secrets or registry auth: /);

    await wharf.ecs().send(new RegisterTaskDefinitionCommand({
      family: 'filed', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      containerDefinitions: [{ name: 'app', image, environmentFiles: [{ value: 'arn:aws:s3:::my-bucket/app.env', type: 's3' }] }],
    }));
    const filedArn = (await wharf.ecs().send(new RunTaskCommand({ cluster: 'settings', taskDefinition: 'filed', launchType: 'FARGATE', networkConfiguration: NETWORK }))).tasks![0]!.taskArn!;
    const filed = await waitFor(() => describeTask(filedArn), (t) => t.lastStatus === 'STOPPED', 60_000, 'STOPPED');
    assert.equal(filed.stopCode, 'TaskFailedToStart');
    assert.match(filed.stoppedReason!, /^ResourceInitializationError: failed to download env files: /);
  });

  test('container instances: Fargate has none, StartTask says to use RunTask, and a host registers through the agent call by naming its engine', async () => {
    assert.deepEqual(await wharf.aws(['ecs', 'list-container-instances', '--cluster', 'settings']), { containerInstanceArns: [] });
    const described = await wharf.aws(['ecs', 'describe-container-instances', '--cluster', 'settings', '--container-instances', 'abc']);
    assert.equal(described.failures[0].reason, 'MISSING');
    const start = await wharf.awsFails(['ecs', 'start-task', '--cluster', 'settings', '--task-definition', 'half', '--container-instances', 'abc']);
    assert.match(start.stderr, /\(InvalidParameterException\).*use RunTask/);
 
    // The agent's call names the host's Docker engine (Wharf drives engines itself): aws CLI register, describe, deregister.
    const refused = await wharf.awsFails(['ecs', 'register-container-instance', '--cluster', 'settings']);
    assert.match(refused.stderr, /\(InvalidParameterException\).*wharf\.docker-url.*wharf hosts add/);
    const registered = (await wharf.aws(['ecs', 'register-container-instance', '--cluster', 'settings', '--attributes', 'name=wharf.docker-url,value=tcp://127.0.0.1:9', 'name=wharf.host-name,value=nowhere'])).containerInstance;
    assert.match(registered.containerInstanceArn, /:container-instance\/settings\/[0-9a-f]{32}$/);
    assert.deepEqual((await wharf.aws(['ecs', 'list-container-instances', '--cluster', 'settings'])).containerInstanceArns, [registered.containerInstanceArn]);
    const gone = (await wharf.aws(['ecs', 'deregister-container-instance', '--cluster', 'settings', '--container-instance', registered.containerInstanceArn])).containerInstance;
    assert.equal(gone.status, 'INACTIVE');
    assert.deepEqual(await wharf.aws(['ecs', 'list-container-instances', '--cluster', 'settings']), { containerInstanceArns: [] });
  });
});
