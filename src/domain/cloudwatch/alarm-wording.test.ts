import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionItem, configurationItem, historyId, stateUpdateItem } from './alarm-history.js';
import { dataTime, javaDouble, reasonTime, thresholdCrossedReason } from './alarm-wording.js';
import { planPutMetricAlarm } from './alarm-rules.js';

const T = Date.UTC(2026, 11, 2, 5, 10, 0);

test('times and numbers as CloudWatch prints them', () => {
  assert.equal(reasonTime(T), '02/12/26 05:10:00');
  assert.equal(dataTime(T), '2026-12-02T05:10:00.000+0000');
  assert.equal(javaDouble(70), '70.0');
  assert.equal(javaDouble(-3), '-3.0');
  assert.equal(javaDouble(75.2), '75.2');
  assert.equal(javaDouble(5.890436746986786), '5.890436746986786');
});

test('threshold crossed, one datapoint and M out of N', () => {
  assert.equal(
    thresholdCrossedReason({ points: [{ timestamp: T, value: 5.5 }], countShown: 1, operator: 'LessThanOrEqualToThreshold', negated: false, threshold: 70 }),
    'Threshold Crossed: 1 datapoint [5.5 (02/12/26 05:10:00)] was less than or equal to the threshold (70.0).',
  );
  assert.equal(
    thresholdCrossedReason({ points: [{ timestamp: T, value: 1 }], countShown: 1, outOf: 3, operator: 'GreaterThanOrEqualToThreshold', negated: true, threshold: 2, minimum: { count: 2, from: 'ALARM', to: 'OK' } }),
    'Threshold Crossed: 1 out of the last 3 datapoints [1.0 (02/12/26 05:10:00)] was not greater than or equal to the threshold (2.0) (minimum 2 datapoints for ALARM -> OK transition).',
  );
});

test('history items: summaries, data and time-ordered ids', () => {
  const alarm = planPutMetricAlarm({ AlarmName: 'a', MetricName: 'm', Namespace: 'n', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }, undefined, { partition: 'aws', region: 'us-east-1', account: '000000000000', now: T });
  assert.equal(configurationItem(alarm, 'created', T).HistorySummary, 'Alarm "a" created');
  const update = stateUpdateItem(alarm, { ...alarm, StateValue: 'ALARM', StateReason: 'r', StateReasonData: '{"x":1}' }, T);
  assert.equal(update.HistorySummary, 'Alarm updated from INSUFFICIENT_DATA to ALARM');
  assert.deepEqual(JSON.parse(update.HistoryData).newState, { stateValue: 'ALARM', stateReason: 'r', stateReasonData: { x: 1 } });
  const failed = actionItem('a', 'arn:aws:sns:us-east-1:000000000000:t', 'ALARM', T, T, 'nope');
  assert.equal(failed.HistorySummary, 'Failed to execute action arn:aws:sns:us-east-1:000000000000:t');
  assert.equal(JSON.parse(failed.HistoryData).actionState, 'Failed');
  assert.ok(historyId('a', 999, 'x') < historyId('a', 1000, 'a'));
});
