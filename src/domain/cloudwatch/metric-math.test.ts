import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '../errors.js';
import { runMetricQueries, type AggregateRequest } from './metric-queries.js';
import type { PeriodAggregate } from './statistics.js';

// Two metrics over three minutes: a = 1, 2, 3 (sums), b = 10, -, 30.
const DATA: Record<string, (number | undefined)[]> = { a: [1, 2, 3], b: [10, undefined, 30] };
async function fetch(request: AggregateRequest): Promise<PeriodAggregate[]> {
  const out: PeriodAggregate[] = [];
  DATA[request.metricName]!.forEach((value, i) => {
    if (value !== undefined) out.push({ timestamp: i * 60_000, unit: 'None', sampleCount: 1, sum: value, minimum: value, maximum: value, distribution: [{ value, count: 1 }] });
  });
  return out.filter((a) => a.timestamp >= request.startTime && a.timestamp < request.endTime);
}
const metric = (id: string, name: string, ReturnData = false) => ({ Id: id, MetricStat: { Metric: { Namespace: 'App', MetricName: name }, Period: 60, Stat: 'Sum' }, ReturnData });

async function run(expression: string) {
  const results = await runMetricQueries([metric('m1', 'a'), metric('m2', 'b'), { Id: 'e1', Expression: expression }], 0, 180_000, fetch);
  return results.map((r) => r.points.map(([t, v]) => [t / 60_000, v]));
}

test('arithmetic on series and scalars; a point missing on one side is missing in the result', async () => {
  assert.deepEqual(await run('m1 + m2'), [[[0, 11], [2, 33]]]);
  assert.deepEqual(await run('m1 * 2 - 1'), [[[0, 1], [1, 3], [2, 5]]]);
  assert.deepEqual(await run('-m1 ^ 2'), [[[0, -1], [1, -4], [2, -9]]]);
  assert.deepEqual(await run('(m2 - m1) / m1'), [[[0, 9], [2, 9]]]);
  assert.deepEqual(await run('100 / 4'), [[[0, 25], [1, 25], [2, 25]]]);
});

test('SUM/AVG/MIN/MAX over arrays are series, over one series scalars', async () => {
  assert.deepEqual(await run('SUM(METRICS())'), [[[0, 11], [1, 2], [2, 33]]]);
  assert.deepEqual(await run('AVG([m1, m2])'), [[[0, 5.5], [1, 2], [2, 16.5]]]);
  assert.deepEqual(await run('MAX(m1)'), [[[0, 3], [1, 3], [2, 3]]]);
  assert.deepEqual(await run('MIN(METRICS("m2"))'), [[[0, 10], [2, 30]]]);
});

test('FILL, RATE, DIFF, PERIOD and ABS', async () => {
  assert.deepEqual(await run('FILL(m2, 0)'), [[[0, 10], [1, 0], [2, 30]]]);
  assert.deepEqual(await run('FILL(m2, REPEAT)'), [[[0, 10], [1, 10], [2, 30]]]);
  assert.deepEqual(await run('FILL(m2, LINEAR)'), [[[0, 10], [1, 20], [2, 30]]]);
  assert.deepEqual(await run('DIFF(m1)'), [[[1, 1], [2, 1]]]);
  assert.deepEqual(await run('RATE(m1) * 60'), [[[1, 1], [2, 1]]]);
  assert.deepEqual(await run('m1 / PERIOD(m1)'), [[[0, 1 / 60], [1, 2 / 60], [2, 3 / 60]]]);
  assert.deepEqual(await run('ABS(0 - m1)'), [[[0, 1], [1, 2], [2, 3]]]);
});

test('unsupported functions, syntax errors, unknown ids and cycles are ValidationErrors naming the problem', async () => {
  const refused = async (queries: Parameters<typeof runMetricQueries>[0], message: RegExp) =>
    assert.rejects(runMetricQueries(queries, 0, 180_000, fetch), (error: unknown) => {
      assert.ok(error instanceof AwsError);
      assert.equal(error.code, 'ValidationError');
      assert.match(error.message, message);
      return true;
    });
  await refused([metric('m1', 'a'), { Id: 'e1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)' }], /Unsupported function.*ANOMALY_DETECTION_BAND/);
  await refused([metric('m1', 'a'), { Id: 'e1', Expression: 'm1 +' }], /Error in expression e1/);
  await refused([metric('m1', 'a'), { Id: 'e1', Expression: 'm9 * 2' }], /m9/);
  await refused([{ Id: 'e1', Expression: 'e2 + 1' }, { Id: 'e2', Expression: 'e1 + 1' }], /Circular/);
  await refused([{ Id: 'E1', Expression: '1' }], /Id/);
  await refused([metric('m1', 'a'), metric('m1', 'b')], /unique/);
});
