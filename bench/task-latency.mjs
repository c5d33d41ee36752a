// Benchmark: how fast a task gets going, and what holding many costs.
//   1. the floor: `docker run -d wharf-test/busybox:latest sleep 100000`, timed
//      from spawning the docker CLI to its return;
//   2. RunTask -> RUNNING, one task at a time: from sending RunTask until
//      DescribeTasks (polled every 10 ms) first reports lastStatus RUNNING,
//      against the floor (target: p50 within 1.2x of it). 1 and 2 alternate,
//      sample by sample, so both see the same machine;
//   3. BENCH_TASKS (default 500, the issue's figure) tasks held at once: Wharf's
//      resident memory (target < 300 MB) and DescribeTasks over all of them;
//   4. Wharf killed (-9) with those tasks running and started again on the
//      same data directory: from spawning it to its first answer (target
//      < 3 s), and to a DescribeTasks showing every task re-adopted RUNNING.
// The image is local (no pull); every container runs `sleep 100000`.
// Each step has a deadline: past it the table shows what was measured and the
// run exits non-zero. Whatever happens, Wharf's containers are removed
// (POST /_wharf/reset), Wharf is stopped and its data directory deleted.
// BENCH_SAMPLES (default 20) sets the samples of each timed measure. Needs dist/
// (npm run build, or npx tsc -p .).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { ensureTestImage } from '../dist/e2e/test-images.js';
import { cleanUp as cleanUpRun, deadline, execFileP, ms, percentile, positiveInt, sleep, StepFailed, startWharf } from './lib/harness.mjs';

const TASKS = positiveInt('BENCH_TASKS', 500);
const SAMPLES = positiveInt('BENCH_SAMPLES', 20);
const CLUSTER = 'bench-latency';
const FAMILY = 'bench-sleep';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
const POLL_MS = 10;
const DESCRIBE_MAX = 100; // DescribeTasks takes at most 100 tasks per call

const STEP = {
  start: 60_000, // image + Wharf up + cluster and task definition
  latency: 120_000 + SAMPLES * 15_000, // a docker run and a task per sample, and the task's stop (stopTimeout 2 s)
  hold: Math.max(300_000, TASKS * 3_000), // ~2 container starts per second per core
  describe: 60_000,
  restart: 120_000,
  reset: 180_000,
};
const TARGET = { ratio: 1.2, rssMB: 300, restartMs: 3_000 };
const WHARF_ENV = {
    // Wharf places tasks by their memory, as Fargate reserves it: 500 tasks of 512 MiB do not fit a
    // 24 GiB machine. The sleeping tasks use a few MB each, so the bench over-commits on purpose.
    WHARF_CAPACITY_MEMORY_MIB: String(TASKS * 512 + 4096),
  };


// ---------------------------------------------------------------- plumbing


function pair(values, wanted) {
  if (values.length === 0) return '-';
  const partial = values.length < wanted ? ` (${values.length}/${wanted} samples)` : '';
  return `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}${partial}`;
}

/** VmRSS and VmHWM of a process, in MB. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** User + system CPU seconds a process has used (fields 14 and 15 of /proc/<pid>/stat; 100 ticks/s). */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function pidOf(name) {
  try {
    return Number((await execFileP('pidof', ['-s', name])).trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** The local engine's dockerd: its pidfile names it among the test set-up's other engines (each in its own namespace). */
function localEnginePid() {
  try {
    return Number(readFileSync('/var/run/docker.pid', 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ Wharf

/** Starts `wharf up` as its own process; keeps the tail of its output for diagnosis. */

async function describe(wharf, arns) {
  const tasks = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_MAX) {
    const result = await wharf.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns.slice(i, i + DESCRIBE_MAX) }));
    if (result.failures?.length) throw new StepFailed(`DescribeTasks failures: ${JSON.stringify(result.failures.slice(0, 3))}`);
    tasks.push(...(result.tasks ?? []));
  }
  return tasks;
}

async function runTasks(wharf, count) {
  const result = await wharf.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: FAMILY, launchType: 'FARGATE', count, networkConfiguration: NETWORK }));
  return { arns: (result.tasks ?? []).map((task) => task.taskArn), failures: result.failures ?? [] };
}

// ------------------------------------------------------------------ steps

const results = {
  floor: [],
  latency: [],
  breakdown: [], // per sample: RunTask call, createdAt -> pullStartedAt, pull, pullStoppedAt -> startedAt, startedAt -> seen
  warmups: {},
  hold: undefined, // { placed, running, stopped, ms, failures, wharfCpu, dockerdCpu }
  memory: undefined,
  describe: [],
  restart: undefined, // { firstAnswerMs, describedMs, running }
  notes: [],
  failed: [],
};

/** One `docker run -d`, timed from spawning the CLI to its return; the container is removed afterwards, untimed. */
async function dockerRunOnce(dl, floorIds) {
  const started = performance.now();
  const id = (await dl.run(execFileP('docker', ['run', '-d', 'wharf-test/busybox:latest', 'sleep', '100000']))).trim();
  const elapsed = performance.now() - started;
  floorIds.add(id);
  await dl.run(execFileP('docker', ['rm', '-f', id]));
  floorIds.delete(id);
  return elapsed;
}

/** One RunTask, then DescribeTasks every 10 ms until RUNNING. Returns the elapsed ms and the breakdown. */
async function runUntilRunning(dl, wharf, started) {
  const sentAt = Date.now();
  const t0 = performance.now();
  const { arns, failures } = await dl.run(runTasks(wharf, 1));
  const answered = performance.now();
  if (arns.length !== 1) throw new StepFailed(`RunTask placed no task: ${JSON.stringify(failures)}`);
  started.push(arns[0]);
  for (;;) {
    dl.check();
    await sleep(POLL_MS);
    const [task] = await dl.run(describe(wharf, arns));
    if (task.lastStatus === 'RUNNING') {
      const elapsed = performance.now() - t0;
      const seenAt = Date.now();
      const at = (date) => (date ? date.getTime() : NaN);
      return {
        elapsed,
        parts: {
          call: answered - t0,
          sandbox: at(task.pullStartedAt) - at(task.createdAt),
          pull: at(task.pullStoppedAt) - at(task.pullStartedAt),
          start: at(task.startedAt) - at(task.pullStoppedAt),
          seen: seenAt - at(task.startedAt),
          clock: at(task.createdAt) - sentAt,
        },
      };
    }
    if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') {
      throw new StepFailed(`task ${task.taskArn} stopped before RUNNING: ${task.stopCode} ${task.stoppedReason}`);
    }
  }
}

/**
 * The floor and Wharf, sample by sample in turn, so both see the same machine
 * (other work on the engine's host moves both alike). Each task is stopped, and
 * waited for, before the next sample (outside the timed part): every sample
 * starts on a quiet Wharf, and the samples never add up to more than the
 * host's capacity (RunTask refuses tasks that do not fit).
 */
async function measureLatency(dl, wharf, floorIds) {
  const task = async () => {
    const started = [];
    try {
      return await runUntilRunning(dl, wharf, started);
    } finally {
      if (started.length > 0) await stopAndWait(dl, wharf, started);
    }
  };
  // One untimed round first: the first start of each pays for cold caches.
  results.warmups.floor = await dockerRunOnce(dl, floorIds);
  results.warmups.wharf = (await task()).elapsed;
  for (let i = 0; i < SAMPLES; i++) {
    const floor = await dockerRunOnce(dl, floorIds);
    results.floor.push(floor);
    const { elapsed, parts } = await task();
    results.latency.push(elapsed);
    results.breakdown.push(parts);
    process.stderr.write(`  ${i + 1}: docker run ${ms(floor)} ms; RunTask -> RUNNING ${ms(elapsed)} ms (sandbox ${ms(parts.sandbox)}, image ${ms(parts.pull)}, app container ${ms(parts.start)})\n`);
  }
}

async function stopAndWait(dl, wharf, arns) {
  await dl.run(Promise.all(arns.map((task) => wharf.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task, reason: 'bench: measured' })))));
  for (;;) {
    dl.check();
    const tasks = await dl.run(describe(wharf, arns));
    if (tasks.every((task) => task.lastStatus === 'STOPPED')) return;
    await sleep(250);
  }
}

async function hold(dl, wharf, arns) {
  const hold = { placed: 0, running: 0, stopped: 0, ms: NaN, failures: {}, stoppedReasons: {} };
  results.hold = hold;
  const dockerd = localEnginePid() ?? (await pidOf('dockerd'));
  const cpuBefore = { wharf: cpuSeconds(wharf.child.pid), dockerd: dockerd ? cpuSeconds(dockerd) : NaN };
  const t0 = performance.now();
  for (let left = TASKS; left > 0; left -= 10) {
    dl.check();
    const { arns: placed, failures } = await dl.run(runTasks(wharf, Math.min(10, left)));
    arns.push(...placed);
    hold.placed = arns.length;
    for (const failure of failures) hold.failures[failure.reason] = (hold.failures[failure.reason] ?? 0) + 1;
  }
  hold.requestsMs = performance.now() - t0;
  let lastReport = 0;
  for (;;) {
    const tasks = await dl.run(describe(wharf, arns));
    hold.running = tasks.filter((task) => task.lastStatus === 'RUNNING').length;
    hold.stopped = tasks.filter((task) => task.lastStatus === 'STOPPED').length;
    hold.stoppedReasons = {};
    for (const task of tasks.filter((t) => t.lastStatus === 'STOPPED')) hold.stoppedReasons[task.stoppedReason] = (hold.stoppedReasons[task.stoppedReason] ?? 0) + 1;
    const elapsed = performance.now() - t0;
    if (hold.running + hold.stopped >= arns.length) {
      hold.ms = elapsed;
      break;
    }
    if (elapsed - lastReport >= 3_000) {
      lastReport = elapsed;
      const byStatus = {};
      for (const task of tasks) byStatus[task.lastStatus] = (byStatus[task.lastStatus] ?? 0) + 1;
      process.stderr.write(`  ${Math.round(elapsed / 1000)} s: ${hold.running}/${TASKS} RUNNING ${JSON.stringify(byStatus)}\n`);
    }
    try {
      dl.check();
    } catch (error) {
      hold.ms = elapsed;
      throw error;
    }
    await sleep(500);
  }
  hold.wharfCpu = cpuSeconds(wharf.child.pid) - cpuBefore.wharf;
  hold.dockerdCpu = dockerd ? cpuSeconds(dockerd) - cpuBefore.dockerd : NaN;
  process.stderr.write(`  ${Math.round(hold.ms / 1000)} s: ${hold.running}/${TASKS} RUNNING\n`);
  // Read with whatever runs, even short of the full count: the table says how many.
  results.memory = { ...memoryOf(wharf.child.pid), running: hold.running };
  if (Object.keys(hold.failures).length > 0) throw new StepFailed(`RunTask placed ${hold.placed} of ${TASKS} tasks; failures: ${JSON.stringify(hold.failures)}`);
  if (hold.stopped > 0) throw new StepFailed(`${hold.stopped} of ${TASKS} tasks stopped instead of running: ${JSON.stringify(hold.stoppedReasons)}`);
}

async function measureDescribe(dl, wharf, arns) {
  await dl.run(describe(wharf, arns)); // untimed: warms the connection
  for (let i = 0; i < SAMPLES; i++) {
    dl.check();
    const t0 = performance.now();
    await dl.run(describe(wharf, arns));
    results.describe.push(performance.now() - t0);
  }
}

/** Kills Wharf as a crash would and starts it again on the same port and data directory; returns the new one. */
async function restart(dl, wharf, arns) {
  wharf.child.kill('SIGKILL');
  await dl.run(wharf.exited);
  wharf.ecs.destroy();
  const again = await dl.run(startWharf(dl, { label: 'latency', env: WHARF_ENV, restartOf: wharf }));
  results.restart = { firstAnswerMs: again.firstAnswerMs, describedMs: NaN, running: 0 };
  const t0 = performance.now();
  for (;;) {
    dl.check();
    const tasks = await dl.run(describe(again, arns));
    results.restart.running = tasks.filter((task) => task.lastStatus === 'RUNNING').length;
    if (results.restart.running === arns.length) break;
    await sleep(50);
  }
  results.restart.describedMs = again.firstAnswerMs + (performance.now() - t0);
  return again;
}

// ---------------------------------------------------------------- cleanup

const cleanUp = (wharf, floorIds) => cleanUpRun(wharf, floorIds, results.notes, STEP.reset);

// ------------------------------------------------------------------ report

function row(cells, widths) {
  return cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
}

function report() {
  const floor50 = percentile(results.floor, 50);
  const wharf50 = percentile(results.latency, 50);
  const ratio = results.floor.length && results.latency.length ? `${(wharf50 / floor50).toFixed(2)}x` : '-';
  const hold = results.hold;
  const widths = [40, 30, 12];
  const lines = [
    ['measure', 'value(s)', 'target'],
    ['docker run -d p50/p99 ms (the floor)', pair(results.floor, SAMPLES), '-'],
    ['RunTask -> RUNNING p50/p99 ms', pair(results.latency, SAMPLES), '-'],
    ['ratio p50 Wharf / p50 floor', ratio, `<= ${TARGET.ratio}x`],
    [`${TASKS} tasks: all RUNNING after s`, hold && Number.isFinite(hold.ms) ? `${(hold.ms / 1000).toFixed(1)}${hold.running < TASKS ? ` (${hold.running}/${TASKS} RUNNING)` : ''}` : '-', '-'],
    [`${TASKS} tasks: Wharf RSS MB`, results.memory ? `${results.memory.rss.toFixed(0)} (peak ${results.memory.hwm.toFixed(0)})${results.memory.running < TASKS ? ` with ${results.memory.running} RUNNING` : ''}` : '-', `< ${TARGET.rssMB}`],
    [`DescribeTasks(${TASKS}) p50/p99 ms`, pair(results.describe, SAMPLES), '-'],
    [`restart (kill -9) with ${TASKS}: first answer ms`, results.restart ? ms(results.restart.firstAnswerMs) : '-', `< ${TARGET.restartMs}`],
    [`restart: all ${TASKS} described RUNNING ms`, results.restart && Number.isFinite(results.restart.describedMs) ? ms(results.restart.describedMs) : results.restart ? `- (${results.restart.running}/${TASKS})` : '-', '-'],
  ];
  console.log(`\nTask latency: wharf-test/busybox:latest (local, no pull) running 'sleep 100000'; ${SAMPLES} samples each after one untimed warm-up, docker run and RunTask in turn, one task at a time (each stopped before the next), DescribeTasks polled every ${POLL_MS} ms; p99 is nearest-rank\n`);
  for (const line of lines) console.log(row(line, widths));

  if (results.breakdown.length > 0) {
    const median = (key) => ms(percentile(results.breakdown.map((parts) => parts[key]), 50));
    console.log(`\nWhere RunTask -> RUNNING goes (p50 of each part, ms, from the task's own timestamps):`);
    console.log(`  RunTask call returns                         ${median('call')}`);
    console.log(`  createdAt -> pullStartedAt (sandbox: pause)  ${median('sandbox')}`);
    console.log(`  pullStartedAt -> pullStoppedAt (image)       ${median('pull')}`);
    console.log(`  pullStoppedAt -> startedAt (app container)   ${median('start')}`);
    console.log(`  startedAt -> seen RUNNING by the poll        ${median('seen')}`);
    console.log(`  (RunTask sent -> createdAt                   ${median('clock')})`);
  }
  const extra = [];
  if (results.warmups.floor !== undefined) extra.push(`warm-ups (untimed): docker run ${ms(results.warmups.floor)} ms${results.warmups.wharf !== undefined ? `, first task ${ms(results.warmups.wharf)} ms` : ''}`);
  if (hold) {
    if (hold.requestsMs !== undefined) extra.push(`${Math.ceil(TASKS / 10)} RunTask calls (count 10) took ${ms(hold.requestsMs)} ms`);
    if (Number.isFinite(hold.wharfCpu)) extra.push(`CPU while starting ${TASKS} tasks: Wharf ${hold.wharfCpu.toFixed(1)} s${Number.isFinite(hold.dockerdCpu) ? `, dockerd ${hold.dockerdCpu.toFixed(1)} s` : ''}`);
    if (Object.keys(hold.failures).length > 0) extra.push(`RunTask placement failures: ${JSON.stringify(hold.failures)} (placed ${hold.placed}/${TASKS})`);
    if (hold.stopped > 0) extra.push(`stopped instead of running: ${JSON.stringify(hold.stoppedReasons)}`);
  }
  extra.push(...results.notes);
  if (extra.length) console.log(`\n${extra.map((line) => `- ${line}`).join('\n')}`);
  if (results.failed.length) console.log(`\nINCOMPLETE: ${results.failed.join('; ')}`);
}

// ------------------------------------------------------------------- main

async function main() {
  let wharf;
  const floorIds = new Set();
  try {
    const setup = deadline('start-up', STEP.start);
    await setup.run(ensureTestImage());
    wharf = await setup.run(startWharf(setup, { label: 'latency', env: WHARF_ENV }));
    await setup.run(wharf.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER })));
    await setup.run(
      wharf.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: FAMILY, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
          // busybox sleep as PID 1 ignores SIGTERM: a short stopTimeout keeps the clean-up between steps quick.
          containerDefinitions: [{ name: 'app', image: 'wharf-test/busybox:latest', essential: true, command: ['sleep', '100000'], stopTimeout: 2 }],
        }),
      ),
    );

    process.stderr.write(`docker run -d and RunTask -> RUNNING in turn, ${SAMPLES} times each (each task stopped before the next)...\n`);
    await measureLatency(deadline('docker run -d / RunTask -> RUNNING', STEP.latency), wharf, floorIds);

    process.stderr.write(`starting ${TASKS} tasks (RunTask count 10)...\n`);
    const held = [];
    await hold(deadline(`${TASKS} tasks RUNNING`, STEP.hold), wharf, held);

    process.stderr.write(`DescribeTasks over ${TASKS} tasks, ${SAMPLES} times...\n`);
    await measureDescribe(deadline(`DescribeTasks(${TASKS})`, STEP.describe), wharf, held);

    process.stderr.write(`kill -9 Wharf and start it again with ${TASKS} tasks to re-adopt...\n`);
    wharf = await restart(deadline('restart', STEP.restart), wharf, held);
  } catch (error) {
    results.failed.push(error instanceof StepFailed ? error.message : (error?.stack ?? String(error)));
    if (wharf && !(error instanceof StepFailed)) process.stderr.write(`Wharf output (tail):\n${wharf.output.slice(-4000)}\n`);
  } finally {
    await cleanUp(wharf, floorIds).catch((error) => results.notes.push(`clean-up failed: ${error.stack ?? error}`));
    if (wharf?.warnings) results.notes.push(`Wharf logged ${wharf.warnings} warning(s)/error(s); the first: ${wharf.firstWarning}`);
  }
  report();
  return results.failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
