import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRuleId, elbArn, isDefaultRuleId, parentId, parseElbArn } from './arns.js';
import { availabilityZonesFor, dnsNameFor, subnetsOf } from './load-balancer.js';

test('ELB ARNs round-trip; the id nests listener in load balancer, rule in listener', () => {
  const lb = 'app/my-alb/0123456789abcdef';
  const listener = `${lb}/fedcba9876543210`;
  const rule = `${listener}/00112233445566ff`;
  assert.equal(elbArn('us-east-1', '123456789012', 'loadbalancer', lb), 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/0123456789abcdef');
  assert.deepEqual(parseElbArn(elbArn('eu-west-1', '123456789012', 'listener-rule', rule)), { region: 'eu-west-1', account: '123456789012', type: 'listener-rule', id: rule });
  assert.equal(parentId(rule), listener);
  assert.equal(parentId(listener), lb);
  assert.equal(parseElbArn('arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/0123456789abcdef'), undefined);
  assert.equal(parseElbArn('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x'), undefined);
  assert.equal(parseElbArn('nope'), undefined);
});

test('the default rule id is derived from its listener and recognised', () => {
  const listener = 'app/my-alb/0123456789abcdef/0123456789abcdef';
  assert.equal(defaultRuleId(listener), `${listener}/fedcba9876543210`);
  assert.equal(isDefaultRuleId(defaultRuleId(listener)), true);
  assert.equal(isDefaultRuleId(`${listener}/0000000000000000`), false);
});

test('subnets: at least two distinct; zones are made up in order; DNS names', () => {
  assert.deepEqual(availabilityZonesFor('us-east-1', subnetsOf({ Subnets: ['subnet-aaa', 'subnet-bbb'] })), [
    { zoneName: 'us-east-1a', subnetId: 'subnet-aaa' },
    { zoneName: 'us-east-1b', subnetId: 'subnet-bbb' },
  ]);
  assert.deepEqual(subnetsOf({ SubnetMappings: [{ SubnetId: 's1' }, { SubnetId: 's2' }] }), ['s1', 's2']);
  assert.throws(() => subnetsOf({ Subnets: ['subnet-aaa'] }), { code: 'ValidationError', message: 'At least two subnets in two different Availability Zones must be specified' });
  assert.throws(() => subnetsOf({}), { code: 'ValidationError' });
  assert.throws(() => subnetsOf({ Subnets: ['a', 'b', 'a'] }), { code: 'ValidationError' });
  assert.equal(dnsNameFor('My-ALB', 'internet-facing', '1234567890', 'us-east-1'), 'my-alb-1234567890.us-east-1.elb.localhost');
  assert.equal(dnsNameFor('my-alb', 'internal', '1234567890', 'eu-west-1'), 'internal-my-alb-1234567890.eu-west-1.elb.localhost');
});
