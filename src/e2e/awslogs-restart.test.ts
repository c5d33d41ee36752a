import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { awsAt, ecsClientAt, spawnWharf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

const LINES = 150;

test('kill -9 Wharf while a task writes: restarted, the log stream holds every line once, in order', async () => {
  const image = await ensureTestImage();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-logs-restart-'));
  let { child, endpoint } = await spawnWharf(dataDir, 0);
  const port = Number(new URL(endpoint).port);
  const aws = (args: string[]) => awsAt(endpoint, dataDir, args);
  try {
    const ecs = ecsClientAt(endpoint);
    await ecs.send(new CreateClusterCommand({ clusterName: 'logs' }));
    await aws(['logs', 'create-log-group', '--log-group-name', '/ecs/steady']);
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'writer', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        containerDefinitions: [{
          name: 'app', image,
          // A numbered line every 40 ms for about 6 s, then exit.
          command: ['sh', '-c', `i=0; while [ $i -lt ${LINES} ]; do i=$((i+1)); echo line $i; usleep 40000; done`],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/steady', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' } },
        }],
      }),
    );
    const arn = (await ecs.send(new RunTaskCommand({ cluster: 'logs', taskDefinition: 'writer', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } }))).tasks![0]!.taskArn!;
    const stream = `app/app/${arn.split('/').pop()}`;
    const events = async () => {
      try {
        return ((await aws(['logs', 'get-log-events', '--log-group-name', '/ecs/steady', '--log-stream-name', stream, '--start-from-head'])).events as { message: string }[]).map((e) => e.message);
      } catch {
        return []; // the stream is made when the container starts
      }
    };
    // Kill Wharf once some lines are in, while the container keeps writing.
    await waitFor(events, (messages) => messages.length >= 20, 60_000, 'the first lines');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    ({ child, endpoint } = await spawnWharf(dataDir, port));

    await waitFor(async () => (await ecsClientAt(endpoint).send(new DescribeTasksCommand({ cluster: 'logs', tasks: [arn] }))).tasks![0]!, (task) => task.lastStatus === 'STOPPED', 60_000, 'the writer STOPPED');
    const messages = await waitFor(events, (m) => m.length >= LINES, 20_000, `${LINES} lines`);
    assert.deepEqual(messages, Array.from({ length: LINES }, (_, i) => `line ${i + 1}`), 'every line once, in order');
  } finally {
    await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
