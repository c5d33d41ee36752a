/**
 * CloudWatch statistics over one period's aggregate: the five simple
 * statistics from the running sums, and the extended statistics
 * (percentiles, trimmed and winsorized means, trimmed count and sum,
 * interquartile mean, percentile rank) from the period's values. A period
 * that came (partly) as statistic sets has no values, and then, as in
 * CloudWatch, extended statistics have no value.
 */

export interface WeightedValue {
  readonly value: number;
  readonly count: number;
}

/** One period's data, structurally the metric store's MetricAggregate. */
export interface PeriodAggregate {
  readonly timestamp: number;
  readonly unit: string;
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly distribution?: readonly WeightedValue[];
}

export const SIMPLE_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type SimpleStatistic = (typeof SIMPLE_STATISTICS)[number];

/** A bound of a range statistic: a percentile (`10%`, `p10`) or an absolute value (`150`). */
interface Bound {
  readonly kind: 'percent' | 'value';
  readonly at: number;
}

export type Statistic =
  | { readonly kind: 'simple'; readonly name: SimpleStatistic }
  | { readonly kind: 'percentile'; readonly p: number }
  /** tm, wm, tc, ts (and iqm = tm25:75) between two bounds; an absent bound is open. */
  | { readonly kind: 'tm' | 'wm' | 'tc' | 'ts'; readonly lower?: Bound; readonly upper?: Bound }
  /** PR(lower:upper): the percentage of values inside the value range. */
  | { readonly kind: 'pr'; readonly lower?: number; readonly upper?: number };

const NUMBER = '(?:\\d+(?:\\.\\d*)?|\\.\\d+)';

function percentOf(text: string): number | undefined {
  const p = Number(text);
  return Number.isFinite(p) && p >= 0 && p <= 100 ? p : undefined;
}

/** Parses a statistic or extended statistic name; undefined when CloudWatch would refuse it. */
export function parseStatistic(name: string): Statistic | undefined {
  if ((SIMPLE_STATISTICS as readonly string[]).includes(name)) return { kind: 'simple', name: name as SimpleStatistic };
  if (name === 'IQM' || name === 'iqm') return { kind: 'tm', lower: { kind: 'percent', at: 25 }, upper: { kind: 'percent', at: 75 } };
  let match = new RegExp(`^p(${NUMBER})$`).exec(name);
  if (match) {
    const p = percentOf(match[1]!);
    return p === undefined ? undefined : { kind: 'percentile', p };
  }
  // Short forms: tm99 (0 to 99th percentile), tm10:90 (10th to 90th).
  match = new RegExp(`^(tm|wm|tc|ts)(${NUMBER})(?::(${NUMBER}))?$`).exec(name);
  if (match) {
    const kind = match[1] as 'tm' | 'wm' | 'tc' | 'ts';
    const first = percentOf(match[2]!);
    const second = match[3] === undefined ? undefined : percentOf(match[3]);
    if (first === undefined || (match[3] !== undefined && second === undefined)) return undefined;
    if (second === undefined) return { kind, upper: { kind: 'percent', at: first } };
    return first < second ? { kind, lower: { kind: 'percent', at: first }, upper: { kind: 'percent', at: second } } : undefined;
  }
  // Long forms: TM(10%:90%), TM(150:1000), TM(:95%), TM(5%:).
  match = new RegExp(`^(TM|WM|TC|TS|PR)\\((${NUMBER}%?)?:(${NUMBER}%?)?\\)$`).exec(name);
  if (match) {
    const kind = match[1]!.toLowerCase() as 'tm' | 'wm' | 'tc' | 'ts' | 'pr';
    const bound = (text: string | undefined): Bound | undefined | null => {
      if (text === undefined) return undefined;
      if (text.endsWith('%')) {
        const p = percentOf(text.slice(0, -1));
        return p === undefined ? null : { kind: 'percent', at: p };
      }
      return { kind: 'value', at: Number(text) };
    };
    const lower = bound(match[2]);
    const upper = bound(match[3]);
    if (lower === null || upper === null || (lower === undefined && upper === undefined)) return undefined;
    if (lower && upper && lower.kind !== upper.kind) return undefined;
    if (lower && upper && lower.at >= upper.at) return undefined;
    if (kind === 'pr') {
      if (lower?.kind === 'percent' || upper?.kind === 'percent') return undefined;
      return { kind, ...(lower ? { lower: lower.at } : {}), ...(upper ? { upper: upper.at } : {}) };
    }
    return { kind, ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) };
  }
  return undefined;
}

export function isPercentile(name: string): boolean {
  return parseStatistic(name)?.kind === 'percentile';
}

function sorted(distribution: readonly WeightedValue[]): WeightedValue[] {
  return distribution.filter((entry) => entry.count > 0).sort((a, b) => a.value - b.value);
}

/** The nearest-rank percentile: the smallest value with at least p% of the samples at or below it. */
export function percentile(distribution: readonly WeightedValue[], p: number): number | undefined {
  const values = sorted(distribution);
  const total = values.reduce((n, entry) => n + entry.count, 0);
  if (total === 0) return undefined;
  if (p <= 0) return values[0]!.value;
  const rank = Math.ceil((p / 100) * total - 1e-9);
  let seen = 0;
  for (const entry of values) {
    seen += entry.count;
    if (seen >= rank) return entry.value;
  }
  return values[values.length - 1]!.value;
}

/**
 * The samples inside a range statistic's bounds: for percentile bounds, by
 * rank (those above the lower percentile up to and including the upper), for
 * value bounds, lower < value <= upper. Returns the values expanded with their
 * counts as (value, count) plus which side each excluded value fell on.
 */
function partition(values: readonly WeightedValue[], lower: Bound | undefined, upper: Bound | undefined) {
  const total = values.reduce((n, entry) => n + entry.count, 0);
  const inside: WeightedValue[] = [];
  let below = 0;
  let above = 0;
  if ((lower?.kind ?? upper?.kind) === 'value') {
    for (const entry of values) {
      if (lower && entry.value <= lower.at) below += entry.count;
      else if (upper && entry.value > upper.at) above += entry.count;
      else inside.push(entry);
    }
    return { inside, below, above };
  }
  const from = lower ? (lower.at / 100) * total : 0; // ranks strictly above this
  const to = upper ? (upper.at / 100) * total : total; // ranks up to this
  let rank = 0;
  for (const entry of values) {
    const first = rank + 1;
    const last = rank + entry.count;
    rank = last;
    const lo = Math.max(first, Math.floor(from + 1e-9) + 1);
    const hi = Math.min(last, Math.floor(to + 1e-9));
    const kept = Math.max(0, hi - lo + 1);
    const under = Math.max(0, Math.min(last, Math.floor(from + 1e-9)) - first + 1);
    below += under;
    above += entry.count - kept - under;
    if (kept > 0) inside.push({ value: entry.value, count: kept });
  }
  return { inside, below, above };
}

/** The value of a statistic over one period, or undefined when it has none. */
export function computeStatistic(aggregate: PeriodAggregate, statistic: Statistic): number | undefined {
  if (aggregate.sampleCount <= 0) return undefined;
  switch (statistic.kind) {
    case 'simple':
      switch (statistic.name) {
        case 'SampleCount':
          return aggregate.sampleCount;
        case 'Sum':
          return aggregate.sum;
        case 'Average':
          return aggregate.sum / aggregate.sampleCount;
        case 'Minimum':
          return aggregate.minimum;
        case 'Maximum':
          return aggregate.maximum;
      }
      return undefined;
    case 'percentile':
      return aggregate.distribution ? percentile(aggregate.distribution, statistic.p) : undefined;
    case 'pr': {
      if (!aggregate.distribution) return undefined;
      const values = sorted(aggregate.distribution);
      const total = values.reduce((n, entry) => n + entry.count, 0);
      if (total === 0) return undefined;
      const inRange = values
        .filter((entry) => (statistic.lower === undefined || entry.value > statistic.lower) && (statistic.upper === undefined || entry.value <= statistic.upper))
        .reduce((n, entry) => n + entry.count, 0);
      return (inRange / total) * 100;
    }
    default: {
      if (!aggregate.distribution) return undefined;
      const values = sorted(aggregate.distribution);
      const { inside, below, above } = partition(values, statistic.lower, statistic.upper);
      const count = inside.reduce((n, entry) => n + entry.count, 0);
      const sum = inside.reduce((n, entry) => n + entry.value * entry.count, 0);
      if (statistic.kind === 'tc') return count;
      if (statistic.kind === 'ts') return sum;
      if (count === 0) return undefined;
      if (statistic.kind === 'tm') return sum / count;
      // wm: values outside the range take the value of the nearest boundary sample.
      const low = inside[0]!.value;
      const high = inside[inside.length - 1]!.value;
      return (sum + below * low + above * high) / (count + below + above);
    }
  }
}

/** Folds aggregates of finer periods (or of several units) into one. */
export function mergeAggregates(timestamp: number, unit: string, parts: readonly PeriodAggregate[]): PeriodAggregate {
  let sampleCount = 0;
  let sum = 0;
  let minimum = Infinity;
  let maximum = -Infinity;
  let distribution: WeightedValue[] | undefined = [];
  for (const part of parts) {
    sampleCount += part.sampleCount;
    sum += part.sum;
    minimum = Math.min(minimum, part.minimum);
    maximum = Math.max(maximum, part.maximum);
    if (distribution && part.distribution) distribution.push(...part.distribution);
    else distribution = undefined;
  }
  return { timestamp, unit, sampleCount, sum, minimum, maximum, ...(distribution ? { distribution } : {}) };
}

/** The finest period the metric store serves that divides `period` (seconds). */
export function storePeriodFor(period: number): number {
  if (period % 60 === 0) return period;
  for (const candidate of [30, 10, 5, 1]) if (period % candidate === 0) return candidate;
  return 1;
}

/**
 * Buckets aggregates into periods of `periodMs` aligned to the epoch
 * (merging finer ones, and every unit into one unless `byUnit`).
 */
export function bucketAggregates(aggregates: readonly PeriodAggregate[], periodMs: number, byUnit: boolean): PeriodAggregate[] {
  const groups = new Map<string | number, { timestamp: number; unit: string; parts: PeriodAggregate[] }>();
  for (const aggregate of aggregates) {
    const timestamp = Math.floor(aggregate.timestamp / periodMs) * periodMs;
    const key = byUnit ? `${timestamp}/${aggregate.unit}` : timestamp;
    const group = groups.get(key);
    if (group) group.parts.push(aggregate);
    else groups.set(key, { timestamp, unit: aggregate.unit, parts: [aggregate] });
  }
  const buckets: PeriodAggregate[] = [];
  for (const { timestamp, unit, parts } of groups.values()) {
    // The usual case (the store already answered at this period): the aggregate is its own bucket, no copy.
    const only = parts.length === 1 ? parts[0]! : undefined;
    buckets.push(only && only.timestamp === timestamp ? only : mergeAggregates(timestamp, unit, parts));
  }
  return buckets.sort((a, b) => a.timestamp - b.timestamp || a.unit.localeCompare(b.unit));
}
