import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type Task as SdkTask } from '@aws-sdk/client-ecs';
import { SqliteMetricStore } from '../adapters/metric-store-sqlite/sqlite-metric-store.js';
import { SqliteStore } from '../adapters/store-sqlite/sqlite-store.js';
import { LoadBalancerPlane } from '../dataplane/load-balancer/load-balancer-plane.js';
import { ELBV2_KIND, type ListenerRecord, type LoadBalancerRecord, type TargetGroupRecord } from '../domain/elbv2/records.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import type { MetricAggregate, MetricStore } from '../ports/metric-store.js';
import { loadConfig } from '../cli/config.js';
import { startWharf } from '../main.js';
import { docker, ecsClientAt, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

/**
 * Task metrics end to end: real tasks on the engine (run by a real Wharf
 * through the SDK), the sampler reading them through the Docker runtime's
 * cgroup files, and the figures checked against the cgroup counters read
 * here; the task metadata endpoint's /stats answered from the samples, asked
 * from inside a task; the load balancer's request counts against requests
 * sent through a real listener.
 *
 * The points go to a metric store (the SQLite adapter) this test makes and
 * hands startWharf, so it can query it while Wharf runs; the load balancer
 * test's plane writes to one too.
 */

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
const MIB = 1024 * 1024;

const SCOPE = { account: '123456789012', region: 'us-east-1' };

/** A metric store of the test's own, with what the assertions ask of it. */
class TestMetrics extends SqliteMetricStore {
  constructor(readonly dir = mkdtempSync(join(tmpdir(), 'wharf-e2e-metricdb-'))) {
    super(join(dir, 'metrics.db'));
  }
  /** The aggregates of one metric (exact dimensions) per `period` seconds over the last `sinceMs`. */
  series(namespace: string, metricName: string, dims: Record<string, string>, options: { from: number; period?: number }): Promise<MetricAggregate[]> {
    return this.query(SCOPE, {
      namespace,
      metricName,
      dimensions: Object.entries(dims).map(([name, value]) => ({ name, value })),
      startTime: options.from,
      endTime: Date.now() + 60_000,
      period: options.period ?? 1,
    });
  }
  async dispose(): Promise<void> {
    await this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const average = (a: MetricAggregate): number => a.sum / a.sampleCount;
const totals = (aggregates: readonly MetricAggregate[]) => ({
  sum: aggregates.reduce((total, a) => total + a.sum, 0),
  sampleCount: aggregates.reduce((total, a) => total + a.sampleCount, 0),
});

async function cgroupFile(controller: string, parent: string, file: string): Promise<string> {
  return readFile(join('/sys/fs/cgroup', controller, parent, file), 'utf8');
}

/** A Wharf in this process whose metrics go to `sink` (as startTestWharf, plus the metric sink). */
async function startMetricsWharf(sink: Pick<MetricStore, 'put'>, env: NodeJS.ProcessEnv) {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-e2e-metrics-'));
  const wharf = await startWharf(loadConfig({ port: '0', 'data-dir': dataDir }, env), silentLogger, systemClock, { metrics: sink });
  const endpoint = `http://127.0.0.1:${wharf.port}`;
  return {
    dataDir,
    ecs: () => ecsClientAt(endpoint),
    async stop() {
      await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' });
      await wharf.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One HTTP/1.0 GET from inside a container to 169.254.170.2 (busybox nc, as the metadata test does). */
async function getFromTask(containerId: string, path: string): Promise<{ status: number; body: string }> {
  const request = `GET ${path} HTTP/1.0\\r\\nHost: 169.254.170.2\\r\\n\\r\\n`;
  const script = `f=$(mktemp -u); mkfifo $f; { printf '${request}'; cat $f; } | { nc 169.254.170.2 80; echo > $f; }; rm -f $f`;
  const raw = await docker(['exec', containerId, 'sh', '-c', script]);
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: rest.join('\r\n\r\n') };
}

describe('task metrics: published utilization against the cgroup counters, /stats from the samples', () => {
  // Samples every second (10 s / 10), stored per second; Container Insights every 6 s.
  const TIME_SCALE = 10;
  let wharf: Awaited<ReturnType<typeof startMetricsWharf>>;
  const sink = new TestMetrics();
  let busy: SdkTask;
  let idle: SdkTask;

  before(async () => {
    const image = await ensureTestImage();
    wharf = await startMetricsWharf(sink, { WHARF_TIME_SCALE: String(TIME_SCALE) });
    const ecs = wharf.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'burn', settings: [{ name: 'containerInsights', value: 'enabled' }] }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'rest' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'burn', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', 'while :; do :; done'], stopTimeout: 2 }],
      }),
    );
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'hold', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        // A shell variable of 50 MB, then idle (a loop, so the shell does not exec sleep and free it).
        containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', `x=$(head -c 50000000 /dev/zero | tr '\\0' a); while :; do sleep 1; done`], stopTimeout: 2 }],
      }),
    );
    const run = async (cluster: string, family: string): Promise<SdkTask> => {
      const { tasks } = await ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK }));
      const describe = async () => (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [tasks![0]!.taskArn!] }))).tasks![0]!;
      return waitFor(describe, (t) => t.lastStatus === 'RUNNING', 60_000, `${family} RUNNING`);
    };
    [busy, idle] = await Promise.all([run('burn', 'burn'), run('rest', 'hold')]);
  });

  after(async () => {
    await wharf?.stop();
    await sink.dispose();
  });

  /**
   * The task's cgroup parent, from its app container (a pause container taken
   * from the warm pool carries no task label, so it cannot be found by one).
   */
  const parentOf = async (task: SdkTask): Promise<string> => {
    const app = task.containers!.find((c) => c.name === 'app')!.runtimeId!;
    return JSON.parse(await docker(['inspect', app]))[0].HostConfig.CgroupParent;
  };
  const inUse = async (parent: string) => {
    const usage = Number(await cgroupFile('memory', parent, 'memory.usage_in_bytes'));
    const cache = Number(/^total_cache (\d+)$/m.exec(await cgroupFile('memory', parent, 'memory.stat'))![1]);
    return usage - cache;
  };

  test('CPUUtilization of a busy quarter-vCPU task is ~100 % and agrees with cpuacct; an idle one is ~0 %; MemoryUtilization matches usage less cache', async () => {
    const busyParent = await parentOf(busy);
    const idleParent = await parentOf(idle);
    await waitFor(() => inUse(idleParent), (bytes) => bytes > 45 * MIB, 30_000, 'the holder to allocate');

    const from = Date.now();
    const cpuBefore = Number(await cgroupFile('cpuacct', busyParent, 'cpuacct.usage'));
    // Per-second aggregates from a second after the first counter reading (the first sample's interval may start before it).
    const since = (name: string, cluster: string) => sink.series('AWS/ECS', name, { ClusterName: cluster }, { from: from + 1_000 });
    // Eight seconds of samples: the ends of the two windows differ by under a second of a busy loop's share of a contended machine.
    await waitFor(() => since('CPUUtilization', 'burn'), (found) => found.length >= 8, 30_000, 'eight samples');
    const cpuAfter = Number(await cgroupFile('cpuacct', busyParent, 'cpuacct.usage'));
    const seconds = (Date.now() - from) / 1000;
    // What the counters say: CPU seconds per second over a 0.25 vCPU reservation.
    const expected = ((cpuAfter - cpuBefore) / 1e9 / seconds / 0.25) * 100;

    const busyCpu = await since('CPUUtilization', 'burn');
    // One task: each second's sample weighs 1/6 (six samples make the task's one data point a scaled minute).
    assert.ok(busyCpu.every((a) => a.unit === 'Percent' && Math.abs(a.sampleCount - 1 / 6) < 1e-9), `sample counts ${busyCpu.map((a) => a.sampleCount)}`);
    const published = busyCpu.reduce((sum, a) => sum + average(a), 0) / busyCpu.length;
    // Within 10 points: on a contended machine the sampler's windows and the test's two readings end a few hundred ms apart.
    assert.ok(Math.abs(published - expected) < 10, `published ${published} %, cpuacct says ${expected} %`);
    // Other work on this 2-core machine can take some of the quota; the agreement above is the measure.
    assert.ok(published > 40 && published < 110, `a busy loop under a 0.25 vCPU quota: ${published} %`);
    const rest = await since('CPUUtilization', 'rest');
    // The holder's shell may still be finishing its variable in the first second.
    assert.ok(rest.length >= 2 && rest.slice(-2).every((a) => average(a) < 5), `the idle task: ${rest.map(average)}`);

    const memory = (await since('MemoryUtilization', 'rest')).at(-1)!;
    const publishedMiB = (average(memory) * 512) / 100;
    const actualMiB = (await inUse(idleParent)) / MIB;
    assert.ok(publishedMiB > 45 && publishedMiB < 200, `about the 50 MB held: ${publishedMiB} MiB`);
    assert.ok(Math.abs(publishedMiB - actualMiB) < 5, `published ${publishedMiB} MiB, the cgroup has ${actualMiB} MiB`);
  });

  test('Container Insights for the cluster that has it on: CpuUtilized in CPU units, MemoryReserved, task counts; none for the other', async () => {
    const from = Date.now() - 120_000;
    const insights = (name: string, dims: Record<string, string>) => sink.series('ECS/ContainerInsights', name, dims, { from });
    // CPU units used, judged against the task's own counter over the same stretch (a contended machine may
    // give the busy loop less than its 256-unit quota; a percentage would read ~2.5x lower than units).
    const busyParent = await parentOf(busy);
    const t0 = Date.now();
    const cpu0 = Number(await cgroupFile('cpuacct', busyParent, 'cpuacct.usage'));
    const periodsSince = async () => (await insights('CpuUtilized', { ClusterName: 'burn', TaskDefinitionFamily: 'burn' })).filter((a) => a.timestamp >= t0);
    const cpu = await waitFor(periodsSince, (found) => found.length >= 2, 30_000, 'two Container Insights periods');
    const cpu1 = Number(await cgroupFile('cpuacct', busyParent, 'cpuacct.usage'));
    const countedUnits = ((cpu1 - cpu0) / 1e9 / ((Date.now() - t0) / 1000)) * 1024;
    const last = cpu.at(-1)!;
    assert.equal(last.unit, 'None');
    const publishedUnits = cpu.reduce((sum, a) => sum + average(a), 0) / cpu.length;
    assert.ok(publishedUnits < 270, `at most the quarter-vCPU quota: ${publishedUnits} units`);
    assert.ok(Math.abs(publishedUnits - countedUnits) < countedUnits * 0.3 + 10, `published ${publishedUnits} units, cpuacct says ${countedUnits}`);
    assert.equal(average((await insights('MemoryReserved', { ClusterName: 'burn' })).at(-1)!), 512);
    assert.equal((await insights('MemoryReserved', { ClusterName: 'burn' })).at(-1)!.unit, 'Megabytes');
    assert.equal(average((await insights('TaskCount', { ClusterName: 'burn' })).at(-1)!), 1);
    assert.equal((await insights('CpuUtilized', { ClusterName: 'rest' })).length, 0);
  });

  test("the metadata endpoint's /stats answers at once from the samples, with cpu_stats and precpu_stats from two of them", async () => {
    const appId = busy.containers!.find((c) => c.name === 'app')!.runtimeId!;
    const env: string[] = JSON.parse(await docker(['inspect', appId]))[0].Config.Env;
    const uri = env.find((e) => e.startsWith('ECS_CONTAINER_METADATA_URI_V4='))!.split('=')[1]!;
    const path = new URL(uri).pathname;
    // What docker exec alone costs here, to tell it from the endpoint's answer.
    let started = performance.now();
    await docker(['exec', appId, 'true']);
    const execMs = performance.now() - started;
    started = performance.now();
    const { status, body } = await getFromTask(appId, `${path}/stats`);
    const tookMs = performance.now() - started;
    assert.equal(status, 200, body);
    const stats = JSON.parse(body);
    assert.ok(stats.network_rate_stats, 'the sampled document (the engine has no network rates)');
    assert.equal(stats.id, appId);
    assert.ok(Date.parse(stats.read) > Date.parse(stats.preread), 'two consecutive samples');
    assert.ok(Date.now() - Date.parse(stats.read) < 3_000, 'a recent sample');
    assert.ok(stats.cpu_stats.cpu_usage.total_usage > stats.precpu_stats.cpu_usage.total_usage, 'CPU advanced between the samples');
    assert.ok(stats.cpu_stats.system_cpu_usage > stats.precpu_stats.system_cpu_usage);
    assert.ok(stats.memory_stats.usage > 0 && stats.memory_stats.limit > 0);
    assert.ok(stats.networks.eth0, 'the task interface');
    // The engine's one-shot stats wait a second for their second sample.
    assert.ok(tookMs - execMs < 700, `answered in ${tookMs} ms (docker exec alone: ${execMs} ms)`);

    const task = await getFromTask(appId, `${path}/task/stats`);
    assert.equal(task.status, 200, task.body);
    assert.ok(JSON.parse(task.body)[appId].network_rate_stats);
  });
});

describe('load balancer metrics: RequestCount equals the requests sent through a listener', () => {
  let dir: string;
  let store: SqliteStore;
  let plane: LoadBalancerPlane;
  let backend: Server;
  const sink = new TestMetrics();
  const scope = SCOPE;
  const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/metrics-lb/0123456789abcdef';
  const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/metrics-tg/fedcba9876543210';
  const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/metrics-lb/0123456789abcdef/aaaaaaaaaaaaaaaa';

  before(async () => {
    backend = createServer((req, res) => {
      if (req.url === '/missing') res.writeHead(404).end('no');
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const backendPort = (backend.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'wharf-alb-metrics-'));
    store = new SqliteStore(join(dir, 'wharf.db'));
    // The records the ELBv2 API writes (its own tests cover that path), in a store of this test's own.
    const lb: LoadBalancerRecord = {
      loadBalancerArn: LB, loadBalancerName: 'metrics-lb', dnsName: 'metrics-lb-1.us-east-1.elb.localhost', canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      scheme: 'internet-facing', type: 'application', ipAddressType: 'ipv4', vpcId: 'vpc-1', availabilityZones: [], securityGroups: [], createdAt: 0,
      state: 'provisioning', attributes: {}, tags: {},
    };
    const tg: TargetGroupRecord = {
      targetGroupArn: TG, targetGroupName: 'metrics-tg', protocol: 'HTTP', protocolVersion: 'HTTP1', port: backendPort, targetType: 'ip', ipAddressType: 'ipv4', createdAt: 0,
      healthCheck: { enabled: false, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200' },
      attributes: {}, loadBalancerArns: [LB], targets: [{ id: '127.0.0.1', port: backendPort, registeredAt: 0 }], tags: {},
    };
    const listener: ListenerRecord = { listenerArn: LISTENER, loadBalancerArn: LB, port: 0, protocol: 'HTTP', defaultActions: [{ type: 'forward', targetGroupArn: TG }], createdAt: 0, tags: {} };
    await store.write([
      { op: 'put', kind: ELBV2_KIND.loadBalancer, scope, id: 'metrics-lb', doc: lb, expect: 'absent' },
      { op: 'put', kind: ELBV2_KIND.targetGroup, scope, id: 'metrics-tg', doc: tg, expect: 'absent' },
      { op: 'put', kind: ELBV2_KIND.listener, scope, id: 'aaaaaaaaaaaaaaaa', doc: listener, expect: 'absent' },
    ]);
    plane = new LoadBalancerPlane(store, systemClock, silentLogger, { metrics: sink, resyncMs: 60_000 });
    plane.start();
    await waitFor(async () => plane.served(), (served) => served.length === 1, 10_000, 'the listener served');
  });

  after(async () => {
    await plane?.stop();
    await store?.close();
    await new Promise((resolve) => backend?.close(resolve));
    await sink.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('RequestCount per load balancer and target group, target codes, response time and host counts', async () => {
    const url = `http://127.0.0.1:${plane.served()[0]!.boundPort}`;
    for (let i = 0; i < 25; i++) assert.equal((await fetch(`${url}/`)).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/missing`)).status, 404);
    const from = Date.now() - 120_000;
    await plane.publishMetrics();
    const lbDim = { LoadBalancer: 'app/metrics-lb/0123456789abcdef' };
    const tgDim = { TargetGroup: 'targetgroup/metrics-tg/fedcba9876543210' };
    // Standard resolution at time scale 1: whole minutes.
    const series = (name: string, dims: Record<string, string>) => sink.series('AWS/ApplicationELB', name, dims, { from, period: 60 });
    const sum = async (name: string, dims: Record<string, string>) => totals(await series(name, dims)).sum;
    assert.equal(await sum('RequestCount', lbDim), 30);
    assert.equal(await sum('RequestCount', tgDim), 30);
    assert.equal(await sum('RequestCount', { ...tgDim, ...lbDim }), 30);
    assert.equal(await sum('HTTPCode_Target_2XX_Count', lbDim), 25);
    assert.equal(await sum('HTTPCode_Target_4XX_Count', { ...tgDim, ...lbDim }), 5);
    assert.equal(await sum('RequestCountPerTarget', tgDim), 30, 'one healthy target');
    assert.equal(await sum('HealthyHostCount', { ...tgDim, ...lbDim }), 1);
    const [time] = await series('TargetResponseTime', lbDim);
    assert.equal(time!.unit, 'Seconds');
    assert.equal(time!.sampleCount, 30);
    assert.ok(time!.maximum < 1, 'seconds, not milliseconds');
    // The counters were drained: a quiet interval adds no requests.
    await plane.publishMetrics();
    assert.equal(await sum('RequestCount', lbDim), 30);
  });
});
