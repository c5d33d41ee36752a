import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { docker, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureNodeSdkImage, ensureTestImage } from './test-images.js';

const run = promisify(execFile);
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
const CLUSTER = 'meta';
const TASK_ROLE = 'arn:aws:iam::123456789012:role/app-task-role';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';

/**
 * One HTTP/1.0 GET to 169.254.170.2 from inside a container, with busybox nc
 * (its wget hides error bodies). nc quits when its input ends, so the request
 * is followed by a FIFO that is only written once nc has read the whole answer.
 */
async function getFromTask(containerId: string, path: string): Promise<{ status: number; body: string }> {
  const request = `GET ${path} HTTP/1.0\\r\\nHost: 169.254.170.2\\r\\n\\r\\n`;
  const script = `f=$(mktemp -u); mkfifo $f; { printf '${request}'; cat $f; } | { nc 169.254.170.2 80; echo > $f; }; rm -f $f`;
  const raw = await docker(['exec', containerId, 'sh', '-c', script]);
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: rest.join('\r\n\r\n') };
}

async function getJson(containerId: string, path: string): Promise<any> {
  const { status, body } = await getFromTask(containerId, path);
  assert.equal(status, 200, `${path}: ${body}`);
  return JSON.parse(body);
}

/** A container's environment as the engine holds it. */
async function environmentOf(containerId: string): Promise<Record<string, string>> {
  const env: string[] = JSON.parse(await docker(['inspect', containerId]))[0].Config.Env;
  return Object.fromEntries(env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

describe('task metadata v4 and task-role credentials at 169.254.170.2', () => {
  let wharf: TestWharf;
  let image: string;
  let sdkImage: string;
  before(async () => {
    [image, sdkImage] = await Promise.all([ensureTestImage(), ensureNodeSdkImage()]);
    wharf = await startTestWharf();
    await wharf.ecs().send(new CreateClusterCommand({ clusterName: CLUSTER }));
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'with-role', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '512', memory: '1024',
        taskRoleArn: TASK_ROLE, executionRoleArn: EXECUTION_ROLE,
        containerDefinitions: [
          // sleep ignores SIGTERM: a short stopTimeout keeps the stop quick.
          { name: 'app', image, command: ['sleep', '1000'], cpu: 256, memory: 300, stopTimeout: 2 },
          { name: 'side', image, command: ['sleep', '1000'], essential: false, stopTimeout: 2 },
        ],
      }),
    );
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'no-role', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'app', image, command: ['sleep', '1000'] }],
      }),
    );
  });
  after(() => wharf.stop());

  const describeTask = async (arn: string): Promise<Task> => (await wharf.ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0]!;
  const runTask = async (family: string): Promise<Task> => {
    const { tasks } = await wharf.ecs().send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    return waitFor(() => describeTask(tasks![0]!.taskArn!), (t) => t.lastStatus === 'RUNNING', 60_000, `${family} RUNNING`);
  };
  const containerId = (task: Task, name: string): string => task.containers!.find((c) => c.name === name)!.runtimeId!;
  const privateIp = (task: Task): string => task.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;

  let withRole: Task;
  let noRole: Task;

  test('every container gets the metadata URIs, the credentials URI, region, execution env and endpoint URL, and no keys', async () => {
    [withRole, noRole] = await Promise.all([runTask('with-role'), runTask('no-role')]);
    const env = await environmentOf(containerId(withRole, 'app'));
    assert.match(env.ECS_CONTAINER_METADATA_URI_V4 ?? '', /^http:\/\/169\.254\.170\.2\/v4\/[0-9a-f]{32}-[0-9a-f]{10}$/);
    assert.equal(env.ECS_CONTAINER_METADATA_URI, env.ECS_CONTAINER_METADATA_URI_V4!.replace('/v4/', '/v3/'));
    assert.match(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? '', /^\/v2\/credentials\/[0-9a-f-]{36}$/);
    assert.equal(env.AWS_EXECUTION_ENV, 'AWS_ECS_FARGATE');
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.AWS_DEFAULT_REGION, 'us-east-1');
    assert.equal(env.AWS_ENDPOINT_URL, 'http://169.254.170.2');
    assert.equal(env.AWS_ACCESS_KEY_ID, undefined);
    assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
    const side = await environmentOf(containerId(withRole, 'side'));
    assert.notEqual(side.ECS_CONTAINER_METADATA_URI_V4, env.ECS_CONTAINER_METADATA_URI_V4, 'each container has its own id');
    assert.equal(side.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, 'the task shares one role');
    const bare = await environmentOf(containerId(noRole, 'app'));
    assert.ok(bare.ECS_CONTAINER_METADATA_URI_V4);
    assert.equal(bare.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, undefined, 'no task role: no credentials URI');
  });

  test('inside the container, v4 container and task metadata describe the task; task stats carry real figures', async () => {
    const app = containerId(withRole, 'app');
    const base = new URL((await environmentOf(app)).ECS_CONTAINER_METADATA_URI_V4!).pathname;
    const container = await getJson(app, base);
    assert.equal(container.Name, 'app');
    assert.equal(container.DockerId, app);
    assert.deepEqual(container.Limits, { CPU: 256, Memory: 300 });
    assert.equal(container.KnownStatus, 'RUNNING');
    assert.equal(container.Networks[0].NetworkMode, 'awsvpc');
    assert.deepEqual(container.Networks[0].IPv4Addresses, [privateIp(withRole)]);
    assert.equal(container.ContainerARN, withRole.containers!.find((c) => c.name === 'app')!.containerArn);

    const task = await getJson(app, `${base}/task`);
    assert.equal(task.Cluster, `arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`);
    assert.equal(task.TaskARN, withRole.taskArn);
    assert.equal(task.Family, 'with-role');
    assert.equal(task.Revision, '1');
    assert.equal(task.KnownStatus, 'RUNNING');
    assert.deepEqual(task.Limits, { CPU: 0.5, Memory: 1024 });
    assert.equal(task.LaunchType, 'FARGATE');
    assert.deepEqual(task.Containers.map((c: any) => c.Name).sort(), ['app', 'side']);
    assert.deepEqual(task.Containers.map((c: any) => c.DockerId).sort(), [app, containerId(withRole, 'side')].sort());
    assert.deepEqual(task.Containers[0].Networks[0].IPv4Addresses, [privateIp(withRole)]);

    const v3 = await getJson(app, `${base.replace('/v4/', '/v3/')}/task`);
    assert.equal(v3.TaskARN, withRole.taskArn);

    const stats = await getJson(app, `${base}/task/stats`);
    assert.deepEqual(Object.keys(stats).sort(), [app, containerId(withRole, 'side')].sort());
    assert.ok(stats[app].cpu_stats.cpu_usage.total_usage > 0, 'starting the process used CPU');
    assert.ok(stats[app].memory_stats.usage > 0, 'memory in use');
    const own = await getJson(app, `${base}/stats`);
    assert.ok(own.cpu_stats.cpu_usage.total_usage > 0);
  });

  test('the credentials URI gives the task role, never the execution role; a wrong id gets the agent error', async () => {
    const app = containerId(withRole, 'app');
    const uri = (await environmentOf(app)).AWS_CONTAINER_CREDENTIALS_RELATIVE_URI!;
    const credentials = await getJson(app, uri);
    assert.equal(credentials.RoleArn, TASK_ROLE);
    assert.notEqual(credentials.RoleArn, EXECUTION_ROLE);
    assert.match(credentials.AccessKeyId, /^ASIA/);
    assert.ok(credentials.SecretAccessKey && credentials.Token);
    assert.match(credentials.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const wrong = await getFromTask(app, '/v2/credentials/00000000-0000-4000-8000-000000000000');
    assert.equal(wrong.status, 400);
    assert.deepEqual(JSON.parse(wrong.body), { code: 'InvalidIdInRequest', message: 'CredentialsV2Request: Credentials not found', HTTPErrorCode: 400 });
    const none = await getFromTask(app, '/v4/not-an-id/task');
    assert.equal(none.status, 404);
    assert.equal(JSON.parse(none.body), 'V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: not-an-id');
  });

  test("task A's credentials and metadata URIs are refused when task B asks", async () => {
    const env = await environmentOf(containerId(withRole, 'app'));
    const other = containerId(noRole, 'app');
    const stolen = await getFromTask(other, env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI!);
    assert.equal(stolen.status, 400);
    assert.equal(JSON.parse(stolen.body).code, 'InvalidIdInRequest');
    const peek = await getFromTask(other, `${new URL(env.ECS_CONTAINER_METADATA_URI_V4!).pathname}/task`);
    assert.equal(peek.status, 404);
    // B's own metadata still answers.
    const own = await getJson(other, `${new URL((await environmentOf(other)).ECS_CONTAINER_METADATA_URI_V4!).pathname}/task`);
    assert.equal(own.TaskARN, noRole.taskArn);
  });

  test('an unmodified AWS SDK in a task calls STS as the task role', async () => {
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'sdk', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        taskRoleArn: TASK_ROLE, executionRoleArn: EXECUTION_ROLE,
        containerDefinitions: [{ name: 'caller', image: sdkImage }],
      }),
    );
    const { tasks } = await wharf.ecs().send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'sdk', launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const stopped = await waitFor(() => describeTask(tasks![0]!.taskArn!), (t) => t.lastStatus === 'STOPPED', 90_000, 'the SDK task to finish');
    const output = await docker(['logs', stopped.containers![0]!.runtimeId!]);
    const line = output.split('\n').find((l) => l.startsWith('{'));
    assert.ok(line, output);
    const taskId = stopped.taskArn!.split('/').pop();
    assert.deepEqual(JSON.parse(line!), {
      Arn: `arn:aws:sts::123456789012:assumed-role/app-task-role/${taskId}`,
      Account: '123456789012',
      UserId: JSON.parse(line!).UserId,
    });
    assert.equal(stopped.containers![0]!.exitCode, 0, output);
  });

  test('after a Wharf restart the re-adopted tasks keep their URIs, and they still answer', async () => {
    const app = containerId(withRole, 'app');
    const env = await environmentOf(app);
    const ip = privateIp(withRole);
    const route = async () => (await run('iptables', ['-w', '-t', 'nat', '-S', 'PREROUTING'])).stdout.split('\n').filter((rule) => rule.includes(`-s ${ip}/32`) && rule.includes('169.254.170.2'));
    const before = await route();
    await wharf.restart();
    const task = await getJson(app, `${new URL(env.ECS_CONTAINER_METADATA_URI_V4!).pathname}/task`);
    assert.equal(task.TaskARN, withRole.taskArn);
    assert.equal((await getJson(app, env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI!)).RoleArn, TASK_ROLE);
    // The restarted endpoint listens on its previous port, so the task's route was left as it was.
    assert.deepEqual(await route(), before);
  });

  test("a stopped task's address no longer routes to the endpoint", async () => {
    const ip = privateIp(withRole);
    const routed = async () => (await run('iptables', ['-w', '-t', 'nat', '-S', 'PREROUTING'])).stdout.split('\n').filter((rule) => rule.includes(`-s ${ip}/32`) && rule.includes('169.254.170.2'));
    assert.equal((await routed()).length, 1, 'one route while it runs');
    await wharf.ecs().send(new StopTaskCommand({ cluster: CLUSTER, task: withRole.taskArn! }));
    await waitFor(() => describeTask(withRole.taskArn!), (t) => t.lastStatus === 'STOPPED', 60_000, 'STOPPED');
    assert.deepEqual(await routed(), []);
  });
});
