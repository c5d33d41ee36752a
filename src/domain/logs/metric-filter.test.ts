import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMetricFilter, metricDataFor, parseJsonSelector, testMetricFilter, type MetricTransformationSpec } from './metric-filter.js';

const spec = (filterPattern: string, t: Partial<MetricTransformationSpec> = {}) => ({
  filterName: 'f',
  filterPattern,
  metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1', ...t }],
});
const fails = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
  return 'ok';
};

test('JSON selectors parse to paths', () => {
  assert.deepEqual(parseJsonSelector('$.a.b[2].c'), ['a', 'b', 2, 'c']);
  assert.equal(parseJsonSelector('$'), undefined);
  assert.equal(parseJsonSelector('a.b'), undefined);
});

test('PutMetricFilter rules: dimensions vs default value, dimensions need JSON patterns, values are numbers or selectors', () => {
  assert.equal(fails(() => compileMetricFilter(spec('ERROR'))), 'ok');
  assert.equal(
    fails(() => compileMetricFilter(spec('{ $.level = "error" }', { defaultValue: 0, dimensions: { Service: '$.service' } }))),
    'InvalidParameterException: Invalid metric transformation: dimensions and default value are mutually exclusive properties',
  );
  assert.equal(fails(() => compileMetricFilter(spec('ERROR', { dimensions: { Service: '$.service' } }))), 'InvalidParameterException: The specified filter pattern does not support dimensions');
  assert.match(fails(() => compileMetricFilter(spec('{ $.a = 1 }', { dimensions: { A: '$.a', B: '$.b', C: '$.c', D: '$.d' } }))), /at most 3 dimensions/);
  assert.match(fails(() => compileMetricFilter(spec('{ $.a = 1 }', { dimensions: { A: 'constant' } }))), /Invalid dimension value/);
  assert.match(fails(() => compileMetricFilter(spec('ERROR', { metricValue: 'abc' }))), /Invalid metric value: abc/);
  assert.match(fails(() => compileMetricFilter(spec('ERROR', { metricValue: '$latency' }))), /space-delimited/);
  assert.equal(fails(() => compileMetricFilter(spec('ERROR', { metricValue: '$.latency' }))), 'ok', 'a selector is read from JSON events whatever the pattern');
  assert.match(fails(() => compileMetricFilter(spec('{ $.a = '))), /Invalid filter pattern/);
});

test('a literal value counts matching events, aggregated per second', () => {
  const filter = compileMetricFilter(spec('ERROR', { unit: 'Count' }));
  const data = metricDataFor([filter], [
    { timestamp: 60_000, message: 'ERROR one' },
    { timestamp: 60_500, message: 'ERROR two' },
    { timestamp: 61_000, message: 'INFO' },
    { timestamp: 62_000, message: 'ERROR three' },
  ]);
  assert.deepEqual(data, [
    { namespace: 'App', metricName: 'Errors', dimensions: [], timestamp: 60_000, unit: 'Count', values: [{ value: 1, count: 2 }] },
    { namespace: 'App', metricName: 'Errors', dimensions: [], timestamp: 62_000, unit: 'Count', values: [{ value: 1, count: 1 }] },
  ]);
});

test('a JSON selector value and dimensions come from the event; events without them add nothing', () => {
  const filter = compileMetricFilter(spec('{ $.latency > 0 }', { metricName: 'Latency', metricValue: '$.latency', dimensions: { Service: '$.svc' }, unit: 'Milliseconds' }));
  const data = metricDataFor([filter], [
    { timestamp: 1000, message: '{"latency": 120, "svc": "api"}' },
    { timestamp: 1200, message: '{"latency": 80, "svc": "api"}' },
    { timestamp: 1300, message: '{"latency": 5, "svc": "web"}' },
    { timestamp: 1400, message: '{"latency": 7}' },
    { timestamp: 1500, message: 'not json' },
  ]);
  assert.deepEqual(
    data.map((d) => [d.dimensions, d.values]),
    [
      [[{ name: 'Service', value: 'api' }], [{ value: 120, count: 1 }, { value: 80, count: 1 }]],
      [[{ name: 'Service', value: 'web' }], [{ value: 5, count: 1 }]],
    ],
  );
  assert.equal(data[0]!.unit, 'Milliseconds');
});

test('defaultValue is emitted for each minute of ingested events in which nothing matched', () => {
  const filter = compileMetricFilter(spec('ERROR', { defaultValue: 0 }));
  const data = metricDataFor([filter], [
    { timestamp: 60_000, message: 'INFO a' },
    { timestamp: 61_000, message: 'INFO b' },
    { timestamp: 125_000, message: 'ERROR c' },
    { timestamp: 126_000, message: 'INFO d' },
  ]);
  assert.deepEqual(data.map((d) => [d.timestamp, d.values]), [
    [125_000, [{ value: 1, count: 1 }]],
    [60_000, [{ value: 0, count: 1 }]],
  ]);
  assert.deepEqual(metricDataFor([compileMetricFilter(spec('ERROR'))], [{ timestamp: 0, message: 'INFO' }]), []);
});

test('TestMetricFilter numbers matches from 1 and extracts the fields a JSON pattern reads', () => {
  assert.deepEqual(testMetricFilter('ERROR', ['ok', 'ERROR x']), [{ eventNumber: 2, eventMessage: 'ERROR x', extractedValues: {} }]);
  assert.deepEqual(testMetricFilter('{ $.status >= 500 && $.path = "/api*" }', ['{"status":503,"path":"/api/x"}', '{"status":200,"path":"/api"}']), [
    { eventNumber: 1, eventMessage: '{"status":503,"path":"/api/x"}', extractedValues: { '$.status': '503', '$.path': '/api/x' } },
  ]);
});
