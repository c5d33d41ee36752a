import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { DEFAULT_KEY } from '../cli/config.js';
import { AWS_CLI, awsCliEnv, docker, spawnWharf, waitFor } from './harness.js';
import { TmuxTerminal } from './exec-terminal.js';
import { ensureTestImage } from './test-images.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin');

test('kill -9 Wharf mid-session: the restarted Wharf kills what the session left running in the container', async () => {
  const image = await ensureTestImage();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-exec-crash-'));
  let { child, endpoint } = await spawnWharf(dataDir, 0);
  const port = Number(new URL(endpoint).port);
  const ecs = () => new ECSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } });
  let terminal: TmuxTerminal | undefined;
  let taskArn: string | undefined;
  try {
    await ecs().send(new CreateClusterCommand({ clusterName: 'crash' }));
    await ecs().send(new RegisterTaskDefinitionCommand({
      family: 'crash', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 1 }],
    }));
    taskArn = (await ecs().send(new RunTaskCommand({ cluster: 'crash', taskDefinition: 'crash', launchType: 'FARGATE', enableExecuteCommand: true, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } }))).tasks![0]!.taskArn!;
    const task: Task = await waitFor(
      async () => (await ecs().send(new DescribeTasksCommand({ cluster: 'crash', tasks: [taskArn!] }))).tasks![0]!,
      (found) => found.containers![0]!.managedAgents?.[0]?.lastStatus === 'RUNNING',
      60_000,
      'the task RUNNING',
    );
    const env = awsCliEnv(dataDir);
    terminal = await TmuxTerminal.start(dataDir, 'crash', `${AWS_CLI} ecs execute-command --cluster crash --task ${taskArn} --container app --interactive --command /bin/sh --endpoint-url ${endpoint}`, { ...env, PATH: `${BIN}:${env.PATH ?? ''}` });
    await terminal.waitForScreen((screen) => /[#$] $/m.test(screen), 'the prompt');
    await terminal.type('sleep 5151');
    await terminal.keys('Enter');
    const containerId = task.containers![0]!.runtimeId!;
    const ps = () => docker(['exec', containerId, 'ps']);
    await waitFor(ps, (text) => text.includes('sleep 5151'), 10_000, 'the sleep running');

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await terminal.waitForScreen((screen) => screen.includes('[exit status:'), 'the plugin to give up');
    // Docker keeps an exec running when its client goes: the shell and the sleep are still there.
    assert.match(await ps(), /sleep 5151/);

    ({ child, endpoint } = await spawnWharf(dataDir, port));
    const after = await waitFor(ps, (text) => !text.includes('sleep 5151') && !/\/bin\/sh\s*$/m.test(text), 20_000, 'the orphaned session processes killed');
    assert.doesNotMatch(after, /sleep 5151/);
    await ecs().send(new StopTaskCommand({ cluster: 'crash', task: taskArn }));
  } finally {
    await terminal?.close();
    await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
