import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketAggregates, computeStatistic, parseStatistic, percentile, storePeriodFor, type PeriodAggregate, type Statistic } from './statistics.js';

const ones = (values: number[]) => values.map((value) => ({ value, count: 1 }));

function aggregateOf(values: number[]): PeriodAggregate {
  return { timestamp: 0, unit: 'None', sampleCount: values.length, sum: values.reduce((a, b) => a + b, 0), minimum: Math.min(...values), maximum: Math.max(...values), distribution: ones(values) };
}

const one_to_ten = aggregateOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

test('statistic names parse as CloudWatch spells them, others are refused', () => {
  assert.deepEqual(parseStatistic('Average'), { kind: 'simple', name: 'Average' });
  assert.deepEqual(parseStatistic('p99.9'), { kind: 'percentile', p: 99.9 });
  assert.deepEqual(parseStatistic('p0'), { kind: 'percentile', p: 0 });
  assert.deepEqual(parseStatistic('p100'), { kind: 'percentile', p: 100 });
  assert.deepEqual(parseStatistic('tm90'), { kind: 'tm', upper: { kind: 'percent', at: 90 } });
  assert.deepEqual(parseStatistic('wm10:90'), { kind: 'wm', lower: { kind: 'percent', at: 10 }, upper: { kind: 'percent', at: 90 } });
  assert.deepEqual(parseStatistic('TM(10%:90%)'), { kind: 'tm', lower: { kind: 'percent', at: 10 }, upper: { kind: 'percent', at: 90 } });
  assert.deepEqual(parseStatistic('TC(2:5)'), { kind: 'tc', lower: { kind: 'value', at: 2 }, upper: { kind: 'value', at: 5 } });
  assert.deepEqual(parseStatistic('PR(:5)'), { kind: 'pr', upper: 5 });
  assert.equal(parseStatistic('IQM')?.kind, 'tm');
  for (const bad of ['average', 'p101', 'p-1', 'tm90:10', 'TM(10%:90)', 'PR(10%:20%)', 'x', '', 'TM(:)']) assert.equal(parseStatistic(bad), undefined, bad);
});

test('simple statistics come from the sums', () => {
  const stat = (name: string) => computeStatistic(one_to_ten, parseStatistic(name)!);
  assert.equal(stat('Sum'), 55);
  assert.equal(stat('Average'), 5.5);
  assert.equal(stat('Minimum'), 1);
  assert.equal(stat('Maximum'), 10);
  assert.equal(stat('SampleCount'), 10);
});

test('percentiles are nearest-rank over the values with their counts', () => {
  const values = ones([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 90), 9);
  assert.equal(percentile(values, 95), 10);
  assert.equal(percentile(values, 100), 10);
  assert.equal(percentile([{ value: 1, count: 99 }, { value: 100, count: 1 }], 99), 1);
  assert.equal(percentile([{ value: 1, count: 99 }, { value: 100, count: 1 }], 99.5), 100);
  assert.equal(percentile([], 50), undefined);
});

test('trimmed, winsorized, counts, sums, IQM and percentile rank', () => {
  const stat = (name: string) => computeStatistic(one_to_ten, parseStatistic(name)!);
  assert.equal(stat('tm10:90'), (2 + 3 + 4 + 5 + 6 + 7 + 8 + 9) / 8);
  assert.equal(stat('tm90'), 5);
  assert.equal(stat('tc10:90'), 8);
  assert.equal(stat('ts10:90'), 44);
  assert.equal(stat('wm10:90'), (2 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 9) / 10);
  assert.equal(stat('IQM'), (3 + 4 + 5 + 6 + 7) / 5);
  assert.equal(stat('TM(2:5)'), (3 + 4 + 5) / 3);
  assert.equal(stat('TC(:5)'), 5);
  assert.equal(stat('PR(:5)'), 50);
  assert.equal(stat('PR(3:)'), 70);
});

test('extended statistics have no value for statistic sets', () => {
  const set: PeriodAggregate = { timestamp: 0, unit: 'None', sampleCount: 4, sum: 10, minimum: 1, maximum: 4 };
  assert.equal(computeStatistic(set, parseStatistic('p50') as Statistic), undefined);
  assert.equal(computeStatistic(set, parseStatistic('Average') as Statistic), 2.5);
});

test('finer aggregates fold into epoch-aligned periods', () => {
  const parts: PeriodAggregate[] = [
    { timestamp: 0, unit: 'Count', sampleCount: 1, sum: 2, minimum: 2, maximum: 2, distribution: ones([2]) },
    { timestamp: 1000, unit: 'Count', sampleCount: 2, sum: 7, minimum: 3, maximum: 4, distribution: ones([3, 4]) },
    { timestamp: 2000, unit: 'Count', sampleCount: 1, sum: 9, minimum: 9, maximum: 9 },
  ];
  const buckets = bucketAggregates(parts, 2000, true);
  assert.equal(buckets.length, 2);
  assert.deepEqual(buckets[0], { timestamp: 0, unit: 'Count', sampleCount: 3, sum: 9, minimum: 2, maximum: 4, distribution: ones([2, 3, 4]) });
  assert.equal(buckets[1]!.distribution, undefined);
  assert.equal(storePeriodFor(120), 120);
  assert.equal(storePeriodFor(20), 10);
  assert.equal(storePeriodFor(6), 1);
  assert.equal(storePeriodFor(15), 5);
});
