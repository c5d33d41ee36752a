import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { DEFAULT_KEY } from '../cli/config.js';
import { docker, spawnWharf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

test('kill -9 Wharf while tasks run: running tasks are re-adopted, exited ones end STOPPED with their exit codes', async () => {
  const image = await ensureTestImage();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-readopt-'));
  let { child, endpoint } = await spawnWharf(dataDir, 0);
  const port = Number(new URL(endpoint).port);
  const ecs = () => new ECSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } });
  const describe = async (arn: string): Promise<Task> => (await ecs().send(new DescribeTasksCommand({ cluster: 'durable', tasks: [arn] }))).tasks![0]!;
  try {
    await ecs().send(new CreateClusterCommand({ clusterName: 'durable' }));
    for (const [family, command] of [['long', ['httpd', '-f', '-p', '8080', '-h', '/etc']], ['short', ['sh', '-c', 'sleep 4; exit 7']]] as const) {
      await ecs().send(new RegisterTaskDefinitionCommand({
        family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'app', image, command: [...command], stopTimeout: 2, portMappings: [{ containerPort: 8080 }] }],
      }));
    }
    const network = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
    const long = (await ecs().send(new RunTaskCommand({ cluster: 'durable', taskDefinition: 'long', launchType: 'FARGATE', networkConfiguration: network }))).tasks![0]!.taskArn!;
    const short = (await ecs().send(new RunTaskCommand({ cluster: 'durable', taskDefinition: 'short', launchType: 'FARGATE', networkConfiguration: network }))).tasks![0]!.taskArn!;
    const before = await waitFor(() => describe(long), (task) => task.lastStatus === 'RUNNING', 60_000, 'long RUNNING');
    await waitFor(() => describe(short), (task) => task.lastStatus === 'RUNNING', 60_000, 'short RUNNING');
    const containerId = before.containers![0]!.runtimeId!;
    const hostPort = before.containers![0]!.networkBindings![0]!.hostPort!;
    const answers = () => fetch(`http://127.0.0.1:${hostPort}/hostname`).then((r) => r.ok, () => false);
    await waitFor(answers, Boolean, 20_000, 'the published port answers');
    const startedAt = await docker(['inspect', '-f', '{{.State.StartedAt}}', containerId]);

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // While Wharf is down the short task's container exits on its own.
    await waitFor(() => docker(['ps', '-a', '-q', '--filter', `label=com.amazonaws.ecs.task-arn=${short}`, '--filter', 'status=exited']), (ids) => ids.length > 0, 30_000, 'short task container exited');

    ({ child, endpoint } = await spawnWharf(dataDir, port));
    const adopted = await describe(long);
    assert.equal(adopted.lastStatus, 'RUNNING');
    assert.equal(adopted.containers![0]!.runtimeId, containerId);
    assert.equal(await docker(['inspect', '-f', '{{.State.Running}} {{.State.StartedAt}}', containerId]), `true ${startedAt}`, 'the container was neither killed nor restarted');
    const finished = await waitFor(() => describe(short), (task) => task.lastStatus === 'STOPPED', 30_000, 'short STOPPED');
    assert.equal(finished.containers![0]!.exitCode, 7);
    assert.equal(finished.stopCode, 'EssentialContainerExited');
    // Nothing was duplicated: one app container for the long task, in the same network namespace as before.
    const containers = await docker(['ps', '-a', '-q', '--filter', `label=com.amazonaws.ecs.task-arn=${long}`, '--filter', 'label=wharf.role=app']);
    assert.equal(containers.split('\n').filter(Boolean).length, 1);
    assert.deepEqual(adopted.attachments, before.attachments);
    // The published port is opened again, on the same host port.
    await waitFor(() => describe(long), (task) => task.containers![0]!.networkBindings![0]!.hostPort === hostPort, 10_000, 'same host port');
    await waitFor(answers, Boolean, 20_000, 'the published port answers again');

    await ecs().send(new StopTaskCommand({ cluster: 'durable', task: long }));
    await waitFor(() => describe(long), (task) => task.lastStatus === 'STOPPED', 60_000, 'long STOPPED');
  } finally {
    await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
