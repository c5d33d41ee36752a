import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestWharf, waitFor, type TestWharf } from './harness.js';

/** A minute-aligned time well inside CloudWatch's two weeks, so periods are exact. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('CloudWatch metrics and alarms through the aws CLI (Query)', () => {
  let wharf: TestWharf;

  before(async () => {
    // A 60 s alarm period is one second of data.
    wharf = await startTestWharf({ WHARF_TIME_SCALE: '60' });
  });
  after(async () => {
    await wharf.stop();
  });

  test('put-metric-data then get-metric-statistics: exact sums, averages and percentiles per period', async () => {
    const data = [
      { MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'web' }], Timestamp: iso(BASE + 1000), Values: [10, 20, 30, 40], Counts: [1, 1, 1, 1], Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'web' }], Timestamp: iso(BASE + 2000), Value: 100, Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'web' }], Timestamp: iso(BASE + 61_000), Values: [5, 7], Counts: [2, 1], Unit: 'Milliseconds' },
    ];
    await wharf.aws(['cloudwatch', 'put-metric-data', '--namespace', 'Shop', '--metric-data', JSON.stringify(data)]);
    const range = ['--namespace', 'Shop', '--metric-name', 'Latency', '--dimensions', 'Name=Service,Value=web', '--start-time', iso(BASE), '--end-time', iso(BASE + 120_000), '--period', '60'];
    const stats = await wharf.aws(['cloudwatch', 'get-metric-statistics', ...range, '--statistics', 'Sum', 'Average', 'SampleCount', 'Minimum', 'Maximum']);
    assert.equal(stats.Label, 'Latency');
    const points = stats.Datapoints.sort((a: { Timestamp: string }, b: { Timestamp: string }) => a.Timestamp.localeCompare(b.Timestamp));
    assert.equal(points.length, 2);
    assert.equal(Date.parse(points[0].Timestamp), BASE);
    assert.deepEqual(
      points.map((p: Record<string, unknown>) => [p.Sum, p.Average, p.SampleCount, p.Minimum, p.Maximum, p.Unit]),
      [
        [200, 40, 5, 10, 100, 'Milliseconds'],
        [17, 17 / 3, 3, 5, 7, 'Milliseconds'],
      ],
    );
    const extended = await wharf.aws(['cloudwatch', 'get-metric-statistics', ...range, '--extended-statistics', 'p50', 'p90', 'tm20:80']);
    const first = extended.Datapoints.find((p: { Timestamp: string }) => Date.parse(p.Timestamp) === BASE);
    assert.deepEqual(first.ExtendedStatistics, { p50: 30, p90: 100, 'tm20:80': 30 });
    const other = await wharf.aws(['cloudwatch', 'get-metric-statistics', ...range, '--statistics', 'Sum', '--unit', 'Seconds']);
    assert.deepEqual(other.Datapoints, []);
  });

  test('get-metric-data with a metric math expression; list-metrics with filters', async () => {
    const data = [1, 2, 3].flatMap((n, i) => [
      { MetricName: 'Hits', Dimensions: [{ Name: 'Service', Value: 'api' }], Timestamp: iso(BASE + i * 60_000 + 1000), Value: n },
      { MetricName: 'Misses', Dimensions: [{ Name: 'Service', Value: 'api' }], Timestamp: iso(BASE + i * 60_000 + 1000), Value: n * 10 },
    ]);
    await wharf.aws(['cloudwatch', 'put-metric-data', '--namespace', 'Cache', '--metric-data', JSON.stringify(data)]);
    const stat = (id: string, name: string) => ({ Id: id, ReturnData: false, MetricStat: { Metric: { Namespace: 'Cache', MetricName: name, Dimensions: [{ Name: 'Service', Value: 'api' }] }, Period: 60, Stat: 'Sum' } });
    const queries = [stat('m1', 'Hits'), stat('m2', 'Misses'), { Id: 'ratio', Expression: '100 * m1 / (m1 + m2)', Label: 'Hit ratio' }, { Id: 'total', Expression: 'SUM(METRICS())' }];
    const result = await wharf.aws(['cloudwatch', 'get-metric-data', '--metric-data-queries', JSON.stringify(queries), '--start-time', iso(BASE), '--end-time', iso(BASE + 180_000), '--scan-by', 'TimestampAscending']);
    const byId = Object.fromEntries(result.MetricDataResults.map((r: { Id: string }) => [r.Id, r]));
    assert.deepEqual(Object.keys(byId).sort(), ['ratio', 'total']);
    assert.equal(byId.ratio.Label, 'Hit ratio');
    assert.equal(byId.ratio.StatusCode, 'Complete');
    assert.deepEqual(byId.ratio.Values.map((v: number) => Math.round(v * 1000) / 1000), [9.091, 9.091, 9.091]);
    assert.deepEqual(byId.total.Values, [11, 22, 33]);
    assert.deepEqual(byId.total.Timestamps.map((t: string) => Date.parse(t)), [BASE, BASE + 60_000, BASE + 120_000]);

    const unsupported = await wharf.awsFails(['cloudwatch', 'get-metric-data', '--metric-data-queries', JSON.stringify([stat('m1', 'Hits'), { Id: 'e1', Expression: 'ANOMALY_DETECTION_BAND(m1)' }]), '--start-time', iso(BASE), '--end-time', iso(BASE + 180_000)]);
    assert.match(unsupported.stderr, /\(ValidationError\) when calling the GetMetricData operation: Error in expression e1: Unsupported function in metric math expression: ANOMALY_DETECTION_BAND/);

    const listed = await wharf.aws(['cloudwatch', 'list-metrics', '--namespace', 'Cache']);
    assert.deepEqual(listed.Metrics.map((m: { MetricName: string }) => m.MetricName).sort(), ['Hits', 'Misses']);
    assert.deepEqual(listed.Metrics[0].Dimensions, [{ Name: 'Service', Value: 'api' }]);
    const byName = await wharf.aws(['cloudwatch', 'list-metrics', '--metric-name', 'Hits', '--dimensions', 'Name=Service']);
    assert.deepEqual(byName.Metrics.map((m: { Namespace: string }) => m.Namespace), ['Cache']);
    const none = await wharf.aws(['cloudwatch', 'list-metrics', '--dimensions', 'Name=Service,Value=nope']);
    assert.deepEqual(none.Metrics, []);
  });

  test('an alarm goes OK -> ALARM on data put, with history; set-alarm-state; tags; delete-alarms', async () => {
    await wharf.aws([
      'cloudwatch', 'put-metric-alarm', '--alarm-name', 'queue-deep', '--namespace', 'Jobs', '--metric-name', 'Depth', '--statistic', 'Maximum',
      '--period', '60', '--evaluation-periods', '3', '--datapoints-to-alarm', '2', '--threshold', '70', '--comparison-operator', 'GreaterThanThreshold',
      '--treat-missing-data', 'notBreaching', '--tags', 'Key=team,Value=jobs',
    ]);
    const described = await wharf.aws(['cloudwatch', 'describe-alarms', '--alarm-names', 'queue-deep']);
    assert.equal(described.MetricAlarms.length, 1);
    const created = described.MetricAlarms[0];
    assert.equal(created.AlarmArn, 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:queue-deep');
    assert.equal(created.Statistic, 'Maximum');
    assert.equal(created.DatapointsToAlarm, 2);
    assert.deepEqual(described.CompositeAlarms, []);

    const state = async () => (await wharf.aws(['cloudwatch', 'describe-alarms', '--alarm-names', 'queue-deep'])).MetricAlarms[0];
    // No data is not breaching: OK.
    const ok = await waitFor(state, (alarm) => alarm.StateValue === 'OK', 30_000, 'the alarm to go OK');
    assert.match(ok.StateReason, /^Threshold Crossed: no datapoints were greater than the threshold \(70\.0\)\.$/);

    // Points for the next 600 scaled periods (one second each) breach: ten minutes, so the alarm stays in
    // ALARM through the slow CLI calls below on a loaded machine (the data running out would send it back to OK).
    const now = Date.now();
    const points = Array.from({ length: 600 }, (_, i) => ({ MetricName: 'Depth', Timestamp: iso(now - 3000 + i * 1000), Value: 90, StorageResolution: 1 }));
    await wharf.aws(['cloudwatch', 'put-metric-data', '--namespace', 'Jobs', '--metric-data', JSON.stringify(points)]);
    const alarmed = await waitFor(state, (alarm) => alarm.StateValue === 'ALARM', 30_000, 'the alarm to go ALARM');
    assert.match(alarmed.StateReason, /^Threshold Crossed: 3 out of the last 3 datapoints \[90\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\), 90\.0 .*\] were greater than the threshold \(70\.0\) \(minimum 2 datapoints for OK -> ALARM transition\)\.$/);
    const reasonData = JSON.parse(alarmed.StateReasonData);
    assert.equal(reasonData.version, '1.0');
    assert.equal(reasonData.statistic, 'Maximum');
    assert.equal(reasonData.period, 60);
    assert.equal(reasonData.threshold, 70);
    assert.deepEqual(reasonData.recentDatapoints, [90, 90, 90]);

    const history = await wharf.aws(['cloudwatch', 'describe-alarm-history', '--alarm-name', 'queue-deep', '--history-item-type', 'StateUpdate']);
    assert.deepEqual(history.AlarmHistoryItems.map((h: { HistorySummary: string }) => h.HistorySummary), ['Alarm updated from OK to ALARM', 'Alarm updated from INSUFFICIENT_DATA to OK']);
    const data = JSON.parse(history.AlarmHistoryItems[0].HistoryData);
    assert.equal(data.oldState.stateValue, 'OK');
    assert.equal(data.newState.stateValue, 'ALARM');
    const all = await wharf.aws(['cloudwatch', 'describe-alarm-history', '--alarm-name', 'queue-deep', '--scan-by', 'TimestampAscending']);
    assert.equal(all.AlarmHistoryItems[0].HistorySummary, 'Alarm "queue-deep" created');

    const inAlarm = await wharf.aws(['cloudwatch', 'describe-alarms', '--state-value', 'ALARM', '--alarm-name-prefix', 'queue-']);
    assert.deepEqual(inAlarm.MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName), ['queue-deep']);
    const forMetric = await wharf.aws(['cloudwatch', 'describe-alarms-for-metric', '--namespace', 'Jobs', '--metric-name', 'Depth']);
    assert.equal(forMetric.MetricAlarms.length, 1);

    await wharf.aws(['cloudwatch', 'disable-alarm-actions', '--alarm-names', 'queue-deep']);
    await wharf.aws(['cloudwatch', 'set-alarm-state', '--alarm-name', 'queue-deep', '--state-value', 'OK', '--state-reason', 'testing', '--state-reason-data', '{"by":"test"}']);
    // The state set stands until the next evaluation, which, on breaching data, puts it back in ALARM.
    const setItems = await wharf.aws(['cloudwatch', 'describe-alarm-history', '--alarm-name', 'queue-deep', '--history-item-type', 'StateUpdate']);
    const setItem = setItems.AlarmHistoryItems.find((h: { HistorySummary: string }) => h.HistorySummary === 'Alarm updated from ALARM to OK');
    assert.ok(setItem, 'set-alarm-state leaves a StateUpdate item');
    assert.equal(JSON.parse(setItem.HistoryData).newState.stateReason, 'testing');
    assert.deepEqual(JSON.parse(setItem.HistoryData).newState.stateReasonData, { by: 'test' });
    const back = await waitFor(state, (alarm) => alarm.StateValue === 'ALARM', 30_000, 'the evaluator to put the alarm back in ALARM');
    assert.equal(back.ActionsEnabled, false);
    const badJson = await wharf.awsFails(['cloudwatch', 'set-alarm-state', '--alarm-name', 'queue-deep', '--state-value', 'OK', '--state-reason', 'x', '--state-reason-data', '{nope']);
    assert.match(badJson.stderr, /\(InvalidFormat\) when calling the SetAlarmState operation/);

    const tags = await wharf.aws(['cloudwatch', 'list-tags-for-resource', '--resource-arn', created.AlarmArn]);
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'jobs' }]);
    await wharf.aws(['cloudwatch', 'tag-resource', '--resource-arn', created.AlarmArn, '--tags', 'Key=tier,Value=1']);
    await wharf.aws(['cloudwatch', 'untag-resource', '--resource-arn', created.AlarmArn, '--tag-keys', 'team']);
    assert.deepEqual((await wharf.aws(['cloudwatch', 'list-tags-for-resource', '--resource-arn', created.AlarmArn])).Tags, [{ Key: 'tier', Value: '1' }]);

    await wharf.aws(['cloudwatch', 'delete-alarms', '--alarm-names', 'queue-deep']);
    assert.deepEqual((await wharf.aws(['cloudwatch', 'describe-alarms'])).MetricAlarms, []);
  });

  test("errors carry CloudWatch's codes and messages", async () => {
    const namespace = await wharf.awsFails(['cloudwatch', 'put-metric-data', '--namespace', 'AWS/EC2', '--metric-name', 'CPU', '--value', '1']);
    assert.match(namespace.stderr, /\(InvalidParameterValue\) when calling the PutMetricData operation: The value AWS\/EC2 for parameter Namespace is invalid\./);
    const statistic = await wharf.awsFails([
      'cloudwatch', 'put-metric-alarm', '--alarm-name', 'x', '--namespace', 'Jobs', '--metric-name', 'Depth', '--statistic', 'Avg',
      '--period', '60', '--evaluation-periods', '1', '--threshold', '1', '--comparison-operator', 'GreaterThanThreshold',
    ]);
    assert.match(statistic.stderr, /\(ValidationError\) when calling the PutMetricAlarm operation: 1 validation error detected: Value 'Avg' at '[sS]tatistic' failed to satisfy constraint: Member must satisfy enum value set: \[/);
    const missing = await wharf.awsFails(['cloudwatch', 'set-alarm-state', '--alarm-name', 'nope', '--state-value', 'OK', '--state-reason', 'x']);
    assert.match(missing.stderr, /\(ResourceNotFound\) when calling the SetAlarmState operation: Alarm nope not found/);
    const mixed = await wharf.awsFails(['cloudwatch', 'get-metric-statistics', '--namespace', 'Shop', '--metric-name', 'Latency', '--start-time', iso(BASE), '--end-time', iso(BASE + 60_000 * 1441), '--period', '60', '--statistics', 'Sum']);
    assert.match(mixed.stderr, /\(InvalidParameterCombination\) when calling the GetMetricStatistics operation: You have requested up to 1,441 datapoints, which exceeds the limit of 1,440\./);
    const arn = await wharf.awsFails([
      'cloudwatch', 'put-metric-alarm', '--alarm-name', 'x', '--namespace', 'Jobs', '--metric-name', 'Depth', '--statistic', 'Average',
      '--period', '60', '--evaluation-periods', '1', '--threshold', '1', '--comparison-operator', 'GreaterThanThreshold', '--alarm-actions', 'sns-topic',
    ]);
    assert.match(arn.stderr, /\(ValidationError\) when calling the PutMetricAlarm operation: Invalid arn syntax: sns-topic/);
  });
});
