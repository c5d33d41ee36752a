import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmRecord } from '../cloudwatch/alarm-record.js';
import type { ScalingPolicyRecord, TargetTrackingConfiguration } from './records.js';
import { alarmKind, checkTargetTracking, parseResourceLabel, trackingAlarms, trackingCapacity } from './target-tracking.js';

const ARN = 'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:abc:resource/ecs/service/prod/web:policyName/cpu';

function policy(config: TargetTrackingConfiguration): ScalingPolicyRecord {
  return {
    ServiceNamespace: 'ecs',
    ResourceId: 'service/prod/web',
    ScalableDimension: 'ecs:service:DesiredCount',
    PolicyARN: ARN,
    PolicyName: 'cpu',
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: config,
    Alarms: [],
    CreationTime: 0,
  };
}

let counter = 0;
const ids = { alarmArn: (name: string) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`, uuid: () => `0000000${++counter}-aaaa-bbbb-cccc-dddddddddddd` };
const CPU = { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } };

test('target tracking on ECS CPU makes AWS\'s two alarms: high > target for 3 x 60 s, low < 90 % for 15 x 60 s', () => {
  const [high, low] = trackingAlarms(policy(CPU), [], 1000, ids);
  assert.match(high!.AlarmName, /^TargetTracking-service\/prod\/web-AlarmHigh-[0-9a-f-]+$/);
  assert.match(low!.AlarmName, /^TargetTracking-service\/prod\/web-AlarmLow-[0-9a-f-]+$/);
  assert.deepEqual(
    { ns: high!.Namespace, metric: high!.MetricName, stat: high!.Statistic, dims: high!.Dimensions, period: high!.Period, n: high!.EvaluationPeriods, op: high!.ComparisonOperator, t: high!.Threshold },
    { ns: 'AWS/ECS', metric: 'CPUUtilization', stat: 'Average', dims: [{ Name: 'ClusterName', Value: 'prod' }, { Name: 'ServiceName', Value: 'web' }], period: 60, n: 3, op: 'GreaterThanThreshold', t: 70 },
  );
  assert.deepEqual({ n: low!.EvaluationPeriods, op: low!.ComparisonOperator, t: low!.Threshold }, { n: 15, op: 'LessThanThreshold', t: 63 });
  for (const alarm of [high!, low!]) {
    assert.deepEqual(alarm.AlarmActions, [ARN]);
    assert.equal(alarm.wharf.managedBy, ARN);
    assert.equal(alarm.AlarmDescription, `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${ARN}.`);
    assert.equal(alarm.StateValue, 'INSUFFICIENT_DATA');
    assert.equal(alarm.AlarmArn, ids.alarmArn(alarm.AlarmName));
  }
});

test('memory and ALB request count use their metrics; DisableScaleIn makes no low alarm', () => {
  const [memory] = trackingAlarms(policy({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' } }), [], 0, ids);
  assert.equal(memory!.MetricName, 'MemoryUtilization');
  const label = 'app/my-alb/0123456789abcdef/targetgroup/web/fedcba9876543210';
  const alb = trackingAlarms(policy({ TargetValue: 1000, DisableScaleIn: true, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: label } }), [], 0, ids);
  assert.equal(alb.length, 1);
  assert.deepEqual([alb[0]!.Namespace, alb[0]!.MetricName, alb[0]!.Statistic, alb[0]!.Dimensions], ['AWS/ApplicationELB', 'RequestCountPerTarget', 'Sum', [{ Name: 'TargetGroup', Value: 'targetgroup/web/fedcba9876543210' }]]);
});

test('an update keeps the alarms\' names, arns and states and rewrites the thresholds', () => {
  const [high, low] = trackingAlarms(policy(CPU), [], 0, ids);
  const inAlarm: AlarmRecord = { ...high!, StateValue: 'ALARM', StateReason: 'Threshold Crossed' };
  const updated = trackingAlarms(policy({ ...CPU, TargetValue: 50 }), [inAlarm, low!], 5, ids);
  assert.deepEqual(updated.map((a) => a.AlarmName), [high!.AlarmName, low!.AlarmName]);
  assert.equal(updated[0]!.StateValue, 'ALARM');
  assert.equal(updated[0]!.Threshold, 50);
  assert.equal(updated[1]!.Threshold, 45);
  assert.equal(updated[0]!.AlarmConfigurationUpdatedTimestamp, 5);
});

test('customized metrics: a single metric with its statistic, or metric math with one returned query', () => {
  const [single] = trackingAlarms(policy({ TargetValue: 10, CustomizedMetricSpecification: { Namespace: 'App', MetricName: 'Backlog', Statistic: 'Average', Dimensions: [{ Name: 'Q', Value: 'jobs' }] } }), [], 0, ids);
  assert.deepEqual([single!.Namespace, single!.MetricName, single!.Statistic, single!.Dimensions], ['App', 'Backlog', 'Average', [{ Name: 'Q', Value: 'jobs' }]]);
  const math = {
    TargetValue: 100,
    CustomizedMetricSpecification: {
      Metrics: [
        { Id: 'm1', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Backlog' }, Stat: 'Sum' }, ReturnData: false },
        { Id: 'e1', Expression: 'm1 / 2' },
      ],
    },
  };
  checkTargetTracking(math);
  const [withMath] = trackingAlarms(policy(math), [], 0, ids);
  assert.equal(withMath!.Period, undefined);
  assert.deepEqual(withMath!.Metrics!.map((q) => [q.Id, q.ReturnData, q.MetricStat?.Period]), [['m1', false, 60], ['e1', true, undefined]]);
});

test('PutScalingPolicy\'s checks of a target tracking configuration', () => {
  const bad: [unknown, RegExp][] = [
    [undefined, /required/],
    [{ TargetValue: 0, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }, /greater than 0/],
    [{ TargetValue: 70 }, /Exactly one/],
    [{ TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'DynamoDBReadCapacityUtilization' } }, /Unsupported predefined metric/],
    [{ TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } }, /ResourceLabel must be specified/],
    [{ TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'targetgroup/web/1' } }, /Invalid resource label/],
    [{ TargetValue: 70, CustomizedMetricSpecification: { MetricName: 'X' } }, /needs MetricName, Namespace and Statistic/],
    [{ TargetValue: 70, CustomizedMetricSpecification: { Metrics: [{ Id: 'a', Expression: '1' }, { Id: 'b', Expression: '2' }] } }, /Exactly one metric data query/],
    [{ ...CPU, ScaleInCooldown: -1 }, /ScaleInCooldown/],
  ];
  for (const [config, message] of bad) {
    assert.throws(() => checkTargetTracking(config as TargetTrackingConfiguration), (error: Error & { code?: string }) => error.code === 'ValidationException' && message.test(error.message));
  }
  assert.doesNotThrow(() => checkTargetTracking({ ...CPU, ScaleInCooldown: 300, ScaleOutCooldown: 60 }));
  assert.deepEqual(parseResourceLabel('app/a/0123456789abcdef/targetgroup/b/0123456789abcdef'), { loadBalancer: 'app/a/0123456789abcdef', targetGroup: 'targetgroup/b/0123456789abcdef' });
});

test('new capacity is running x metric / target rounded up, both ways', () => {
  assert.equal(trackingCapacity(2, 100, 70), 3); // 2.86 -> 3
  assert.equal(trackingCapacity(4, 140, 70), 8);
  assert.equal(trackingCapacity(3, 70, 70), 3); // no float creep to 4
  assert.equal(trackingCapacity(10, 20, 70), 3); // in: 2.86 -> 3, so the metric stays under the target
  assert.equal(trackingCapacity(4, 69.9, 70), 4);
  assert.equal(trackingCapacity(0, 100, 70), 1); // from nothing, one task
  assert.equal(trackingCapacity(0, 0, 70), 0);
});

test('alarm names tell high from low', () => {
  assert.equal(alarmKind('TargetTracking-service/a/b-AlarmHigh-1e2f3a4b-0000-4000-8000-000000000000'), 'AlarmHigh');
  assert.equal(alarmKind('TargetTracking-service/a/b-AlarmLow-1e2f3a4b-0000-4000-8000-000000000000'), 'AlarmLow');
  assert.equal(alarmKind('my-own-alarm'), undefined);
});
