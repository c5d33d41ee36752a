// The awslogs driver: how fast one chatty container's output reaches
// GetLogEvents, and how long a line takes from being written to being visible.
//
// 1. Throughput: a Fargate task runs `seq 1 N` (BENCH_LOG_LINES, default
//    1,000,000) as fast as busybox can print; timed from the task's startedAt
//    until GetLogEvents (newest event, polled every 50 ms) shows line N.
//    Lines per second = N / that time. (The container is done in well under
//    a second; the rest is Wharf reading docker's log and storing it.)
// 2. Reads with those events stored: GetLogEvents of the newest 100 and of
//    the oldest 100 (from the head), and a FilterLogEvents whose pattern
//    matches one line, p50 of repeated calls: the indexes keep them quick.
// 3. Delay: a task prints a line every 20 ms for 5 s; each event's CloudWatch
//    timestamp is when docker received the line, and GetLogEvents is polled
//    every 20 ms from the head: delay = first seen - timestamp (one host clock).
// Needs dist/ (npm run build). Wharf's containers and data directory are removed at the end.
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { performance } from 'node:perf_hooks';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { cleanUp, deadline, KEY, ms, percentile, positiveInt, sleep, startWharf } from './lib/harness.mjs';

const LINES = positiveInt('BENCH_LOG_LINES', 1_000_000);
const GROUP = '/bench/awslogs';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
// The issue asks for lines within a second of being written.
const TARGET = { delayP99Ms: 1_000 };
const notes = [];

async function runTask(wharf, family, command) {
  await wharf.ecs.send(
    new RegisterTaskDefinitionCommand({
      family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
      executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      containerDefinitions: [{
        name: 'app', image: 'wharf-test/busybox:latest', command: ['sh', '-c', command],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': family } },
      }],
    }),
  );
  const arn = (await wharf.ecs.send(new RunTaskCommand({ cluster: 'bench', taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK }))).tasks[0].taskArn;
  return { arn, stream: `${family}/app/${arn.split('/').pop()}` };
}

async function startedAt(wharf, arn, dl) {
  for (;;) {
    dl.check();
    const task = (await wharf.ecs.send(new DescribeTasksCommand({ cluster: 'bench', tasks: [arn] }))).tasks[0];
    if (task.startedAt) return task.startedAt.getTime();
    await sleep(20);
  }
}

async function throughput(wharf, logs) {
  const dl = deadline('throughput', 300_000);
  const { arn, stream } = await runTask(wharf, 'chatty', `seq 1 ${LINES}`);
  const started = await startedAt(wharf, arn, dl);
  for (;;) {
    dl.check();
    try {
      const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: false, limit: 1 }));
      if (events?.[0]?.message === String(LINES)) break;
    } catch (error) {
      if (error.name !== 'ResourceNotFoundException') throw error;
    }
    await sleep(50);
  }
  const seconds = (Date.now() - started) / 1000;
  return { linesPerSecond: LINES / seconds, seconds, stream };
}

async function timed(calls, send) {
  const samples = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await send();
    samples.push(performance.now() - t0);
  }
  return percentile(samples, 50);
}

async function reads(logs, stream) {
  const newest = await timed(20, () => logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: false, limit: 100 })));
  const oldest = await timed(20, () => logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, limit: 100 })));
  // As with CloudWatch, a search may answer pages without matches and a token to go on: follow them.
  const filter = await timed(5, async () => {
    let nextToken;
    do {
      const page = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: `"${LINES - 1}"`, ...(nextToken ? { nextToken } : {}) }));
      if (page.events?.some((event) => event.message === String(LINES - 1))) return;
      nextToken = page.nextToken;
    } while (nextToken);
    throw new Error('FilterLogEvents did not find the line');
  });
  return { newest, oldest, filter };
}

async function delay(wharf, logs) {
  const dl = deadline('delay', 120_000);
  const count = 250;
  const { stream } = await runTask(wharf, 'ticker', `i=0; while [ $i -lt ${count} ]; do i=$((i+1)); echo tick $i; usleep 20000; done`);
  const delays = [];
  let token;
  while (delays.length < count) {
    dl.check();
    try {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) }));
      const seen = Date.now();
      for (const event of page.events ?? []) delays.push(seen - event.timestamp);
      token = page.nextForwardToken;
    } catch (error) {
      if (error.name !== 'ResourceNotFoundException') throw error;
    }
    await sleep(20);
  }
  return delays;
}

async function main() {
  let wharf;
  const results = {};
  try {
    wharf = await startWharf(deadline('start', 60_000), { label: 'awslogs', env: {} });
    const logs = new CloudWatchLogsClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
    await wharf.ecs.send(new CreateClusterCommand({ clusterName: 'bench' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    process.stderr.write(`throughput: ${LINES} lines from one container...\n`);
    results.throughput = await throughput(wharf, logs);
    process.stderr.write('reads over the stored events...\n');
    results.reads = await reads(logs, results.throughput.stream);
    process.stderr.write('delay: a line every 20 ms for 5 s...\n');
    results.delays = await delay(wharf, logs);
  } catch (error) {
    notes.push(`INCOMPLETE: ${error.stack ?? error}`);
  } finally {
    await cleanUp(wharf, new Set(), notes, 180_000);
  }
  const rows = [
    ['measure', 'value', 'target'],
    [`one container -> GetLogEvents, lines/s (${LINES} lines)`, results.throughput ? `${Math.round(results.throughput.linesPerSecond)} (${results.throughput.seconds.toFixed(1)} s)` : '-', '-'],
    [`GetLogEvents newest / oldest 100 of ${LINES}, p50 ms`, results.reads ? `${ms(results.reads.newest)} / ${ms(results.reads.oldest)}` : '-', '-'],
    [`FilterLogEvents one line of ${LINES}, p50 ms`, results.reads ? ms(results.reads.filter) : '-', '-'],
    ['write -> visible in GetLogEvents p50/p99 ms', results.delays ? `${ms(percentile(results.delays, 50))} / ${ms(percentile(results.delays, 99))}` : '-', `p99 < ${TARGET.delayP99Ms}`],
  ];
  console.log(`\nawslogs: wharf-test/busybox:latest on Fargate awsvpc, one Wharf, SQLite log store\n`);
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd([52, 24, 14][i])).join('  '));
  for (const note of notes) console.log(`- ${note}`);
  return notes.some((note) => note.startsWith('INCOMPLETE')) ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
