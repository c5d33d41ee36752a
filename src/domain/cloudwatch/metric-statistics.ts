import { invalidParameterCombination, invalidParameterValue, missingParameter } from './errors.js';
import { checkDimensions, type DimensionInput } from './metric-data.js';
import { computeStatistic, parseStatistic, type PeriodAggregate, type Statistic } from './statistics.js';

/** GetMetricStatistics' rules: the request's checks, and the datapoints from per-period aggregates. */

export interface GetMetricStatisticsInput {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions?: readonly DimensionInput[];
  readonly StartTime: Date;
  readonly EndTime: Date;
  readonly Period: number;
  readonly Statistics?: readonly string[];
  readonly ExtendedStatistics?: readonly string[];
  readonly Unit?: string;
}

export const MAX_DATAPOINTS = 1440;

export interface StatisticsPlan {
  readonly startTime: number;
  readonly endTime: number;
  readonly periodMs: number;
  readonly statistics: readonly string[];
  readonly extended: readonly { readonly name: string; readonly stat: Statistic }[];
}

export function planGetMetricStatistics(input: GetMetricStatisticsInput): StatisticsPlan {
  const statistics = input.Statistics ?? [];
  const extendedNames = input.ExtendedStatistics ?? [];
  if (statistics.length === 0 && extendedNames.length === 0) throw missingParameter('Must specify either Statistics or ExtendedStatistics.'); // unverified wording
  if (statistics.length > 0 && extendedNames.length > 0) {
    throw invalidParameterCombination('The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.');
  }
  const extended = extendedNames.map((name, index) => {
    const stat = parseStatistic(name);
    if (!stat || stat.kind === 'simple') throw invalidParameterValue(`The value ${name} for parameter ExtendedStatistics.member.${index + 1} is not a valid extended statistic.`); // unverified wording
    return { name, stat };
  });
  checkDimensions(input.Dimensions ?? [], 'Dimensions');
  const period = input.Period;
  if (!(period === 1 || period === 5 || period === 10 || period === 30 || (period > 0 && period % 60 === 0))) {
    throw invalidParameterValue('The parameter Period must be 1, 5, 10, 30 or a multiple of 60.'); // unverified wording
  }
  const periodMs = period * 1000;
  const startTime = Math.floor(input.StartTime.getTime() / periodMs) * periodMs;
  const endTime = input.EndTime.getTime();
  if (input.StartTime.getTime() >= endTime) throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  const requested = Math.ceil((endTime - startTime) / periodMs) * Math.max(1, statistics.length + extended.length);
  if (requested > MAX_DATAPOINTS) {
    throw invalidParameterCombination(
      `You have requested up to ${requested.toLocaleString('en-US')} datapoints, which exceeds the limit of ${MAX_DATAPOINTS.toLocaleString('en-US')}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  return { startTime, endTime, periodMs, statistics, extended };
}

/**
 * CloudWatch keeps finer data only so long: periods of data older than 3
 * hours must be a multiple of 60 s, older than 15 days of 300 s, older than
 * 63 days of 3600 s, or no datapoint is returned for them.
 */
export function periodServesAge(periodSeconds: number, timestamp: number, now: number): boolean {
  const age = now - timestamp;
  if (age > 63 * 86_400_000) return periodSeconds % 3600 === 0;
  if (age > 15 * 86_400_000) return periodSeconds % 300 === 0;
  if (age > 3 * 3_600_000) return periodSeconds % 60 === 0;
  return true;
}

export interface Datapoint {
  readonly Timestamp: number;
  readonly Unit: string;
  readonly SampleCount?: number;
  readonly Average?: number;
  readonly Sum?: number;
  readonly Minimum?: number;
  readonly Maximum?: number;
  readonly ExtendedStatistics?: Record<string, number>;
}

export function datapointsOf(plan: StatisticsPlan, buckets: readonly PeriodAggregate[], now: number): Datapoint[] {
  const out: Datapoint[] = [];
  for (const bucket of buckets) {
    if (!periodServesAge(plan.periodMs / 1000, bucket.timestamp, now)) continue;
    const point: Record<string, unknown> = { Timestamp: bucket.timestamp, Unit: bucket.unit };
    for (const name of plan.statistics) {
      const value = computeStatistic(bucket, { kind: 'simple', name: name as 'Sum' });
      if (value !== undefined) point[name] = value;
    }
    if (plan.extended.length > 0) {
      const extended: Record<string, number> = {};
      for (const { name, stat } of plan.extended) {
        const value = computeStatistic(bucket, stat);
        if (value !== undefined) extended[name] = value;
      }
      point.ExtendedStatistics = extended;
    }
    out.push(point as unknown as Datapoint);
  }
  return out;
}
