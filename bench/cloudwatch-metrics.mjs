// CloudWatch metrics: GetMetricData latency over a week of per-minute data for
// 100 tasks (the target: p99 under 50 ms).
//
// 1. Load: PutMetricData (SDK v3, AWS JSON 1.0) of one CPU figure per minute for
//    each of BENCH_METRIC_TASKS (default 100) task series over the last 7 days,
//    1,000 data points a call, so 1,008,000 points for 100 tasks.
// 2. Reads, each repeated BENCH_METRIC_CALLS times (default 200), p50 and p99:
//    - one task's week at a 1-hour period (168 datapoints);
//    - one task's last day at a 1-minute period (1,440 datapoints);
//    - a metric math AVG over 10 tasks' last day at 5 minutes (10 series read);
//    - one task's week at a 1-hour period with the p99 statistic: the simple
//      statistics above come from summaries kept at write time, a percentile
//      needs every minute's values, so this row shows what those cost.
// 3. The metric store's rows and bytes afterwards (what a week costs on disk).
// Needs dist/ (npm run build). Wharf's data directory is removed at the end.
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { Agent } from 'node:http';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cleanUp, deadline, KEY, ms, percentile, positiveInt, startWharf } from './lib/harness.mjs';

const TASKS = positiveInt('BENCH_METRIC_TASKS', 100);
const CALLS = positiveInt('BENCH_METRIC_CALLS', 200);
const MINUTES = 7 * 24 * 60;
const NAMESPACE = 'Bench/Tasks';
const TARGET = { p99Ms: 50 };
const notes = [];

const dimensionsOf = (task) => [
  { Name: 'ClusterName', Value: 'bench' },
  { Name: 'TaskId', Value: `task-${String(task).padStart(3, '0')}` },
];

/** A deterministic CPU figure for task t at minute m: a daily wave plus per-task offset. */
const cpuAt = (task, minute) => 30 + 20 * Math.sin((minute / 1440) * 2 * Math.PI + task) + (task % 7);

async function load(cw, now) {
  const dl = deadline('load', 900_000);
  const start = now - MINUTES * 60_000;
  const t0 = performance.now();
  let batch = [];
  let sent = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await dl.run(cw.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: batch })));
    sent += batch.length;
    batch = [];
    if (sent % 100_000 === 0) process.stderr.write(`  loaded ${sent.toLocaleString()} of ${(TASKS * MINUTES).toLocaleString()} points\n`);
  };
  for (let minute = 0; minute < MINUTES; minute++) {
    for (let task = 0; task < TASKS; task++) {
      batch.push({ MetricName: 'CpuUtilized', Dimensions: dimensionsOf(task), Timestamp: new Date(start + minute * 60_000), Value: cpuAt(task, minute), Unit: 'Percent' });
      if (batch.length === 1000) await flush();
    }
  }
  await flush();
  return { points: sent, seconds: (performance.now() - t0) / 1000 };
}

async function timed(label, send) {
  const samples = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await send(i);
    samples.push(performance.now() - t0);
  }
  return { label, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const stat = (task, period, statistic = 'Average') => ({ Metric: { Namespace: NAMESPACE, MetricName: 'CpuUtilized', Dimensions: dimensionsOf(task) }, Period: period, Stat: statistic });

async function main() {
  let wharf;
  try {
    wharf = await startWharf(deadline('start', 60_000), { label: 'metrics' });
    const cw = new CloudWatchClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: KEY, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 4 }) } });
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    process.stderr.write(`loading a week of per-minute data for ${TASKS} tasks...\n`);
    const loaded = await load(cw, now);
    const week = { StartTime: new Date(now - MINUTES * 60_000), EndTime: new Date(now) };
    const day = { StartTime: new Date(now - 1440 * 60_000), EndTime: new Date(now) };
    const reads = [];
    reads.push(await timed("one task's week, 1 h period (168 points)", (i) => cw.send(new GetMetricDataCommand({ ...week, MetricDataQueries: [{ Id: 'm', MetricStat: stat(i % TASKS, 3600) }] }))));
    reads.push(await timed("one task's day, 1 min period (1,440 points)", (i) => cw.send(new GetMetricDataCommand({ ...day, MetricDataQueries: [{ Id: 'm', MetricStat: stat(i % TASKS, 60) }] }))));
    reads.push(
      await timed('AVG of 10 tasks over a day, 5 min period', (i) =>
        cw.send(
          new GetMetricDataCommand({
            ...day,
            MetricDataQueries: [
              ...Array.from({ length: 10 }, (_, k) => ({ Id: `m${k}`, MetricStat: stat((i + k) % TASKS, 300), ReturnData: false })),
              { Id: 'avg', Expression: `AVG([${Array.from({ length: 10 }, (_, k) => `m${k}`).join(',')}])` },
            ],
          }),
        ),
      ),
    );
    const percentileRead = await timed("one task's week, 1 h period, p99 statistic", (i) => cw.send(new GetMetricDataCommand({ ...week, MetricDataQueries: [{ Id: 'm', MetricStat: stat(i % TASKS, 3600, 'p99') }] })));
    let bytes = 0;
    for (const name of ['metrics.db', 'metrics.db-wal']) {
      try {
        bytes += statSync(join(wharf.dataDir, name)).size;
      } catch {
        // no such file
      }
    }
    const rows = [
      ['measure', 'value', 'target'],
      [`load: ${loaded.points.toLocaleString()} points through PutMetricData`, `${Math.round(loaded.points / loaded.seconds).toLocaleString()} points/s`, '-'],
      ...reads.flatMap((r) => [
        [`GetMetricData ${r.label} p50`, `${ms(r.p50)} ms`, '-'],
        [`GetMetricData ${r.label} p99`, `${ms(r.p99)} ms`, `< ${TARGET.p99Ms} ms ${r.p99 < TARGET.p99Ms ? 'met' : 'NOT MET'}`],
      ]),
      [`GetMetricData ${percentileRead.label} p50`, `${ms(percentileRead.p50)} ms`, '-'],
      [`GetMetricData ${percentileRead.label} p99`, `${ms(percentileRead.p99)} ms`, '-'],
      ['metrics.db on disk after the load', `${(bytes / 1024 / 1024).toFixed(1)} MiB`, '-'],
    ];
    console.log(`\nCloudWatch metrics: ${TASKS} task series x ${MINUTES.toLocaleString()} minutes, one Wharf, SQLite metric store, ${CALLS} calls per read\n`);
    for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd([60, 20, 16][i])).join('  '));
    cw.destroy();
  } finally {
    await cleanUp(wharf, new Set(), notes, 60_000);
    for (const note of notes) console.log(`- ${note}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
