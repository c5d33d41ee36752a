import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { AWS_CLI, awsCliEnv, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { TmuxTerminal } from './exec-terminal.js';
import { ensureTestImage } from './test-images.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin');
const CLUSTER = 'exec';

let wharf: TestWharf;
let execTask: Task;
let plainTask: Task;
const terminals: TmuxTerminal[] = [];

async function runTask(enableExecuteCommand: boolean): Promise<Task> {
  const ecs = wharf.ecs();
  const arn = (await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'shell', launchType: 'FARGATE', enableExecuteCommand, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } }))).tasks![0]!.taskArn!;
  return waitFor(
    async () => (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0]!,
    (task) => task.lastStatus === 'RUNNING' && (!enableExecuteCommand || task.containers![0]!.managedAgents?.[0]?.lastStatus === 'RUNNING'),
    60_000,
    'the task RUNNING',
  );
}

/** The aws CLI's environment with Wharf's session-manager-plugin first on PATH. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = awsCliEnv(wharf.dataDir);
  return { ...env, PATH: `${BIN}:${env.PATH ?? ''}`, TERM: 'xterm' };
}

async function execInTerminal(name: string, task: Task, command: string, size?: { cols: number; rows: number }): Promise<TmuxTerminal> {
  const line = `${AWS_CLI} ecs execute-command --cluster ${CLUSTER} --task ${task.taskArn} --container app --interactive --command '${command}' --endpoint-url ${wharf.endpoint}`;
  const terminal = await TmuxTerminal.start(wharf.dataDir, name, line, cliEnv(), size);
  terminals.push(terminal);
  return terminal;
}

before(async () => {
  const image = await ensureTestImage();
  wharf = await startTestWharf();
  const ecs = wharf.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: 'shell', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 1 }],
  }));
  [execTask, plainTask] = await Promise.all([runTask(true), runTask(false)]);
});

after(async () => {
  for (const terminal of terminals) await terminal.close();
  await wharf?.stop();
});

test('a task started with enableExecuteCommand shows it and a RUNNING ExecuteCommandAgent', () => {
  assert.equal(execTask.enableExecuteCommand, true);
  const agent = execTask.containers![0]!.managedAgents![0]!;
  assert.equal(agent.name, 'ExecuteCommandAgent');
  assert.equal(agent.lastStatus, 'RUNNING');
  assert.ok(agent.lastStartedAt instanceof Date);
  assert.equal(plainTask.enableExecuteCommand, false);
  assert.equal(plainTask.containers![0]!.managedAgents, undefined);
});

test('an interactive shell through /usr/bin/aws in a terminal: 42, resize, Ctrl-C, the exit code', async () => {
  const terminal = await execInTerminal('shell', execTask, '/bin/sh', { cols: 120, rows: 40 });
  await terminal.waitForScreen((screen) => screen.includes(`Starting session with SessionId: ecs-execute-command-`), 'the plugin starting the session');
  await terminal.waitForScreen((screen) => /[#$] $/m.test(screen), 'the prompt');
  await terminal.type('echo $((6*7))');
  await terminal.keys('Enter');
  await terminal.waitForScreen((screen) => /^42\s*$/m.test(screen), '42');

  await terminal.type('stty size');
  await terminal.keys('Enter');
  await terminal.waitForScreen((screen) => /^40 120\s*$/m.test(screen), 'stty size 40 120');
  await terminal.resize(100, 30);
  // The plugin notices the new size within half a second.
  await waitFor(async () => {
    await terminal.type('stty size');
    await terminal.keys('Enter');
    await new Promise((resolve) => setTimeout(resolve, 300));
    return terminal.screen();
  }, (screen) => /^30 100\s*$/m.test(screen), 15_000, 'stty size 30 100');

  await terminal.type('sleep 100; echo after-sleep');
  await terminal.keys('Enter');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await terminal.keys('C-c');
  await terminal.type('echo back-$((1+1))');
  await terminal.keys('Enter');
  const screen = await terminal.waitForScreen((text) => /^back-2\s*$/m.test(text), 'the prompt back after Ctrl-C', 10_000);
  assert.doesNotMatch(screen, /^after-sleep/m, 'Ctrl-C interrupted the sleep');

  await terminal.type('exit 7');
  await terminal.keys('Enter');
  const end = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the CLI to exit');
  assert.match(end, /Exiting session with sessionId: ecs-execute-command-[0-9a-f]+\./);
  // The plugin exits with the remote code; the aws CLI reports the plugin's failure and fails.
  assert.match(end, /returned non-zero exit status 7/);
  assert.doesNotMatch(end, /\[exit status: 0\]/);
});
