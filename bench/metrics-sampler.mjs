// Benchmark: what the task metrics sampler costs with BENCH_TASKS (default 100) running tasks.
//   1. a Wharf (`wharf up`) runs BENCH_TASKS busybox `sleep` tasks (memory over-committed
//      through WHARF_CAPACITY_MEMORY_MIB, as bench/task-latency does);
//   2. in this process, the sampler (dist/controllers/task-metrics-sampler.js) with the real
//      Docker runtime reads those tasks at time scale 1 (every 10 s, Container Insights on, so
//      its minute's work is included), its points going to a metric store (SQLite, in memory),
//      so writing them is counted too. The task records it
//      follows are made from what DescribeTasks and the engine's labels say (Wharf's own store
//      file is locked by Wharf);
//   3. this process's CPU time (user + system) over BENCH_WINDOW_SECONDS (default 60) with the
//      sampler off, then the same with it on; the difference per minute is the sampler's cost
//      (target: < 2% of one core, 1.2 CPU-seconds a minute). Also the CPU of single ticks.
// Whatever happens, Wharf's containers are removed (POST /_wharf/reset), Wharf is stopped and
// its data directory deleted. Needs dist/ (npm run build, or npx tsc -p .).
import { performance } from 'node:perf_hooks';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { SqliteMetricStore } from '../dist/adapters/metric-store-sqlite/sqlite-metric-store.js';
import { DockerRuntime } from '../dist/adapters/runtime-docker/docker-runtime.js';
import { TaskMetricsSampler } from '../dist/controllers/task-metrics-sampler.js';
import { KIND, taskRecordId } from '../dist/domain/ecs/record-keys.js';
import { ensureTestImage } from '../dist/e2e/test-images.js';
import { cleanUp as cleanUpRun, deadline, execFileP, ms, positiveInt, sleep, StepFailed, startWharf } from './lib/harness.mjs';

const TASKS = positiveInt('BENCH_TASKS', 100);
const WINDOW_S = positiveInt('BENCH_WINDOW_SECONDS', 60);
const TICKS = positiveInt('BENCH_TICKS', 20);
const CLUSTER = 'bench-metrics';
const FAMILY = 'bench-metrics-sleep';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
const SCOPE = { account: '123456789012', region: 'us-east-1' };
const TARGET_PERCENT = 2;
const STEP = { start: 60_000, hold: Math.max(300_000, TASKS * 3_000), measure: 2 * WINDOW_S * 1000 + 120_000, reset: 180_000 };
const WHARF_ENV = { WHARF_CAPACITY_MEMORY_MIB: String(TASKS * 512 + 4096) };

const results = { running: 0, off: NaN, on: NaN, tickCpuMs: [], points: 0, ticksOn: 0, notes: [], failed: [] };

// ---------------------------------------------------------------- plumbing

/** This process's CPU seconds (user + system). */
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** A store holding the tasks' records, enough of the port for the sampler (read side and watch). */
function recordStore(records) {
  return {
    get: async (kind, scope, id) => records.find((r) => r.kind === kind && r.id === id),
    list: async (kind) => records.filter((r) => r.kind === kind),
    listAll: async (kind) => records.filter((r) => r.kind === kind),
    watch: () => () => undefined,
    write: async () => undefined,
    wipe: async () => undefined,
    close: async () => undefined,
  };
}

async function runTasks(dl, wharf) {
  const arns = [];
  for (let left = TASKS; left > 0; left -= 10) {
    dl.check();
    const { tasks, failures } = await dl.run(
      wharf.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: FAMILY, launchType: 'FARGATE', networkConfiguration: NETWORK, count: Math.min(10, left) })),
    );
    if (failures?.length) throw new StepFailed(`RunTask failures: ${JSON.stringify(failures)}`);
    arns.push(...tasks.map((t) => t.taskArn));
  }
  for (;;) {
    dl.check();
    const described = [];
    for (let i = 0; i < arns.length; i += 100) described.push(...(await dl.run(wharf.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns.slice(i, i + 100) })))).tasks);
    results.running = described.filter((t) => t.lastStatus === 'RUNNING').length;
    if (described.some((t) => t.lastStatus === 'STOPPED')) throw new StepFailed(`a task stopped: ${described.find((t) => t.lastStatus === 'STOPPED').stoppedReason}`);
    if (results.running === TASKS) return described;
    process.stderr.write(`  ${results.running}/${TASKS} RUNNING\n`);
    await sleep(2_000);
  }
}

/**
 * Task records as the supervisor keeps them, from DescribeTasks and the app containers'
 * inspect data (each joins its pause container's namespace and the task's cgroup parent;
 * a pause container taken from the warm pool carries no task label).
 */
async function taskRecords(wharf, described) {
  const apps = described.map((t) => t.containers[0].runtimeId);
  const inspected = JSON.parse(await execFileP('docker', ['inspect', ...apps], { maxBuffer: 64 * 1024 * 1024 }));
  const sandboxOf = new Map(inspected.map((c) => [c.Id, { containerId: c.HostConfig.NetworkMode.replace(/^container:/, ''), cgroupParent: c.HostConfig.CgroupParent }]));
  return described.map((t) => {
    const taskId = t.taskArn.split('/').pop();
    return {
      kind: KIND.task,
      scope: SCOPE,
      id: taskRecordId(CLUSTER, taskId),
      version: 1,
      doc: {
        taskArn: t.taskArn,
        lastStatus: 'RUNNING',
        cpu: t.cpu,
        memory: t.memory,
        group: t.group,
        wharf: {
          taskId,
          clusterName: CLUSTER,
          family: FAMILY,
          sandbox: sandboxOf.get(t.containers[0].runtimeId),
          containerIds: Object.fromEntries(t.containers.map((c) => [c.name, c.runtimeId])),
        },
      },
    };
  });
}

async function measure(dl, records) {
  const metricStore = new SqliteMetricStore(':memory:');
  const sink = {
    put: (scope, points) => {
      results.points += points.length;
      return metricStore.put(scope, points);
    },
  };
  const cluster = { kind: KIND.cluster, scope: SCOPE, id: CLUSTER, version: 1, doc: { clusterName: CLUSTER, settings: [{ name: 'containerInsights', value: 'enabled' }] } };
  const store = recordStore([...records, cluster]);
  const runtime = new DockerRuntime();
  const clock = { now: () => new Date() };
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } };
  const sampler = new TaskMetricsSampler({ store, runtime, metrics: sink, clock, logger, timeScale: 1 });

  // Single ticks, back to back after a warm-up (the first reads open the cgroup paths).
  await sampler.start();
  if (sampler.runningCount !== TASKS) throw new StepFailed(`the sampler follows ${sampler.runningCount} of ${TASKS} tasks`);
  await dl.run(sampler.tick());
  for (let i = 0; i < TICKS; i++) {
    const cpu = cpuNow();
    await dl.run(sampler.tick());
    results.tickCpuMs.push((cpuNow() - cpu) * 1000);
  }
  await sampler.stop();

  // Let what starting the tasks left behind (sockets, garbage) settle before the windows.
  await dl.run(sleep(10_000));
  process.stderr.write(`  ${WINDOW_S} s with the sampler off...\n`);
  let cpu = cpuNow();
  let t0 = performance.now();
  await dl.run(sleep(WINDOW_S * 1000));
  results.off = ((cpuNow() - cpu) / ((performance.now() - t0) / 1000)) * 60;

  process.stderr.write(`  ${WINDOW_S} s with the sampler on (every ${sampler.intervalMs / 1000} s)...\n`);
  const pointsBefore = results.points;
  await sampler.start();
  cpu = cpuNow();
  t0 = performance.now();
  const ticksBefore = sampler.tickMs;
  await dl.run(sleep(WINDOW_S * 1000));
  results.on = ((cpuNow() - cpu) / ((performance.now() - t0) / 1000)) * 60;
  results.ticksWallMs = sampler.tickMs - ticksBefore;
  results.pointsOn = results.points - pointsBefore;
  await sampler.stop();
  await metricStore.close();
}

// ------------------------------------------------------------------ report

function report() {
  const sorted = [...results.tickCpuMs].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
  // Six ticks a minute at time scale 1.
  const fromTicks = (median / 1000) * 6;
  const windows = results.on - results.off;
  // The larger of the two estimates is judged (the windows' difference is noisy at this size).
  const perMinute = Number.isFinite(windows) ? Math.max(windows, fromTicks) : fromTicks;
  const percent = (perMinute / 60) * 100;
  const widths = [52, 22, 14];
  const row = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
  console.log(`\nTask metrics sampler: ${results.running} running busybox 'sleep' tasks read every 10 s (time scale 1, Container Insights on), CPU of the sampling process over ${WINDOW_S} s windows\n`);
  console.log(row(['measure', 'value', 'target']));
  console.log(row(['CPU s per minute, sampler off (the process idle)', Number.isFinite(results.off) ? results.off.toFixed(3) : '-', '-']));
  console.log(row(['CPU s per minute, sampler on', Number.isFinite(results.on) ? results.on.toFixed(3) : '-', '-']));
  console.log(row(['sampler: CPU s per minute, windows (on - off)', Number.isFinite(windows) ? windows.toFixed(3) : '-', '-']));
  console.log(row([`one tick over ${results.running} tasks: CPU ms (median of ${results.tickCpuMs.length})`, ms(median), '-']));
  console.log(row(['sampler: CPU s per minute, ticks (6 x a tick)', Number.isFinite(fromTicks) ? fromTicks.toFixed(3) : '-', '-']));
  console.log(row(['sampler: % of one core (the larger estimate)', Number.isFinite(percent) ? `${percent.toFixed(2)} %` : '-', `< ${TARGET_PERCENT} %`]));
  const extra = [];
  if (results.pointsOn !== undefined) extra.push(`${results.pointsOn} points published in the ${WINDOW_S} s window; ticks took ${ms(results.ticksWallMs)} ms of wall time in all`);
  extra.push(...results.notes);
  if (extra.length) console.log(`\n${extra.map((line) => `- ${line}`).join('\n')}`);
  if (results.failed.length) console.log(`\nINCOMPLETE: ${results.failed.join('; ')}`);
  return Number.isFinite(percent) && percent < TARGET_PERCENT;
}

// ------------------------------------------------------------------- main

async function main() {
  let wharf;
  let ok = false;
  try {
    const setup = deadline('start-up', STEP.start);
    await setup.run(ensureTestImage());
    wharf = await setup.run(startWharf(setup, { label: 'metrics', env: WHARF_ENV }));
    await setup.run(wharf.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER })));
    await setup.run(
      wharf.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: FAMILY, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
          containerDefinitions: [{ name: 'app', image: 'wharf-test/busybox:latest', command: ['sleep', '100000'], stopTimeout: 2 }],
        }),
      ),
    );
    process.stderr.write(`starting ${TASKS} tasks...\n`);
    const described = await runTasks(deadline(`${TASKS} tasks RUNNING`, STEP.hold), wharf);
    const records = await taskRecords(wharf, described);
    await measure(deadline('sampler off / on', STEP.measure), records);
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    results.failed.push(error.message);
  } finally {
    await cleanUpRun(wharf, new Set(), results.notes, STEP.reset);
    ok = report();
  }
  if (results.failed.length || !ok) process.exitCode = 1;
}

await main();
