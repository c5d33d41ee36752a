import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '../errors.js';
import { planPutMetricData } from './metric-data.js';

const NOW = Date.UTC(2026, 11, 2, 5, 0, 0);

function refused(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

test('a Value, Values with Counts and a statistic set each become a point', () => {
  const points = planPutMetricData(
    'App',
    [
      { MetricName: 'A', Value: 3, Unit: 'Count', Dimensions: [{ Name: 'Svc', Value: 'web' }] },
      { MetricName: 'B', Values: [1, 2], Counts: [3, 0], StorageResolution: 1, Timestamp: new Date(NOW - 1000) },
      { MetricName: 'C', StatisticValues: { SampleCount: 2, Sum: 5, Minimum: 2, Maximum: 3 } },
    ],
    NOW,
  );
  assert.deepEqual(points[0], { namespace: 'App', metricName: 'A', dimensions: [{ name: 'Svc', value: 'web' }], timestamp: NOW, unit: 'Count', storageResolution: 60, values: [{ value: 3, count: 1 }] });
  assert.deepEqual(points[1]!.values, [{ value: 1, count: 3 }]);
  assert.equal(points[1]!.storageResolution, 1);
  assert.equal(points[1]!.timestamp, NOW - 1000);
  assert.deepEqual(points[2]!.statistics, { sampleCount: 2, sum: 5, minimum: 2, maximum: 3 });
  assert.equal(points[2]!.unit, 'None');
});

test('CloudWatch refuses AWS/ namespaces, mixed value kinds, bad resolutions, ranges and timestamps', () => {
  refused(() => planPutMetricData('AWS/EC2', [{ MetricName: 'A', Value: 1 }], NOW), 'InvalidParameterValue', /^The value AWS\/EC2 for parameter Namespace is invalid\.$/);
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }], NOW), 'InvalidParameterCombination', /MetricData\.member\.1\.Value and MetricData\.member\.1\.StatisticValues are mutually exclusive/);
  refused(() => planPutMetricData('App', [{ MetricName: 'A' }], NOW), 'MissingParameter');
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: 1, StorageResolution: 5 }], NOW), 'InvalidParameterValue', /StorageResolution/);
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: 2 ** 361 }], NOW), 'InvalidParameterValue');
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: NaN }], NOW), 'InvalidParameterValue');
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: 1, Timestamp: new Date(NOW - 15 * 86_400_000) }], NOW), 'InvalidParameterValue', /two weeks/);
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: 1, Timestamp: new Date(NOW + 3 * 3_600_000) }], NOW), 'InvalidParameterValue', /two hours/);
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Values: [1, 2], Counts: [1] }], NOW), 'InvalidParameterValue', /same size/);
  refused(() => planPutMetricData('App', Array.from({ length: 1001 }, () => ({ MetricName: 'A', Value: 1 })), NOW), 'InvalidParameterValue', /1000/);
  const dims = Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: 1, Dimensions: dims }], NOW), 'InvalidParameterValue', /30/);
  refused(() => planPutMetricData('App', [{ MetricName: 'A', Value: 1, Dimensions: [{ Name: 'x', Value: '1' }, { Name: 'x', Value: '2' }] }], NOW), 'InvalidParameterValue', /duplicate/);
  assert.equal(planPutMetricData('App', [{ MetricName: 'A', Value: 0 }, { MetricName: 'A', Value: -(2 ** 359) }], NOW).length, 2);
});
