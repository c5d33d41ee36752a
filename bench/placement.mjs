// Benchmark: placement time with 50 hosts and 5,000 tasks (target under 5 ms a task).
// The pure placement step RunTask, StartTask and the service scheduler share
// (planPlacement in dist/domain/placement/reserve.js): it turns the container
// instance records into placement candidates (candidateOf: attributes, what is
// left after the reservations, the groups held) and places the tasks
// (placeTasks). Both are timed, since a real placement pays both; the store
// reads before it (the snapshot, pruning the reservations of stopped tasks)
// are not part of it.
//
// The cluster: 50 ACTIVE container instances of 4 sizes over 3 availability
// zones (ecs.availability-zone, ecs.instance-type, ecs.cpu-architecture, a
// custom `stack` attribute, one attribute without a value), already holding
// 5,000 tasks in 5 groups, spread unevenly (seeded, so every run holds the same).
// New tasks of the group `service:api` (256 CPU units, 512 MiB; 30 of its tasks
// are already there, one per instance on 30 of them) are placed one call at a
// time, 1 task a call and 10 a call, under each strategy and constraint set.
// Every call places onto the same 5,000-task snapshot (as concurrent RunTasks
// each read it), handed over as the store hands records over: a JSON.parse of
// the stored documents of its own for each call (not timed; the objects' shape
// is what the conversion's cost depends on). The placed tasks are not kept.
// Every task must be placed, or
// the run fails. BENCH_PLACEMENT_REPS (default 200) calls per row, after 20
// not measured; ms per task is a call's time divided by its tasks.
// Needs dist/ (npm run build, or npx tsc -p .).
import { performance } from 'node:perf_hooks';
import { taskKey } from '../dist/domain/placement/container-instance.js';
import { checkPlacement } from '../dist/domain/placement/placement-inputs.js';
import { isPlaced } from '../dist/domain/placement/place-tasks.js';
import { planPlacement } from '../dist/domain/placement/reserve.js';
import { seededRandom } from '../dist/domain/seeded-random.js';
import { interrupt, percentile, positiveInt } from './lib/harness.mjs';
import { machineLoad, printTable } from './lib/ecs-api.mjs';

const REPS = positiveInt('BENCH_PLACEMENT_REPS', 200);
const WARM_UP = 20;
const HOSTS = 50;
const TASKS = 5_000;
const TARGET_MS = 5;
const BATCH_SIZES = [1, 10];

const SCOPE = { account: '123456789012', region: 'us-east-1' };
const CLUSTER = 'bench';
const WHERE = { ...SCOPE, clusterName: CLUSTER, clusterArn: `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:cluster/${CLUSTER}` };
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const SIZES = [
  { type: 'm5.8xlarge', cpu: 32_768, memory: 131_072, arch: 'x86_64' },
  { type: 'm5.16xlarge', cpu: 65_536, memory: 262_144, arch: 'x86_64' },
  { type: 'r6g.8xlarge', cpu: 32_768, memory: 262_144, arch: 'arm64' },
  { type: 'c5.9xlarge', cpu: 36_864, memory: 73_728, arch: 'x86_64' },
];
/** The groups already placed (5,000 tasks in all) and what each of their tasks reserves. */
const HELD = [
  { group: 'service:web', count: 2_000, cpu: 256, memory: 512 },
  { group: 'service:worker', count: 1_500, cpu: 128, memory: 256 },
  { group: 'service:batch', count: 1_000, cpu: 64, memory: 384 },
  { group: 'family:cron', count: 470, cpu: 64, memory: 128 },
];
const NEW_GROUP = 'service:api';
const NEW_TASK = { cpu: 256, memory: 512, group: NEW_GROUP };
/** Instances 0..29 already hold one service:api task each (a distinctInstance service of 30). */
const NEW_GROUP_HELD = 30;

/** Each row: a label and the RunTask input's placementStrategy and placementConstraints (checked as RunTask checks them). */
const ZONE_EXPRESSION = 'attribute:ecs.availability-zone in [us-east-1a, us-east-1b]';
const BINPACK = { type: 'binpack', field: 'memory' };
const SPREAD_ZONE = { type: 'spread', field: 'attribute:ecs.availability-zone' };
const ROWS = [
  ['binpack memory', { placementStrategy: [BINPACK] }],
  ['spread zone, then binpack memory', { placementStrategy: [SPREAD_ZONE, BINPACK] }],
  ['random', { placementStrategy: [{ type: 'random' }] }],
  ['distinctInstance; binpack memory', { placementStrategy: [BINPACK], placementConstraints: [{ type: 'distinctInstance' }] }],
  [`memberOf ${ZONE_EXPRESSION}; binpack memory`, { placementStrategy: [BINPACK], placementConstraints: [{ type: 'memberOf', expression: ZONE_EXPRESSION }] }],
  ['memberOf (as above) + distinctInstance; spread zone, then binpack memory', { placementStrategy: [SPREAD_ZONE, BINPACK], placementConstraints: [{ type: 'memberOf', expression: ZONE_EXPRESSION }, { type: 'distinctInstance' }] }],
];

// ---------------------------------------------------------------- the cluster

const hex = (n, width) => n.toString(16).padStart(width, '0');

/** 50 container instance records holding 5,000 tasks' reservations, as the store keeps them (JSON documents). */
function buildInstances() {
  const draw = seededRandom(20_240_501);
  const instances = Array.from({ length: HOSTS }, (_, i) => {
    const size = SIZES[i % SIZES.length];
    return {
      containerInstanceId: `${hex(0xbe9c0000 + i, 8)}${hex(i * 7919, 24)}`,
      status: 'ACTIVE',
      implicit: false,
      registeredResources: { cpu: size.cpu, memory: size.memory },
      attributes: [
        { name: 'ecs.availability-zone', value: ZONES[i % ZONES.length] },
        { name: 'ecs.instance-type', value: size.type },
        { name: 'ecs.os-type', value: 'linux' },
        { name: 'ecs.cpu-architecture', value: size.arch },
        { name: 'stack', value: i % 5 === 0 ? 'staging' : 'prod' },
        { name: 'com.amazonaws.ecs.capability.docker-remote-api.1.44' },
      ],
      registeredAt: Date.UTC(2024, 4, 1) + i * 60_000,
      reservations: {},
      used: { cpu: 0, memory: 0 },
    };
  });
  let taskNumber = 0;
  const hold = (instance, reservation) => {
    const id = `${CLUSTER}/${hex(0xa11ce000 + taskNumber, 8)}${hex(taskNumber * 104_729, 24)}`;
    taskNumber += 1;
    instance.reservations[taskKey(SCOPE, id)] = reservation;
    instance.used.cpu += reservation.cpu;
    instance.used.memory += reservation.memory;
  };
  for (let i = 0; i < NEW_GROUP_HELD; i++) hold(instances[i], { ...NEW_TASK });
  // Uneven: an instance is drawn with a weight of its own (1 to 4), moving on when it is full.
  const weights = instances.map(() => 1 + Math.floor(draw() * 4));
  const total = weights.reduce((sum, w) => sum + w, 0);
  for (const { group, count, cpu, memory } of HELD) {
    for (let n = 0; n < count; n++) {
      let pick = draw() * total;
      let index = 0;
      while (pick >= weights[index]) pick -= weights[index++];
      for (let tries = 0; ; tries++) {
        if (tries === HOSTS) throw new Error('the held tasks do not fit the instances');
        const candidate = instances[(index + tries) % HOSTS];
        if (candidate.used.cpu + cpu <= candidate.registeredResources.cpu && candidate.used.memory + memory <= candidate.registeredResources.memory) {
          hold(candidate, { cpu, memory, group });
          break;
        }
      }
    }
  }
  if (taskNumber !== TASKS) throw new Error(`built ${taskNumber} tasks, not ${TASKS}`);
  const counts = instances.map((instance) => Object.keys(instance.reservations).length);
  // The records as the store keeps them: without the bookkeeping above.
  return { stored: instances.map(({ used: _used, ...record }) => JSON.stringify(record)), fewest: Math.min(...counts), most: Math.max(...counts) };
}

// ---------------------------------------------------------------- measuring

let calls = 0;

/** One placement call of `size` new tasks on the stored records, read afresh: ms it took (every task must be placed). */
function placeOnce(stored, rules, size, seed) {
  const instances = stored.map((doc) => JSON.parse(doc));
  const tasks = Array.from({ length: size }, (_, n) => ({ key: taskKey(SCOPE, `${CLUSTER}/new${hex(calls, 10)}${hex(n, 4)}`), demand: NEW_TASK }));
  const where = { ...WHERE, random: seededRandom(seed) };
  const t0 = performance.now();
  const plan = planPlacement(tasks, instances, rules, where);
  const elapsed = performance.now() - t0;
  calls += 1;
  const failed = plan.outcomes.find((outcome) => !isPlaced(outcome));
  if (failed) throw new Error(`a task was not placed: ${JSON.stringify(failed)}`);
  return elapsed;
}

/** Between calls, not timed: lets a Ctrl-C (harness.mjs's interrupt) stop the run. */
async function yieldToSignals() {
  await new Promise((resolve) => setImmediate(resolve));
  if (interrupt.signal.aborted) throw interrupt.signal.reason;
}

async function measure(stored, rules, size) {
  for (let i = 0; i < WARM_UP; i++) placeOnce(stored, rules, size, i);
  const perTask = [];
  for (let i = 0; i < REPS; i++) {
    perTask.push(placeOnce(stored, rules, size, WARM_UP + i) / size);
    await yieldToSignals();
  }
  return { p50: percentile(perTask, 50), p99: percentile(perTask, 99) };
}

const ms = (value) => (value >= 10 ? value.toFixed(1) : value.toFixed(3));

async function main() {
  const { stored, fewest, most } = buildInstances();
  const loadAtStart = machineLoad();
  const rows = [];
  for (const [label, input] of ROWS) {
    // Checked as RunTask checks its input (not timed): the rules placement gets.
    const rules = checkPlacement(input, undefined, false);
    for (const size of BATCH_SIZES) {
      process.stderr.write(`placing ${size} task${size === 1 ? '' : 's'} a call: ${label}...\n`);
      const { p50, p99 } = await measure(stored, rules, size);
      rows.push([size === 1 ? label : '', size, ms(p50), ms(p99), p99 < TARGET_MS ? 'ok' : 'over']);
    }
  }
  console.log(`\nPlacement time with ${HOSTS} hosts and ${TASKS.toLocaleString('en-US')} tasks (target under ${TARGET_MS} ms a task): planPlacement, instance records to candidates and placement, timed together`);
  console.log(`${HOSTS} ACTIVE instances in ${ZONES.length} zones, ${SIZES.length} sizes, holding ${fewest} to ${most} tasks each in ${HELD.length + 1} groups; new tasks of ${NEW_GROUP} (${NEW_TASK.cpu} CPU units, ${NEW_TASK.memory} MiB; ${NEW_GROUP_HELD} already placed)`);
  console.log(`${REPS} calls per row after ${WARM_UP} not measured, each on the same snapshot parsed afresh (not timed); ms per task = a call's time / its tasks; ok/over on p99; Node ${process.version}`);
  console.log(`load at start: ${loadAtStart}`);
  console.log(`load at end:   ${machineLoad()}\n`);
  printTable(rows, ['strategy and constraints', 'tasks a call', 'ms/task p50', 'ms/task p99', `p99 < ${TARGET_MS} ms`]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
