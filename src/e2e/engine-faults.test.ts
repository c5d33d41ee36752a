/**
 * The engine misbehaves under Wharf: a container removed behind its back,
 * the engine unreachable for a while (a proxy socket in front of the shared
 * dockerd is cut: the shared engine is never restarted), the data
 * directory's disk full. Wharf answers AWS errors, keeps nothing corrupt
 * and recovers by itself.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CreateClusterCommand, CreateServiceCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { containerProblems, CrashableWharf } from './chaos/crashable-wharf.js';
import { EngineProxy } from './chaos/engine-proxy.js';
import { describeOneService, docker, ecsClientAt, isSteady, serviceTasksOf, signedRequest, spawnWharf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' as const } };
const OUTAGE_SECONDS = Number(process.env.ENGINE_OUTAGE_SECONDS ?? 30);

async function sleeperService(endpoint: string, cluster: string, desiredCount: number): Promise<void> {
  const image = await ensureTestImage();
  const ecs = ecsClientAt(endpoint);
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: cluster, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 2 }] }));
  await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'svc', taskDefinition: cluster, desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK }));
}

const steady = (endpoint: string, cluster: string, count: number, timeoutMs: number, what: string) =>
  waitFor(() => describeOneService(ecsClientAt(endpoint), cluster, 'svc'), (s) => isSteady(s) && s.runningCount === count, timeoutMs, what);

test("a task's container removed behind Wharf's back: the task stops with a reason and the service replaces it", async () => {
  const wharf = await CrashableWharf.start('engine-rm', { WHARF_TIME_SCALE: '8' });
  try {
    await sleeperService(wharf.endpoint, 'gone', 2);
    await steady(wharf.endpoint, 'gone', 2, 90_000, 'two tasks');
    const [victim] = await serviceTasksOf(ecsClientAt(wharf.endpoint), 'gone', 'svc');
    const containers = await docker(['ps', '-aq', '--filter', `label=com.amazonaws.ecs.task-arn=${victim!.taskArn}`]);
    await docker(['rm', '-f', ...containers.split('\n').filter(Boolean)]);

    const stopped = await waitFor(async () => (await ecsClientAt(wharf.endpoint).send(new DescribeTasksCommand({ cluster: 'gone', tasks: [victim!.taskArn!] }))).tasks![0]!, (t) => t.lastStatus === 'STOPPED', 60_000, 'the victim STOPPED');
    assert.ok(stopped.stoppedReason && stopped.stoppedReason.length > 0, 'a stopped reason');
    assert.notEqual(stopped.stopCode, 'UserInitiated');
    console.log(`removed container: ${stopped.stopCode}: ${stopped.stoppedReason}; container reason: ${stopped.containers?.[0]?.reason}`);
    await steady(wharf.endpoint, 'gone', 2, 90_000, 'the service replaced it');
    const running = await serviceTasksOf(ecsClientAt(wharf.endpoint), 'gone', 'svc');
    assert.ok(!running.some((t) => t.taskArn === victim!.taskArn));
    assert.deepEqual(containerProblems(running, await wharf.runningContainersByTask()), []);
  } finally {
    await wharf.stop();
  }
});

test(`the engine unreachable for ${OUTAGE_SECONDS} s in the middle of a deployment: the API keeps answering, work waits, and the deployment completes when it returns`, { timeout: 180_000 + OUTAGE_SECONDS * 1000 }, async () => {
  const socketDir = mkdtempSync(join(tmpdir(), 'wharf-engine-proxy-'));
  const proxy = new EngineProxy(join(socketDir, 'docker.sock'));
  await proxy.up();
  const wharf = await CrashableWharf.start('engine-outage', { WHARF_TIME_SCALE: '8', WHARF_DOCKER_SOCKET: proxy.path, WHARF_SANDBOX_POOL: '0' });
  const ecs = () => ecsClientAt(wharf.endpoint);
  try {
    await sleeperService(wharf.endpoint, 'outage', 2);
    await steady(wharf.endpoint, 'outage', 2, 90_000, 'two tasks');
    const image = await ensureTestImage();
    const revision2 = (await ecs().send(new RegisterTaskDefinitionCommand({ family: 'outage', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image, command: ['sleep', '3601'], stopTimeout: 2 }] }))).taskDefinition!.taskDefinitionArn!;
    await ecs().send(new UpdateServiceCommand({ cluster: 'outage', service: 'svc', taskDefinition: revision2, desiredCount: 3 }));
    // Mid-deployment: the new revision has started tasks, the old one still runs.
    await waitFor(() => serviceTasksOf(ecs(), 'outage', 'svc'), (tasks) => tasks.some((t) => t.taskDefinitionArn === revision2) && tasks.some((t) => t.taskDefinitionArn !== revision2), 60_000, 'the deployment half-way');

    await proxy.cut();
    const cutAt = Date.now();
    while (Date.now() - cutAt < OUTAGE_SECONDS * 1000) {
      const started = Date.now();
      const service = await describeOneService(ecs(), 'outage', 'svc');
      assert.ok(Date.now() - started < 2000, 'the API answers while the engine is away');
      assert.equal(service.desiredCount, 3);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await proxy.up();

    const done = await steady(wharf.endpoint, 'outage', 3, 120_000, 'the deployment completed after the engine came back');
    assert.equal(done.taskDefinition, revision2);
    const running = await serviceTasksOf(ecs(), 'outage', 'svc');
    assert.ok(running.every((t) => t.taskDefinitionArn === revision2), 'every task runs the new revision');
    assert.deepEqual(containerProblems(running, await wharf.runningContainersByTask()), []);
  } finally {
    await wharf.stop();
    await proxy.close();
    rmSync(socketDir, { recursive: true, force: true });
  }
});

test('the data directory disk full: writes are refused with an AWS error, reads go on, nothing is corrupt, and writes succeed again once space returns', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-disk-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dataDir]);
  let wharf: Awaited<ReturnType<typeof spawnWharf>> | undefined;
  const stopWharf = async () => {
    if (!wharf) return;
    const child = wharf.child;
    const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    child.kill('SIGKILL');
    await exited;
    wharf = undefined;
  };
  try {
    wharf = await spawnWharf(dataDir, 0, { WHARF_SANDBOX_POOL: '0' });
    const endpoint = wharf.endpoint;
    const put = (name: string, value: string) => signedRequest(endpoint, { service: 'ssm', target: 'AmazonSSM.PutParameter', body: JSON.stringify({ Name: name, Value: value, Type: 'String', Overwrite: true }) });
    const get = (name: string) => signedRequest(endpoint, { service: 'ssm', target: 'AmazonSSM.GetParameter', body: JSON.stringify({ Name: name }) });
    const register = (family: string) => signedRequest(endpoint, { service: 'ecs', target: 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', body: JSON.stringify({ family, containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64, environment: [{ name: 'PAD', value: 'x'.repeat(4000) }] }] }) });
    assert.equal((await put('/before', 'kept')).status, 200);

    // Fill the disk to the last byte.
    const filler = join(dataDir, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M', 'count=64'], { stdio: 'ignore' });
    } catch {
      // dd stops at ENOSPC, as intended.
    }
    const refused: { status: number; body: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = i % 2 ? await register(`full-${i}`) : await put(`/full/${i}`, 'y'.repeat(4000));
      if (answer.status !== 200) refused.push({ status: answer.status, body: answer.body });
    }
    assert.ok(refused.length > 0, 'writes on a full disk are refused');
    for (const answer of refused) {
      const body = JSON.parse(answer.body) as { __type?: string; message?: string };
      assert.ok(body.__type && typeof body.message === 'string', `an AWS-shaped error: ${answer.body}`);
      assert.ok(!/SQLITE|ENOSPC|at .*\.js/.test(answer.body), `no internals leak: ${answer.body}`);
    }
    console.log(`disk full: ${refused.length} of 40 writes refused, e.g. ${refused[0]!.status} ${refused[0]!.body}`);
    const read = await get('/before');
    assert.equal(read.status, 200, `reads go on: ${read.body}`);
    assert.equal(JSON.parse(read.body).Parameter.Value, 'kept');

    rmSync(filler);
    await waitFor(() => put('/after', 'written'), (answer) => answer.status === 200, 20_000, 'a write once space returned');
    assert.equal((await register('after')).status, 200);

    // kill -9 and check the files: nothing corrupt, the data of before and after there.
    await stopWharf();
    for (const file of ['wharf.db', 'logs.db', 'metrics.db']) {
      const db = new Database(join(dataDir, file));
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `${file} is intact`);
      } finally {
        db.close();
      }
    }
    wharf = await spawnWharf(dataDir, 0, { WHARF_SANDBOX_POOL: '0' });
    const again = (name: string) => signedRequest(wharf!.endpoint, { service: 'ssm', target: 'AmazonSSM.GetParameter', body: JSON.stringify({ Name: name }) });
    assert.equal(JSON.parse((await again('/before')).body).Parameter.Value, 'kept');
    assert.equal(JSON.parse((await again('/after')).body).Parameter.Value, 'written');
  } finally {
    if (wharf) await fetch(`${wharf.endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    await stopWharf();
    execFileSync('umount', ['-l', dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
