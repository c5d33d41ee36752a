import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHealthCheck, checkMatcher, defaultHealthCheck } from './target-group.js';
import { tagList, withoutTags, withTags } from './tags.js';

test("health check defaults are ELB's for HTTP", () => {
  assert.deepEqual(defaultHealthCheck('HTTP'), { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200' });
});

test('health check changes are checked as a whole', () => {
  const next = applyHealthCheck(defaultHealthCheck('HTTP'), { HealthCheckPath: '/health', HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 2, Matcher: { HttpCode: '200-299' } });
  assert.equal(next.path, '/health');
  assert.equal(next.intervalSeconds, 10);
  assert.equal(next.httpCode, '200-299');
  assert.throws(() => applyHealthCheck(defaultHealthCheck('HTTP'), { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 }), { message: 'Health check interval must be greater than the timeout.' });
  assert.throws(() => applyHealthCheck(defaultHealthCheck('HTTP'), { HealthCheckPath: 'health' }), { code: 'ValidationError' });
  assert.throws(() => applyHealthCheck(defaultHealthCheck('HTTP'), { HealthCheckPort: '0' }), { code: 'ValidationError' });
  assert.equal(applyHealthCheck(defaultHealthCheck('HTTP'), { HealthCheckPort: '8081' }).port, '8081');
  assert.throws(() => applyHealthCheck(defaultHealthCheck('HTTP'), { HealthCheckProtocol: 'TCP' }), { code: 'ValidationError' });
});

test('matchers: codes 200-499, lists and ranges', () => {
  for (const good of ['200', '200,202', '200-299', '200-299,404']) assert.doesNotThrow(() => checkMatcher(good), good);
  for (const bad of ['100', '500', '299-200', 'ok', '']) assert.throws(() => checkMatcher(bad), { code: 'ValidationError' }, bad);
});

test('tags: add overwrites, duplicates and aws: keys refused, 50 at most, remove', () => {
  assert.deepEqual(withTags({ a: '1' }, [{ Key: 'a', Value: '2' }, { Key: 'b' }]), { a: '2', b: '' });
  assert.throws(() => withTags({}, [{ Key: 'a' }, { Key: 'a' }]), { code: 'DuplicateTagKeys' });
  assert.throws(() => withTags({}, [{ Key: 'aws:x' }]), { code: 'ValidationError' });
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, '']));
  assert.throws(() => withTags(many, [{ Key: 'one-more' }]), { code: 'TooManyTags' });
  assert.deepEqual(tagList(withoutTags({ a: '1', b: '2' }, ['a', 'zzz'])), [{ Key: 'b', Value: '2' }]);
});
