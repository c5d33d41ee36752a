import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetricAggregate, MetricPoint, MetricQuery, MetricStore } from '../ports/metric-store.js';

/**
 * The behaviour every MetricStore implementation must show (SQLite and
 * PostgreSQL), as runLogStoreContract does for the log store.
 */
export function runMetricStoreContract(options: { name?: string; newStore: () => Promise<MetricStore> }): void {
  const { newStore } = options;
  const east = { account: '123456789012', region: 'us-east-1' };
  const west = { account: '123456789012', region: 'us-west-2' };
  const other = { account: '210987654321', region: 'us-east-1' };
  const SECOND = 1000;
  const MINUTE = 60 * SECOND;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;
  // An hour-aligned instant, so every resolution's buckets line up with it.
  const T0 = Date.UTC(2026, 2, 1, 10);
  const cluster = [{ name: 'ClusterName', value: 'c1' }];
  const key = { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: cluster };

  const point = (timestamp: number, values: number[] | { value: number; count: number }[], extra: Partial<MetricPoint> = {}): MetricPoint => ({
    ...key,
    timestamp,
    unit: 'Percent',
    storageResolution: 60,
    values: values.map((v) => (typeof v === 'number' ? { value: v, count: 1 } : v)),
    ...extra,
  });
  const query = (startTime: number, endTime: number, period: number, extra: Partial<MetricQuery> = {}): MetricQuery => ({ ...key, startTime, endTime, period, ...extra });
  /** The exact statistics of each answer, without the distribution. */
  const totals = (answers: readonly MetricAggregate[]) => answers.map(({ timestamp, unit, sampleCount, sum, minimum, maximum }) => ({ timestamp, unit, sampleCount, sum, minimum, maximum }));

  describe(`MetricStore contract: ${options.name ?? 'store'}`, () => {
    test('values with counts and statistic sets fold into per-period aggregates', async () => {
      const store = await newStore();
      await store.put(east, [
        point(T0 + 5 * SECOND, [10, 20]),
        point(T0 + 50 * SECOND, [{ value: 30, count: 2 }, { value: 10, count: 1 }]),
        point(T0 + MINUTE + 1, [5]),
      ]);
      const answers = await store.query(east, query(T0, T0 + 2 * MINUTE, 60));
      assert.deepEqual(answers, [
        { timestamp: T0, unit: 'Percent', sampleCount: 5, sum: 100, minimum: 10, maximum: 30, distribution: [{ value: 10, count: 2 }, { value: 20, count: 1 }, { value: 30, count: 2 }] },
        { timestamp: T0 + MINUTE, unit: 'Percent', sampleCount: 1, sum: 5, minimum: 5, maximum: 5, distribution: [{ value: 5, count: 1 }] },
      ]);
      // A statistic set in the same period: the exact statistics add up, the distribution is gone.
      await store.put(east, [{ ...key, timestamp: T0 + 30 * SECOND, unit: 'Percent', storageResolution: 60, statistics: { sampleCount: 4, sum: 8, minimum: 1, maximum: 3 } }]);
      const mixed = await store.query(east, query(T0, T0 + 2 * MINUTE, 60));
      assert.deepEqual(mixed[0], { timestamp: T0, unit: 'Percent', sampleCount: 9, sum: 108, minimum: 1, maximum: 30 });
      assert.ok(mixed[1]!.distribution, 'the next period, values only, keeps its distribution');
      // Mixed in at a coarser period too.
      const hour = await store.query(east, query(T0, T0 + HOUR, 3600));
      assert.deepEqual(hour, [{ timestamp: T0, unit: 'Percent', sampleCount: 10, sum: 113, minimum: 1, maximum: 30 }]);
      await store.close();
    });

    test('a metric is its exact dimension set, in any order', async () => {
      const store = await newStore();
      const two = [{ name: 'ServiceName', value: 'web' }, { name: 'ClusterName', value: 'c1' }];
      await store.put(east, [point(T0, [1], { dimensions: two }), point(T0, [100], { dimensions: cluster }), point(T0, [1000], { dimensions: [] })]);
      const reversed = [...two].reverse();
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + MINUTE, 60, { dimensions: reversed }))).map((a) => a.sum), [1]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + MINUTE, 60, { dimensions: cluster }))).map((a) => a.sum), [100]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + MINUTE, 60, { dimensions: [] }))).map((a) => a.sum), [1000]);
      assert.deepEqual(await store.query(east, query(T0, T0 + MINUTE, 60, { dimensions: [{ name: 'ServiceName', value: 'web' }] })), []);
      assert.deepEqual(await store.query(east, query(T0, T0 + MINUTE, 60, { metricName: 'MemoryUtilization' })), []);
      await store.close();
    });

    test('high-resolution points answer 1 s periods; standard ones only periods of 60 s and more', async () => {
      const store = await newStore();
      const high = (offset: number, value: number) => point(T0 + offset, [value], { storageResolution: 1 });
      await store.put(east, [high(0, 1), high(400, 2), high(1 * SECOND, 3), high(59 * SECOND, 4), high(61 * SECOND, 5)]);
      await store.put(east, [point(T0 + 2 * MINUTE, [50]), point(T0 + 7 * MINUTE, [70])]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + HOUR, 1))).map((a) => [a.timestamp - T0, a.sum]), [[0, 3], [1000, 3], [59_000, 4], [61_000, 5]]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + HOUR, 30))).map((a) => [a.timestamp - T0, a.sum]), [[0, 6], [30_000, 4], [60_000, 5]]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + HOUR, 60))).map((a) => [a.timestamp - T0, a.sum, a.sampleCount]), [[0, 10, 4], [60_000, 5, 1], [120_000, 50, 1], [420_000, 70, 1]]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + HOUR, 300))).map((a) => [a.timestamp - T0, a.sum]), [[0, 65], [300_000, 70]]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + HOUR, 3600))).map((a) => [a.timestamp - T0, a.sum, a.minimum, a.maximum]), [[0, 135, 1, 70]]);
      // The range is [start, end): a point at the end is out, one at the start is in.
      assert.deepEqual(totals(await store.query(east, query(T0 + MINUTE, T0 + 2 * MINUTE, 60))).map((a) => a.sum), [5]);
      await store.close();
    });

    test('units are kept apart', async () => {
      const store = await newStore();
      await store.put(east, [point(T0, [1]), point(T0, [1000], { unit: 'Count' }), point(T0 + 1, [2])]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + MINUTE, 60))).map((a) => [a.unit, a.sum]), [['Count', 1000], ['Percent', 3]]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + MINUTE, 60, { unit: 'Count' }))).map((a) => [a.unit, a.sum]), [['Count', 1000]]);
      assert.deepEqual(await store.query(east, query(T0, T0 + MINUTE, 60, { unit: 'Bytes' })), []);
      const listed = await store.listMetrics(east, { limit: 10 });
      assert.equal(listed.length, 1, 'one metric, whatever its units');
      await store.close();
    });

    test('listMetrics filters by namespace, name, dimensions and recent activity, in a stable order with paging', async () => {
      const store = await newStore();
      await store.put(east, [
        point(T0, [1], { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: [{ name: 'ClusterName', value: 'c1' }, { name: 'ServiceName', value: 'web' }] }),
        point(T0, [1], { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: [{ name: 'ClusterName', value: 'c1' }] }),
        point(T0, [1], { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: [{ name: 'ClusterName', value: 'c2' }] }),
        point(T0 - 5 * HOUR, [1], { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: [{ name: 'LoadBalancer', value: 'app/lb/1' }] }),
        point(T0, [1], { namespace: 'Custom', metricName: 'Orders', dimensions: [] }),
      ]);
      const names = (metrics: { namespace: string; metricName: string; dimensions: readonly { name: string; value: string }[] }[]) =>
        metrics.map((m) => `${m.namespace} ${m.metricName} ${m.dimensions.map((d) => `${d.name}=${d.value}`).join(',')}`);
      const all = await store.listMetrics(east, { limit: 100 });
      assert.deepEqual(names(all), [
        'AWS/ApplicationELB RequestCount LoadBalancer=app/lb/1',
        // Within a name, by the canonical dimension text: stable, if not alphabetical by length.
        'AWS/ECS CPUUtilization ClusterName=c1,ServiceName=web',
        'AWS/ECS CPUUtilization ClusterName=c1',
        'AWS/ECS MemoryUtilization ClusterName=c2',
        'Custom Orders ',
      ]);
      assert.deepEqual(names(await store.listMetrics(east, { namespace: 'AWS/ECS', limit: 100 })), names(all).slice(1, 4));
      assert.deepEqual(names(await store.listMetrics(east, { metricName: 'CPUUtilization', limit: 100 })), names(all).slice(1, 3));
      assert.deepEqual(names(await store.listMetrics(east, { dimensions: [{ name: 'ServiceName', value: 'web' }], limit: 100 })), [names(all)[1]]);
      assert.deepEqual(names(await store.listMetrics(east, { dimensions: [{ name: 'ClusterName' }], limit: 100 })), names(all).slice(1, 4));
      assert.deepEqual(names(await store.listMetrics(east, { dimensions: [{ name: 'ClusterName', value: 'c2' }], limit: 100 })), [names(all)[3]]);
      assert.deepEqual(names(await store.listMetrics(east, { dimensions: [{ name: 'ClusterName' }, { name: 'ServiceName' }], limit: 100 })), [names(all)[1]]);
      assert.deepEqual(names(await store.listMetrics(east, { activeSince: T0 - 3 * HOUR, limit: 100 })), names(all).slice(1));
      // A newer point makes an old metric active again.
      await store.put(east, [point(T0 + 1, [1], { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: [{ name: 'LoadBalancer', value: 'app/lb/1' }] })]);
      assert.equal((await store.listMetrics(east, { activeSince: T0 - 3 * HOUR, limit: 100 })).length, 5);

      const paged: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const got = await store.listMetrics(east, { limit: 2, ...(after ? { after } : {}) });
        paged.push(...names(got));
        if (got.length < 2) break;
        after = got[got.length - 1]!.cursor;
      }
      assert.deepEqual(paged, names(all));
      // Paging with a filter skips what does not match.
      const first = await store.listMetrics(east, { dimensions: [{ name: 'ClusterName' }], limit: 1 });
      const second = await store.listMetrics(east, { dimensions: [{ name: 'ClusterName' }], limit: 5, after: first[0]!.cursor });
      assert.deepEqual(names([...first, ...second]), names(all).slice(1, 4));
      await store.close();
    });

    test('scopes are kept apart', async () => {
      const store = await newStore();
      await store.put(east, [point(T0, [1])]);
      await store.put(west, [point(T0, [20])]);
      await store.put(other, [point(T0, [300])]);
      for (const [scope, sum] of [[east, 1], [west, 20], [other, 300]] as const) {
        assert.deepEqual(totals(await store.query(scope, query(T0, T0 + MINUTE, 60))).map((a) => a.sum), [sum]);
        assert.equal((await store.listMetrics(scope, { limit: 10 })).length, 1);
      }
      assert.deepEqual(await store.listMetrics({ account: '999999999999', region: 'us-east-1' }, { limit: 10 }), []);
      await store.close();
    });

    test('compact() rolls data up with age, keeps old answers and deletes past 455 days', async () => {
      const store = await newStore();
      const now = T0 + 500 * DAY;
      // Series of per-second and per-minute points at the ages each roll-up acts on.
      const ages = [
        { age: 4 * HOUR, resolution: 1 as const, spacing: 7 * SECOND, count: 40 },
        { age: 2 * HOUR, resolution: 1 as const, spacing: 7 * SECOND, count: 40 },
        { age: 20 * DAY, resolution: 60 as const, spacing: 1 * MINUTE, count: 30 },
        { age: 10 * DAY, resolution: 60 as const, spacing: 1 * MINUTE, count: 30 },
        { age: 100 * DAY, resolution: 60 as const, spacing: 2 * MINUTE, count: 90 },
        { age: 60 * DAY, resolution: 60 as const, spacing: 2 * MINUTE, count: 30 },
        { age: 460 * DAY, resolution: 60 as const, spacing: 1 * MINUTE, count: 10 },
      ];
      const windows = ages.map(({ age, resolution, spacing, count }) => {
        const start = Math.floor((now - age) / HOUR) * HOUR;
        const points = Array.from({ length: count }, (_, i) => point(start + i * spacing, [i % 7, 100 + i], { storageResolution: resolution }));
        // Each window covers its own points only (whole hours), none of its neighbours'.
        return { age, resolution, start, end: start + Math.ceil((count * spacing) / HOUR) * HOUR, points };
      });
      for (const window of windows) await store.put(east, window.points);
      const before = await Promise.all(windows.map((w) => store.query(east, query(w.start, w.end, 3600))));
      const rowsBefore = (await store.stats()).rows;

      await store.compact(now);

      for (const [i, window] of windows.entries()) {
        const after = await store.query(east, query(window.start, window.end, 3600));
        if (window.age > 455 * DAY) {
          assert.deepEqual(after, [], 'data past 455 days is deleted');
          continue;
        }
        assert.deepEqual(totals(after), totals(before[i]!), `hourly answers ${window.age / HOUR} h ago are unchanged`);
        assert.deepEqual(after.map((a) => a.distribution), before[i]!.map((a) => a.distribution), 'values-only buckets keep their distributions');
      }
      const at = (index: number, period: number) => store.query(east, query(windows[index]!.start, windows[index]!.end, period));
      assert.deepEqual(await at(0, 1), [], '1 s data older than 3 h is now per minute');
      assert.equal((await at(0, 60)).length > 0, true);
      assert.equal((await at(1, 1)).length, 40, '1 s data younger than 3 h stays');
      assert.deepEqual(await at(2, 60), [], '1 min data older than 15 days is now per 5 minutes');
      assert.deepEqual(totals(await at(2, 300)).reduce((sum, a) => sum + a.sampleCount, 0), 60);
      assert.equal((await at(3, 60)).length, 30, '1 min data younger than 15 days stays');
      assert.deepEqual(await at(4, 300), [], '5 min data older than 63 days is now hourly');
      assert.equal((await at(5, 300)).length > 0, true, '5 min data younger than 63 days stays');
      assert.ok((await store.stats()).rows < rowsBefore, 'compaction leaves fewer rows');

      // Compacting again changes nothing, and a metric left without data is no longer listed.
      await store.compact(now);
      assert.deepEqual(totals(await at(4, 3600)), totals(before[4]!));
      await store.put(east, [point(now - 460 * DAY, [1], { metricName: 'Ancient' })]);
      await store.compact(now);
      assert.deepEqual((await store.listMetrics(east, { metricName: 'Ancient', limit: 10 })), []);

      // Puts while a pass runs are kept, even into a metric the pass empties.
      await store.put(east, [point(now - 460 * DAY, [1], { metricName: 'Ancient' })]);
      const pass = store.compact(now);
      await store.put(east, [point(now - MINUTE, [42], { metricName: 'Ancient' })]);
      await pass;
      assert.deepEqual(totals(await store.query(east, query(now - HOUR, now, 3600, { metricName: 'Ancient' }))).map((a) => a.sum), [42]);
      assert.equal((await store.listMetrics(east, { metricName: 'Ancient', limit: 10 })).length, 1);
      await store.close();
    });

    test('asked without distributions, a query answers the same exact statistics, before and after compaction', async () => {
      const store = await newStore();
      const now = T0 + 100 * DAY;
      const from = now - 70 * DAY;
      // Whole numbers, so sums are exact whatever order they are added in; written out of order, in three batches.
      const points: MetricPoint[] = [];
      for (let i = 0; from + i * 7 * MINUTE < now; i++) {
        const at = from + i * 7 * MINUTE + (i % 5) * SECOND;
        points.push(i % 11 === 0 ? { ...key, timestamp: at, unit: 'Percent', storageResolution: 60, statistics: { sampleCount: 3, sum: 30, minimum: 2, maximum: 20 } } : point(at, [{ value: i % 13, count: 1 }, { value: i % 17, count: 2 }]));
      }
      for (let i = 0; i < 400; i++) points.push(point(now - 2 * HOUR + i * 7 * SECOND, [i % 19], { storageResolution: 1 }));
      for (const part of [0, 1, 2]) await store.put(east, points.filter((_, i) => i % 3 === (part + 1) % 3));
      const ranges = [
        [now - 70 * DAY, now],
        [now - 3 * DAY + 7 * MINUTE, now - 13 * MINUTE],
        [now - 3 * HOUR, now - 30 * SECOND],
        [now - 64 * DAY, now - 62 * DAY + 5 * MINUTE],
      ] as const;
      const periods = [1, 30, 60, 120, 300, 900, 3600, 7200, 86_400];
      const compare = async (when: string) => {
        for (const [start, end] of ranges) {
          for (const period of periods) {
            if ((end - start) / (period * SECOND) > 20_000) continue;
            // Periods start at the query's start, as every caller aligns them.
            const startTime = Math.floor(start / (period * SECOND)) * period * SECOND;
            const full = await store.query(east, query(startTime, end, period));
            const summary = await store.query(east, query(startTime, end, period, { withDistribution: false }));
            assert.deepEqual(summary, totals(full), `${when}: ${period} s over [${(start - now) / MINUTE}, ${(end - now) / MINUTE}) min`);
          }
        }
        // Unaligned starts too (GetMetricStatistics-style callers align; the store must not rely on it).
        const start = now - 3 * DAY + 7 * MINUTE;
        assert.deepEqual(await store.query(east, query(start, now, 3600, { withDistribution: false })), totals(await store.query(east, query(start, now, 3600))));
      };
      await compare('before compaction');
      const hourly = await store.query(east, query(now - 70 * DAY, now, 3600, { withDistribution: false }));
      await store.compact(now);
      await compare('after compaction');
      assert.deepEqual(await store.query(east, query(now - 70 * DAY, now, 3600, { withDistribution: false })), hourly, 'hourly answers are unchanged by compaction');
      // Past the last retention, both kinds of answer are gone.
      await store.compact(now + 455 * DAY);
      assert.deepEqual(await store.query(east, query(now - 70 * DAY, now, 3600, { withDistribution: false })), []);
      await store.close();
    });

    test('many values in one bucket keep a bounded, approximate distribution with exact statistics', async () => {
      const store = await newStore();
      const values = Array.from({ length: 5000 }, (_, i) => ({ value: 1 + i * 0.37, count: 1 }));
      await store.put(east, [point(T0, values)]);
      const [answer] = await store.query(east, query(T0, T0 + MINUTE, 60));
      assert.equal(answer!.sampleCount, 5000);
      assert.equal(answer!.minimum, 1);
      assert.equal(answer!.maximum, 1 + 4999 * 0.37);
      assert.ok(Math.abs(answer!.sum - values.reduce((s, v) => s + v.value, 0)) < 1e-6);
      assert.ok(answer!.distribution!.length <= 200, `bounded: ${answer!.distribution!.length} entries`);
      assert.equal(answer!.distribution!.reduce((s, e) => s + e.count, 0), 5000);
      // The median of the histogram is within a few percent of the true one.
      let seen = 0;
      const median = answer!.distribution!.find((e) => (seen += e.count) >= 2500)!.value;
      assert.ok(Math.abs(median - (1 + 2499 * 0.37)) / (1 + 2499 * 0.37) < 0.05, `median ${median}`);
      await store.close();
    });

    test('stats count rows; wipe empties the store', async () => {
      const store = await newStore();
      await store.put(east, [point(T0, [1]), point(T0 + MINUTE, [2])]);
      const stats = await store.stats();
      assert.equal(stats.rows, 2);
      assert.ok(stats.bytes > 0);
      await store.wipe();
      assert.deepEqual(await store.query(east, query(T0, T0 + HOUR, 60)), []);
      assert.deepEqual(await store.listMetrics(east, { limit: 10 }), []);
      assert.equal((await store.stats()).rows, 0);
      await store.put(east, [point(T0, [3])]);
      assert.deepEqual(totals(await store.query(east, query(T0, T0 + HOUR, 60))).map((a) => a.sum), [3]);
      await store.close();
    });

    // Speed is the benchmark's; this checks the answers at the size the design is for (20 days of minutes for 5 series).
    test('20 days of per-minute data for 5 series, compacted, answer every series exactly', async () => {
      const store = await newStore();
      const start = Date.UTC(2026, 2, 1);
      const days = 20;
      const minutes = days * 24 * 60;
      const series = 5;
      const dimensionsOf = (s: number) => [{ name: 'ServiceName', value: `svc-${s}` }];
      for (let day = 0; day < days; day++) {
        const points: MetricPoint[] = [];
        for (let s = 0; s < series; s++) {
          for (let m = day * 1440; m < (day + 1) * 1440; m++) {
            points.push({ namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: dimensionsOf(s), timestamp: start + m * MINUTE, unit: 'Percent', storageResolution: 60, values: [{ value: (m % 100) + s, count: 1 }] });
          }
        }
        await store.put(east, points);
      }
      assert.equal((await store.stats()).rows, series * minutes);
      const expected = (s: number) => {
        let sum = 0;
        for (let m = 0; m < minutes; m++) sum += (m % 100) + s;
        return sum;
      };
      const total = async (s: number) =>
        (await store.query(east, { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: dimensionsOf(s), startTime: start, endTime: start + minutes * MINUTE, period: 86_400 })).reduce((sum, a) => sum + a.sum, 0);
      assert.equal(await total(3), expected(3));
      await store.compact(start + minutes * MINUTE);
      // The 5 days older than 15 are now 5-minute rows: 15/20 + 5/20/5 of the rows are left.
      assert.equal((await store.stats()).rows, series * minutes * (15 / 20 + 5 / 20 / 5));
      for (const s of [0, 3, 4]) assert.equal(await total(s), expected(s));
      await store.close();
    });
  });
}
