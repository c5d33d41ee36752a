import type Database from 'better-sqlite3';
import type { ListedMetric, ListMetricsQuery, MetricAggregate, MetricKey, MetricPoint, MetricQuery, MetricStore } from '../../ports/metric-store.js';
import type { Scope } from '../../ports/store.js';
import { openDatabase, migrateDatabase } from '../sqlite-database.js';
import {
  alignDown, byTimeThenUnit, emptyAggregate, foldBatch, foldBucket, periodStart, resolutionsFor, ROLL_UPS, rollUpBuckets, SECOND,
  storedDistribution, summaryFolder, summarySources, toAnswer, withStored, type Aggregate, type StoredBucket,
} from './metric-aggregates.js';
import { canonicalDimensions, decodeCursor, encodeCursor, matchesFilters, parseDimensions } from './metric-keys.js';
import { metricMigrations } from './migrations.js';

/** Rows moved per transaction while compacting, so writers are never held up long. */
const COMPACT_BATCH = 5000;

interface BucketRow extends StoredBucket {
  start: number;
}

/** start, count, sum, min, max: the summary columns, read as arrays (no per-row object). */
type SummaryRow = [number, number, number, number, number];
/** A bucket as a query reads it: BucketRow's columns in order, as an array. */
type RangeRow = [start: number, count: number, sum: number, min: number, max: number, kind: number, dist: Buffer | null];

interface SeriesRow {
  sid: number;
  unit: string;
}

interface ListRow {
  namespace: string;
  metric_name: string;
  dims: string;
}

/**
 * CloudWatch metric storage on its own SQLite file (WAL, mode 0600), apart
 * from the document store. Points fold into per-second (high-resolution) or
 * per-minute buckets as they arrive; compact() rolls them up as CloudWatch
 * ages them. Every read is one index range per (series, resolution).
 */
export class SqliteMetricStore implements MetricStore {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly dynamic = new Map<string, Database.Statement>();
  /** Series ids by scope, key and unit: every put looks them up. */
  private readonly seriesIds = new Map<string, number>();

  /** `file` is the database path (metrics.db in the data directory) or ':memory:'. */
  constructor(file: string) {
    this.db = openDatabase(file);
    // Writers touch the newest page of every series at once (hundreds); SQLite's default 2 MB cache thrashes.
    this.db.pragma('cache_size = -32768');
    migrateDatabase(this.db, metricMigrations, 'metrics.db');
    const db = this.db;
    this.sql = {
      findSeries: db.prepare<[string, string, string, string, string, string], { sid: number }>(
        'SELECT sid FROM metric_series WHERE account = ? AND region = ? AND namespace = ? AND metric_name = ? AND dims = ? AND unit = ?'),
      insertSeries: db.prepare('INSERT INTO metric_series (account, region, namespace, metric_name, dims, unit, last_ts) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      touchSeries: db.prepare('UPDATE metric_series SET last_ts = MAX(last_ts, ?) WHERE sid = ?'),
      seriesOf: db.prepare<[string, string, string, string, string], SeriesRow>(
        'SELECT sid, unit FROM metric_series WHERE account = ? AND region = ? AND namespace = ? AND metric_name = ? AND dims = ? ORDER BY unit'),
      allSeries: db.prepare<[], { sid: number }>('SELECT sid FROM metric_series ORDER BY sid'),
      bucket: db.prepare<[number, number, number], BucketRow>('SELECT start, count, sum, min, max, kind, dist FROM metric_buckets WHERE sid = ? AND resolution = ? AND start = ?'),
      saveBucket: db.prepare('INSERT OR REPLACE INTO metric_buckets (sid, resolution, start, count, sum, min, max, kind, dist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      range: db.prepare<[number, number, number, number], RangeRow>(
        'SELECT start, count, sum, min, max, kind, dist FROM metric_buckets WHERE sid = ? AND resolution = ? AND start >= ? AND start < ? ORDER BY start').raw(true),
      oldest: db.prepare<[number, number, number, number], BucketRow>(
        'SELECT start, count, sum, min, max, kind, dist FROM metric_buckets WHERE sid = ? AND resolution = ? AND start < ? ORDER BY start LIMIT ?'),
      deleteRange: db.prepare('DELETE FROM metric_buckets WHERE sid = ? AND resolution = ? AND start >= ? AND start <= ?'),
      deleteBefore: db.prepare('DELETE FROM metric_buckets WHERE sid = ? AND resolution = ? AND start < ?'),
      hasBuckets: db.prepare<[number], { one: number }>('SELECT 1 AS one FROM metric_buckets WHERE sid = ? LIMIT 1'),
      deleteSeries: db.prepare('DELETE FROM metric_series WHERE sid = ?'),
      rows: db.prepare<[], { rows: number }>('SELECT COUNT(*) AS rows FROM metric_buckets'),
      summaryRange: db.prepare<[number, number, number, number], SummaryRow>(
        'SELECT start, count, sum, min, max FROM metric_buckets WHERE sid = ? AND resolution = ? AND start >= ? AND start < ? ORDER BY start').raw(true),
      rollupRange: db.prepare<[number, number, number, number], SummaryRow>(
        'SELECT start, count, sum, min, max FROM metric_rollups WHERE sid = ? AND resolution = ? AND start >= ? AND start < ? ORDER BY start').raw(true),
      addToRollup: db.prepare(`INSERT INTO metric_rollups (sid, resolution, start, count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (sid, resolution, start) DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum, min = MIN(min, excluded.min), max = MAX(max, excluded.max)`),
      deleteRollupsBefore: db.prepare('DELETE FROM metric_rollups WHERE sid = ? AND resolution = ? AND start < ?'),
      deleteSeriesRollups: db.prepare('DELETE FROM metric_rollups WHERE sid = ?'),
    };
  }


  private prepared(sql: string): Database.Statement {
    let statement = this.dynamic.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.dynamic.set(sql, statement);
    }
    return statement;
  }

  /** The series id for a point's metric and unit, created on first use; call inside a transaction. */
  private seriesId(scope: Scope, key: MetricKey, unit: string, timestamp: number): number {
    // Keyed by the dimensions as given (every put pays for this key; sorting is left to a miss):
    // another order of the same set is another key for the same sid.
    let cacheKey = `${lengthPrefixed(scope.account)}${lengthPrefixed(scope.region)}${lengthPrefixed(key.namespace)}${lengthPrefixed(key.metricName)}${lengthPrefixed(unit)}`;
    for (const dimension of key.dimensions) cacheKey += lengthPrefixed(dimension.name) + lengthPrefixed(dimension.value);
    let sid = this.seriesIds.get(cacheKey);
    if (sid === undefined) {
      const dims = canonicalDimensions(key.dimensions);
      sid = this.sql.findSeries.get(scope.account, scope.region, key.namespace, key.metricName, dims, unit)?.sid;
      if (sid === undefined) sid = Number(this.sql.insertSeries.run(scope.account, scope.region, key.namespace, key.metricName, dims, unit, timestamp).lastInsertRowid);
      this.seriesIds.set(cacheKey, sid);
    }
    return sid;
  }

  async put(scope: Scope, points: readonly MetricPoint[]): Promise<void> {
    try {
      this.putAll(scope, points);
    } catch (error) {
      // The transaction rolled back: series ids cached during it may not exist.
      this.seriesIds.clear();
      throw error;
    }
  }

  private putAll(scope: Scope, points: readonly MetricPoint[]): void {
    this.db.transaction(() => {
      // Fold the batch per bucket first: one read and one write per bucket touched.
      const { buckets, rollups, latest } = foldBatch(points, (point) => this.seriesId(scope, point, point.unit, point.timestamp));
      for (const { sid, resolution, start, aggregate } of buckets) {
        this.saveBucket(sid, resolution, start, withStored(this.sql.bucket.get(sid, resolution, start), aggregate));
      }
      for (const { sid, resolution, start, count, sum, min, max } of rollups) this.sql.addToRollup.run(sid, resolution, start, count, sum, min, max);
      for (const [sid, timestamp] of latest) this.sql.touchSeries.run(timestamp, sid);
    })();
  }

  private saveBucket(sid: number, resolution: number, start: number, aggregate: Aggregate): void {
    const { kind, dist } = storedDistribution(aggregate);
    this.sql.saveBucket.run(sid, resolution, start, aggregate.count, aggregate.sum, aggregate.min, aggregate.max, kind, dist);
  }

  async query(scope: Scope, query: MetricQuery): Promise<MetricAggregate[]> {
    if (!(query.period > 0) || !(query.endTime > query.startTime)) return [];
    const series = this.sql.seriesOf.all(scope.account, scope.region, query.namespace, query.metricName, canonicalDimensions(query.dimensions))
      .filter((row) => query.unit === undefined || row.unit === query.unit);
    const resolutions = resolutionsFor(query);
    const answers: MetricAggregate[] = [];
    if (query.withDistribution === false) {
      for (const { sid, unit } of series) {
        for (const [timestamp, aggregate] of this.summaries(sid, query, resolutions)) answers.push(toAnswer(timestamp, unit, aggregate));
      }
      return answers.sort(byTimeThenUnit);
    }
    for (const { sid, unit } of series) {
      const periods = new Map<number, Aggregate>();
      for (const resolution of resolutions) {
        // The hot loop of every query: fold rows straight into the period, no per-row objects.
        for (const [start, count, sum, min, max, kind, dist] of this.sql.range.all(sid, resolution, query.startTime, query.endTime)) {
          const at = periodStart(query, start);
          let period = periods.get(at);
          if (!period) {
            period = emptyAggregate(true);
            periods.set(at, period);
          }
          foldBucket(period, count, sum, min, max, kind, dist);
        }
      }
      for (const [timestamp, aggregate] of periods) answers.push(toAnswer(timestamp, unit, aggregate));
    }
    return answers.sort(byTimeThenUnit);
  }

  /**
   * One series' per-period exact statistics, without distributions: from the
   * coarsest rollup that divides the period (when the periods line up with
   * it), then the buckets after the last whole rollup; else from the buckets.
   */
  private summaries(sid: number, query: MetricQuery, resolutions: readonly number[]): Map<number, Aggregate> {
    const folder = summaryFolder(query);
    const fold = (rows: readonly SummaryRow[]) => {
      for (const [start, count, sum, min, max] of rows) folder.fold(start, count, sum, min, max);
    };
    const { rollup, rollupEnd } = summarySources(query);
    if (rollup !== undefined) fold(this.sql.rollupRange.all(sid, rollup, query.startTime, rollupEnd));
    for (const resolution of resolutions) fold(this.sql.summaryRange.all(sid, resolution, rollupEnd, query.endTime));
    return folder.periods;
  }

  async listMetrics(scope: Scope, query: ListMetricsQuery): Promise<ListedMetric[]> {
    const where = ['account = ?', 'region = ?'];
    const params: unknown[] = [scope.account, scope.region];
    if (query.namespace !== undefined) {
      where.push('namespace = ?');
      params.push(query.namespace);
    }
    if (query.metricName !== undefined) {
      where.push('metric_name = ?');
      params.push(query.metricName);
    }
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    if (after) {
      where.push('(namespace, metric_name, dims) > (?, ?, ?)');
      params.push(...after);
    }
    const having = query.activeSince === undefined ? '' : ' HAVING MAX(last_ts) >= ?';
    if (query.activeSince !== undefined) params.push(query.activeSince);
    const sql = `SELECT namespace, metric_name, dims FROM metric_series WHERE ${where.join(' AND ')}
      GROUP BY namespace, metric_name, dims${having} ORDER BY namespace, metric_name, dims`;
    const listed: ListedMetric[] = [];
    if (query.limit <= 0) return listed;
    for (const row of this.prepared(sql).iterate(...params) as IterableIterator<ListRow>) {
      const dimensions = parseDimensions(row.dims);
      if (!matchesFilters(dimensions, query.dimensions ?? [])) continue;
      listed.push({ namespace: row.namespace, metricName: row.metric_name, dimensions, cursor: encodeCursor([row.namespace, row.metric_name, row.dims]) });
      if (listed.length >= query.limit) break;
    }
    return listed;
  }

  async compact(now: number): Promise<void> {
    for (const { sid } of this.sql.allSeries.all()) {
      for (const { from, to, afterMs } of ROLL_UPS) {
        if (to === undefined) {
          this.sql.deleteBefore.run(sid, from, now - afterMs);
          // The hourly rollup goes with the hourly buckets, at the same cutoff, so the answers agree.
          this.sql.deleteRollupsBefore.run(sid, 3600, now - afterMs);
          continue;
        }
        // Whole coarse buckets move at once: a coarse bucket is rolled only once it is entirely past the age.
        const cutoff = alignDown(now - afterMs, to * SECOND);
        // Yield between batches: the first pass over a month of data moves millions of rows,
        // and API calls (and puts) must keep being served meanwhile.
        while (this.rollUp(sid, from, to, cutoff)) await yieldToEventLoop();
        // The 5-minute rollup covers resolutions up to 300: what just moved to hourly buckets leaves it.
        if (to === 3600) this.sql.deleteRollupsBefore.run(sid, 300, cutoff);
      }
      if (!this.sql.hasBuckets.get(sid)) {
        this.sql.deleteSeriesRollups.run(sid);
        this.sql.deleteSeries.run(sid);
        // At once, before the next yield: a put must not reuse the deleted id.
        this.seriesIds.clear();
      }
      await yieldToEventLoop();
    }
  }

  /** Moves up to COMPACT_BATCH buckets of `sid` older than `cutoff` from resolution `from` into `to`; true if there may be more. */
  private rollUp(sid: number, from: number, to: number, cutoff: number): boolean {
    return this.db.transaction(() => {
      const rows = this.sql.oldest.all(sid, from, cutoff, COMPACT_BATCH);
      if (rows.length === 0) return false;
      for (const [start, aggregate] of rollUpBuckets(rows, to)) this.saveBucket(sid, to, start, withStored(this.sql.bucket.get(sid, to, start), aggregate));
      this.sql.deleteRange.run(sid, from, rows[0]!.start, rows[rows.length - 1]!.start);
      return rows.length === COMPACT_BATCH;
    })();
  }

  async stats(): Promise<{ readonly rows: number; readonly bytes: number }> {
    // Pages in use: SQLite keeps freed pages (after compaction) for reuse rather than shrinking the file.
    const pages = (this.db.pragma('page_count', { simple: true }) as number) - (this.db.pragma('freelist_count', { simple: true }) as number);
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return { rows: this.sql.rows.get()!.rows, bytes: pages * pageSize };
  }

  async wipe(): Promise<void> {
    this.db.exec('DELETE FROM metric_buckets; DELETE FROM metric_rollups; DELETE FROM metric_series;');
    this.seriesIds.clear();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * Creates the database file readable by its owner only before SQLite opens
 * it: SQLite gives the -wal and -shm files the database file's permissions.
 */

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A string that cannot run into its neighbours in a concatenated key. */
function lengthPrefixed(text: string): string {
  return `${text.length}:${text}`;
}
