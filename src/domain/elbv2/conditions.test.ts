import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionOutput, parseConditions } from './conditions.js';

test('path-pattern and host-header take the legacy Values or their config, and show both', () => {
  const [legacy] = parseConditions([{ Field: 'path-pattern', Values: ['/api/*'] }]);
  assert.deepEqual(legacy, { field: 'path-pattern', values: ['/api/*'], pathPatternConfig: { values: ['/api/*'] } });
  assert.deepEqual(conditionOutput(legacy!), { Field: 'path-pattern', Values: ['/api/*'], PathPatternConfig: { Values: ['/api/*'] } });
  const [host] = parseConditions([{ Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } }]);
  assert.deepEqual(host, { field: 'host-header', values: ['*.example.com'], hostHeaderConfig: { values: ['*.example.com'] } });
  assert.throws(() => parseConditions([{ Field: 'path-pattern', Values: ['/a'], PathPatternConfig: { Values: ['/b'] } }]), { code: 'ValidationError' });
  assert.throws(() => parseConditions([{ Field: 'path-pattern', Values: [] }]), { code: 'ValidationError' });
  assert.throws(() => parseConditions([{ Field: 'path-pattern', Values: ['/a b'] }]), { code: 'ValidationError' });
});

test('http-header, query-string, http-request-method and source-ip need their configs', () => {
  const records = parseConditions([
    { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blue'] } },
    { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }, { Value: 'beta' }] } },
    { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
  ]);
  assert.deepEqual(records[1], { field: 'query-string', queryStringConfig: { values: [{ key: 'v', value: '2' }, { value: 'beta' }] } });
  assert.deepEqual(conditionOutput(records[0]!), { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blue'] } });
  assert.throws(() => parseConditions([{ Field: 'http-header', Values: ['x'] }]), { code: 'ValidationError' });
  assert.throws(() => parseConditions([{ Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['get'] } }]), { code: 'ValidationError' });
  assert.deepEqual(parseConditions([{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8', '2001:db8::/32'] } }])[0]!.sourceIpConfig, { values: ['10.0.0.0/8', '2001:db8::/32'] });
  assert.throws(() => parseConditions([{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.300/8'] } }]), { code: 'ValidationError' });
});

test('rule-level limits: a known field, one per field except headers and query strings, 5 values in all', () => {
  assert.throws(() => parseConditions([]), { code: 'ValidationError' });
  assert.throws(() => parseConditions([{ Field: 'cookie', Values: ['x'] }]), { message: "Condition field 'cookie' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'" });
  assert.throws(() => parseConditions([{ Field: 'path-pattern', Values: ['/a'] }, { Field: 'path-pattern', Values: ['/b'] }]), { code: 'ValidationError' });
  assert.doesNotThrow(() =>
    parseConditions([
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'A', Values: ['1'] } },
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'B', Values: ['2'] } },
    ]),
  );
  assert.throws(() => parseConditions([{ Field: 'path-pattern', Values: ['/1', '/2', '/3', '/4'] }, { Field: 'host-header', Values: ['a', 'b'] }]), { code: 'ValidationError' });
});
