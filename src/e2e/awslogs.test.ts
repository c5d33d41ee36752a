import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { AWS_CLI, awsCliEnv, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' as const } };
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';

describe('the awslogs log driver: task output in CloudWatch Logs', () => {
  let wharf: TestWharf;
  let image: string;
  before(async () => {
    image = await ensureTestImage();
    wharf = await startTestWharf();
    await wharf.ecs().send(new CreateClusterCommand({ clusterName: 'logs' }));
  });
  after(() => wharf.stop());

  async function register(family: string, command: string, options: Record<string, string>): Promise<void> {
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({
        family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: EXECUTION_ROLE,
        containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', command], logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'us-east-1', ...options } } }],
      } as never),
    );
  }

  async function run(family: string): Promise<string> {
    const result = await wharf.ecs().send(new RunTaskCommand({ cluster: 'logs', taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK } as never));
    assert.deepEqual(result.failures, []);
    return result.tasks![0]!.taskArn!;
  }

  const describeTask = async (arn: string): Promise<Task> => (await wharf.ecs().send(new DescribeTasksCommand({ cluster: 'logs', tasks: [arn] }))).tasks![0]!;
  const stopped = (arn: string) => waitFor(() => describeTask(arn), (task) => task.lastStatus === 'STOPPED', 60_000, `${arn} STOPPED`);
  const taskId = (arn: string): string => arn.split('/').pop()!;

  async function allEvents(group: string, stream: string): Promise<string[]> {
    const out = await wharf.aws(['logs', 'get-log-events', '--log-group-name', group, '--log-stream-name', stream, '--start-from-head']);
    return out.events.map((event: { message: string }) => event.message);
  }

  test('every stdout and stderr line lands in prefix/container/task-id, in order per stream, after the task stops', async () => {
    await wharf.aws(['logs', 'create-log-group', '--log-group-name', '/ecs/numbers']);
    await register('numbers', 'for i in $(seq 1 50); do echo out $i; echo err $i >&2; done; sleep 2', { 'awslogs-group': '/ecs/numbers', 'awslogs-stream-prefix': 'app' });
    const arn = await run('numbers');
    const task = await stopped(arn);
    assert.equal(task.stopCode, 'EssentialContainerExited');
    const stream = `app/app/${taskId(arn)}`;
    const { logStreams } = await wharf.aws(['logs', 'describe-log-streams', '--log-group-name', '/ecs/numbers']);
    assert.deepEqual(logStreams.map((s: { logStreamName: string }) => s.logStreamName), [stream]);
    const messages = await waitFor(() => allEvents('/ecs/numbers', stream), (m) => m.length >= 100, 10_000, '100 lines');
    assert.equal(messages.length, 100);
    const range = Array.from({ length: 50 }, (_, i) => i + 1);
    assert.deepEqual(messages.filter((m) => m.startsWith('out ')), range.map((i) => `out ${i}`));
    assert.deepEqual(messages.filter((m) => m.startsWith('err ')), range.map((i) => `err ${i}`));
  });

  test('a missing log group fails the task as ECS does; awslogs-create-group makes it', async () => {
    await register('no-group', 'echo hi', { 'awslogs-group': '/ecs/missing', 'awslogs-stream-prefix': 'app' });
    const failed = await stopped(await run('no-group'));
    assert.equal(failed.stopCode, 'TaskFailedToStart');
    assert.match(failed.stoppedReason!, /^ResourceInitializationError: failed to validate logger args: .*ResourceNotFoundException: The specified log group does not exist/);
    assert.equal(failed.containers![0]!.exitCode, undefined);

    await register('create-group', 'echo made it; sleep 1', { 'awslogs-group': '/ecs/created', 'awslogs-stream-prefix': 'app', 'awslogs-create-group': 'true' });
    const arn = await run('create-group');
    await stopped(arn);
    const { logGroups } = await wharf.aws(['logs', 'describe-log-groups', '--log-group-name-prefix', '/ecs/created']);
    assert.equal(logGroups.length, 1);
    assert.deepEqual(await waitFor(() => allEvents('/ecs/created', `app/app/${taskId(arn)}`), (m) => m.length >= 1, 10_000, 'the line'), ['made it']);
  });

  test('Fargate refuses awslogs without a stream prefix at registration', async () => {
    const { stderr } = await wharf.awsFails([
      'ecs', 'register-task-definition', '--family', 'no-prefix', '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE', '--cpu', '256', '--memory', '512',
      '--execution-role-arn', EXECUTION_ROLE,
      '--container-definitions', JSON.stringify([{ name: 'app', image, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'us-east-1' } } }]),
    ]);
    assert.match(stderr, /ClientException.*Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs\./);
  });

  test('aws logs tail --follow shows lines as a running task writes them', async () => {
    await wharf.aws(['logs', 'create-log-group', '--log-group-name', '/ecs/live']);
    await register('live', 'i=0; while true; do i=$((i+1)); echo tick $i; usleep 200000; done', { 'awslogs-group': '/ecs/live', 'awslogs-stream-prefix': 'app' });
    const arn = await run('live');
    const tail = spawn(AWS_CLI, ['logs', 'tail', '/ecs/live', '--follow', '--since', '10m', '--endpoint-url', wharf.endpoint], { env: { ...awsCliEnv(wharf.dataDir), PYTHONUNBUFFERED: '1' } });
    let output = '';
    tail.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      // The CLI polls; lines written after it started show up without running it again.
      const first = await waitFor(async () => output, (text) => /tick \d+/.test(text), 30_000, 'the first lines');
      const seen = Math.max(...[...first.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
      await waitFor(async () => output, (text) => [...text.matchAll(/tick (\d+)/g)].some((m) => Number(m[1]) > seen + 5), 30_000, 'newer lines');
      assert.match(output, new RegExp(`app/app/${taskId(arn)} tick 1\n`));
    } finally {
      tail.kill('SIGTERM');
      await wharf.ecs().send(new StopTaskCommand({ cluster: 'logs', task: arn }));
    }
  });
});
