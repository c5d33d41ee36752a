import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const run = promisify(execFile);
const WHARF_CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'wharf.js');
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa"],"securityGroups":["sg-12345"],"assignPublicIp":"DISABLED"}}';
const TIME_SCALE = 30;
const WARNING_SECONDS = 120 / TIME_SCALE;

/** Runs `wharf <args>` as a user would; never throws, returns what it printed and its exit code. */
async function wharfCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [WHARF_CLI, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Fargate Spot interruption on demand (WHARF_TIME_SCALE=30: a 4 s warning)', () => {
  let wharf: TestWharf;
  before(async () => {
    const image = await ensureTestImage();
    wharf = await startTestWharf({ WHARF_TIME_SCALE: String(TIME_SCALE) });
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'spot', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']);
    await wharf.aws([
      'ecs', 'register-task-definition', '--family', 'sleeper', '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE', '--cpu', '256', '--memory', '512',
      '--container-definitions', JSON.stringify([{ name: 'app', image, command: ['sleep', '3600'], essential: true }]),
    ]);
  });
  after(() => wharf.stop());

  async function runTask(options: { provider?: string; count?: number; group?: string } = {}): Promise<string[]> {
    const capacity = options.provider ? ['--capacity-provider-strategy', `capacityProvider=${options.provider},weight=1`] : ['--launch-type', 'FARGATE'];
    const result = await wharf.aws([
      'ecs', 'run-task', '--cluster', 'spot', '--task-definition', 'sleeper', ...capacity, '--network-configuration', NETWORK,
      '--count', String(options.count ?? 1), ...(options.group ? ['--group', options.group] : []),
    ]);
    assert.deepEqual(result.failures, []);
    return result.tasks.map((task: { taskArn: string }) => task.taskArn);
  }

  async function describeTasks(arns: readonly string[]): Promise<any[]> {
    return (await wharf.aws(['ecs', 'describe-tasks', '--cluster', 'spot', '--tasks', ...arns])).tasks;
  }

  async function interrupt(body: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${wharf.endpoint}/_wharf/spot-interruption`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }

  test('`wharf spot-interrupt --task`: desired STOPPED at once, SIGKILL after the scaled two-minute warning, stopCode SpotInterruption', async () => {
    const [arn] = (await runTask({ provider: 'FARGATE_SPOT' })) as [string];
    await wharf.aws(['ecs', 'wait', 'tasks-running', '--cluster', 'spot', '--tasks', arn]);
    const [running] = await describeTasks([arn]);
    assert.equal(running.capacityProviderName, 'FARGATE_SPOT');

    const cli = await wharfCli(['spot-interrupt', '--endpoint', wharf.endpoint, '--cluster', 'spot', '--task', arn]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.split('\n')[0], arn);
    assert.match(cli.stdout, new RegExp(`Interrupted 1 Fargate Spot task: SIGTERM now, SIGKILL after the ${WARNING_SECONDS} s warning`));

    const [warned] = await describeTasks([arn]);
    assert.equal(warned.desiredStatus, 'STOPPED');
    assert.equal(warned.stopCode, 'SpotInterruption');
    assert.equal(warned.stoppedReason, 'Your Spot Task was interrupted.');

    // busybox sleep as PID 1 ignores SIGTERM, so the task lives out the warning: the task's own
    // timestamps show it (a point-in-time check would race a loaded machine).

    const [stopped] = await waitFor(() => describeTasks([arn]), ([task]) => task.lastStatus === 'STOPPED', 60_000, `${arn} STOPPED`);
    assert.equal(stopped.stopCode, 'SpotInterruption');
    assert.equal(stopped.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(stopped.containers[0].exitCode, 137, 'killed, not exited');
    const graceMs = Date.parse(stopped.executionStoppedAt) - Date.parse(stopped.stoppingAt);
    assert.ok(graceMs >= (WARNING_SECONDS - 0.5) * 1000 && graceMs < (WARNING_SECONDS + 10) * 1000, `SIGKILL came ${graceMs} ms after SIGTERM; the warning is ${WARNING_SECONDS} s`);

    const again = await wharfCli(['spot-interrupt', '--endpoint', wharf.endpoint, '--cluster', 'spot', '--task', arn]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /InvalidParameterException: Task .* is already stopping/);
  });

  test('--service --percent interrupts ceil(n x percent / 100) of its running Spot tasks, oldest first', async () => {
    const spot = await runTask({ provider: 'FARGATE_SPOT', count: 3, group: 'service:web' });
    await runTask({ provider: 'FARGATE', group: 'service:web' });
    const answer = await interrupt({ cluster: 'spot', service: 'web', percent: 50 });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.warningSeconds, WARNING_SECONDS);
    assert.equal(answer.body.interrupted.length, 2);
    const tasks = await describeTasks(spot);
    const interrupted = tasks.filter((task) => answer.body.interrupted.includes(task.taskArn));
    assert.equal(interrupted.length, 2);
    for (const task of interrupted) assert.deepEqual([task.desiredStatus, task.stopCode], ['STOPPED', 'SpotInterruption']);
    assert.equal(tasks.filter((task) => task.desiredStatus === 'RUNNING').length, 1);

    const rest = await wharfCli(['spot-interrupt', '--endpoint', wharf.endpoint, '--cluster', 'spot', '--service', 'web']);
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(rest.stdout.trim().split('\n').length, 2, 'the one Spot task left, and the summary');
    const none = await interrupt({ cluster: 'spot', service: 'web' });
    assert.equal(none.status, 400);
    assert.match(none.body.message, /Service web in cluster spot .* has no running FARGATE_SPOT tasks \(of 4 task\(s\) in the service\)/);
  });

  test('bad input answers 400 InvalidParameterException saying why; the CLI exits non-zero saying what to do', async () => {
    const [onDemand] = (await runTask({ provider: 'FARGATE' })) as [string];
    const [launchType] = (await runTask()) as [string];
    const cases: [unknown, RegExp][] = [
      [{ cluster: 'spot', task: onDemand }, /runs on capacity provider FARGATE, not FARGATE_SPOT: only Fargate Spot tasks can be interrupted/],
      [{ cluster: 'spot', task: launchType.split('/').pop() }, /runs on launch type FARGATE, not FARGATE_SPOT/],
      [{ cluster: 'spot', task: '0123456789abcdef0123456789abcdef' }, /task 0123456789abcdef0123456789abcdef was not found in cluster spot/],
      [{ cluster: 'spot', service: 'nothing-here' }, /has no running FARGATE_SPOT tasks/],
      [{ cluster: 'spot', service: 'web', percent: 0 }, /percent must be a whole number from 1 to 100, got 0/],
      [{ cluster: 'spot', service: 'web', percent: '50' }, /percent must be a whole number/],
      [{ cluster: 'spot', task: onDemand, service: 'web' }, /exactly one of task or service/],
      [{ cluster: 'spot' }, /exactly one of task or service/],
      [{ cluster: 'spot', tsak: onDemand }, /Unknown field 'tsak'/],
      [{ task: onDemand, region: 'nowhere' }, /region must be a region name/],
      [[1, 2], /must be a JSON object/],
      ['{"task":', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const answer = await interrupt(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.__type, 'InvalidParameterException', JSON.stringify(body));
      assert.match(answer.body.message, message, JSON.stringify(body));
    }
    const noCluster = await interrupt({ cluster: 'absent', task: onDemand });
    assert.deepEqual([noCluster.status, noCluster.body.__type, noCluster.body.message], [400, 'ClusterNotFoundException', 'There is no active cluster absent (us-east-1, account 123456789012).']);
    const [task] = await describeTasks([onDemand]);
    assert.equal(task.desiredStatus, 'RUNNING', 'a refused interruption changes nothing');

    const cli = await wharfCli(['spot-interrupt', '--endpoint', wharf.endpoint, '--cluster', 'spot', '--task', onDemand]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^wharf spot-interrupt: InvalidParameterException: .*not FARGATE_SPOT/);
    const usage = await wharfCli(['spot-interrupt', '--task', onDemand, '--percent', '50']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--percent goes with --service/);
    const closed = await closedPort();
    const unreachable = await wharfCli(['spot-interrupt', '--endpoint', `http://127.0.0.1:${closed}`, '--task', onDemand]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`cannot reach Wharf at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)\\. Start it with \`wharf up\``));
  });
});
