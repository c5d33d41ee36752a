import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runMetricStoreContract } from '../metric-store.contract.js';
import { SqliteMetricStore } from './sqlite-metric-store.js';

runMetricStoreContract({ name: 'sqlite (memory)', newStore: async () => new SqliteMetricStore(':memory:') });

const scope = { account: '123456789012', region: 'us-east-1' };
const T0 = Date.UTC(2026, 2, 1);

test('sqlite metric store: a private file that keeps its data across a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-metrics-'));
  try {
    const file = join(dir, 'data', 'metrics.db');
    const first = new SqliteMetricStore(file);
    await first.put(scope, [{ namespace: 'N', metricName: 'M', dimensions: [], timestamp: T0, unit: 'Count', storageResolution: 60, values: [{ value: 2, count: 3 }] }]);
    await first.close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const second = new SqliteMetricStore(file);
    const [answer] = await second.query(scope, { namespace: 'N', metricName: 'M', dimensions: [], startTime: T0, endTime: T0 + 60_000, period: 60 });
    assert.deepEqual(answer, { timestamp: T0, unit: 'Count', sampleCount: 3, sum: 6, minimum: 2, maximum: 2, distribution: [{ value: 2, count: 3 }] });
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite metric store: a query reads one primary-key range per resolution', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-metrics-'));
  try {
    const file = join(dir, 'metrics.db');
    const store = new SqliteMetricStore(file);
    await store.put(scope, [{ namespace: 'N', metricName: 'M', dimensions: [], timestamp: T0, unit: 'Count', storageResolution: 60, values: [{ value: 1, count: 1 }] }]);
    await store.close();
    const db = new Database(file, { readonly: true });
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT start, count, sum, min, max, kind, dist FROM metric_buckets WHERE sid = ? AND resolution = ? AND start >= ? AND start < ? ORDER BY start').all(1, 60, 0, 1) as { detail: string }[];
    db.close();
    assert.equal(plan.length, 1, JSON.stringify(plan));
    assert.match(plan[0]!.detail, /SEARCH metric_buckets USING PRIMARY KEY \(sid=\? AND resolution=\? AND start>\? AND start<\?\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite metric store: a database from before the write-time summaries gets them built on open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-metrics-'));
  try {
    const file = join(dir, 'metrics.db');
    const first = new SqliteMetricStore(file);
    const points = Array.from({ length: 500 }, (_, i) => ({ namespace: 'N', metricName: 'M', dimensions: [], timestamp: T0 + i * 61_000, unit: 'Count', storageResolution: (i % 4 === 0 ? 1 : 60) as 1 | 60, values: [{ value: i % 9, count: 1 + (i % 3) }] }));
    await first.put(scope, points);
    await first.close();
    // What schema 1 left: buckets only.
    const db = new Database(file);
    db.exec('DROP TABLE metric_rollups');
    db.pragma('user_version = 1');
    db.close();
    const second = new SqliteMetricStore(file);
    for (const period of [300, 3600, 86_400]) {
      const query = { namespace: 'N', metricName: 'M', dimensions: [], startTime: T0, endTime: T0 + 500 * 61_000, period };
      const full = (await second.query(scope, query)).map(({ distribution: _, ...rest }) => rest);
      assert.deepEqual(await second.query(scope, { ...query, withDistribution: false }), full, `period ${period}`);
    }
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
