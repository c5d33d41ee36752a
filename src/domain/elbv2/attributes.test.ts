import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attributeList, defaultLoadBalancerAttributes, defaultTargetGroupAttributes, mergeLoadBalancerAttributes, mergeTargetGroupAttributes } from './attributes.js';

test('ALB defaults as ELB reports them', () => {
  const lb = defaultLoadBalancerAttributes();
  assert.equal(lb['idle_timeout.timeout_seconds'], '60');
  assert.equal(lb['deletion_protection.enabled'], 'false');
  assert.equal(lb['routing.http2.enabled'], 'true');
  const tg = defaultTargetGroupAttributes();
  assert.equal(tg['deregistration_delay.timeout_seconds'], '300');
  assert.equal(tg['stickiness.enabled'], 'false');
  assert.equal(tg['stickiness.type'], 'lb_cookie');
  assert.equal(tg['load_balancing.algorithm.type'], 'round_robin');
  assert.equal(tg['slow_start.duration_seconds'], '0');
  const list = attributeList({ b: '1', a: '2' });
  assert.deepEqual(list, [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '1' }]);
});

test('load balancer attributes: known keys with valid values merge; anything else is refused', () => {
  const next = mergeLoadBalancerAttributes(defaultLoadBalancerAttributes(), [{ Key: 'idle_timeout.timeout_seconds', Value: '120' }, { Key: 'deletion_protection.enabled', Value: 'true' }]);
  assert.equal(next['idle_timeout.timeout_seconds'], '120');
  assert.equal(next['deletion_protection.enabled'], 'true');
  assert.throws(() => mergeLoadBalancerAttributes({}, [{ Key: 'nope', Value: '1' }]), { code: 'ValidationError', message: /key 'nope' is not recognized/ });
  assert.throws(() => mergeLoadBalancerAttributes({}, [{ Key: 'idle_timeout.timeout_seconds', Value: '0' }]), { code: 'ValidationError' });
  assert.throws(() => mergeLoadBalancerAttributes({}, [{ Key: 'idle_timeout.timeout_seconds', Value: 'abc' }]), { code: 'ValidationError' });
  assert.throws(() => mergeLoadBalancerAttributes({}, [{ Key: 'routing.http2.enabled', Value: 'yes' }]), { code: 'ValidationError' });
  assert.throws(() => mergeLoadBalancerAttributes({}, []), { code: 'ValidationError' });
});

test('target group attributes: ranges, enums, slow start rules', () => {
  const base = defaultTargetGroupAttributes();
  assert.equal(mergeTargetGroupAttributes(base, [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }])['deregistration_delay.timeout_seconds'], '0');
  assert.equal(mergeTargetGroupAttributes(base, [{ Key: 'deregistration_delay.timeout_seconds', Value: '3600' }])['deregistration_delay.timeout_seconds'], '3600');
  assert.throws(() => mergeTargetGroupAttributes(base, [{ Key: 'deregistration_delay.timeout_seconds', Value: '3601' }]), { code: 'ValidationError' });
  assert.equal(mergeTargetGroupAttributes(base, [{ Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' }])['load_balancing.algorithm.type'], 'least_outstanding_requests');
  assert.throws(() => mergeTargetGroupAttributes(base, [{ Key: 'load_balancing.algorithm.type', Value: 'random' }]), { code: 'ValidationError' });
  assert.throws(() => mergeTargetGroupAttributes(base, [{ Key: 'stickiness.type', Value: 'source_ip' }]), { code: 'ValidationError' });
  assert.throws(() => mergeTargetGroupAttributes(base, [{ Key: 'stickiness.lb_cookie.duration_seconds', Value: '0' }]), { code: 'ValidationError' });
  assert.throws(() => mergeTargetGroupAttributes(base, [{ Key: 'slow_start.duration_seconds', Value: '10' }]), { code: 'ValidationError' });
  assert.equal(mergeTargetGroupAttributes(base, [{ Key: 'slow_start.duration_seconds', Value: '30' }])['slow_start.duration_seconds'], '30');
  assert.throws(
    () => mergeTargetGroupAttributes(base, [{ Key: 'slow_start.duration_seconds', Value: '30' }, { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' }]),
    { code: 'InvalidConfigurationRequest' },
  );
  assert.throws(() => mergeTargetGroupAttributes(base, [{ Key: 'idle_timeout.timeout_seconds', Value: '60' }]), { code: 'ValidationError' });
});
