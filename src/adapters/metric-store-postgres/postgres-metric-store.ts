import type pg from 'pg';
import type { ListedMetric, ListMetricsQuery, MetricAggregate, MetricPoint, MetricQuery, MetricStore } from '../../ports/metric-store.js';
import type { Scope } from '../../ports/store.js';
import {
  alignDown, byTimeThenUnit, emptyAggregate, foldBatch, foldBucket, periodStart, resolutionsFor, ROLL_UPS, rollUpBuckets, SECOND,
  storedDistribution, summaryFolder, summarySources, toAnswer, withStored, type Aggregate, type StoredBucket,
} from '../metric-store-sqlite/metric-aggregates.js';
import { canonicalDimensions, decodeCursor, encodeCursor, matchesFilters, parseDimensions } from '../metric-store-sqlite/metric-keys.js';
import { openMigratedPool, type PostgresOptions } from '../postgres/postgres-database.js';
import { inRetriedTransaction } from '../postgres/retried-transaction.js';
import { metricMigrations } from './migrations.js';

/** Rows moved per compaction transaction: big enough to keep round trips few, small enough not to hold a series long. */
const COMPACT_BATCH = 5000;
/** Series read per round trip while listing metrics (the dimension filters are applied here, not in SQL). */
const LIST_CHUNK = 500;

/** A bucket as read, its start cast to float8 so it arrives as a number (epoch milliseconds fit exactly). */
interface BucketRow extends StoredBucket {
  start: number;
}

interface SeriesKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dims: string;
  readonly unit: string;
}

const BUCKET_COLUMNS = 'start::float8 AS start, count, sum, min, max, kind, dist';

/**
 * CloudWatch metric storage on PostgreSQL, for several Wharf processes on one
 * database; the same tables, rules (metric-aggregates.ts) and answers as
 * SqliteMetricStore. A put is one transaction of four statements whatever its
 * size (rows go in and out as arrays); a query is two statements, its rows
 * read in one snapshot so a concurrent compaction never shows a bucket twice
 * or not at all.
 *
 * Writers serialise per series on the series' row (see migrations.ts) rather
 * than on SQLite's single writer; deadlocks between them are retried.
 */
export class PostgresMetricStore implements MetricStore {
  private closing: Promise<void> | undefined;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(options: PostgresOptions): Promise<PostgresMetricStore> {
    return new PostgresMetricStore(await openMigratedPool(options, 'metrics', metricMigrations));
  }

  async put(scope: Scope, points: readonly MetricPoint[]): Promise<void> {
    // Fold the batch first (series numbered locally): one read and one write per bucket touched.
    const keys: SeriesKey[] = [];
    const localIds = new Map<string, number>();
    const { buckets, rollups, latest } = foldBatch(points, (point) => {
      const key = { namespace: point.namespace, metricName: point.metricName, dims: canonicalDimensions(point.dimensions), unit: point.unit };
      const id = seriesText(key);
      let local = localIds.get(id);
      if (local === undefined) {
        local = keys.push(key) - 1;
        localIds.set(id, local);
      }
      return local;
    });
    if (keys.length === 0) return;
    // Series rows are locked in one order (by key) by every writer, so two puts do not deadlock on them.
    const order = keys.map((_, local) => local).sort((a, b) => compareText(seriesText(keys[a]!), seriesText(keys[b]!)));
    await inRetriedTransaction(this.pool, async (client) => {
      const { rows: series } = await client.query<{ sid: string; namespace: string; metric_name: string; dims: string; unit: string }>(
        `INSERT INTO metric_series AS s (account, region, namespace, metric_name, dims, unit, last_ts)
         SELECT $1::text, $2::text, k.namespace, k.metric_name, k.dims, k.unit, k.last_ts
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[]) WITH ORDINALITY AS k(namespace, metric_name, dims, unit, last_ts, n)
         ORDER BY k.n
         ON CONFLICT (account, region, namespace, metric_name, dims, unit) DO UPDATE SET last_ts = GREATEST(s.last_ts, excluded.last_ts)
         RETURNING sid, namespace, metric_name, dims, unit`,
        [scope.account, scope.region, ...columns(order.map((local) => keys[local]!), ['namespace', 'metricName', 'dims', 'unit']), order.map((local) => latest.get(local)!)]);
      const sidOfLocal = new Array<number>(keys.length);
      for (const row of series) sidOfLocal[localIds.get(seriesText({ namespace: row.namespace, metricName: row.metric_name, dims: row.dims, unit: row.unit }))!] = Number(row.sid);

      const sids = buckets.map((bucket) => sidOfLocal[bucket.sid]!);
      const resolutions = buckets.map((bucket) => bucket.resolution);
      const starts = buckets.map((bucket) => bucket.start);
      const { rows: stored } = await client.query<BucketRow & { sid: string; resolution: number }>(
        `SELECT b.sid, b.resolution, b.start::float8 AS start, b.count, b.sum, b.min, b.max, b.kind, b.dist
         FROM unnest($1::bigint[], $2::int[], $3::bigint[]) AS k(sid, resolution, start)
         JOIN metric_buckets b ON b.sid = k.sid AND b.resolution = k.resolution AND b.start = k.start`,
        [sids, resolutions, starts]);
      const storedByKey = new Map(stored.map((row) => [`${row.sid}/${row.resolution}/${row.start}`, row]));
      await saveBuckets(client, sids, resolutions, starts, buckets.map(({ aggregate }, i) => withStored(storedByKey.get(`${sids[i]}/${resolutions[i]}/${starts[i]}`), aggregate)));

      await client.query(
        `INSERT INTO metric_rollups AS r (sid, resolution, start, count, sum, min, max)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])
         ON CONFLICT (sid, resolution, start) DO UPDATE SET count = r.count + excluded.count, sum = r.sum + excluded.sum,
           min = LEAST(r.min, excluded.min), max = GREATEST(r.max, excluded.max)`,
        [rollups.map((rollup) => sidOfLocal[rollup.sid]!), ...columns(rollups, ['resolution', 'start', 'count', 'sum', 'min', 'max'])]);
    });
  }

  async query(scope: Scope, query: MetricQuery): Promise<MetricAggregate[]> {
    if (!(query.period > 0) || !(query.endTime > query.startTime)) return [];
    const params: unknown[] = [scope.account, scope.region, query.namespace, query.metricName, canonicalDimensions(query.dimensions)];
    const unitFilter = query.unit === undefined ? '' : ` AND unit = $${params.push(query.unit)}`;
    const { rows: series } = await this.pool.query<{ sid: string; unit: string }>(
      `SELECT sid, unit FROM metric_series WHERE account = $1 AND region = $2 AND namespace = $3 AND metric_name = $4 AND dims = $5${unitFilter} ORDER BY unit`,
      params);
    if (series.length === 0) return [];
    const sids = series.map((row) => row.sid);
    const resolutions = resolutionsFor(query);
    const answers: MetricAggregate[] = [];
    if (query.withDistribution === false) {
      const folders = new Map(series.map((row) => [row.sid, summaryFolder(query)]));
      for (const [sid, start, count, sum, min, max] of await this.summaryRows(sids, query, resolutions)) folders.get(sid)!.fold(start, count, sum, min, max);
      for (const { sid, unit } of series) {
        for (const [timestamp, aggregate] of folders.get(sid)!.periods) answers.push(toAnswer(timestamp, unit, aggregate));
      }
      return answers.sort(byTimeThenUnit);
    }
    const periods = new Map(series.map((row) => [row.sid, new Map<number, Aggregate>()]));
    // One statement, one snapshot, every resolution; rows as arrays: the hot loop of every query.
    const { rows } = await this.pool.query<[sid: string, start: number, count: number, sum: number, min: number, max: number, kind: number, dist: Buffer | null]>({
      text: `SELECT sid, ${BUCKET_COLUMNS} FROM metric_buckets WHERE sid = ANY($1::bigint[]) AND resolution = ANY($2::int[]) AND start >= $3 AND start < $4
             ORDER BY sid, resolution, start`,
      values: [sids, resolutions, query.startTime, query.endTime],
      rowMode: 'array',
    });
    for (const [sid, start, count, sum, min, max, kind, dist] of rows) {
      const ofSeries = periods.get(sid)!;
      const at = periodStart(query, start);
      let period = ofSeries.get(at);
      if (!period) {
        period = emptyAggregate(true);
        ofSeries.set(at, period);
      }
      foldBucket(period, count, sum, min, max, kind, dist);
    }
    for (const { sid, unit } of series) {
      for (const [timestamp, aggregate] of periods.get(sid)!) answers.push(toAnswer(timestamp, unit, aggregate));
    }
    return answers.sort(byTimeThenUnit);
  }

  /** The summary rows of a query without distributions (summarySources decides which), in one statement. */
  private async summaryRows(sids: readonly string[], query: MetricQuery, resolutions: readonly number[]): Promise<[string, number, number, number, number, number][]> {
    const { rollup, rollupEnd } = summarySources(query);
    const fromBuckets = `SELECT sid, 1 AS part, resolution, start::float8 AS start, count, sum, min, max FROM metric_buckets
      WHERE sid = ANY($1::bigint[]) AND resolution = ANY($2::int[]) AND start >= $3 AND start < $4`;
    const fromRollups = `SELECT sid, 0 AS part, resolution, start::float8 AS start, count, sum, min, max FROM metric_rollups
      WHERE sid = ANY($1::bigint[]) AND resolution = $6 AND start >= $5 AND start < $3`;
    const text = `SELECT sid, start, count, sum, min, max FROM (${rollup === undefined ? fromBuckets : `${fromRollups} UNION ALL ${fromBuckets}`}) AS summary
      ORDER BY sid, part, resolution, start`;
    const values = [sids, resolutions, rollupEnd, query.endTime, ...(rollup === undefined ? [] : [query.startTime, rollup])];
    return (await this.pool.query<[string, number, number, number, number, number]>({ text, values, rowMode: 'array' })).rows;
  }

  async listMetrics(scope: Scope, query: ListMetricsQuery): Promise<ListedMetric[]> {
    const listed: ListedMetric[] = [];
    if (query.limit <= 0) return listed;
    let position = query.after === undefined ? undefined : decodeCursor(query.after);
    for (;;) {
      const params: unknown[] = [scope.account, scope.region];
      const param = (value: unknown) => `$${params.push(value)}`;
      const where = ['account = $1', 'region = $2'];
      if (query.namespace !== undefined) where.push(`namespace = ${param(query.namespace)}`);
      if (query.metricName !== undefined) where.push(`metric_name = ${param(query.metricName)}`);
      if (position) where.push(`(namespace, metric_name, dims) > (${param(position[0])}, ${param(position[1])}, ${param(position[2])})`);
      const having = query.activeSince === undefined ? '' : ` HAVING MAX(last_ts) >= ${param(query.activeSince)}`;
      const { rows } = await this.pool.query<{ namespace: string; metric_name: string; dims: string }>(
        `SELECT namespace, metric_name, dims FROM metric_series WHERE ${where.join(' AND ')}
         GROUP BY namespace, metric_name, dims${having} ORDER BY namespace, metric_name, dims LIMIT ${param(LIST_CHUNK)}`,
        params);
      for (const row of rows) {
        const dimensions = parseDimensions(row.dims);
        if (!matchesFilters(dimensions, query.dimensions ?? [])) continue;
        listed.push({ namespace: row.namespace, metricName: row.metric_name, dimensions, cursor: encodeCursor([row.namespace, row.metric_name, row.dims]) });
        if (listed.length >= query.limit) return listed;
      }
      if (rows.length < LIST_CHUNK) return listed;
      const last = rows[rows.length - 1]!;
      position = [last.namespace, last.metric_name, last.dims];
    }
  }

  async compact(now: number): Promise<void> {
    const { rows } = await this.pool.query<{ sid: string }>('SELECT sid FROM metric_series ORDER BY sid');
    for (const { sid } of rows) {
      for (const { from, to, afterMs } of ROLL_UPS) {
        if (to === undefined) {
          await this.withSeriesLocked(sid, async (client) => {
            await client.query('DELETE FROM metric_buckets WHERE sid = $1 AND resolution = $2 AND start < $3', [sid, from, now - afterMs]);
            // The hourly rollup goes with the hourly buckets, at the same cutoff, so the answers agree.
            await client.query('DELETE FROM metric_rollups WHERE sid = $1 AND resolution = 3600 AND start < $2', [sid, now - afterMs]);
          });
          continue;
        }
        // Whole coarse buckets move at once: a coarse bucket is rolled only once it is entirely past the age.
        const cutoff = alignDown(now - afterMs, to * SECOND);
        while (await this.rollUp(sid, from, to, cutoff));
        // The 5-minute rollup covers resolutions up to 300: what just moved to hourly buckets leaves it.
        if (to === 3600) await this.withSeriesLocked(sid, (client) => client.query('DELETE FROM metric_rollups WHERE sid = $1 AND resolution = 300 AND start < $2', [sid, cutoff]));
      }
      await this.withSeriesLocked(sid, async (client) => {
        // A statement after the lock: it sees the buckets of any put that held the series before us.
        const deleted = await client.query('DELETE FROM metric_series WHERE sid = $1 AND NOT EXISTS (SELECT 1 FROM metric_buckets WHERE sid = $1)', [sid]);
        if (deleted.rowCount === 1) await client.query('DELETE FROM metric_rollups WHERE sid = $1', [sid]);
      });
    }
  }

  /** Runs `step` in a transaction holding the series' row, or not at all when the series is gone. */
  private async withSeriesLocked(sid: string, step: (client: pg.PoolClient) => Promise<unknown>): Promise<boolean> {
    return inRetriedTransaction(this.pool, async (client) => {
      const locked = await client.query('SELECT 1 FROM metric_series WHERE sid = $1 FOR UPDATE', [sid]);
      if (locked.rowCount === 0) return false;
      await step(client);
      return true;
    });
  }

  /** Moves up to COMPACT_BATCH buckets of `sid` older than `cutoff` from resolution `from` into `to`; true if there may be more. */
  private async rollUp(sid: string, from: number, to: number, cutoff: number): Promise<boolean> {
    let more = false;
    await this.withSeriesLocked(sid, async (client) => {
      const { rows } = await client.query<BucketRow>(
        `SELECT ${BUCKET_COLUMNS} FROM metric_buckets WHERE sid = $1 AND resolution = $2 AND start < $3 ORDER BY start LIMIT $4`,
        [sid, from, cutoff, COMPACT_BATCH]);
      more = rows.length === COMPACT_BATCH;
      if (rows.length === 0) return;
      const coarse = [...rollUpBuckets(rows, to)];
      const { rows: stored } = await client.query<BucketRow>(
        `SELECT ${BUCKET_COLUMNS} FROM metric_buckets WHERE sid = $1 AND resolution = $2 AND start = ANY($3::bigint[])`,
        [sid, to, coarse.map(([start]) => start)]);
      const storedByStart = new Map(stored.map((row) => [row.start, row]));
      await saveBuckets(client, coarse.map(() => Number(sid)), coarse.map(() => to), coarse.map(([start]) => start), coarse.map(([start, aggregate]) => withStored(storedByStart.get(start), aggregate)));
      await client.query('DELETE FROM metric_buckets WHERE sid = $1 AND resolution = $2 AND start >= $3 AND start <= $4', [sid, from, rows[0]!.start, rows[rows.length - 1]!.start]);
    });
    return more;
  }

  async stats(): Promise<{ readonly rows: number; readonly bytes: number }> {
    const { rows } = await this.pool.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT COUNT(*) FROM metric_buckets) AS rows,
         pg_total_relation_size('metric_buckets') + pg_total_relation_size('metric_rollups') + pg_total_relation_size('metric_series') AS bytes`);
    return { rows: Number(rows[0]!.rows), bytes: Number(rows[0]!.bytes) };
  }

  async wipe(): Promise<void> {
    // Identities are not restarted: a series id is never reused, as in SQLite.
    await this.pool.query('TRUNCATE metric_buckets, metric_rollups, metric_series');
  }

  async close(): Promise<void> {
    this.closing ??= this.pool.end();
    await this.closing;
  }
}

/** Writes buckets (new or replacing what is stored) as one statement from arrays. */
async function saveBuckets(client: pg.PoolClient, sids: readonly number[], resolutions: readonly number[], starts: readonly number[], aggregates: readonly Aggregate[]): Promise<void> {
  if (aggregates.length === 0) return;
  const forms = aggregates.map(storedDistribution);
  await client.query(
    `INSERT INTO metric_buckets (sid, resolution, start, count, sum, min, max, kind, dist)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::int2[], $9::bytea[])
     ON CONFLICT (sid, resolution, start) DO UPDATE SET count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
       kind = excluded.kind, dist = excluded.dist`,
    [sids, resolutions, starts, ...columns(aggregates, ['count', 'sum', 'min', 'max']), ...columns(forms, ['kind', 'dist'])]);
}

/** Objects as column arrays, for unnest(). */
function columns<T, K extends keyof T>(rows: readonly T[], names: readonly K[]): T[K][][] {
  return names.map((name) => rows.map((row) => row[name]));
}

/** A series' key as one string (the parts cannot run into each other: JSON). */
function seriesText(key: SeriesKey): string {
  return JSON.stringify([key.namespace, key.metricName, key.dims, key.unit]);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
