import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultHealthCheck } from './target-group.js';
import { isTargetHealthy, targetHealthOf } from './target-health.js';
import type { TargetGroupRecord, TargetRegistration } from './records.js';

const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/0123456789abcdef';
const group = (over: Partial<TargetGroupRecord> = {}) => ({
  attributes: { 'deregistration_delay.timeout_seconds': '30' },
  loadBalancerArns: [LB],
  healthCheck: defaultHealthCheck('HTTP'),
  ...over,
});
const target: TargetRegistration = { id: '10.0.0.1', port: 80, registeredAt: 1_000 };
const NOW = 10_000;

test('a registered target nobody has checked yet is initial, registration in progress', () => {
  assert.deepEqual(targetHealthOf(group(), target, undefined, NOW), { state: 'initial', reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' });
  assert.deepEqual(targetHealthOf(group(), target, {}, NOW).state, 'initial');
});

test("the health checker's observation decides once there is one", () => {
  const observations = { '10.0.0.1:80': { state: 'unhealthy' as const, reasonCode: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [500]', changedAt: 5_000 } };
  assert.deepEqual(targetHealthOf(group(), target, observations, NOW), { state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [500]' });
  const healthy = targetHealthOf(group(), target, { '10.0.0.1:80': { state: 'healthy', changedAt: 5_000 } }, NOW);
  assert.deepEqual(healthy, { state: 'healthy' });
  assert.equal(isTargetHealthy(healthy), true);
  assert.equal(isTargetHealthy(targetHealthOf(group(), target, observations, NOW)), false);
});

test('an observation older than the registration was about an earlier target at that address: initial again', () => {
  const reRegistered = { ...target, registeredAt: 6_000 };
  const view = targetHealthOf(group(), reRegistered, { '10.0.0.1:80': { state: 'healthy', changedAt: 5_000 } }, NOW);
  assert.equal(view.state, 'initial');
  assert.equal(view.reason, 'Elb.RegistrationInProgress');
  assert.equal(isTargetHealthy(view), false);
});

test('a group no load balancer uses: unused, not in use', () => {
  const view = targetHealthOf(group({ loadBalancerArns: [] }), target, { '10.0.0.1:80': { state: 'healthy', changedAt: 5_000 } }, NOW);
  assert.deepEqual(view, { state: 'unused', reason: 'Target.NotInUse', description: 'Target group is not configured to receive traffic from the load balancer' });
  assert.equal(isTargetHealthy(view), false);
});

test('health checks off: unavailable', () => {
  const view = targetHealthOf(group({ healthCheck: { ...defaultHealthCheck('HTTP'), enabled: false } }), target, undefined, NOW);
  assert.deepEqual(view, { state: 'unavailable', reason: 'Target.HealthCheckDisabled', description: 'Health checks are disabled' });
});

test('deregistered: draining for the deregistration delay, then not registered', () => {
  const leaving = { ...target, deregisteredAt: 9_000 };
  assert.deepEqual(targetHealthOf(group(), leaving, undefined, NOW), { state: 'draining', reason: 'Target.DeregistrationInProgress', description: 'Target deregistration is in progress' });
  assert.equal(targetHealthOf(group({ loadBalancerArns: [] }), leaving, undefined, NOW).state, 'draining');
  assert.deepEqual(targetHealthOf(group(), leaving, undefined, 9_000 + 30_000), { state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' });
  assert.equal(targetHealthOf(group(), undefined, undefined, NOW).reason, 'Target.NotRegistered');
});
