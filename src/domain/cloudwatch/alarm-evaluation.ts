import type { AlarmRecord, AlarmState, ComparisonOperator } from './alarm-record.js';
import { alarmPeriod } from './alarm-rules.js';
import { dataTime, insufficientDataReason, OPERATOR_WORDS, thresholdCrossedReason, javaDouble } from './alarm-wording.js';
import { parseStatistic } from './statistics.js';

/**
 * How CloudWatch evaluates a metric alarm, as pure functions of the alarm,
 * the clock and the datapoints of its evaluation range: when it is due,
 * which periods it looks at (the last EvaluationPeriods complete ones), M
 * out of N with TreatMissingData, low-sample percentiles, the new state,
 * its reason in CloudWatch's words, and which actions to invoke.
 */

export interface EvaluatedPoint {
  /** Period start, epoch ms. */
  readonly timestamp: number;
  /** Absent: no data in that period. */
  readonly value?: number;
  readonly sampleCount?: number;
}

/** How long one alarm period lasts under the time scale (at least one second). */
export function scaledPeriodMs(periodSeconds: number, timeScale: number): number {
  return Math.max(1000, Math.round((periodSeconds * 1000) / timeScale));
}

/** CloudWatch evaluates every minute, or every period when shorter; both divided by the time scale. */
export function evaluationCadenceMs(periodSeconds: number, timeScale: number): number {
  return scaledPeriodMs(Math.min(periodSeconds, 60), timeScale);
}

/** CloudWatch waits a little after a period ends before it counts it complete. */
export function evaluationDelayMs(periodMs: number): number {
  return Math.min(5000, Math.floor(periodMs / 10));
}

/** The periods an evaluation at `now` looks at: the last `count` complete ones, oldest first. */
export function evaluationWindow(now: number, periodMs: number, count: number): { startTime: number; endTime: number; periodStarts: number[] } {
  const endTime = Math.floor((now - evaluationDelayMs(periodMs)) / periodMs) * periodMs;
  const startTime = endTime - count * periodMs;
  const periodStarts: number[] = [];
  for (let t = startTime; t < endTime; t += periodMs) periodStarts.push(t);
  return { startTime, endTime, periodStarts };
}

export function isBreaching(value: number, operator: ComparisonOperator, threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      return false;
  }
}

export interface EvaluationOutcome {
  readonly state: AlarmState;
  readonly reason: string;
  readonly reasonData: string;
}

/** The least number of samples a percentile needs to be significant: 10 / (1 - p) from the median up, 10 / p below it. */
export function significantSampleCount(p: number): number {
  const fraction = p / 100;
  if (fraction >= 0.5) return fraction >= 1 ? Infinity : 10 / (1 - fraction);
  return fraction <= 0 ? Infinity : 10 / fraction;
}

/**
 * How many periods an evaluation retrieves: more than EvaluationPeriods, so
 * that missing datapoints can be skipped (the user guide's examples
 * retrieve 5 for 3 evaluation periods).
 */
export function evaluationRangePeriods(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

/**
 * The state the datapoints of the evaluation range (oldest first) put the
 * alarm in, by the CloudWatch user guide's rules, or undefined when the
 * alarm keeps its state (TreatMissingData=ignore where missing would give
 * INSUFFICIENT_DATA; a low-sample percentile with
 * EvaluateLowSampleCountPercentile=ignore):
 * - with at least N real datapoints in the range, the most recent N decide
 *   and TreatMissingData does not matter;
 * - with fewer, all real ones count and the rest of the N are missing ones,
 *   filled in as breaching or not breaching; with missing (and ignore), they
 *   are unknown: ALARM if the real breaching ones already reach M, OK if a
 *   real one does not breach, else INSUFFICIENT_DATA (ignore: no change).
 */
export function evaluateAlarm(alarm: AlarmRecord, points: readonly EvaluatedPoint[], now: number): EvaluationOutcome | undefined {
  const n = alarm.EvaluationPeriods;
  const m = alarm.DatapointsToAlarm ?? n;
  const treat = alarm.TreatMissingData ?? 'missing';
  const threshold = alarm.Threshold ?? 0;
  const operator = alarm.ComparisonOperator;
  const real = points.filter((point): point is EvaluatedPoint & { value: number } => point.value !== undefined);

  if (alarm.ExtendedStatistic && alarm.EvaluateLowSampleCountPercentile === 'ignore') {
    const stat = parseStatistic(alarm.ExtendedStatistic);
    const newest = real[real.length - 1];
    if (stat?.kind === 'percentile' && newest && (newest.sampleCount ?? 0) < significantSampleCount(stat.p)) return undefined;
  }

  const considered = real.length >= n ? real.slice(-n) : real;
  const missing = n - considered.length;
  const breaching = considered.filter((point) => isBreaching(point.value, operator, threshold));
  const notBreaching = considered.filter((point) => !isBreaching(point.value, operator, threshold));
  const reasonData = (): string =>
    JSON.stringify({
      version: '1.0',
      queryDate: dataTime(now),
      startDate: dataTime(points[0]?.timestamp ?? now),
      ...(alarm.Unit ? { unit: alarm.Unit } : {}),
      ...(alarm.Statistic ? { statistic: alarm.Statistic } : {}),
      ...(alarm.ExtendedStatistic ? { statistic: alarm.ExtendedStatistic } : {}),
      period: alarmPeriod(alarm),
      recentDatapoints: considered.map((point) => point.value),
      threshold,
      evaluatedDatapoints: [...considered].reverse().map((point) => ({
        timestamp: dataTime(point.timestamp),
        ...(point.sampleCount !== undefined ? { sampleCount: point.sampleCount } : {}),
        value: point.value,
      })),
    });

  let count = breaching.length;
  if (missing > 0 && treat === 'breaching') count += missing;
  if (missing > 0 && (treat === 'missing' || treat === 'ignore') && count < m && notBreaching.length === 0) {
    if (treat === 'ignore') return undefined;
    return { state: 'INSUFFICIENT_DATA', reason: insufficientDataReason(missing), reasonData: reasonData() };
  }

  const newestFirst = (list: readonly { timestamp: number; value: number }[]) => [...list].reverse();
  const outOf = m < n ? n : undefined;
  if (count >= m) {
    return {
      state: 'ALARM',
      reason: thresholdCrossedReason({ points: newestFirst(breaching), countShown: count, ...(outOf ? { outOf } : {}), operator, negated: false, threshold, ...(outOf ? { minimum: { count: m, from: 'OK', to: 'ALARM' } } : {}) }),
      reasonData: reasonData(),
    };
  }
  const shown = newestFirst(notBreaching);
  const reason =
    shown.length === 0
      ? `Threshold Crossed: no datapoints were ${OPERATOR_WORDS[operator]} the threshold (${javaDouble(threshold)}).`
      : thresholdCrossedReason({ points: shown, countShown: shown.length, ...(outOf ? { outOf } : {}), operator, negated: true, threshold, ...(outOf ? { minimum: { count: m, from: 'ALARM', to: 'OK' } } : {}) });
  return { state: 'OK', reason, reasonData: reasonData() };
}

export function actionsOf(alarm: Pick<AlarmRecord, 'OKActions' | 'AlarmActions' | 'InsufficientDataActions'>, state: AlarmState): readonly string[] {
  return state === 'OK' ? alarm.OKActions : state === 'ALARM' ? alarm.AlarmActions : alarm.InsufficientDataActions;
}

/**
 * The actions one evaluation invokes: every action of the state the alarm
 * entered; while it stays in ALARM, the ones `serves` (scaling policies)
 * again once a period, as AWS re-invokes scaling policies.
 */
export function actionsToInvoke(input: {
  readonly alarm: AlarmRecord;
  readonly state: AlarmState;
  readonly entered: boolean;
  readonly now: number;
  readonly periodMs: number;
  readonly serves: (arn: string) => boolean;
}): string[] {
  const { alarm } = input;
  if (!alarm.ActionsEnabled) return [];
  const actions = actionsOf(alarm, input.state);
  if (input.entered) return [...actions];
  if (input.state !== 'ALARM') return [];
  const last = alarm.wharf.lastActionsAt ?? alarm.StateTransitionedTimestamp;
  if (input.now - last < input.periodMs) return [];
  return actions.filter(input.serves);
}
