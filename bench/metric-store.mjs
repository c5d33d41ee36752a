// The metric store at the size it is designed for: BENCH_METRIC_SERIES series
// (default 300) with a point a minute for BENCH_METRIC_DAYS days (default 30),
// as the task samplers publish them, written in PutMetricData-sized batches.
// Then, with that stored: GetMetricStatistics-shaped queries of one series
// (the last hour at 60 s, the last day at 300 s, the whole month at 3600 s),
// p50 of repeated calls; a ListMetrics page; one compaction pass (the first
// after a month rolls 15 days of minutes into 5-minute buckets) and the rows
// and bytes held before and after.
// Needs dist/ (npm run build). Runs the store in-process on a temporary file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ms, percentile, positiveInt, ROOT } from './lib/harness.mjs';

const SERIES = positiveInt('BENCH_METRIC_SERIES', 300);
const DAYS = positiveInt('BENCH_METRIC_DAYS', 30);
const MINUTE = 60_000;
const BATCH = 1000;
// Queries answer well inside an alarm evaluation or a console refresh.
const TARGET = { queryP50Ms: 20 };

async function main() {
  const { SqliteMetricStore } = await import(join(ROOT, 'dist', 'adapters', 'metric-store-sqlite', 'sqlite-metric-store.js'));
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-metrics-'));
  const store = new SqliteMetricStore(join(dir, 'metrics.db'));
  const scope = { account: '123456789012', region: 'us-east-1' };
  const minutes = DAYS * 1440;
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const start = end - minutes * MINUTE;
  const dimensions = (s) => [{ name: 'ClusterName', value: 'bench' }, { name: 'ServiceName', value: `service-${s}` }];
  try {
    process.stderr.write(`writing ${SERIES} series x ${minutes} minutes...\n`);
    const began = performance.now();
    let batch = [];
    for (let m = 0; m < minutes; m++) {
      for (let s = 0; s < SERIES; s++) {
        batch.push({ namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: dimensions(s), timestamp: start + m * MINUTE + 1000, unit: 'Percent', storageResolution: 60, values: [{ value: (m * 7 + s) % 100, count: 1 }] });
        if (batch.length === BATCH) {
          await store.put(scope, batch);
          batch = [];
        }
      }
    }
    if (batch.length) await store.put(scope, batch);
    const writeSeconds = (performance.now() - began) / 1000;
    const before = await store.stats();

    const timed = async (query, runs = 30) => {
      const times = [];
      let answers = 0;
      for (let i = 0; i < runs; i++) {
        const s = (i * 37) % SERIES;
        const t = performance.now();
        answers = (await store.query(scope, { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: dimensions(s), ...query })).length;
        times.push(performance.now() - t);
      }
      return { p50: percentile(times, 50), answers };
    };
    const hour = await timed({ startTime: end - 60 * MINUTE, endTime: end, period: 60 });
    const day = await timed({ startTime: end - 1440 * MINUTE, endTime: end, period: 300 });
    const month = await timed({ startTime: start, endTime: end, period: 3600 }, 10);
    const listTimes = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await store.listMetrics(scope, { namespace: 'AWS/ECS', dimensions: [{ name: 'ServiceName' }], limit: 500 });
      listTimes.push(performance.now() - t);
    }
    const compactBegan = performance.now();
    await store.compact(end);
    const compactSeconds = (performance.now() - compactBegan) / 1000;
    const after = await store.stats();
    const monthAfter = await timed({ startTime: start, endTime: end, period: 3600 }, 10);

    const points = SERIES * minutes;
    const rows = [
      ['measure', 'value', 'target'],
      [`put ${points} points (batches of ${BATCH}), points/s`, `${Math.round(points / writeSeconds)} (${writeSeconds.toFixed(1)} s)`, '-'],
      ['one series, last hour at 60 s, p50 ms', `${ms(hour.p50)} (${hour.answers} periods)`, `< ${TARGET.queryP50Ms}`],
      ['one series, last day at 300 s, p50 ms', `${ms(day.p50)} (${day.answers} periods)`, `< ${TARGET.queryP50Ms}`],
      [`one series, ${DAYS} days at 3600 s, p50 ms`, `${ms(month.p50)} (${month.answers} periods)`, '-'],
      [`  the same after compaction, p50 ms`, `${ms(monthAfter.p50)} (${monthAfter.answers} periods)`, '-'],
      [`ListMetrics of ${SERIES} metrics, p50 ms`, ms(percentile(listTimes, 50)), '-'],
      ['first compaction pass, s', compactSeconds.toFixed(1), '-'],
      ['rows / MB before compaction', `${before.rows} / ${(before.bytes / 1e6).toFixed(0)}`, '-'],
      ['rows / MB after compaction', `${after.rows} / ${(after.bytes / 1e6).toFixed(0)}`, '-'],
    ];
    console.log(`\nmetric store: ${SERIES} series, a point a minute for ${DAYS} days, SQLite (WAL) on ${tmpdir()}\n`);
    for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd([52, 28, 10][i])).join('  '));
    const slow = hour.p50 > TARGET.queryP50Ms || day.p50 > TARGET.queryP50Ms;
    if (slow) console.log('- a query p50 is over its target');
    return 0;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
