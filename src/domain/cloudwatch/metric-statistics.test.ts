import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '../errors.js';
import { datapointsOf, periodServesAge, planGetMetricStatistics, type GetMetricStatisticsInput } from './metric-statistics.js';

const T = Date.UTC(2026, 11, 2, 5, 0, 0);
const BASE: GetMetricStatisticsInput = { Namespace: 'App', MetricName: 'CPU', StartTime: new Date(T), EndTime: new Date(T + 3_600_000), Period: 60, Statistics: ['Sum'] };

function refused(input: Partial<GetMetricStatisticsInput>, code: string, message: RegExp): void {
  assert.throws(() => planGetMetricStatistics({ ...BASE, ...input }), (error: unknown) => error instanceof AwsError && error.code === code && message.test(error.message));
}

test('the request: one kind of statistics, valid periods, start before end, at most 1,440 datapoints', () => {
  const plan = planGetMetricStatistics({ ...BASE, StartTime: new Date(T + 30_000) });
  assert.equal(plan.startTime, T, 'the start is floored to the period');
  assert.equal(plan.periodMs, 60_000);
  refused({ Statistics: [] }, 'MissingParameter', /Statistics or ExtendedStatistics/);
  refused({ ExtendedStatistics: ['p99'] }, 'InvalidParameterCombination', /mutually exclusive/);
  refused({ Statistics: undefined, ExtendedStatistics: ['p101'] }, 'InvalidParameterValue', /p101/);
  refused({ Period: 45 }, 'InvalidParameterValue', /Period/);
  refused({ EndTime: new Date(T) }, 'InvalidParameterValue', /^The parameter StartTime must be less than the parameter EndTime\.$/);
  refused({ EndTime: new Date(T + 1441 * 60_000) }, 'InvalidParameterCombination', /^You have requested up to 1,441 datapoints, which exceeds the limit of 1,440\./);
  assert.equal(planGetMetricStatistics({ ...BASE, EndTime: new Date(T + 1440 * 60_000) }).periodMs, 60_000);
  for (const period of [1, 5, 10, 30, 120]) planGetMetricStatistics({ ...BASE, Period: period, EndTime: new Date(T + 60_000) });
});

test('older data needs coarser periods, or it has no datapoints', () => {
  const now = T;
  assert.equal(periodServesAge(1, now - 3_600_000, now), true);
  assert.equal(periodServesAge(1, now - 4 * 3_600_000, now), false);
  assert.equal(periodServesAge(60, now - 10 * 86_400_000, now), true);
  assert.equal(periodServesAge(60, now - 16 * 86_400_000, now), false);
  assert.equal(periodServesAge(300, now - 16 * 86_400_000, now), true);
  assert.equal(periodServesAge(300, now - 64 * 86_400_000, now), false);
  assert.equal(periodServesAge(3600, now - 64 * 86_400_000, now), true);
});

test('datapoints carry the asked statistics, extended ones in their own map', () => {
  const plan = planGetMetricStatistics({ ...BASE, Statistics: undefined, ExtendedStatistics: ['p50', 'p100'] });
  const points = datapointsOf(plan, [{ timestamp: T, unit: 'Percent', sampleCount: 3, sum: 6, minimum: 1, maximum: 3, distribution: [1, 2, 3].map((value) => ({ value, count: 1 })) }], T + 60_000);
  assert.deepEqual(points, [{ Timestamp: T, Unit: 'Percent', ExtendedStatistics: { p50: 2, p100: 3 } }]);
  const simple = datapointsOf(planGetMetricStatistics({ ...BASE, Statistics: ['Average', 'SampleCount'] }), [{ timestamp: T, unit: 'None', sampleCount: 4, sum: 10, minimum: 1, maximum: 4 }], T + 60_000);
  assert.deepEqual(simple, [{ Timestamp: T, Unit: 'None', Average: 2.5, SampleCount: 4 }]);
});
