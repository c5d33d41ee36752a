import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLoadBalancerName, checkTargetGroupName } from './names.js';

test('load balancer names: 1-32 alphanumerics or hyphens, no hyphen at the ends, not internal-', () => {
  for (const good of ['my-alb', 'A1', 'a'.repeat(32)]) assert.doesNotThrow(() => checkLoadBalancerName(good));
  assert.throws(() => checkLoadBalancerName('a'.repeat(33)), { code: 'ValidationError', message: `The load balancer name '${'a'.repeat(33)}' cannot be longer than '32' characters` });
  for (const bad of ['', 'my_alb', 'my alb', '-alb', 'alb-', 'internal-alb']) assert.throws(() => checkLoadBalancerName(bad), { code: 'ValidationError' }, bad);
});

test('target group names: the same rules, internal- allowed', () => {
  for (const good of ['my-app', 'internal-app', 'x'.repeat(32)]) assert.doesNotThrow(() => checkTargetGroupName(good));
  assert.throws(() => checkTargetGroupName('VeryLongGroupNameWhichCausesAnError'), { message: "Target group name 'VeryLongGroupNameWhichCausesAnError' cannot be longer than '32' characters" });
  for (const bad of ['', 'my.app', '-app', 'app-']) assert.throws(() => checkTargetGroupName(bad), { code: 'ValidationError' }, bad);
});
