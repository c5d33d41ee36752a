import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '../errors.js';
import { checkStateReasonData, parseAlarmArn, planPutMetricAlarm, type PutMetricAlarmInput } from './alarm-rules.js';

const CTX = { partition: 'aws', region: 'us-east-1', account: '000000000000', now: 1000 };
const BASE: PutMetricAlarmInput = { AlarmName: 'a', MetricName: 'CPU', Namespace: 'App', Statistic: 'Average', Period: 60, EvaluationPeriods: 3, Threshold: 70, ComparisonOperator: 'GreaterThanThreshold' };

function refused(input: Partial<PutMetricAlarmInput>, message: RegExp, code = 'ValidationError'): void {
  assert.throws(
    () => planPutMetricAlarm({ ...BASE, ...input } as PutMetricAlarmInput, undefined, CTX),
    (error: unknown) => error instanceof AwsError && error.code === code && message.test(error.message),
  );
}

test('a new alarm starts INSUFFICIENT_DATA with its ARN; an update keeps state and tags', () => {
  const created = planPutMetricAlarm({ ...BASE, Tags: [{ Key: 'k', Value: 'v' }] }, undefined, CTX);
  assert.equal(created.AlarmArn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:a');
  assert.equal(created.StateValue, 'INSUFFICIENT_DATA');
  assert.equal(created.StateReason, 'Unchecked: Initial alarm creation');
  assert.equal(created.ActionsEnabled, true);
  const updated = planPutMetricAlarm({ ...BASE, Threshold: 80 }, { ...created, StateValue: 'ALARM' }, { ...CTX, now: 2000 });
  assert.equal(updated.StateValue, 'ALARM');
  assert.equal(updated.Threshold, 80);
  assert.deepEqual(updated.Tags, [{ Key: 'k', Value: 'v' }]);
});

test('statistic, metrics, periods, datapoints and action ARNs are checked', () => {
  refused({ Statistic: 'Avg' }, /enum value set/);
  refused({ Statistic: undefined }, /Statistic/);
  refused({ ExtendedStatistic: 'p99' }, /cannot both/);
  refused({ Statistic: undefined, ExtendedStatistic: 'q99' }, /not a valid extended statistic/);
  refused({ MetricName: undefined }, /^MetricName must not be null$/);
  refused({ Period: 45 }, /Period/);
  refused({ Period: 3600, EvaluationPeriods: 25 }, /more than a day/);
  refused({ DatapointsToAlarm: 4 }, /DatapointsToAlarm/);
  refused({ TreatMissingData: 'sometimes' }, /TreatMissingData/);
  refused({ AlarmActions: ['not-an-arn'] }, /^Invalid arn syntax: not-an-arn$/);
  refused({ Metrics: [{ Id: 'm1', MetricStat: { Metric: { Namespace: 'App', MetricName: 'CPU' }, Period: 60, Stat: 'Average' } }] }, /^MetricName should not be set if list of Metrics is set\.$/);
  const metricsOnly = { MetricName: undefined, Namespace: undefined, Statistic: undefined, Period: undefined };
  refused({ ...metricsOnly, Metrics: [{ Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: 'App', MetricName: 'CPU' }, Period: 60, Stat: 'Average' } }] }, /Exactly one element of the metrics list should return data/);
  const math = planPutMetricAlarm(
    { ...BASE, ...metricsOnly, Metrics: [{ Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: 'App', MetricName: 'CPU' }, Period: 60, Stat: 'Average' } }, { Id: 'e1', Expression: 'm1 * 2' }] } as PutMetricAlarmInput,
    undefined,
    CTX,
  );
  assert.equal(math.Metrics?.length, 2);
});

test('managed alarms are refused; alarm ARNs parse; reason data must be JSON', () => {
  const managed = { ...planPutMetricAlarm(BASE, undefined, CTX), wharf: { managedBy: 'arn:aws:autoscaling:...' } };
  assert.throws(() => planPutMetricAlarm(BASE, managed, CTX), /managed by Application Auto Scaling/);
  assert.deepEqual(parseAlarmArn('arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x:y'), { region: 'eu-west-1', account: '123456789012', name: 'x:y' });
  assert.equal(parseAlarmArn('arn:aws:sns:eu-west-1:123456789012:x'), undefined);
  assert.throws(() => checkStateReasonData('{nope'), (error: unknown) => error instanceof AwsError && error.code === 'InvalidFormat');
  checkStateReasonData('{"a":1}');
});
