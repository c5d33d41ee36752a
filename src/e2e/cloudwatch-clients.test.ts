import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_KEY } from '../cli/config.js';
import { boto3 as runBoto3, startTestWharf, waitFor, type TestWharf } from './harness.js';

/** A minute-aligned time inside CloudWatch's two weeks. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;

/**
 * The key CloudWatch calls through boto3 (AWS JSON 1.0, and Smithy RPC v2
 * CBOR by putting it first in botocore's protocol ranking) and the SDK for
 * JavaScript v3 (AWS JSON 1.0): the same answers as through the aws CLI.
 */
describe('CloudWatch through boto3 and the SDK v3', () => {
  let wharf: TestWharf;
  let cw: CloudWatchClient;

  before(async () => {
    wharf = await startTestWharf({ WHARF_TIME_SCALE: '60' });
    cw = new CloudWatchClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 });
  });
  after(async () => {
    cw.destroy();
    await wharf.stop();
  });

  /** boto3 with `cw`, a CloudWatch client speaking `protocol`, and BASE, the tests' base time. */
  const boto3 = (protocol: 'smithy-rpc-v2-cbor' | 'json', script: string) =>
    runBoto3(wharf, `cw = client('cloudwatch')\nBASE = datetime.datetime.fromtimestamp(${BASE / 1000}, tz=datetime.timezone.utc)\n${script.trim()}`, [`botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = (${JSON.stringify(protocol)}, 'query')`]);

  for (const protocol of ['smithy-rpc-v2-cbor', 'json'] as const) {
    test(`boto3 (${protocol}): put-metric-data, statistics, metric math, alarms and errors`, async () => {
      const ns = `Boto/${protocol}`;
      const result = await boto3(
        protocol,
        `
ns = ${JSON.stringify(ns)}
cw.put_metric_data(Namespace=ns, MetricData=[
    {'MetricName': 'Req', 'Timestamp': BASE + datetime.timedelta(seconds=1), 'Values': [1.0, 3.0], 'Counts': [2, 2], 'Unit': 'Count'},
    {'MetricName': 'Req', 'Timestamp': BASE + datetime.timedelta(seconds=61), 'Value': 8.0, 'Unit': 'Count'},
])
stats = cw.get_metric_statistics(Namespace=ns, MetricName='Req', StartTime=BASE, EndTime=BASE + datetime.timedelta(seconds=120), Period=60, Statistics=['Sum', 'Average'], Unit='Count')
points = sorted(stats['Datapoints'], key=lambda p: p['Timestamp'])
data = cw.get_metric_data(StartTime=BASE, EndTime=BASE + datetime.timedelta(seconds=120), ScanBy='TimestampAscending', MetricDataQueries=[
    {'Id': 'm1', 'ReturnData': False, 'MetricStat': {'Metric': {'Namespace': ns, 'MetricName': 'Req'}, 'Period': 60, 'Stat': 'Sum'}},
    {'Id': 'e1', 'Expression': 'm1 * 10 + 1'},
])
cw.put_metric_alarm(AlarmName='boto-' + ns, Namespace=ns, MetricName='Req', Statistic='Sum', Period=60, EvaluationPeriods=1, Threshold=5, ComparisonOperator='GreaterThanThreshold')
alarms = cw.describe_alarms(AlarmNamePrefix='boto-' + ns)['MetricAlarms']
out({
  'points': [[p['Timestamp'], p['Sum'], p['Average']] for p in points],
  'math': [[r['Id'], r['Values'], r['StatusCode'], type(r['Timestamps'][0]).__name__] for r in data['MetricDataResults']],
  'alarm': [alarms[0]['AlarmName'], alarms[0]['StateValue'], alarms[0]['Threshold'], type(alarms[0]['StateUpdatedTimestamp']).__name__],
  'errors': [
      err(lambda: cw.put_metric_data(Namespace='AWS/ECS', MetricData=[{'MetricName': 'x', 'Value': 1}])),
      err(lambda: cw.set_alarm_state(AlarmName='nope', StateValue='OK', StateReason='x')),
      err(lambda: cw.get_metric_statistics(Namespace=ns, MetricName='Req', StartTime=BASE, EndTime=BASE + datetime.timedelta(seconds=60), Period=60, ExtendedStatistics=['q50'])),
  ],
})
`,
      );
      const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');
      assert.deepEqual(result.points, [
        [at(BASE), 8, 2],
        [at(BASE + 60_000), 8, 8],
      ]);
      assert.deepEqual(result.math, [['e1', [81, 81], 'Complete', 'datetime']]);
      assert.deepEqual(result.alarm, [`boto-${ns}`, 'INSUFFICIENT_DATA', 5, 'datetime']);
      assert.deepEqual(result.errors, [
        ['InvalidParameterValue', 'The value AWS/ECS for parameter Namespace is invalid.'],
        ['ResourceNotFound', 'Alarm nope not found'],
        ['InvalidParameterValue', 'The value q50 for parameter ExtendedStatistics.member.1 is not a valid extended statistic.'],
      ]);
    });
  }

  test('SDK v3: statistics, metric math, an alarm going to ALARM with history, errors', async () => {
    const ns = 'Sdk/Test';
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: 'Busy', Timestamp: new Date(BASE + 1000), Values: [10, 20, 30, 40, 50], Unit: 'Percent' },
          { MetricName: 'Busy', Timestamp: new Date(BASE + 2000), StatisticValues: { SampleCount: 5, Sum: 50, Minimum: 1, Maximum: 19 }, Unit: 'Percent' },
        ],
      }),
    );
    const stats = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: 'Busy', StartTime: new Date(BASE), EndTime: new Date(BASE + 60_000), Period: 60, Statistics: ['Sum', 'SampleCount', 'Minimum', 'Maximum', 'Average'] }));
    assert.deepEqual(
      stats.Datapoints?.map((p) => [p.Timestamp?.getTime(), p.Sum, p.SampleCount, p.Minimum, p.Maximum, p.Average, p.Unit]),
      [[BASE, 200, 10, 1, 50, 20, 'Percent']],
    );
    const math = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(BASE),
        EndTime: new Date(BASE + 60_000),
        MetricDataQueries: [
          { Id: 'busy', ReturnData: false, MetricStat: { Metric: { Namespace: ns, MetricName: 'Busy' }, Period: 60, Stat: 'Average' } },
          { Id: 'idle', Expression: '100 - busy', Label: 'Idle' },
        ],
      }),
    );
    assert.deepEqual(math.MetricDataResults?.map((r) => [r.Id, r.Label, r.Values, r.Timestamps?.map((t) => t.getTime())]), [['idle', 'Idle', [80], [BASE]]]);

    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'sdk-busy',
        Namespace: ns,
        MetricName: 'Load',
        ExtendedStatistic: 'p90',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 50,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      }),
    );
    // One second of scaled period: values for the next 30 of them, p90 = 90.
    const now = Date.now();
    await cw.send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: Array.from({ length: 30 }, (_, i) => ({ MetricName: 'Load', Timestamp: new Date(now - 2000 + i * 1000), Values: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], StorageResolution: 1 })),
      }),
    );
    const alarm = await waitFor(
      async () => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['sdk-busy'] }))).MetricAlarms?.[0],
      (a) => a?.StateValue === 'ALARM',
      20_000,
      'the p90 alarm to go ALARM',
    );
    assert.match(alarm!.StateReason!, /^Threshold Crossed: 1 datapoint \[90\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than or equal to the threshold \(50\.0\)\.$/);
    assert.ok(alarm!.StateUpdatedTimestamp instanceof Date);
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'sdk-busy', HistoryItemType: 'StateUpdate' }));
    assert.equal(history.AlarmHistoryItems?.[0]?.HistorySummary, 'Alarm updated from INSUFFICIENT_DATA to ALARM');

    await assert.rejects(cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(error.name, 'ResourceNotFound');
      assert.equal(error.message, 'Alarm nope not found');
      assert.equal(error.$metadata?.httpStatusCode, 404);
      return true;
    });
    await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'AWS/ECS', MetricData: [{ MetricName: 'x', Value: 1 }] })), (error: Error) => {
      assert.equal(error.name, 'InvalidParameterValueException');
      assert.equal(error.message, 'The value AWS/ECS for parameter Namespace is invalid.');
      return true;
    });
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['sdk-busy'] }));
    assert.deepEqual((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['sdk-busy'] }))).MetricAlarms, []);
  });

  test('SDK v3: GetMetricData and DescribeAlarms page; an alarm keeps its state and history across a restart', async () => {
    const ns = 'Sdk/Paging';
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [0, 1, 2].map((i) => ({ MetricName: 'N', Timestamp: new Date(BASE + i * 60_000 + 1000), Value: i + 1 })) }));
    const query = { StartTime: new Date(BASE), EndTime: new Date(BASE + 180_000), MaxDatapoints: 2, MetricDataQueries: [{ Id: 'n', MetricStat: { Metric: { Namespace: ns, MetricName: 'N' }, Period: 60, Stat: 'Sum' } }] };
    const first = await cw.send(new GetMetricDataCommand(query));
    assert.deepEqual(first.MetricDataResults?.map((r) => [r.Values, r.StatusCode]), [[[3, 2], 'PartialData']]);
    assert.ok(first.NextToken);
    const second = await cw.send(new GetMetricDataCommand({ ...query, NextToken: first.NextToken }));
    assert.deepEqual(second.MetricDataResults?.map((r) => [r.Values, r.StatusCode]), [[[1], 'Complete']]);
    assert.equal(second.NextToken, undefined);

    for (const name of ['page-a', 'page-b', 'page-c']) {
      await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: ns, MetricName: 'Hot', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'ignore' }));
    }
    const page1 = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'page-', MaxRecords: 2 }));
    const page2 = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'page-', MaxRecords: 2, NextToken: page1.NextToken }));
    assert.deepEqual([...(page1.MetricAlarms ?? []), ...(page2.MetricAlarms ?? [])].map((a) => a.AlarmName), ['page-a', 'page-b', 'page-c']);
    assert.equal(page2.NextToken, undefined);

    const now = Date.now();
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: Array.from({ length: 60 }, (_, i) => ({ MetricName: 'Hot', Timestamp: new Date(now - 2000 + i * 1000), Value: 5, StorageResolution: 1 })) }));
    const stateOf = async () => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['page-a'] }))).MetricAlarms?.[0];
    const alarmed = await waitFor(stateOf, (a) => a?.StateValue === 'ALARM', 20_000, 'page-a to go ALARM');
    await wharf.restart();
    // Three more evaluations after the restart change nothing: same state, same transition, one StateUpdate.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await stateOf();
    assert.equal(after?.StateValue, 'ALARM');
    assert.equal(after?.StateTransitionedTimestamp?.getTime(), alarmed?.StateTransitionedTimestamp?.getTime());
    const updates = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'page-a', HistoryItemType: 'StateUpdate' }));
    assert.equal(updates.AlarmHistoryItems?.length, 1);
  });
});
