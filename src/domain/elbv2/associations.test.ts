import assert from 'node:assert/strict';
import { test } from 'node:test';
import { associationChanges, loadBalancersByTargetGroup } from './associations.js';
import type { ListenerRecord, RuleRecord, TargetGroupRecord } from './records.js';
import { defaultHealthCheck } from './target-group.js';

const LB1 = 'arn:lb1';
const LB2 = 'arn:lb2';
const listener = (arn: string, lb: string, tg: string): ListenerRecord => ({ listenerArn: arn, loadBalancerArn: lb, port: 80, protocol: 'HTTP', defaultActions: [{ type: 'forward', targetGroupArn: tg }], createdAt: 0, tags: {} });
const rule = (listenerArn: string, tgs: string[]): RuleRecord => ({
  ruleArn: `${listenerArn}/r`,
  listenerArn,
  priority: 1,
  conditions: [],
  actions: [{ type: 'forward', forwardConfig: { targetGroups: tgs.map((targetGroupArn) => ({ targetGroupArn })) } }],
  createdAt: 0,
  tags: {},
});
const group = (arn: string, loadBalancerArns: string[] = []): TargetGroupRecord => ({
  targetGroupArn: arn,
  targetGroupName: arn,
  protocol: 'HTTP',
  protocolVersion: 'HTTP1',
  port: 80,
  targetType: 'ip',
  ipAddressType: 'ipv4',
  createdAt: 0,
  healthCheck: defaultHealthCheck('HTTP'),
  attributes: {},
  loadBalancerArns,
  targets: [],
  tags: {},
});

test('listeners and rules (through their listener) make a target group used by a load balancer', () => {
  const uses = loadBalancersByTargetGroup([listener('l1', LB1, 'tg1')], [rule('l1', ['tg2', 'tg3'])]);
  assert.deepEqual(Object.fromEntries(uses), { tg1: [LB1], tg2: [LB1], tg3: [LB1] });
});

test('only the groups whose load balancers change are written', () => {
  const changed = associationChanges([group('tg1', [LB1]), group('tg2', [LB1]), group('tg3')], [listener('l1', LB1, 'tg1')], [rule('l1', ['tg3'])]);
  assert.deepEqual(
    changed.map((g) => [g.targetGroupArn, g.loadBalancerArns]),
    [
      ['tg2', []],
      ['tg3', [LB1]],
    ],
  );
});

test('a target group cannot serve two load balancers', () => {
  assert.throws(() => associationChanges([group('tg1')], [listener('l1', LB1, 'tg1'), listener('l2', LB2, 'tg1')], []), {
    code: 'TargetGroupAssociationLimit',
    message: 'The following target groups cannot be associated with more than one load balancer: tg1',
  });
});
