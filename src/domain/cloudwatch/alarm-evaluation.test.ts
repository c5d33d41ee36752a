import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmRecord, AlarmState, TreatMissingData } from './alarm-record.js';
import { actionsToInvoke, evaluateAlarm, significantSampleCount, evaluationCadenceMs, evaluationWindow, isBreaching, scaledPeriodMs, type EvaluatedPoint } from './alarm-evaluation.js';

const T0 = Date.UTC(2026, 11, 2, 5, 8, 0);
const MIN = 60_000;

function alarm(overrides: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    AlarmName: 'high-cpu',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:high-cpu',
    AlarmConfigurationUpdatedTimestamp: 0,
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    StateValue: 'INSUFFICIENT_DATA',
    StateReason: 'Unchecked: Initial alarm creation',
    StateUpdatedTimestamp: 0,
    StateTransitionedTimestamp: 0,
    MetricName: 'CPUUtilization',
    Namespace: 'App',
    Statistic: 'Average',
    Dimensions: [],
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: 70,
    ComparisonOperator: 'GreaterThanThreshold',
    Tags: [],
    wharf: {},
    ...overrides,
  };
}

/** "0" not breaching, "X" breaching, "-" missing; oldest first. */
function points(pattern: string): EvaluatedPoint[] {
  return [...pattern.replace(/ /g, '')].map((ch, i) => ({ timestamp: T0 + i * MIN, ...(ch === '-' ? {} : { value: ch === 'X' ? 80 : 10, sampleCount: 1 }) }));
}

test('the evaluation window is the last N complete periods, skipping the current one and a short delay', () => {
  const now = T0 + 3 * MIN + 2_000; // 2 s into the 4th minute: still inside the delay of the 3rd
  assert.deepEqual(evaluationWindow(now, MIN, 3).periodStarts, [T0 - MIN, T0, T0 + MIN]);
  assert.deepEqual(evaluationWindow(T0 + 3 * MIN + 6_000, MIN, 3).periodStarts, [T0, T0 + MIN, T0 + 2 * MIN]);
  assert.equal(scaledPeriodMs(60, 60), 1000);
  assert.equal(scaledPeriodMs(60, 600), 1000);
  assert.equal(scaledPeriodMs(300, 10), 30_000);
  assert.equal(evaluationCadenceMs(300, 1), 60_000);
  assert.equal(evaluationCadenceMs(10, 1), 10_000);
  assert.equal(evaluationCadenceMs(60, 30), 2000);
});

test('every comparison operator', () => {
  assert.equal(isBreaching(70, 'GreaterThanThreshold', 70), false);
  assert.equal(isBreaching(70, 'GreaterThanOrEqualToThreshold', 70), true);
  assert.equal(isBreaching(70, 'LessThanThreshold', 70), false);
  assert.equal(isBreaching(70, 'LessThanOrEqualToThreshold', 70), true);
  assert.equal(isBreaching(69, 'LessThanThreshold', 70), true);
  assert.equal(isBreaching(71, 'GreaterThanThreshold', 70), true);
});

// The CloudWatch user guide's two tables: the 5 most recent periods of 3-period alarms, oldest first.
const TABLES: [number, string, Record<TreatMissingData, AlarmState | 'keep'>][] = [
  [3, '0 - X - X', { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' }],
  [3, '0 - - - -', { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' }],
  [3, '- - - - -', { missing: 'INSUFFICIENT_DATA', ignore: 'keep', breaching: 'ALARM', notBreaching: 'OK' }],
  [3, '0 X X - X', { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'ALARM' }],
  [3, '- - - - X', { missing: 'INSUFFICIENT_DATA', ignore: 'keep', breaching: 'ALARM', notBreaching: 'OK' }],
  [2, '0 - X - X', { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'ALARM' }],
  [2, '0 0 X 0 X', { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'ALARM' }],
  [2, '0 - X - -', { missing: 'OK', ignore: 'OK', breaching: 'ALARM', notBreaching: 'OK' }],
  [2, '- - - - 0', { missing: 'OK', ignore: 'OK', breaching: 'ALARM', notBreaching: 'OK' }],
  [2, '- - - - X', { missing: 'INSUFFICIENT_DATA', ignore: 'keep', breaching: 'ALARM', notBreaching: 'OK' }],
];

for (const [m, pattern, expected] of TABLES) {
  for (const treat of Object.keys(expected) as TreatMissingData[]) {
    test(`M=${m} N=3 ${pattern} with ${treat}: ${expected[treat]}`, () => {
      const outcome = evaluateAlarm(alarm({ EvaluationPeriods: 3, DatapointsToAlarm: m, TreatMissingData: treat, StateValue: 'OK' }), points(pattern), T0 + 6 * MIN);
      assert.equal(outcome?.state ?? 'keep', expected[treat]);
    });
  }
}

test('state reasons are in CloudWatch words, newest datapoint first', () => {
  const data = [75.2, 74, 72.1].map((value, i) => ({ timestamp: T0 + i * MIN, value, sampleCount: 1 }));
  const outcome = evaluateAlarm(alarm(), data, T0 + 3 * MIN + 10_000)!;
  assert.equal(outcome.state, 'ALARM');
  assert.equal(outcome.reason, 'Threshold Crossed: 3 datapoints [72.1 (02/12/26 05:10:00), 74.0 (02/12/26 05:09:00), 75.2 (02/12/26 05:08:00)] were greater than the threshold (70.0).');
  const reasonData = JSON.parse(outcome.reasonData);
  assert.equal(reasonData.version, '1.0');
  assert.equal(reasonData.queryDate, '2026-12-02T05:11:10.000+0000');
  assert.equal(reasonData.startDate, '2026-12-02T05:08:00.000+0000');
  assert.equal(reasonData.statistic, 'Average');
  assert.equal(reasonData.period, 60);
  assert.deepEqual(reasonData.recentDatapoints, [75.2, 74, 72.1]);
  assert.equal(reasonData.threshold, 70);
  assert.deepEqual(reasonData.evaluatedDatapoints[0], { timestamp: '2026-12-02T05:10:00.000+0000', sampleCount: 1, value: 72.1 });

  const ok = evaluateAlarm(alarm({ EvaluationPeriods: 1 }), [{ timestamp: T0, value: 5, sampleCount: 1 }], T0 + MIN + 10_000)!;
  assert.equal(ok.reason, 'Threshold Crossed: 1 datapoint [5.0 (02/12/26 05:08:00)] was not greater than the threshold (70.0).');

  const partial = evaluateAlarm(alarm({ DatapointsToAlarm: 2, ComparisonOperator: 'LessThanOrEqualToThreshold', Threshold: 20 }), points('0 0 X'), T0 + 4 * MIN)!;
  assert.equal(partial.state, 'ALARM');
  assert.equal(partial.reason, 'Threshold Crossed: 2 out of the last 3 datapoints [10.0 (02/12/26 05:09:00), 10.0 (02/12/26 05:08:00)] were less than or equal to the threshold (20.0) (minimum 2 datapoints for OK -> ALARM transition).');

  const none = evaluateAlarm(alarm(), points('- - -'), T0 + 4 * MIN)!;
  assert.equal(none.state, 'INSUFFICIENT_DATA');
  assert.equal(none.reason, 'Insufficient Data: 3 datapoints were unknown.');
});

test('a low-sample percentile keeps the state when EvaluateLowSampleCountPercentile is ignore', () => {
  const p99 = alarm({ Statistic: undefined, ExtendedStatistic: 'p99', EvaluationPeriods: 1 });
  const few = [{ timestamp: T0, value: 90, sampleCount: 50 }];
  const many = [{ timestamp: T0, value: 90, sampleCount: 1000 }];
  assert.equal(evaluateAlarm({ ...p99, EvaluateLowSampleCountPercentile: 'ignore' }, few, T0 + MIN + 10_000), undefined);
  assert.equal(evaluateAlarm({ ...p99, EvaluateLowSampleCountPercentile: 'ignore' }, many, T0 + MIN + 10_000)?.state, 'ALARM');
  assert.equal(evaluateAlarm({ ...p99, EvaluateLowSampleCountPercentile: 'evaluate' }, few, T0 + MIN + 10_000)?.state, 'ALARM');
  assert.equal(Math.round(significantSampleCount(99)), 1000);
  assert.equal(significantSampleCount(50), 20);
  assert.equal(significantSampleCount(10), 100);
});

test('actions: all of the entered state; in ALARM the served ones again once a period; none when disabled', () => {
  const served = (arn: string) => arn.includes(':autoscaling:');
  const policy = 'arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:x';
  const topic = 'arn:aws:sns:us-east-1:000000000000:t';
  const base = alarm({ AlarmActions: [policy, topic], OKActions: [topic], StateValue: 'ALARM', StateTransitionedTimestamp: T0, wharf: { lastActionsAt: T0 } });
  assert.deepEqual(actionsToInvoke({ alarm: base, state: 'ALARM', entered: true, now: T0, periodMs: MIN, serves: served }), [policy, topic]);
  assert.deepEqual(actionsToInvoke({ alarm: base, state: 'OK', entered: true, now: T0, periodMs: MIN, serves: served }), [topic]);
  assert.deepEqual(actionsToInvoke({ alarm: base, state: 'ALARM', entered: false, now: T0 + 30_000, periodMs: MIN, serves: served }), []);
  assert.deepEqual(actionsToInvoke({ alarm: base, state: 'ALARM', entered: false, now: T0 + MIN, periodMs: MIN, serves: served }), [policy]);
  assert.deepEqual(actionsToInvoke({ alarm: { ...base, ActionsEnabled: false }, state: 'ALARM', entered: true, now: T0, periodMs: MIN, serves: served }), []);
});
