import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateLogGroupCommand, CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeTasksCommand, ExecuteCommandCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, UpdateClusterCommand, type Task } from '@aws-sdk/client-ecs';
import { ResumeSessionCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import WebSocket from 'ws';
import { DEFAULT_KEY } from '../cli/config.js';
import { AWS_CLI, awsCliEnv, docker, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { TmuxTerminal } from './exec-terminal.js';
import { ensureTestImage } from './test-images.js';

const run = promisify(execFile);
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

/** Runs the aws CLI (not in a terminal) with Wharf's plugin on PATH; resolves with its exit code and output. */
async function awsExec(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(AWS_CLI, [...args, '--endpoint-url', wharf.endpoint], { env: cliEnv() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

test('a one-shot command prints its output and the session ends by itself', async () => {
  const containerId = execTask.containers![0]!.runtimeId!;
  const hostname = await docker(['exec', containerId, 'cat', '/etc/hostname']);
  const terminal = await execInTerminal('oneshot', execTask, 'cat /etc/hostname');
  const screen = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the session to end');
  const lines = screen.split('\n').map((line) => line.trim());
  const output = lines.indexOf(hostname.trim());
  const exiting = lines.findIndex((line) => /^Exiting session with sessionId: ecs-execute-command-[0-9a-f]+\.$/.test(line));
  assert.ok(output >= 0, `the hostname ${hostname} is on the screen`);
  assert.ok(exiting > output, 'the output arrives before the session closes');
  assert.match(screen, /\[exit status: 0\]/);
});

test('refused when the task was started without enableExecuteCommand, in ECS words', async () => {
  const result = await awsExec(['ecs', 'execute-command', '--cluster', CLUSTER, '--task', plainTask.taskArn!, '--container', 'app', '--interactive', '--command', '/bin/sh']);
  assert.equal(result.code, 254);
  assert.equal(
    result.stderr.trim(),
    "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.",
  );
  const notInteractive = await wharf.ecs().send(new ExecuteCommandCommand({ cluster: CLUSTER, task: execTask.taskArn!, container: 'app', command: '/bin/sh', interactive: false })).catch((error: Error) => error);
  assert.equal((notInteractive as Error).name, 'InvalidParameterException');
  assert.equal((notInteractive as Error).message, 'Interactive is the only mode supported currently.');
});

/** Opens the data channel with a token; resolves with the first thing that happens: a binary frame or the close. */
function openChannel(streamUrl: string, tokenValue: string): Promise<{ ws: WebSocket; first: { frame: Buffer } | { closed: number; reason: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(streamUrl);
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ MessageSchemaVersion: '1.0', RequestId: 'r', TokenValue: tokenValue, ClientId: 'c', ClientVersion: '1.2.707.0' })));
    ws.once('message', (data) => resolve({ ws, first: { frame: data as Buffer } }));
    ws.once('close', (code, reason) => resolve({ ws, first: { closed: code, reason: reason.toString() } }));
  });
}

test('a session token opens its session once', async () => {
  const { session } = await wharf.ecs().send(new ExecuteCommandCommand({ cluster: CLUSTER, task: execTask.taskArn!, container: 'app', command: '/bin/sh', interactive: true }));
  const first = await openChannel(session!.streamUrl!, session!.tokenValue!);
  assert.ok('frame' in first.first, 'the first use gets the handshake');
  assert.equal(first.first.frame.subarray(4, 36).toString().trim(), 'output_stream_data');
  const second = await openChannel(session!.streamUrl!, session!.tokenValue!);
  assert.ok('closed' in second.first, 'the second use is refused');
  assert.equal(second.first.closed, 1008);
  assert.match(second.first.reason, /already used/);
  first.ws.close();
  const forged = await openChannel(session!.streamUrl!, session!.tokenValue!.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
  assert.ok('closed' in forged.first);
});

test('SSM TerminateSession ends a live session; ResumeSession gives a fresh token for a session not yet ended and refuses an ended one', async () => {
  const ssm = new SSMClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } });
  const { session } = await wharf.ecs().send(new ExecuteCommandCommand({ cluster: CLUSTER, task: execTask.taskArn!, container: 'app', command: '/bin/sh', interactive: true }));
  const resumed = await ssm.send(new ResumeSessionCommand({ SessionId: session!.sessionId! }));
  assert.equal(resumed.SessionId, session!.sessionId);
  assert.notEqual(resumed.TokenValue, session!.tokenValue);
  const stale = await openChannel(session!.streamUrl!, session!.tokenValue!);
  assert.ok('closed' in stale.first, 'the replaced token no longer opens the session');
  const fresh = await openChannel(resumed.StreamUrl!, resumed.TokenValue!);
  assert.ok('frame' in fresh.first, 'the new one does');
  fresh.ws.close();

  const terminal = await execInTerminal('terminated', execTask, '/bin/sh');
  const screen = await terminal.waitForScreen((text) => /[#$] $/m.test(text), 'the prompt');
  const sessionId = /Starting session with SessionId: (ecs-execute-command-[0-9a-f]+)/.exec(screen)![1]!;
  assert.deepEqual((await ssm.send(new TerminateSessionCommand({ SessionId: sessionId }))).SessionId, sessionId);
  const end = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the session to end');
  assert.match(end, new RegExp(`Exiting session with sessionId: ${sessionId}\\.`));
  const refused = await ssm.send(new ResumeSessionCommand({ SessionId: sessionId })).catch((error: Error) => error);
  assert.equal((refused as Error).name, 'DoesNotExistException');
});

test('a session is logged to CloudWatch Logs when the cluster says so', async () => {
  const logs = new CloudWatchLogsClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } });
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/exec-audit' }));
  await wharf.ecs().send(new UpdateClusterCommand({ cluster: CLUSTER, configuration: { executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { cloudWatchLogGroupName: '/ecs/exec-audit' } } } }));
  try {
    const terminal = await execInTerminal('logged', execTask, 'sh -c "echo audited-output; stty size"');
    const screen = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the session to end');
    // A one-shot command starts at the client's terminal size already.
    assert.match(screen, /^40 120\s*$/m);
    const sessionId = /Starting session with SessionId: (ecs-execute-command-[0-9a-f]+)/.exec(screen)![1]!;
    const events = await waitFor(
      async () => (await logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/exec-audit', logStreamName: sessionId, startFromHead: true })).catch(() => ({ events: [] }))).events ?? [],
      (found) => found.some((event) => event.message?.includes('audited-output')),
      15_000,
      'the session output in the log stream',
    );
    assert.ok(events.length > 0);
  } finally {
    await wharf.ecs().send(new UpdateClusterCommand({ cluster: CLUSTER, configuration: { executeCommandConfiguration: { logging: 'NONE' } } }));
  }
});

test('no process is left in the container when the client goes away', async () => {
  const terminal = await execInTerminal('leaver', execTask, '/bin/sh');
  await terminal.waitForScreen((screen) => /[#$] $/m.test(screen), 'the prompt');
  await terminal.type('sleep 4242 & sleep 4343');
  await terminal.keys('Enter');
  const containerId = execTask.containers![0]!.runtimeId!;
  const processes = () => docker(['exec', containerId, 'ps']);
  await waitFor(processes, (ps) => ps.includes('sleep 4242') && ps.includes('sleep 4343'), 10_000, 'the sleeps running');
  // The terminal, the aws CLI and the plugin go away at once.
  await terminal.close();
  // Only the task's own process (and ps itself; an exited child may linger as a zombie, [name]) is left.
  const leftovers = (ps: string) => ps.split('\n').slice(1).filter((line) => line.trim() && !/\bsleep 3600$|\bps$|\[\w+\]$/.test(line.trim()));
  const after = await waitFor(processes, (ps) => leftovers(ps).length === 0, 15_000, 'the session processes gone');
  assert.doesNotMatch(after, /sleep 4242|sleep 4343/);
});

test('the same shell through boto3 execute_command and the plugin, driven as the aws CLI does', async () => {
  const script = [
    'import boto3, json, subprocess, sys',
    `ecs = boto3.client("ecs", endpoint_url="${wharf.endpoint}", region_name="us-east-1")`,
    `r = ecs.execute_command(cluster="${CLUSTER}", task="${execTask.taskArn}", container="app", interactive=True, command="/bin/sh")`,
    'task = ecs.describe_tasks(cluster=r["clusterArn"].split("/")[-1], tasks=[r["taskArn"]])["tasks"][0]',
    'runtime = [c for c in task["containers"] if c["name"] == r["containerName"]][0]["runtimeId"]',
    'target = "ecs:%s_%s_%s" % (r["clusterArn"].split("/")[-1], r["taskArn"].split("/")[-1], runtime)',
    `code = subprocess.call(["session-manager-plugin", json.dumps(r["session"]), "us-east-1", "StartSession", "", json.dumps({"Target": target}), "${wharf.endpoint}"])`,
    'print("[plugin exit %d]" % code)',
  ].join('\n');
  const terminal = await TmuxTerminal.start(wharf.dataDir, 'boto3', `python3 -c '${script.replace(/'/g, "'\\''")}'`, cliEnv());
  terminals.push(terminal);
  await terminal.waitForScreen((screen) => /[#$] $/m.test(screen), 'the prompt');
  await terminal.type('echo $((6*7))');
  await terminal.keys('Enter');
  await terminal.waitForScreen((screen) => /^42\s*$/m.test(screen), '42');
  await terminal.type('exit 3');
  await terminal.keys('Enter');
  const end = await terminal.waitForScreen((screen) => screen.includes('[plugin exit'), 'the plugin to exit');
  assert.match(end, /Exiting session with sessionId: ecs-execute-command-/);
  assert.match(end, /\[plugin exit 3\]/);
});

test('a service given --enable-execute-command by update-service, then a one-shot command through the pip aws CLI v1 by task id', async () => {
  const ecs = wharf.ecs();
  await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'web', taskDefinition: 'shell', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } }));
  try {
    const first = await waitFor(() => serviceTasksOf(ecs, CLUSTER, 'web'), (tasks) => tasks.length === 1 && tasks[0]!.lastStatus === 'RUNNING', 60_000, 'the service task');
    assert.equal(first[0]!.enableExecuteCommand, false);
    await wharf.aws(['ecs', 'update-service', '--cluster', CLUSTER, '--service', 'web', '--enable-execute-command', '--force-new-deployment']);
    const [task] = await waitFor(
      () => serviceTasksOf(ecs, CLUSTER, 'web'),
      (tasks) => tasks.length === 1 && tasks[0]!.enableExecuteCommand === true && tasks[0]!.containers![0]!.managedAgents?.[0]?.lastStatus === 'RUNNING',
      90_000,
      'the new deployment\'s task with exec enabled',
    );
    const taskId = task!.taskArn!.split('/').pop()!;
    const hostname = (await docker(['exec', task!.containers![0]!.runtimeId!, 'cat', '/etc/hostname'])).trim();
    // `aws` first on PATH is the pip CLI v1.
    const line = `aws --version; aws ecs execute-command --cluster ${CLUSTER} --task ${taskId} --container app --interactive --command "cat /etc/hostname" --endpoint-url ${wharf.endpoint}`;
    const terminal = await TmuxTerminal.start(wharf.dataDir, 'v1', line, cliEnv());
    terminals.push(terminal);
    const screen = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the v1 session to end');
    assert.match(screen, /aws-cli\/1\./);
    assert.ok(screen.split('\n').some((l) => l.trim() === hostname), `the hostname ${hostname} is on the screen`);
    assert.match(screen, /Exiting session with sessionId: ecs-execute-command-[0-9a-f]+\./);
    assert.match(screen, /\[exit status: 0\]/);
  } finally {
    await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'web', force: true }));
  }
});

test('sessions end when the task stops, and exec works for tasks re-adopted after a restart', async () => {
  await wharf.restart();
  const terminal = await execInTerminal('restarted', execTask, '/bin/sh');
  await terminal.waitForScreen((screen) => /[#$] $/m.test(screen), 'the prompt after a restart', 30_000);
  await terminal.type('echo still-$((40+2))');
  await terminal.keys('Enter');
  await terminal.waitForScreen((screen) => /^still-42\s*$/m.test(screen), 'still-42');
  await wharf.ecs().send(new StopTaskCommand({ cluster: CLUSTER, task: execTask.taskArn! }));
  const end = await terminal.waitForScreen((screen) => screen.includes('[exit status:'), 'the session to end with the task', 30_000);
  assert.match(end, /Exiting session with sessionId: ecs-execute-command-/);
});
