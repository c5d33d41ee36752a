import { validationError } from './errors.js';
import { evaluateExpression, parseExpression, referencedIds, type MathValue, type Node, type Series } from './metric-math.js';
import { bucketAggregates, computeStatistic, parseStatistic, storePeriodFor, type PeriodAggregate } from './statistics.js';

/**
 * Runs a list of metric data queries (GetMetricData's MetricDataQueries, a
 * metric math alarm's Metrics): metric stats are read through `fetch`,
 * bucketed into their period and reduced to their statistic; expressions
 * are evaluated over the other results. Pure apart from the injected fetch,
 * so the API and the alarm evaluator run the same code.
 */

export interface MetricStatInput {
  readonly Metric: { readonly Namespace?: string; readonly MetricName?: string; readonly Dimensions?: readonly { readonly Name: string; readonly Value: string }[] };
  readonly Period: number;
  readonly Stat: string;
  readonly Unit?: string;
}

export interface MetricQueryInput {
  readonly Id: string;
  readonly MetricStat?: MetricStatInput;
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData?: boolean;
  readonly Period?: number;
}

export interface AggregateRequest {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly name: string; readonly value: string }[];
  readonly startTime: number;
  readonly endTime: number;
  /** Seconds, a period the store serves. */
  readonly period: number;
  readonly unit?: string;
  /** False when the statistic needs no values (the five simple ones), so the store can skip distributions. */
  readonly withDistribution?: boolean;
}

export type FetchAggregates = (request: AggregateRequest) => Promise<readonly PeriodAggregate[]>;

export interface QueryOutput {
  readonly id: string;
  readonly label: string;
  /** Oldest first. */
  readonly points: readonly (readonly [number, number])[];
  /** Seconds (as given, before any time scale). */
  readonly period: number;
}

export interface RunOptions {
  /** Milliseconds of data one period of `period` seconds covers (the alarm evaluator divides by the time scale). */
  readonly periodMs?: (period: number) => number;
}

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;

export function validPeriod(period: number): boolean {
  return Number.isInteger(period) && period > 0 && ([1, 5, 10, 20, 30].includes(period) || period % 60 === 0);
}

/** Checks the queries' shape; returns the parsed expressions by id. */
export function checkMetricQueries(queries: readonly MetricQueryInput[], parameter = 'MetricDataQueries'): Map<string, Node> {
  if (queries.length === 0) throw validationError(`The parameter ${parameter} is required.`); // unverified wording
  if (queries.length > 500) throw validationError(`The collection ${parameter} must not have a size greater than 500.`); // unverified wording
  const ids = new Set<string>();
  const parsed = new Map<string, Node>();
  queries.forEach((query, index) => {
    const at = `${parameter}.member.${index + 1}`;
    if (!ID_PATTERN.test(query.Id)) throw validationError(`Invalid ${at}.Id: the id must start with a lowercase letter and contain only letters, numbers and underscores.`); // unverified wording
    if (ids.has(query.Id)) throw validationError(`The values for parameter id in ${parameter} are not unique.`); // unverified wording
    ids.add(query.Id);
    if ((query.MetricStat === undefined) === (query.Expression === undefined)) {
      throw validationError(`Exactly one of MetricStat and Expression must be specified in ${at}.`); // unverified wording
    }
    if (query.MetricStat) {
      const stat = query.MetricStat;
      if (!stat.Metric.MetricName || !stat.Metric.Namespace) throw validationError(`${at}.MetricStat.Metric must have a Namespace and a MetricName.`); // unverified wording
      if (!validPeriod(stat.Period)) throw validationError(`The value ${stat.Period} for parameter ${at}.MetricStat.Period is invalid: it must be 1, 5, 10, 20, 30, 60 or a multiple of 60.`); // unverified wording
      if (!parseStatistic(stat.Stat)) throw validationError(`The value ${stat.Stat} for parameter ${at}.MetricStat.Stat is not a valid statistic.`); // unverified wording
    } else {
      try {
        parsed.set(query.Id, parseExpression(query.Expression!));
      } catch (error) {
        throw validationError(`Error in expression ${query.Id}: ${(error as Error).message}`);
      }
    }
  });
  for (const [id, node] of parsed) {
    for (const ref of referencedIds(node).ids) {
      if (!ids.has(ref)) throw validationError(`Error in expression ${id}: Unrecognized metric id ${ref}.`); // unverified wording
    }
  }
  // Cycles.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw validationError(`Circular dependency in the expression of ${id}.`); // unverified wording
    state.set(id, 'visiting');
    const node = parsed.get(id);
    if (node) {
      const refs = referencedIds(node);
      refs.ids.forEach(visit);
    }
    state.set(id, 'done');
  };
  [...parsed.keys()].forEach(visit);
  return parsed;
}

function toPoints(series: Series): [number, number][] {
  return [...series.points.entries()].sort((a, b) => a[0] - b[0]);
}

/** Runs the queries over [startTime, endTime); returns the results of those with ReturnData (default true). */
export async function runMetricQueries(queries: readonly MetricQueryInput[], startTime: number, endTime: number, fetch: FetchAggregates, options: RunOptions = {}): Promise<QueryOutput[]> {
  const periodMs = options.periodMs ?? ((period: number) => period * 1000);
  const parsed = checkMetricQueries(queries);
  const values = new Map<string, MathValue>();
  const metrics: { id: string; series: Series }[] = [];
  const minPeriod = Math.min(...queries.map((query) => query.MetricStat?.Period ?? query.Period ?? 60));

  for (const query of queries) {
    const stat = query.MetricStat;
    if (!stat) continue;
    const ms = Math.max(1, Math.round(periodMs(stat.Period)));
    const start = Math.floor(startTime / ms) * ms;
    const seconds = Math.max(1, Math.round(ms / 1000));
    const statistic = parseStatistic(stat.Stat)!;
    const aggregates = await fetch({
      namespace: stat.Metric.Namespace!,
      metricName: stat.Metric.MetricName!,
      dimensions: (stat.Metric.Dimensions ?? []).map((dimension) => ({ name: dimension.Name, value: dimension.Value })),
      startTime: start,
      endTime,
      period: storePeriodFor(seconds),
      ...(stat.Unit ? { unit: stat.Unit } : {}),
      withDistribution: statistic.kind !== 'simple',
    });
    const points = new Map<number, number>();
    for (const bucket of bucketAggregates(aggregates, ms, false)) {
      const value = computeStatistic(bucket, statistic);
      if (value !== undefined) points.set(bucket.timestamp, value);
    }
    const series: Series = { label: query.Label ?? stat.Metric.MetricName!, points, period: stat.Period };
    values.set(query.Id, { type: 'series', series });
    metrics.push({ id: query.Id, series });
  }

  const gridMs = Math.max(1, Math.round(periodMs(minPeriod)));
  const grid: number[] = [];
  for (let t = Math.floor(startTime / gridMs) * gridMs; t < endTime; t += gridMs) grid.push(t);
  const byId = new Map(queries.map((query) => [query.Id, query]));
  const evaluate = (id: string): MathValue => {
    const known = values.get(id);
    if (known) return known;
    const node = parsed.get(id)!;
    const refs = referencedIds(node);
    for (const ref of refs.ids) evaluate(ref);
    const query = byId.get(id)!;
    let value: MathValue;
    try {
      value = evaluateExpression(node, { values, metrics, grid, label: query.Label ?? id });
    } catch (error) {
      throw validationError(`Error in expression ${id}: ${(error as Error).message}`);
    }
    values.set(id, value);
    return value;
  };

  const outputs: QueryOutput[] = [];
  for (const query of queries) {
    const value = evaluate(query.Id);
    if (query.ReturnData === false) continue;
    const period = query.MetricStat?.Period ?? query.Period ?? minPeriod;
    const label = query.Label ?? (query.MetricStat ? query.MetricStat.Metric.MetricName! : query.Id);
    if (value.type === 'scalar') outputs.push({ id: query.Id, label, points: grid.map((t) => [t, value.value] as const), period });
    else if (value.type === 'series') outputs.push({ id: query.Id, label, points: toPoints(value.series), period });
    else for (const series of value.items) outputs.push({ id: query.Id, label: query.Label ? `${query.Label} ${series.label}` : series.label, points: toPoints(series), period });
  }
  return outputs;
}
