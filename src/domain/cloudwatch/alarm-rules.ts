import type { AlarmMetricQuery, AlarmRecord, ComparisonOperator, TreatMissingData } from './alarm-record.js';
import { CREATED_REASON } from './alarm-wording.js';
import { invalidFormat, validationError } from './errors.js';
import { checkDimensions } from './metric-data.js';
import { checkMetricQueries } from './metric-queries.js';
import { parseStatistic, SIMPLE_STATISTICS } from './statistics.js';

/** PutMetricAlarm's rules and the alarm record it makes; SetAlarmState's checks. */

export interface PutMetricAlarmInput {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly ActionsEnabled?: boolean;
  readonly OKActions?: string[];
  readonly AlarmActions?: string[];
  readonly InsufficientDataActions?: string[];
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Statistic?: string;
  readonly ExtendedStatistic?: string;
  readonly Dimensions?: { Name: string; Value: string }[];
  readonly Period?: number;
  readonly Unit?: string;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly Threshold?: number;
  readonly ComparisonOperator: ComparisonOperator;
  readonly TreatMissingData?: string;
  readonly EvaluateLowSampleCountPercentile?: string;
  readonly Metrics?: AlarmMetricQuery[];
  readonly Tags?: { Key: string; Value: string }[];
  readonly ThresholdMetricId?: string;
}

const TREAT_MISSING: readonly TreatMissingData[] = ['breaching', 'notBreaching', 'ignore', 'missing'];
const ONE_DAY_S = 86_400;
const MAX_ACTIONS = 5;

export function alarmArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`;
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<name>` -> its parts, or undefined. */
export function parseAlarmArn(arn: string): { region: string; account: string; name: string } | undefined {
  const match = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/.exec(arn);
  return match ? { region: match[1]!, account: match[2]!, name: match[3]! } : undefined;
}

/** Syntax only: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function checkActionArns(arns: readonly string[], parameter: string): void {
  if (arns.length > MAX_ACTIONS) throw validationError(`The collection ${parameter} must not have a size greater than ${MAX_ACTIONS}.`); // unverified wording
  for (const arn of arns) {
    if (!/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/.test(arn)) throw validationError(`Invalid arn syntax: ${arn}`);
  }
}

/** Why this alarm cannot be edited by anyone but its owner (target tracking alarms). */
export function managedAlarmError(name: string): Error {
  return validationError(`The alarm ${name} is managed by Application Auto Scaling and cannot be modified or deleted directly; change or delete the scaling policy that created it.`); // unverified wording
}

function checkSingleMetric(input: PutMetricAlarmInput): void {
  if (!input.MetricName) throw validationError('MetricName must not be null');
  if (!input.Namespace) throw validationError('Namespace must not be null'); // unverified wording
  if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) {
    throw validationError('Statistic and ExtendedStatistic cannot both be set.'); // unverified wording
  }
  if (input.Statistic === undefined && input.ExtendedStatistic === undefined) {
    throw validationError('Either Statistic or ExtendedStatistic must be set.'); // unverified wording
  }
  if (input.Statistic !== undefined && !(SIMPLE_STATISTICS as readonly string[]).includes(input.Statistic)) {
    throw validationError(`1 validation error detected: Value '${input.Statistic}' at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: [${SIMPLE_STATISTICS.join(', ')}]`);
  }
  if (input.ExtendedStatistic !== undefined) {
    const parsed = parseStatistic(input.ExtendedStatistic);
    if (!parsed || parsed.kind === 'simple') throw validationError(`The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not a valid extended statistic.`); // unverified wording
  }
  if (input.Period === undefined) throw validationError('Period must not be null'); // unverified wording
  if (!validAlarmPeriod(input.Period)) throw validationError('Period must be 10, 20, 30 or a multiple of 60.'); // unverified wording
  checkDimensions(input.Dimensions ?? [], 'Dimensions');
}

export function validAlarmPeriod(period: number): boolean {
  return Number.isInteger(period) && ([10, 20, 30].includes(period) || (period > 0 && period % 60 === 0));
}

function checkMetricsList(input: PutMetricAlarmInput): void {
  for (const member of ['MetricName', 'Namespace', 'Dimensions', 'Period', 'Statistic', 'ExtendedStatistic'] as const) {
    if (input[member] !== undefined && !(member === 'Dimensions' && input.Dimensions!.length === 0)) {
      throw validationError(`${member} should not be set if list of Metrics is set.`);
    }
  }
  const metrics = input.Metrics!;
  if (metrics.filter((metric) => metric.ReturnData !== false).length !== 1) {
    throw validationError('Exactly one element of the metrics list should return data.');
  }
  try {
    checkMetricQueries(metrics, 'Metrics');
  } catch (error) {
    throw validationError(`Invalid metrics list: ${(error as Error).message}`); // unverified wording
  }
  for (const metric of metrics) {
    if (metric.MetricStat && !validAlarmPeriod(metric.MetricStat.Period)) throw validationError('Period must be 10, 20, 30 or a multiple of 60.'); // unverified wording
  }
}

/** The period an alarm evaluates (seconds): its own, or its metrics'. */
export function alarmPeriod(alarm: Pick<AlarmRecord, 'Period' | 'Metrics'>): number {
  if (alarm.Period !== undefined) return alarm.Period;
  const returned = alarm.Metrics?.find((metric) => metric.ReturnData !== false);
  return returned?.MetricStat?.Period ?? returned?.Period ?? Math.min(...(alarm.Metrics ?? []).map((metric) => metric.MetricStat?.Period ?? 60));
}

/**
 * Checks a PutMetricAlarm request and returns the record to store: a new
 * alarm starts INSUFFICIENT_DATA; an update keeps the state and its history.
 */
export function planPutMetricAlarm(input: PutMetricAlarmInput, existing: AlarmRecord | undefined, ctx: { partition: string; region: string; account: string; now: number }): AlarmRecord {
  if (existing?.wharf.managedBy) throw managedAlarmError(input.AlarmName);
  if (input.Metrics && input.Metrics.length > 0) checkMetricsList(input);
  else checkSingleMetric(input);
  if (input.ThresholdMetricId !== undefined) throw validationError('Anomaly detection alarms (ThresholdMetricId) are not supported by Wharf.');
  if (input.Threshold === undefined) throw validationError('Threshold must not be null'); // unverified wording
  if (['LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold'].includes(input.ComparisonOperator)) {
    throw validationError(`Comparison operator ${input.ComparisonOperator} is only for anomaly detection alarms, which need ThresholdMetricId.`); // unverified wording
  }
  const period = input.Period ?? alarmPeriod({ Metrics: input.Metrics });
  if (input.EvaluationPeriods < 1) throw validationError('EvaluationPeriods must be at least 1.'); // unverified wording
  if (input.EvaluationPeriods * period > ONE_DAY_S) {
    throw validationError('Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)');
  }
  if (input.DatapointsToAlarm !== undefined && (input.DatapointsToAlarm < 1 || input.DatapointsToAlarm > input.EvaluationPeriods)) {
    throw validationError('DatapointsToAlarm must be less than or equal to EvaluationPeriods'); // unverified wording
  }
  if (input.TreatMissingData !== undefined && !(TREAT_MISSING as readonly string[]).includes(input.TreatMissingData)) {
    throw validationError(`The value ${input.TreatMissingData} for parameter TreatMissingData is invalid: it must be one of breaching, notBreaching, ignore, missing.`); // unverified wording
  }
  if (input.EvaluateLowSampleCountPercentile !== undefined) {
    if (!['evaluate', 'ignore'].includes(input.EvaluateLowSampleCountPercentile)) {
      throw validationError(`The value ${input.EvaluateLowSampleCountPercentile} for parameter EvaluateLowSampleCountPercentile is invalid: it must be evaluate or ignore.`); // unverified wording
    }
  }
  checkActionArns(input.OKActions ?? [], 'OKActions');
  checkActionArns(input.AlarmActions ?? [], 'AlarmActions');
  checkActionArns(input.InsufficientDataActions ?? [], 'InsufficientDataActions');
  const arn = alarmArn(ctx.partition, ctx.region, ctx.account, input.AlarmName);
  const record: AlarmRecord = {
    AlarmName: input.AlarmName,
    AlarmArn: arn,
    ...(input.AlarmDescription !== undefined ? { AlarmDescription: input.AlarmDescription } : {}),
    AlarmConfigurationUpdatedTimestamp: ctx.now,
    ActionsEnabled: input.ActionsEnabled ?? true,
    OKActions: input.OKActions ?? [],
    AlarmActions: input.AlarmActions ?? [],
    InsufficientDataActions: input.InsufficientDataActions ?? [],
    StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
    StateReason: existing?.StateReason ?? CREATED_REASON,
    ...(existing?.StateReasonData !== undefined ? { StateReasonData: existing.StateReasonData } : {}),
    StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? ctx.now,
    StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? ctx.now,
    ...(input.MetricName !== undefined ? { MetricName: input.MetricName } : {}),
    ...(input.Namespace !== undefined ? { Namespace: input.Namespace } : {}),
    ...(input.Statistic !== undefined ? { Statistic: input.Statistic as AlarmRecord['Statistic'] } : {}),
    ...(input.ExtendedStatistic !== undefined ? { ExtendedStatistic: input.ExtendedStatistic } : {}),
    Dimensions: input.Dimensions ?? [],
    ...(input.Period !== undefined ? { Period: input.Period } : {}),
    ...(input.Unit !== undefined ? { Unit: input.Unit } : {}),
    EvaluationPeriods: input.EvaluationPeriods,
    ...(input.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: input.DatapointsToAlarm } : {}),
    Threshold: input.Threshold,
    ComparisonOperator: input.ComparisonOperator,
    ...(input.TreatMissingData !== undefined ? { TreatMissingData: input.TreatMissingData as TreatMissingData } : {}),
    ...(input.EvaluateLowSampleCountPercentile !== undefined ? { EvaluateLowSampleCountPercentile: input.EvaluateLowSampleCountPercentile as 'evaluate' | 'ignore' } : {}),
    ...(input.Metrics && input.Metrics.length > 0 ? { Metrics: input.Metrics } : {}),
    // PutMetricAlarm's Tags apply only when the alarm is created, as in CloudWatch.
    Tags: existing ? existing.Tags : (input.Tags ?? []),
    wharf: {},
  };
  return record;
}

/** SetAlarmState's StateReasonData must be JSON. */
export function checkStateReasonData(data: string | undefined): void {
  if (data === undefined) return;
  try {
    JSON.parse(data);
  } catch {
    throw invalidFormat('Unable to parse StateReasonData as JSON.'); // unverified wording
  }
}
