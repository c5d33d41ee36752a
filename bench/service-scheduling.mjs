// Benchmark: how quickly the service scheduler repairs a service and rolls one out.
//   1. a killed service task -> its replacement RUNNING: a Fargate service of 3
//      tasks (awsvpc, cpu 256 / memory 512); BENCH_KILLS (default 5) times,
//      `docker kill` the app container of the task that has run longest, timed
//      from spawning the docker CLI until ListTasks(serviceName) + DescribeTasks
//      (polled every 20 ms) first show a task of the service that was not there
//      before the kill as RUNNING (target: under 2 s). Before each kill the
//      service is steady and every task has run past the health wait, so the
//      kill is a crash of a healthy task, never a failed launch (those would
//      earn the service ECS's launch back-off). A `docker run -d` is timed
//      before each kill, as the floor to read it against (the engine's speed
//      on this machine at that moment);
//   2. a 10-task rolling deployment without health checks: a service of 10 is
//      steady on revision 1; UpdateService to revision 2 (maximumPercent 200,
//      minimumHealthyPercent 100), timed until DescribeServices (polled every
//      50 ms) shows the service steady on revision 2: one deployment, rollout
//      COMPLETED, runningCount 10, taskDefinition revision 2 (target: under
//      15 s). A new task without health checks counts healthy 40 s after
//      RUNNING, as in ECS; Wharf runs with WHARF_TIME_SCALE (BENCH_TIME_SCALE,
//      default 20), which divides that wait (2 s at 20).
// Both run on one Wharf started with that time scale; on the path of 1 no ECS
// wait is scaled (only the launch back-off, which the set-up keeps out).
// The image is local (no pull); the containers run a shell that exits on
// SIGTERM, as a well-behaved service does (`trap 'exit 0' TERM; sleep 3600 &
// wait`; revision 2 sleeps 3601), so a replaced task stops as soon as it is told.
// Each step has a deadline: past it the table shows what was measured and the
// run exits non-zero. Whatever happens, Wharf's containers are removed
// (POST /_wharf/reset), Wharf is stopped and its data directory deleted.
// BENCH_ROLLOUTS (default 1) repeats 2 with a further revision each time.
// Needs dist/ (npm run build, or npx tsc -p .).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ensureTestImage } from '../dist/e2e/test-images.js';
import { cleanUp as cleanUpRun, deadline, execFileP, ms, percentile, positiveInt, sleep, StepFailed, startWharf } from './lib/harness.mjs';

const KILLS = positiveInt('BENCH_KILLS', 5);
const ROLLOUTS = positiveInt('BENCH_ROLLOUTS', 1);
const TIME_SCALE = positiveInt('BENCH_TIME_SCALE', 20);
const CLUSTER = 'bench-services';
const FAMILY = 'bench-service-sleep';
const REPAIR_SERVICE = 'bench-repair';
const REPAIR_COUNT = 3;
const ROLLING_SERVICE = 'bench-rolling';
const ROLLING_COUNT = 10;
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
const DEPLOYMENT = { maximumPercent: 200, minimumHealthyPercent: 100 };
const KILL_POLL_MS = 20;
const SERVICE_POLL_MS = 50;
const DESCRIBE_MAX = 100; // DescribeTasks takes at most 100 tasks per call
const HEALTH_WAIT_MS = 40_000 / TIME_SCALE; // a task without health checks counts healthy this long after RUNNING

const STEP = {
  start: 60_000, // image + Wharf up + cluster and task definition
  repair: 120_000 + KILLS * 30_000, // the service up, then per kill: steady again + the replacement
  drain: 60_000, // the first service deleted and its tasks stopped (stopTimeout 2 s)
  steady: 120_000, // 10 tasks up and past the health wait
  rollout: 120_000, // per rollout
  reset: 180_000,
};
const TARGET = { replaceMs: 2_000, rolloutS: 15 };
const WHARF_ENV = {
    WHARF_TIME_SCALE: String(TIME_SCALE),
    // Wharf places tasks by their memory, as Fargate reserves it: a rollout at maximumPercent 200 holds
    // 20 tasks of 512 MiB. The sleeping tasks use a few MB each, so the bench over-commits on purpose.
    WHARF_CAPACITY_MEMORY_MIB: '65536',
  };


// ---------------------------------------------------------------- plumbing

const seconds = (value) => (Number.isFinite(value) ? (value / 1000).toFixed(1) : '-');
const at = (date) => (date ? date.getTime() : NaN);
const maxOf = (values) => (values.length ? Math.max(...values) : NaN);
const minOf = (values) => (values.length ? Math.min(...values) : NaN);

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

/** The service's task ARNs with the given desired status (ListTasks pages through). */
async function listServiceTasks(wharf, serviceName, desiredStatus = 'RUNNING') {
  const arns = [];
  let nextToken;
  do {
    const page = await wharf.ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName, desiredStatus, ...(nextToken ? { nextToken } : {}) }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

async function serviceTasks(wharf, serviceName) {
  return describe(wharf, await listServiceTasks(wharf, serviceName));
}

async function describeService(wharf, serviceName) {
  const result = await wharf.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [serviceName] }));
  const service = result.services?.[0];
  if (!service) throw new StepFailed(`DescribeServices found no ${serviceName}: ${JSON.stringify(result.failures)}`);
  return service;
}

async function register(wharf, seconds) {
  const result = await wharf.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: FAMILY, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
      // An app that honours SIGTERM (busybox sleep as PID 1 would ignore it and wait out stopTimeout).
      containerDefinitions: [{ name: 'app', image: 'wharf-test/busybox:latest', essential: true, command: ['sh', '-c', `trap 'exit 0' TERM; sleep ${seconds} & wait`], stopTimeout: 2 }],
    }),
  );
  return result.taskDefinition.taskDefinitionArn;
}

async function createService(wharf, serviceName, taskDefinition, desiredCount) {
  await wharf.ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER, serviceName, taskDefinition, desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK, deploymentConfiguration: DEPLOYMENT,
    }),
  );
}

/** Steady as DescribeServices tells it: one deployment, its rollout COMPLETED, all desired tasks running, on `taskDefinition` if given. */
function isSteady(service, taskDefinition) {
  const [deployment, ...others] = service.deployments ?? [];
  return (
    deployment !== undefined &&
    others.length === 0 &&
    deployment.rolloutState === 'COMPLETED' &&
    service.runningCount === service.desiredCount &&
    (taskDefinition === undefined || service.taskDefinition === taskDefinition)
  );
}

function summary(service) {
  const deployments = (service.deployments ?? []).map((d) => `${d.status} ${d.taskDefinition?.split('/').pop()} ${d.rolloutState} run ${d.runningCount} pend ${d.pendingCount}`);
  return `running ${service.runningCount}/${service.desiredCount} pending ${service.pendingCount}; ${deployments.join(' | ')}`;
}

/** Polls DescribeServices until steady (and, if `healthy`, every task past the health wait); reports progress every 3 s. */
async function waitSteady(dl, wharf, serviceName, { taskDefinition, healthy = false, pollMs = SERVICE_POLL_MS, label } = {}) {
  const t0 = performance.now();
  let lastReport = 0;
  for (;;) {
    dl.check();
    const service = await dl.run(describeService(wharf, serviceName));
    if (isSteady(service, taskDefinition)) {
      if (!healthy) return { service, elapsed: performance.now() - t0 };
      const tasks = await dl.run(serviceTasks(wharf, serviceName));
      const now = Date.now();
      if (tasks.length === service.desiredCount && tasks.every((task) => task.lastStatus === 'RUNNING' && now - at(task.startedAt) > HEALTH_WAIT_MS + 250)) {
        return { service, tasks, elapsed: performance.now() - t0 };
      }
    }
    const elapsed = performance.now() - t0;
    if (label && elapsed - lastReport >= 3_000) {
      lastReport = elapsed;
      process.stderr.write(`  ${label} ${Math.round(elapsed / 1000)} s: ${summary(service)}\n`);
    }
    await sleep(pollMs);
  }
}

// ------------------------------------------------------------------ steps

const results = {
  floor: [], // docker run -d, one per kill, for scale
  replace: [],
  replaceAfterKill: [], // the same, from docker kill's return
  replaceParts: [], // per kill: the kill CLI, Wharf notices the exit, the scheduler creates the replacement, sandbox, image, app container, seen
  rollout: [],
  rolloutParts: [],
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

/** Kills the app container of the service's longest-running task and times the replacement. */
async function killOnce(dl, wharf, i, floorIds) {
  const floor = await dockerRunOnce(dl, floorIds);
  results.floor.push(floor);
  const { tasks } = await waitSteady(dl, wharf, REPAIR_SERVICE, { healthy: true });
  const victim = [...tasks].sort((a, b) => at(a.startedAt) - at(b.startedAt))[0];
  const containerId = victim.containers?.[0]?.runtimeId;
  if (!containerId) throw new StepFailed(`task ${victim.taskArn} has no containers[0].runtimeId`);
  const known = new Set(await dl.run(listServiceTasks(wharf, REPAIR_SERVICE)));

  const killedAt = Date.now();
  const t0 = performance.now();
  await dl.run(execFileP('docker', ['kill', containerId]));
  const killReturned = performance.now();
  let replacement;
  for (;;) {
    dl.check();
    const fresh = (await dl.run(listServiceTasks(wharf, REPAIR_SERVICE))).filter((arn) => !known.has(arn));
    if (fresh.length > 0) {
      const running = (await dl.run(describe(wharf, fresh))).find((task) => task.lastStatus === 'RUNNING');
      if (running) {
        replacement = running;
        break;
      }
    }
    await sleep(KILL_POLL_MS);
  }
  const elapsed = performance.now() - t0;
  const seenAt = Date.now();
  results.replace.push(elapsed);
  results.replaceAfterKill.push(elapsed - (killReturned - t0));

  // Untimed: the killed task's own record, for where the time went.
  let killed;
  for (;;) {
    dl.check();
    [killed] = await dl.run(describe(wharf, [victim.taskArn]));
    if (killed.lastStatus === 'STOPPED') break;
    await sleep(100);
  }
  const noticed = minOf([at(killed.stoppingAt), at(killed.executionStoppedAt), at(killed.stoppedAt)].filter(Number.isFinite));
  const parts = {
    kill: killReturned - t0,
    noticed: noticed - killedAt,
    react: at(replacement.createdAt) - noticed,
    sandbox: at(replacement.pullStartedAt) - at(replacement.createdAt),
    pull: at(replacement.pullStoppedAt) - at(replacement.pullStartedAt),
    start: at(replacement.startedAt) - at(replacement.pullStoppedAt),
    seen: seenAt - at(replacement.startedAt),
  };
  results.replaceParts.push(parts);
  process.stderr.write(
    `  ${i + 1}: docker run -d ${ms(floor)} ms; replacement RUNNING ${ms(elapsed)} ms after the kill (docker kill ${ms(parts.kill)}, exit noticed +${ms(parts.noticed)}, ` +
      `replacement created +${ms(parts.react)}, sandbox ${ms(parts.sandbox)}, image ${ms(parts.pull)}, app container ${ms(parts.start)}, seen +${ms(parts.seen)}); ` +
      `killed task: ${killed.stopCode} ${killed.stoppedReason ?? ''}\n`,
  );
}

async function measureRepair(dl, wharf, revision, floorIds) {
  await dl.run(createService(wharf, REPAIR_SERVICE, revision, REPAIR_COUNT));
  const up = await waitSteady(dl, wharf, REPAIR_SERVICE, { healthy: true, label: `${REPAIR_SERVICE}:` });
  process.stderr.write(`  ${REPAIR_COUNT} tasks RUNNING and past the ${ms(HEALTH_WAIT_MS)} ms health wait after ${seconds(up.elapsed)} s\n`);
  await dockerRunOnce(dl, floorIds); // untimed: the first run pays for cold caches
  for (let i = 0; i < KILLS; i++) await killOnce(dl, wharf, i, floorIds);
}

/** Deletes the repair service and waits for its tasks to stop, so they do not load the rollout. */
async function dropRepairService(dl, wharf) {
  await dl.run(wharf.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: REPAIR_SERVICE, force: true })));
  for (;;) {
    dl.check();
    const left = await dl.run(listServiceTasks(wharf, REPAIR_SERVICE));
    const tasks = left.length ? await dl.run(describe(wharf, left)) : [];
    if (tasks.every((task) => task.lastStatus === 'STOPPED')) return;
    await sleep(250);
  }
}

/** One UpdateService to `next`, timed until the service is steady on it. */
async function rolloutOnce(dl, wharf, previous, next, i) {
  const sentAt = Date.now();
  const t0 = performance.now();
  await dl.run(wharf.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: ROLLING_SERVICE, taskDefinition: next, deploymentConfiguration: DEPLOYMENT })));
  const answered = performance.now() - t0;
  const { elapsed } = await waitSteady(dl, wharf, ROLLING_SERVICE, { taskDefinition: next, label: `rollout ${i + 1}:` });
  const total = answered + elapsed;
  const seenAt = Date.now();
  results.rollout.push(total);

  // Untimed: the tasks' own timestamps, for where the time went.
  const all = await dl.run(describe(wharf, [...(await listServiceTasks(wharf, ROLLING_SERVICE)), ...(await listServiceTasks(wharf, ROLLING_SERVICE, 'STOPPED'))]));
  const fresh = all.filter((task) => task.taskDefinitionArn === next && task.createdAt >= new Date(sentAt - 1000));
  const old = all.filter((task) => task.taskDefinitionArn === previous && at(task.stoppedAt) >= sentAt);
  const parts = {
    call: answered,
    firstCreated: minOf(fresh.map((t) => at(t.createdAt))) - sentAt,
    lastCreated: maxOf(fresh.map((t) => at(t.createdAt))) - sentAt,
    allRunning: maxOf(fresh.map((t) => at(t.startedAt))) - sentAt,
    healthy: maxOf(fresh.map((t) => at(t.startedAt))) + HEALTH_WAIT_MS - sentAt,
    firstStopping: minOf(old.map((t) => at(t.stoppingAt)).filter(Number.isFinite)) - sentAt,
    lastStopped: maxOf(old.map((t) => at(t.stoppedAt))) - sentAt,
    seen: seenAt - sentAt,
    sandboxP50: percentile(fresh.map((t) => at(t.pullStartedAt) - at(t.createdAt)), 50),
    sandboxMax: maxOf(fresh.map((t) => at(t.pullStartedAt) - at(t.createdAt))),
    appP50: percentile(fresh.map((t) => at(t.startedAt) - at(t.pullStoppedAt)), 50),
    appMax: maxOf(fresh.map((t) => at(t.startedAt) - at(t.pullStoppedAt))),
    oldStopP50: percentile(old.map((t) => at(t.stoppedAt) - at(t.stoppingAt)), 50),
    oldStopMax: maxOf(old.map((t) => at(t.stoppedAt) - at(t.stoppingAt))),
    newTasks: fresh.length,
    oldStopped: old.length,
    oldStopCodes: [...new Set(old.map((t) => t.stopCode))].join(','),
  };
  results.rolloutParts.push(parts);
  process.stderr.write(
    `  rollout ${i + 1}: steady on ${next.split('/').pop()} after ${seconds(total)} s (new tasks created +${ms(parts.firstCreated)}..${ms(parts.lastCreated)} ms, ` +
      `all RUNNING +${ms(parts.allRunning)}, healthy +${ms(parts.healthy)}, old stopping from +${ms(parts.firstStopping)}, all old STOPPED +${ms(parts.lastStopped)}, seen +${ms(parts.seen)})\n`,
  );
}

async function measureRollout(dl, wharf, revision) {
  await dl.run(createService(wharf, ROLLING_SERVICE, revision, ROLLING_COUNT));
  const up = await waitSteady(deadline(`${ROLLING_COUNT} tasks steady`, STEP.steady), wharf, ROLLING_SERVICE, { taskDefinition: revision, healthy: true, label: `${ROLLING_SERVICE}:` });
  process.stderr.write(`  ${ROLLING_COUNT} tasks steady on revision 1 after ${seconds(up.elapsed)} s\n`);
  let previous = revision;
  for (let i = 0; i < ROLLOUTS; i++) {
    const step = deadline(`rolling deployment ${i + 1}`, STEP.rollout);
    const next = await step.run(register(wharf, 3601 + i));
    // Every task of the last revision past the health wait, so each rollout starts from the same place.
    if (i > 0) await waitSteady(step, wharf, ROLLING_SERVICE, { taskDefinition: previous, healthy: true });
    process.stderr.write(`UpdateService ${ROLLING_SERVICE} -> ${next.split('/').pop()} (maximumPercent 200, minimumHealthyPercent 100)...\n`);
    await rolloutOnce(step, wharf, previous, next, i);
    previous = next;
  }
}

// ---------------------------------------------------------------- cleanup

const cleanUp = (wharf, floorIds) => cleanUpRun(wharf, floorIds, results.notes, STEP.reset);

// ------------------------------------------------------------------ report

function row(cells, widths) {
  return cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
}

function report() {
  const widths = [62, 30, 12];
  const partial = (values, wanted) => (values.length < wanted ? ` (${values.length}/${wanted} samples)` : '');
  const replace = results.replace.length ? `${ms(percentile(results.replace, 50))} / ${ms(maxOf(results.replace))}${partial(results.replace, KILLS)}` : '-';
  const rollout = results.rollout.length
    ? `${ROLLOUTS > 1 ? `${seconds(percentile(results.rollout, 50))} / ${seconds(maxOf(results.rollout))} (p50/max)` : seconds(results.rollout[0])}${partial(results.rollout, ROLLOUTS)}`
    : '-';
  const lines = [
    ['measure', 'value(s)', 'target'],
    ['docker run -d p50/max ms (the floor, one per kill)', results.floor.length ? `${ms(percentile(results.floor, 50))} / ${ms(maxOf(results.floor))}` : '-', '-'],
    ['killed service task -> replacement RUNNING p50/max ms', replace, `< ${TARGET.replaceMs}`],
    [`10-task rolling deployment (no health checks, time scale ${TIME_SCALE}) s`, rollout, `< ${TARGET.rolloutS}`],
  ];
  console.log(
    `\nService scheduling: wharf-test/busybox:latest (local, no pull) running a shell that exits on SIGTERM, Fargate awsvpc, cpu 256 / memory 512; ` +
      `Wharf at WHARF_TIME_SCALE=${TIME_SCALE} (health wait ${ms(HEALTH_WAIT_MS)} ms); ${KILLS} kills of a ${REPAIR_COUNT}-task service, ListTasks + DescribeTasks polled every ${KILL_POLL_MS} ms; ` +
      `${ROLLOUTS} rollout(s) of a ${ROLLING_COUNT}-task service, maximumPercent 200 / minimumHealthyPercent 100, DescribeServices polled every ${SERVICE_POLL_MS} ms\n`,
  );
  for (const line of lines) console.log(row(line, widths));

  if (results.replaceParts.length > 0) {
    const median = (key) => ms(percentile(results.replaceParts.map((parts) => parts[key]), 50));
    console.log(`\nWhere kill -> replacement RUNNING goes (p50 of each part, ms; Wharf's timestamps against this host's clock):`);
    console.log(`  docker kill CLI returns                                ${median('kill')}`);
    console.log(`  (docker kill's return -> replacement RUNNING p50/max   ${ms(percentile(results.replaceAfterKill, 50))} / ${ms(maxOf(results.replaceAfterKill))})`);
    console.log(`  kill -> killed task stopping (Wharf sees the exit)     ${median('noticed')}`);
    console.log(`  -> replacement createdAt (the scheduler; < 0: created before stoppingAt was stamped)  ${median('react')}`);
    console.log(`  createdAt -> pullStartedAt (sandbox: pause)            ${median('sandbox')}`);
    console.log(`  pullStartedAt -> pullStoppedAt (image)                 ${median('pull')}`);
    console.log(`  pullStoppedAt -> startedAt (app container)             ${median('start')}`);
    console.log(`  startedAt -> seen RUNNING by the poll                  ${median('seen')}`);
  }
  if (results.rolloutParts.length > 0) {
    const median = (key) => ms(percentile(results.rolloutParts.map((parts) => parts[key]), 50));
    console.log(`\nWhere the rollout goes (p50, ms after UpdateService was sent; from the tasks' timestamps):`);
    console.log(`  UpdateService returns                                  ${median('call')}`);
    console.log(`  first / last new task created                          ${median('firstCreated')} / ${median('lastCreated')}`);
    console.log(`  all new tasks RUNNING                                  ${median('allRunning')}`);
    console.log(`  ... + the ${ms(HEALTH_WAIT_MS)} ms health wait: all new tasks healthy      ${median('healthy')}`);
    console.log(`  first old task stopping                                ${median('firstStopping')}`);
    console.log(`  all old tasks STOPPED                                  ${median('lastStopped')}`);
    console.log(`  steady on the new revision seen by the poll            ${median('seen')}`);
    const last = results.rolloutParts.at(-1);
    console.log(`  (last rollout: ${last.newTasks} new tasks, ${last.oldStopped} old stopped with ${last.oldStopCodes || '-'}; per new task p50/max: ` +
      `createdAt -> pullStartedAt (sandbox) ${ms(last.sandboxP50)} / ${ms(last.sandboxMax)}, pullStoppedAt -> startedAt (app container) ${ms(last.appP50)} / ${ms(last.appMax)}; ` +
      `per old task stoppingAt -> stoppedAt ${ms(last.oldStopP50)} / ${ms(last.oldStopMax)})`);
  }
  if (results.notes.length) console.log(`\n${results.notes.map((line) => `- ${line}`).join('\n')}`);
  if (results.failed.length) console.log(`\nINCOMPLETE: ${results.failed.join('; ')}`);
}

// ------------------------------------------------------------------- main

async function main() {
  let wharf;
  const floorIds = new Set();
  try {
    const setup = deadline('start-up', STEP.start);
    await setup.run(ensureTestImage());
    wharf = await setup.run(startWharf(setup, { label: 'services', env: WHARF_ENV }));
    await setup.run(wharf.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER })));
    const revision1 = await setup.run(register(wharf, 3600));

    process.stderr.write(`service of ${REPAIR_COUNT}; docker kill one task's container ${KILLS} times, each time until a replacement is RUNNING...\n`);
    await measureRepair(deadline('killed task -> replacement RUNNING', STEP.repair), wharf, revision1, floorIds);
    await dropRepairService(deadline(`deleting ${REPAIR_SERVICE}`, STEP.drain), wharf);

    process.stderr.write(`service of ${ROLLING_COUNT}; ${ROLLOUTS} rolling deployment(s)...\n`);
    await measureRollout(deadline(`${ROLLING_SERVICE} created`, STEP.steady + ROLLOUTS * STEP.rollout), wharf, revision1);
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
