import type { MetricAggregate, MetricPoint, MetricQuery } from '../../ports/metric-store.js';
import { addValue, addValues, decodeSketch, emptySketch, encodeSketch, mergeSketch, sketchEntries, type Sketch } from './distribution.js';

/**
 * The rules of metric storage that do not depend on the database, shared by
 * every metric store (SQLite, PostgreSQL): the resolutions and their
 * retention, how points fold into buckets and write-time rollups, how a
 * bucket is stored, and how rows fold into a query's periods.
 */

export const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/** The stored resolutions (seconds), finest first. */
export const RESOLUTIONS = [1, 60, 300, 3600] as const;

/** CloudWatch's retention: each resolution's data is rolled into the next once older than this; the last is deleted. */
export const ROLL_UPS: readonly { readonly from: number; readonly to: number | undefined; readonly afterMs: number }[] = [
  { from: 1, to: 60, afterMs: 3 * HOUR },
  { from: 60, to: 300, afterMs: 15 * DAY },
  { from: 300, to: 3600, afterMs: 63 * DAY },
  { from: 3600, to: undefined, afterMs: 455 * DAY },
];

/**
 * The write-time rollups (seconds), coarsest first: the exact statistics of
 * every bucket whose resolution divides theirs, kept as points arrive, so a
 * long period that needs no distribution reads one row per rollup instead
 * of one per minute. The 5-minute rollup covers what a 300 s query reads
 * (resolutions 1, 60, 300); the hourly one covers everything.
 */
export const ROLLUPS = [3600, 300] as const;

export interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Undefined once statistic sets are mixed in. */
  sketch: Sketch | undefined;
}

/**
 * A bucket's stored form: `kind` 1 means values only, their distribution in
 * `dist` (or null when every value equals `min`); 0 means statistic sets
 * were mixed in and there is no distribution.
 */
export interface StoredBucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  kind: number;
  dist: Uint8Array | null;
}

/** One bucket's share of a batch of points. */
export interface BatchBucket {
  readonly sid: number;
  readonly resolution: number;
  readonly start: number;
  readonly aggregate: Aggregate;
}

/** One rollup's share of a batch of points: exact statistics only, added to what is stored. */
export interface RollupShare {
  readonly sid: number;
  readonly resolution: number;
  readonly start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function alignDown(value: number, step: number): number {
  return Math.floor(value / step) * step;
}

export function emptyAggregate(withSketch: boolean): Aggregate {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity, sketch: withSketch ? emptySketch() : undefined };
}

export function pointAggregate(point: MetricPoint): Aggregate | undefined {
  if (point.statistics) {
    const { sampleCount, sum, minimum, maximum } = point.statistics;
    return { count: sampleCount, sum, min: minimum, max: maximum, sketch: undefined };
  }
  const values = (point.values ?? []).filter((entry) => entry.count > 0);
  if (values.length === 0) return undefined;
  const aggregate = emptyAggregate(true);
  for (const { value, count } of values) {
    aggregate.count += count;
    aggregate.sum += value * count;
    if (value < aggregate.min) aggregate.min = value;
    if (value > aggregate.max) aggregate.max = value;
  }
  addValues(aggregate.sketch!, values);
  return aggregate;
}

/** Folds `other` into `into`, in place. */
export function mergeAggregate(into: Aggregate, other: Aggregate): void {
  into.count += other.count;
  into.sum += other.sum;
  into.min = Math.min(into.min, other.min);
  into.max = Math.max(into.max, other.max);
  if (into.sketch && other.sketch) mergeSketch(into.sketch, other.sketch);
  else into.sketch = undefined;
}

/** Folds a stored bucket's columns into an aggregate in place (bucketAggregate + mergeAggregate, without the copies). */
export function foldBucket(into: Aggregate, count: number, sum: number, min: number, max: number, kind: number, dist: Uint8Array | null): void {
  into.count += count;
  into.sum += sum;
  if (min < into.min) into.min = min;
  if (max > into.max) into.max = max;
  if (!into.sketch) return;
  if (kind !== 1) into.sketch = undefined;
  else if (dist) mergeSketch(into.sketch, decodeSketch(dist));
  else addValue(into.sketch, min, count);
}

export function bucketAggregate(row: StoredBucket): Aggregate {
  let sketch: Sketch | undefined;
  if (row.kind === 1) {
    if (row.dist) {
      sketch = decodeSketch(row.dist);
    } else {
      sketch = emptySketch();
      sketch.entries.set(row.min, row.count);
    }
  }
  return { count: row.count, sum: row.sum, min: row.min, max: row.max, sketch };
}

/** The `kind` and `dist` columns of an aggregate about to be stored. */
export function storedDistribution(aggregate: Aggregate): { kind: number; dist: Buffer | null } {
  const { min, sketch } = aggregate;
  // A bucket whose values are all one value (the usual sampler minute) needs no distribution blob.
  const implicit = sketch !== undefined && sketch.level < 0 && sketch.entries.size === 1 && sketch.entries.has(min);
  return { kind: sketch ? 1 : 0, dist: sketch && !implicit ? encodeSketch(sketch) : null };
}

/**
 * Folds a batch of points per bucket (per second for high resolution, per
 * minute otherwise) and per rollup, so a put reads and writes each bucket it
 * touches once; `latest` is each series' newest timestamp. `seriesOf` is
 * asked only for points that carry data.
 */
export function foldBatch(points: readonly MetricPoint[], seriesOf: (point: MetricPoint) => number): { buckets: BatchBucket[]; rollups: RollupShare[]; latest: Map<number, number> } {
  const buckets = new Map<string, BatchBucket>();
  const latest = new Map<number, number>();
  for (const point of points) {
    const aggregate = pointAggregate(point);
    if (!aggregate) continue;
    const sid = seriesOf(point);
    latest.set(sid, Math.max(latest.get(sid) ?? -Infinity, point.timestamp));
    const resolution = point.storageResolution === 1 ? 1 : 60;
    const start = alignDown(point.timestamp, resolution * SECOND);
    const id = `${sid}/${resolution}/${start}`;
    const existing = buckets.get(id);
    if (existing) mergeAggregate(existing.aggregate, aggregate);
    else buckets.set(id, { sid, resolution, start, aggregate });
  }
  // The batch's share of each rollup, folded before the buckets are merged with what is stored.
  const rollups = new Map<string, RollupShare>();
  for (const { sid, start, aggregate } of buckets.values()) {
    for (const resolution of ROLLUPS) {
      const rollupStart = alignDown(start, resolution * SECOND);
      const id = `${sid}/${resolution}/${rollupStart}`;
      const rollup = rollups.get(id);
      if (rollup) {
        rollup.count += aggregate.count;
        rollup.sum += aggregate.sum;
        if (aggregate.min < rollup.min) rollup.min = aggregate.min;
        if (aggregate.max > rollup.max) rollup.max = aggregate.max;
      } else {
        rollups.set(id, { sid, resolution, start: rollupStart, count: aggregate.count, sum: aggregate.sum, min: aggregate.min, max: aggregate.max });
      }
    }
  }
  return { buckets: [...buckets.values()], rollups: [...rollups.values()], latest };
}

/** A stored bucket with what a batch adds to it (a new aggregate: neither input changes), or the batch's alone. */
export function withStored(stored: StoredBucket | undefined, added: Aggregate): Aggregate {
  if (!stored) return added;
  const merged = bucketAggregate(stored);
  mergeAggregate(merged, added);
  return merged;
}

/** Buckets of one series folded into the coarser resolution `to` (seconds), by the coarse bucket's start. */
export function rollUpBuckets(rows: readonly (StoredBucket & { readonly start: number })[], to: number): Map<number, Aggregate> {
  const coarse = new Map<number, Aggregate>();
  for (const row of rows) {
    const start = alignDown(row.start, to * SECOND);
    const existing = coarse.get(start);
    if (existing) mergeAggregate(existing, bucketAggregate(row));
    else coarse.set(start, bucketAggregate(row));
  }
  return coarse;
}

/** Every stored resolution that divides the query's period: recent data is fine, old data rolled up. */
export function resolutionsFor(query: MetricQuery): number[] {
  return RESOLUTIONS.filter((resolution) => query.period % resolution === 0);
}

/** The start of the query period a row starting at `start` falls in (periods start at the query's start). */
export function periodStart(query: MetricQuery, start: number): number {
  return query.startTime + alignDown(start - query.startTime, query.period * SECOND);
}

/**
 * Where a query without distributions reads its rows: the coarsest rollup
 * that divides the period (when the periods line up with it) for
 * [startTime, rollupEnd), then the buckets of [rollupEnd, endTime). Rollups
 * are whole: only those ending by endTime; the buckets of the last, partial
 * one are read as they are. Without a rollup, rollupEnd is startTime.
 */
export function summarySources(query: MetricQuery): { rollup: number | undefined; rollupEnd: number } {
  const rollup = ROLLUPS.find((resolution) => query.period % resolution === 0 && query.startTime % (resolution * SECOND) === 0);
  const rollupEnd = rollup === undefined ? query.startTime : Math.max(query.startTime, alignDown(query.endTime, rollup * SECOND));
  return { rollup: rollup !== undefined && rollupEnd > query.startTime ? rollup : undefined, rollupEnd };
}

/**
 * Folds summary rows (exact statistics only) into per-period aggregates;
 * rows in start order fold fastest (the period is looked up only when it changes).
 */
export function summaryFolder(query: MetricQuery): { fold(start: number, count: number, sum: number, min: number, max: number): void; readonly periods: Map<number, Aggregate> } {
  const periods = new Map<number, Aggregate>();
  let current: Aggregate | undefined;
  let currentStart = NaN;
  return {
    periods,
    fold(start, count, sum, min, max) {
      const at = periodStart(query, start);
      if (at !== currentStart) {
        currentStart = at;
        current = periods.get(at);
        if (!current) {
          current = emptyAggregate(false);
          periods.set(at, current);
        }
      }
      current!.count += count;
      current!.sum += sum;
      if (min < current!.min) current!.min = min;
      if (max > current!.max) current!.max = max;
    },
  };
}

export function byTimeThenUnit(a: MetricAggregate, b: MetricAggregate): number {
  return a.timestamp - b.timestamp || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0);
}

export function toAnswer(timestamp: number, unit: string, aggregate: Aggregate): MetricAggregate {
  const base = { timestamp, unit, sampleCount: aggregate.count, sum: aggregate.sum, minimum: aggregate.min, maximum: aggregate.max };
  return aggregate.sketch ? { ...base, distribution: sketchEntries(aggregate.sketch) } : base;
}
