/**
 * kill -9 at random moments: of a rolling deployment, around RunTask bursts,
 * in the middle of registry pushes and while a task's log lines stream in.
 * After every restart nothing is lost, nothing runs twice, and the work
 * finishes where it was headed. CHAOS_KILLS (5 for the deployment and 3 for
 * the others here; 20 for `npm run chaos`)
 * sets the number of kills; CHAOS_SEED replays the moments.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, CreateServiceCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, UpdateServiceCommand, type Task } from '@aws-sdk/client-ecs';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { DEFAULT_KEY } from '../cli/config.js';
import { containerProblems, CrashableWharf } from './chaos/crashable-wharf.js';
import { Random, seedFromEnv } from './fuzz/random.js';
import { describeOneService, ecsClientAt, isSteady, serviceTasksOf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

// The rolling deployment takes 5 kills here; the other scenarios 3 (each kill costs a restart).
const DEPLOY_KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const KILLS = Number(process.env.CHAOS_KILLS ?? 3);
const SEED = seedFromEnv({ FUZZ_SEED: process.env.CHAOS_SEED });
const WHARF_ENV = { WHARF_TIME_SCALE: '8' };
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' as const } };
const credentials = { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

console.log(`chaos seed ${SEED} (replay with CHAOS_SEED=${SEED}), ${DEPLOY_KILLS} kills of the deployment, ${KILLS} per other scenario`);

async function allTasks(endpoint: string, cluster: string): Promise<Task[]> {
  const ecs = ecsClientAt(endpoint);
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(new ListTasksCommand({ cluster, desiredStatus, nextToken }));
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) tasks.push(...((await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }))).tasks ?? []));
  return tasks;
}

test(`kill -9 at ${DEPLOY_KILLS} random moments of a 10-task rolling deployment: no lost and no duplicate containers, the deployment ends on the intended revision`, { timeout: 120_000 + DEPLOY_KILLS * 60_000 }, async () => {
  const random = new Random(SEED);
  const image = await ensureTestImage();
  const wharf = await CrashableWharf.start('chaos-deploy', WHARF_ENV);
  const ecs = () => ecsClientAt(wharf.endpoint);
  const DESIRED = 10;
  try {
    await ecs().send(new CreateClusterCommand({ clusterName: 'chaos' }));
    const register = async (revision: number) =>
      (
        await ecs().send(
          new RegisterTaskDefinitionCommand({
            family: 'roll', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
            containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 2, environment: [{ name: 'REVISION', value: String(revision) }] }],
          }),
        )
      ).taskDefinition!.taskDefinitionArn!;
    let intended = await register(1);
    await ecs().send(new CreateServiceCommand({ cluster: 'chaos', serviceName: 'roll', taskDefinition: intended, desiredCount: DESIRED, launchType: 'FARGATE', networkConfiguration: NETWORK, deploymentConfiguration: { maximumPercent: 120, minimumHealthyPercent: 80 } }));
    await waitFor(() => describeOneService(ecs(), 'chaos', 'roll'), (s) => isSteady(s) && s.runningCount === DESIRED, 120_000, 'revision 1 steady');

    const seen = new Set<string>();
    let revision = 1;
    for (let kill = 0; kill < DEPLOY_KILLS; kill++) {
      const service = await describeOneService(ecs(), 'chaos', 'roll');
      if (isSteady(service)) {
        // The last rollout finished: start the next, so every kill lands inside one.
        revision++;
        intended = await register(revision);
        await ecs().send(new UpdateServiceCommand({ cluster: 'chaos', service: 'roll', taskDefinition: intended }));
      }
      await pause(300 + random.int(3000));
      for (const task of await serviceTasksOf(ecs(), 'chaos', 'roll')) seen.add(task.taskArn!);
      await wharf.crashAndRestart();
    }

    const done = await waitFor(() => describeOneService(ecs(), 'chaos', 'roll'), (s) => isSteady(s) && s.runningCount === DESIRED, 180_000, 'the deployment finished after the last restart').catch(async (error: Error) => {
      // Say what is stuck: the tasks that are not RUNNING, what the engine holds for them, and what Wharf logged.
      const stuck = (await serviceTasksOf(ecs(), 'chaos', 'roll')).filter((t) => t.lastStatus !== 'RUNNING');
      const details = await Promise.all(stuck.map(async (t) => `${JSON.stringify({ taskArn: t.taskArn, lastStatus: t.lastStatus, desiredStatus: t.desiredStatus, pullStartedAt: t.pullStartedAt, pullStoppedAt: t.pullStoppedAt, containers: t.containers?.map((c) => [c.name, c.lastStatus, c.runtimeId]), attachments: t.attachments?.map((a) => a.status) })}\n${await wharf.containersOf(t.taskArn!)}`));
      throw new Error(`${error.message.slice(0, 300)}\nstuck tasks:\n${details.join('\n')}\nWharf's log:\n${wharf.logTail()}`);
    });
    assert.equal(done.taskDefinition, intended, 'the service ends on the intended revision');
    assert.equal(done.deployments![0]!.taskDefinition, intended);
    const running = await serviceTasksOf(ecs(), 'chaos', 'roll');
    assert.equal(running.length, DESIRED);
    assert.ok(running.every((t) => t.taskDefinitionArn === intended && t.lastStatus === 'RUNNING'), JSON.stringify(running.map((t) => [t.taskDefinitionArn, t.lastStatus])));
    assert.deepEqual(containerProblems(running, await wharf.runningContainersByTask()), []);
    // Not lost: every task seen at a kill is still known, running or stopped with a reason.
    const known = new Map((await allTasks(wharf.endpoint, 'chaos')).map((t) => [t.taskArn!, t]));
    for (const arn of seen) {
      const task = known.get(arn);
      assert.ok(task, `task ${arn} seen before a kill is gone`);
      if (task.lastStatus === 'STOPPED') assert.ok(task.stoppedReason, `${arn} stopped without a reason`);
    }
    console.log(`chaos deploy: ${DEPLOY_KILLS} kills over ${revision - 1} rollouts, ${seen.size} tasks seen, ${known.size} tasks in all`);
  } finally {
    await wharf.stop();
  }
});

test(`kill -9 while RunTask bursts are in flight (${Math.max(1, Math.ceil(KILLS / 3))} rounds): every task that was answered runs once, no container without a task`, { timeout: 120_000 + KILLS * 40_000 }, async () => {
  const random = new Random(SEED + 1);
  const image = await ensureTestImage();
  const wharf = await CrashableWharf.start('chaos-runtask', WHARF_ENV);
  const ecs = () => ecsClientAt(wharf.endpoint);
  try {
    await ecs().send(new CreateClusterCommand({ clusterName: 'burst' }));
    await ecs().send(new RegisterTaskDefinitionCommand({ family: 'burst', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 2 }] }));
    const answered = new Set<string>();
    for (let round = 0; round < Math.max(1, Math.ceil(KILLS / 3)); round++) {
      const runTask = () => ecs().send(new RunTaskCommand({ cluster: 'burst', taskDefinition: 'burst', count: 3, launchType: 'FARGATE', networkConfiguration: NETWORK }));
      // One burst answered (its tasks are starting when the kill comes), one in flight: on a loaded machine two
      // bursts sent together could both be cut off, and then nothing would be stored to check.
      (await runTask()).tasks!.forEach((t) => answered.add(t.taskArn!));
      const inFlight = runTask().then((r) => r.tasks!.forEach((t) => answered.add(t.taskArn!)), () => undefined);
      await pause(random.int(600));
      await wharf.crashAndRestart();
      await inFlight;
    }
    // Every task Wharf stored (answered or not) reaches RUNNING: none waits forever on a start that died with the process.
    const tasks = await waitFor(() => allTasks(wharf.endpoint, 'burst'), (ts) => ts.length > 0 && ts.every((t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED'), 120_000, 'every task settled');
    for (const arn of answered) assert.ok(tasks.some((t) => t.taskArn === arn), `answered task ${arn} was lost`);
    const running = tasks.filter((t) => t.lastStatus === 'RUNNING');
    const stopped = tasks.filter((t) => t.lastStatus === 'STOPPED');
    for (const task of stopped) assert.ok(task.stoppedReason, `${task.taskArn} stopped without a reason`);
    assert.deepEqual(containerProblems(running, await wharf.runningContainersByTask()), []);
    console.log(`chaos runtask: ${answered.size} tasks answered, ${tasks.length} stored, ${running.length} running, ${stopped.length} stopped (${stopped.map((t) => t.stoppedReason).join('; ')})`);
  } finally {
    await wharf.stop();
  }
});

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

test(`kill -9 in the middle of registry pushes (${KILLS} times): no half-visible blob, the retried push succeeds, no manifest references a missing blob`, { timeout: 60_000 + KILLS * 20_000 }, async () => {
  const random = new Random(SEED + 2);
  const wharf = await CrashableWharf.start('chaos-registry', { WHARF_SANDBOX_POOL: '0' });
  const ecr = () => new ECRClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'chaos' }));
    const auth = async () => `Basic ${(await ecr().send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!}`;
    const call = async (method: string, path: string, body?: Uint8Array, headers: Record<string, string> = {}) => {
      const response = await fetch(`${wharf.endpoint}${path}`, { method, headers: { authorization: await auth(), ...headers }, ...(body ? { body: new Uint8Array(body) } : {}) });
      return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
    };
    const pushBlob = async (bytes: Buffer) => {
      const started = await call('POST', '/v2/chaos/blobs/uploads/');
      const location = started.headers.get('location')!;
      const done = await call('PUT', `${location}?digest=${encodeURIComponent(digestOf(bytes))}`, bytes, { 'content-type': 'application/octet-stream' });
      assert.equal(done.status, 201, done.body.toString());
    };
    const pushed: { tag: string; blobs: string[] }[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: kill }));
      const layer = randomBytes(4 * 1024 * 1024 + random.int(1 << 20));
      const digest = digestOf(layer);
      await pushBlob(config);
      // Send the layer in one PUT, slowly enough to be killed part-way.
      const started = await call('POST', '/v2/chaos/blobs/uploads/');
      const url = new URL(wharf.endpoint + started.headers.get('location')! + `?digest=${encodeURIComponent(digest)}`);
      const authorization = await auth();
      const cut = 256 * 1024 + random.int(layer.length - 512 * 1024);
      const stream = new Promise<void>((resolve) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'PUT', headers: { authorization, 'content-length': layer.length, 'content-type': 'application/octet-stream' } });
        req.on('error', () => resolve());
        req.on('response', (res) => {
          res.resume();
          resolve();
        });
        req.write(layer.subarray(0, cut));
      });
      await pause(50 + random.int(200));
      await wharf.crashAndRestart();
      await stream;
      assert.equal((await call('HEAD', `/v2/chaos/blobs/${digest}`)).status, 404, `half of blob ${digest} (${cut} of ${layer.length} bytes) is visible after the kill`);
      // The client retries the push from the start.
      await pushBlob(layer);
      const head = await call('HEAD', `/v2/chaos/blobs/${digest}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(layer.length));
      assert.ok((await call('GET', `/v2/chaos/blobs/${digest}`)).body.equals(layer), 'the blob holds exactly the pushed bytes');
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) },
          layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest }],
        }),
      );
      const put = await call('PUT', `/v2/chaos/manifests/v${kill}`, manifest, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' });
      assert.equal(put.status, 201, put.body.toString());
      pushed.push({ tag: `v${kill}`, blobs: [digestOf(config), digest] });
    }
    // After one more kill, every manifest still resolves and every blob it names is there.
    await wharf.crashAndRestart();
    for (const image of pushed) {
      const got = await call('GET', `/v2/chaos/manifests/${image.tag}`, undefined, { accept: 'application/vnd.docker.distribution.manifest.v2+json' });
      assert.equal(got.status, 200);
      const manifest = JSON.parse(got.body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
      for (const blob of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) assert.equal((await call('HEAD', `/v2/chaos/blobs/${blob}`)).status, 200, `${image.tag} names missing blob ${blob}`);
    }
  } finally {
    await wharf.stop();
  }
});

test(`kill -9 ${KILLS} times while a task prints numbered lines: every number exactly once in GetLogEvents`, { timeout: 90_000 + KILLS * 20_000 }, async () => {
  const random = new Random(SEED + 3);
  const image = await ensureTestImage();
  const wharf = await CrashableWharf.start('chaos-logs');
  const ecs = () => ecsClientAt(wharf.endpoint);
  const logs = () => new CloudWatchLogsClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  // About 2 s of lines per kill, so the kills land while it writes.
  const LINES = 100 + KILLS * 80;
  try {
    await ecs().send(new CreateClusterCommand({ clusterName: 'logs' }));
    await logs().send(new CreateLogGroupCommand({ logGroupName: '/ecs/chaos' }));
    await ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'counter', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        containerDefinitions: [{
          name: 'app', image,
          command: ['sh', '-c', `i=0; while [ $i -lt ${LINES} ]; do i=$((i+1)); echo line $i; usleep 25000; done`],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/chaos', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' } },
        }],
      }),
    );
    const arn = (await ecs().send(new RunTaskCommand({ cluster: 'logs', taskDefinition: 'counter', launchType: 'FARGATE', networkConfiguration: NETWORK }))).tasks![0]!.taskArn!;
    const stream = `app/app/${arn.split('/').pop()}`;
    const messages = async () => {
      const out: string[] = [];
      let token: string | undefined;
      try {
        for (;;) {
          const page = await logs().send(new GetLogEventsCommand({ logGroupName: '/ecs/chaos', logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) }));
          out.push(...(page.events ?? []).map((e) => e.message!));
          if (!page.events?.length || page.nextForwardToken === token) return out;
          token = page.nextForwardToken;
        }
      } catch {
        return out; // the stream is made when the container starts
      }
    };
    await waitFor(messages, (m) => m.length >= 5, 60_000, 'the first lines');
    for (let kill = 0; kill < KILLS; kill++) {
      await pause(300 + random.int(1500));
      await wharf.crashAndRestart();
    }
    await waitFor(async () => (await ecs().send(new DescribeTasksCommand({ cluster: 'logs', tasks: [arn] }))).tasks![0]!, (t) => t.lastStatus === 'STOPPED', 90_000, 'the counter STOPPED');
    const lines = await waitFor(messages, (m) => m.includes(`line ${LINES}`), 30_000, `line ${LINES}`);
    const counts = new Map<number, number>();
    for (const line of lines) counts.set(Number(line.split(' ')[1]), (counts.get(Number(line.split(' ')[1])) ?? 0) + 1);
    const lost = Array.from({ length: LINES }, (_, i) => i + 1).filter((n) => !counts.has(n));
    const twice = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
    assert.deepEqual({ lost, twice, total: lines.length }, { lost: [], twice: [], total: LINES });
  } finally {
    await wharf.stop();
  }
});
