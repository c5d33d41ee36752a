import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { MetricPoint } from '../../ports/metric-store.js';
import { runMetricStoreContract } from '../metric-store.contract.js';
import { testDatabasesDroppedAfter } from '../postgres/test-database.js';
import { PostgresMetricStore } from './postgres-metric-store.js';

const freshDatabase = testDatabasesDroppedAfter();

runMetricStoreContract({ name: 'postgres', newStore: async () => PostgresMetricStore.open({ url: (await freshDatabase()).url, poolSize: 4 }) });

const scope = { account: '123456789012', region: 'us-east-1' };
const T0 = Date.UTC(2026, 2, 1);
const MINUTE = 60_000;
const point = (timestamp: number, value: number, extra: Partial<MetricPoint> = {}): MetricPoint =>
  ({ namespace: 'N', metricName: 'M', dimensions: [], timestamp, unit: 'Count', storageResolution: 60, values: [{ value, count: 1 }], ...extra });

test('postgres metric store keeps its data across a close and reopen', async () => {
  const { url } = await freshDatabase();
  const first = await PostgresMetricStore.open({ url });
  await first.put(scope, [{ namespace: 'N', metricName: 'M', dimensions: [], timestamp: T0, unit: 'Count', storageResolution: 60, values: [{ value: 2, count: 3 }] }]);
  await first.close();
  await first.close();
  const second = await PostgresMetricStore.open({ url });
  const [answer] = await second.query(scope, { namespace: 'N', metricName: 'M', dimensions: [], startTime: T0, endTime: T0 + 60_000, period: 60 });
  assert.deepEqual(answer, { timestamp: T0, unit: 'Count', sampleCount: 3, sum: 6, minimum: 2, maximum: 2, distribution: [{ value: 2, count: 3 }] });
  await second.close();
});

test('postgres metric store: a query can read one primary-key range per resolution', async () => {
  const { url } = await freshDatabase();
  const store = await PostgresMetricStore.open({ url });
  await store.put(scope, [point(T0, 1)]);
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The table is tiny, so the planner would rather scan it: ask what it does when it cannot.
    await client.query('SET enable_seqscan = off');
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      'EXPLAIN SELECT start, count FROM metric_buckets WHERE sid = ANY($1::bigint[]) AND resolution = ANY($2::int[]) AND start >= $3 AND start < $4 ORDER BY sid, resolution, start',
      [[1], [60, 300], 0, 1]);
    assert.match(plan.rows.map((row) => row['QUERY PLAN']).join('\n'), /Index Scan using metric_buckets_pkey/);
  } finally {
    await client.end();
  }
});

test('postgres metric store: two stores on one database (two processes) see each other and lose no update', async () => {
  const { url } = await freshDatabase();
  const [a, b] = await Promise.all([PostgresMetricStore.open({ url }), PostgresMetricStore.open({ url })]);
  // Both write into the same buckets at once, many times over: every value must count once.
  const rounds = 25;
  const writer = (store: PostgresMetricStore, base: number) => (async () => {
    for (let i = 0; i < rounds; i++) {
      await store.put(scope, [
        point(T0 + (i % 3) * MINUTE, base + i),
        point(T0 + (i % 3) * MINUTE, base + i, { metricName: 'Other', dimensions: [{ name: 'D', value: 'x' }] }),
        point(T0 + i * 1000, 1, { storageResolution: 1 }),
      ]);
    }
  })();
  await Promise.all([writer(a, 0), writer(b, 1000)]);
  const expectedSum = 2 * (rounds * (rounds - 1)) / 2 + 1000 * rounds + 2 * rounds;
  for (const reader of [a, b]) {
    const answers = await reader.query(scope, { namespace: 'N', metricName: 'M', dimensions: [], startTime: T0, endTime: T0 + 3 * MINUTE, period: 180, withDistribution: false });
    assert.deepEqual(answers.map((x) => [x.sampleCount, x.sum]), [[4 * rounds, expectedSum]]);
    const full = await reader.query(scope, { namespace: 'N', metricName: 'M', dimensions: [], startTime: T0, endTime: T0 + 3 * MINUTE, period: 60 });
    assert.equal(full.reduce((n, x) => n + x.distribution!.reduce((m, e) => m + e.count, 0), 0), 4 * rounds, 'distributions hold every value');
    assert.equal((await reader.listMetrics(scope, { limit: 10 })).length, 2);
  }
  // Compaction in one process while the other keeps writing: nothing is lost either.
  const now = T0 + 20 * 24 * 60 * MINUTE;
  const old = Array.from({ length: 300 }, (_, i) => point(T0 + i * MINUTE, 1, { metricName: 'Aged' }));
  await a.put(scope, old);
  await Promise.all([
    a.compact(now),
    (async () => {
      for (let i = 0; i < 20; i++) await b.put(scope, [point(T0 + (i % 300) * MINUTE, 1, { metricName: 'Aged' })]);
    })(),
  ]);
  const aged = await b.query(scope, { namespace: 'N', metricName: 'Aged', dimensions: [], startTime: T0, endTime: T0 + 300 * MINUTE, period: 3600, withDistribution: false });
  assert.equal(aged.reduce((n, x) => n + x.sampleCount, 0), 320);
  await Promise.all([a.close(), b.close()]);
});
