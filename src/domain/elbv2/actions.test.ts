import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionOutput, forwardedTargetGroups, parseActions } from './actions.js';

const TG1 = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/a/0123456789abcdef';
const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b/0123456789abcdef';

test('a forward action with a target group ARN is shown in both forms', () => {
  const [action] = parseActions([{ Type: 'forward', TargetGroupArn: TG1 }]);
  assert.deepEqual(action, { type: 'forward', targetGroupArn: TG1 });
  assert.deepEqual(actionOutput(action!), {
    Type: 'forward',
    TargetGroupArn: TG1,
    ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG1, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } },
  });
});

test('weighted forward configs: weights 0-999, at most 5 groups, no repeats, stickiness duration', () => {
  const [action] = parseActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG1, Weight: 3 }, { TargetGroupArn: TG2 }], TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 } } }]);
  assert.deepEqual(action!.forwardConfig, { targetGroups: [{ targetGroupArn: TG1, weight: 3 }, { targetGroupArn: TG2, weight: 1 }], targetGroupStickinessConfig: { enabled: true, durationSeconds: 60 } });
  assert.equal(action!.targetGroupArn, undefined);
  assert.deepEqual(forwardedTargetGroups([action!]), [TG1, TG2]);
  assert.throws(() => parseActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG1, Weight: 1000 }] } }]), { code: 'ValidationError' });
  assert.throws(() => parseActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG1 }, { TargetGroupArn: TG1 }] } }]), { code: 'ValidationError' });
  assert.throws(() => parseActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG1 }], TargetGroupStickinessConfig: { Enabled: true } } }]), { code: 'ValidationError' });
  assert.throws(() => parseActions([{ Type: 'forward', TargetGroupArn: TG2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG1 }] } }]), { code: 'ValidationError' });
  assert.throws(() => parseActions([{ Type: 'forward' }]), { code: 'ValidationError' });
});

test('fixed-response and redirect actions; redirects fill in the placeholders', () => {
  const [fixed] = parseActions([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no' } }]);
  assert.deepEqual(fixed!.fixedResponseConfig, { statusCode: '404', contentType: 'text/plain', messageBody: 'no' });
  assert.throws(() => parseActions([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'image/png' } }]), { code: 'ValidationError' });
  assert.throws(() => parseActions([{ Type: 'fixed-response' }]), { code: 'ValidationError' });
  const [redirect] = parseActions([{ Type: 'redirect', RedirectConfig: { Port: '8443', StatusCode: 'HTTP_301' } }]);
  assert.deepEqual(redirect!.redirectConfig, { protocol: '#{protocol}', port: '8443', host: '#{host}', path: '/#{path}', query: '#{query}', statusCode: 'HTTP_301' });
  assert.throws(() => parseActions([{ Type: 'redirect', RedirectConfig: { Port: '70000', StatusCode: 'HTTP_301' } }]), { code: 'ValidationError' });
});

test('exactly one terminal action, last in order; HTTPS-only actions refused', () => {
  assert.throws(() => parseActions([]), { code: 'ValidationError' });
  assert.throws(
    () => parseActions([{ Type: 'forward', TargetGroupArn: TG1, Order: 1 }, { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' }, Order: 2 }]),
    { code: 'InvalidLoadBalancerAction' },
  );
  assert.throws(() => parseActions([{ Type: 'authenticate-oidc' }]), { code: 'InvalidLoadBalancerAction' });
  assert.throws(() => parseActions([{ Type: 'forward', TargetGroupArn: TG1, Order: 1 }, { Type: 'forward', TargetGroupArn: TG2, Order: 1 }]), { code: 'ValidationError' });
});
