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

/** The least number of samples a percentile needs to be significant (CloudWatch's 10 / (1 - p)). */
export function significantSampleCount(p: number): number {
  return p >= 100 ? Infinity : 10 / (1 - p / 100);
}

/**
 * The state the datapoints put the alarm in, or undefined when the alarm
 * keeps its state (TreatMissingData=ignore with no data; a low-sample
 * percentile with EvaluateLowSampleCountPercentile=ignore).
 */
export function evaluateAlarm(alarm: AlarmRecord, points: readonly EvaluatedPoint[], now: number, periodMs: number): EvaluationOutcome | undefined {
  const n = alarm.EvaluationPeriods;
  const m = alarm.DatapointsToAlarm ?? n;
  const treat = alarm.TreatMissingData ?? 'missing';
  const threshold = alarm.Threshold ?? 0;
  const operator = alarm.ComparisonOperator;
  const present = points.filter((point): point is EvaluatedPoint & { value: number } => point.value !== undefined);
  const missing = points.length - present.length;

  if (alarm.ExtendedStatistic && alarm.EvaluateLowSampleCountPercentile === 'ignore') {
    const stat = parseStatistic(alarm.ExtendedStatistic);
    const newest = present[present.length - 1];
    if (stat?.kind === 'percentile' && newest && (newest.sampleCount ?? 0) < significantSampleCount(stat.p)) return undefined;
  }

  const breaching = present.filter((point) => isBreaching(point.value, operator, threshold));
  const notBreaching = present.filter((point) => !isBreaching(point.value, operator, threshold));
  const reasonData = (): string =>
    JSON.stringify({
      version: '1.0',
      queryDate: dataTime(now),
      startDate: dataTime(points[0]?.timestamp ?? now),
      ...(alarm.Unit ? { unit: alarm.Unit } : {}),
      ...(alarm.Statistic ? { statistic: alarm.Statistic } : {}),
      ...(alarm.ExtendedStatistic ? { statistic: alarm.ExtendedStatistic } : {}),
      period: alarmPeriod(alarm),
      recentDatapoints: present.map((point) => point.value),
      threshold,
      evaluatedDatapoints: [...present].reverse().map((point) => ({
        timestamp: dataTime(point.timestamp),
        ...(point.sampleCount !== undefined ? { sampleCount: point.sampleCount } : {}),
        value: point.value,
      })),
    });

  if (present.length === 0 && (treat === 'missing' || treat === 'ignore')) {
    if (treat === 'ignore') return undefined;
    return { state: 'INSUFFICIENT_DATA', reason: insufficientDataReason(missing), reasonData: reasonData() };
  }

  let count: number;
  let alarmed: boolean;
  if (treat === 'breaching') {
    count = breaching.length + missing;
    alarmed = count >= m;
  } else if (treat === 'notBreaching') {
    count = breaching.length;
    alarmed = count >= m;
  } else {
    // missing / ignore: only the datapoints present count; with fewer than M
    // of them, the alarm goes to ALARM when all of those present breach.
    count = breaching.length;
    alarmed = count > 0 && count >= Math.min(m, present.length);
  }

  const newestFirst = (list: readonly { timestamp: number; value: number }[]) => [...list].reverse();
  const outOf = m < n ? n : undefined;
  if (alarmed) {
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
