import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TargetGroupRecord, TargetHealthRecord } from '../elbv2/records.js';
import { AwsError } from '../errors.js';
import { checkLoadBalancers, elbHealthStopReason, loadBalancerHealth, planTargets, targetGroupIdOf, type BalancedTask, type ServiceLoadBalancer } from './load-balancing.js';

const T0 = 1_700_000_000_000;
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-tg/0123456789abcdef';
const OTHER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other-tg/fedcba9876543210';

function group(extra: Partial<TargetGroupRecord> = {}): TargetGroupRecord {
  return {
    targetGroupArn: ARN,
    targetGroupName: 'my-tg',
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
    port: 80,
    targetType: 'ip',
    ipAddressType: 'ipv4',
    createdAt: T0,
    healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/health', intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2, httpCode: '200' },
    attributes: { 'deregistration_delay.timeout_seconds': '3' },
    loadBalancerArns: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/0011223344556677'],
    targets: [],
    tags: {},
    ...extra,
  };
}

const definition = {
  networkMode: 'awsvpc',
  containerDefinitions: [{ name: 'app', portMappings: [{ containerPort: 8080 }] }, { name: 'side' }],
};

function rejects(fn: () => unknown, message: string) {
  assert.throws(fn, (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && error.message === message);
}

describe('checking a service’s load balancers', () => {
  const found = new Map([[ARN, group()]]);
  const lb = { targetGroupArn: ARN, containerName: 'app', containerPort: 8080 };

  test('a target group with a load balancer, type ip, and a mapped container port is accepted as stored', () => {
    assert.deepEqual(checkLoadBalancers([lb], { targetGroups: found, ...definition }), [lb]);
    assert.deepEqual(checkLoadBalancers(undefined, { targetGroups: found, ...definition }), []);
  });

  test('ECS’s refusals, in its words', () => {
    rejects(() => checkLoadBalancers([{ ...lb, targetGroupArn: OTHER }], { targetGroups: found, ...definition }), `Unable to find target group ${OTHER}.`);
    rejects(
      () => checkLoadBalancers([lb], { targetGroups: new Map([[ARN, group({ loadBalancerArns: [] })]]), ...definition }),
      `The target group with targetGroupArn ${ARN} does not have an associated load balancer.`,
    );
    rejects(
      () => checkLoadBalancers([lb], { targetGroups: new Map([[ARN, group({ targetType: 'instance' })]]), ...definition }),
      `The provided target group ${ARN} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.`,
    );
    rejects(() => checkLoadBalancers([{ ...lb, containerName: 'web' }], { targetGroups: found, ...definition }), 'The container web does not exist in the task definition.');
    rejects(() => checkLoadBalancers([{ ...lb, containerPort: 80 }], { targetGroups: found, ...definition }), 'The container app did not have a container port 80 defined.');
    rejects(() => checkLoadBalancers([{ ...lb, containerName: 'side' }], { targetGroups: found, ...definition }), 'The container side did not have a container port 8080 defined.');
  });

  test('Classic Load Balancers, missing fields and more than five target groups are refused before any lookup', () => {
    const none = { targetGroups: new Map(), ...definition };
    assert.throws(() => checkLoadBalancers([{ loadBalancerName: 'classic', containerName: 'app', containerPort: 8080 }], none), /Classic Load Balancers/);
    assert.throws(() => checkLoadBalancers([{ targetGroupArn: ARN, containerPort: 8080 }], none), /containerName and a containerPort/);
    assert.throws(() => checkLoadBalancers(Array.from({ length: 6 }, (_, i) => ({ ...lb, containerPort: 8000 + i })), none), /at most 5/);
  });

  test('a target group id comes only from an ELB target group ARN of the same account and region', () => {
    const scope = { account: '123456789012', region: 'us-east-1' };
    assert.equal(targetGroupIdOf(ARN, scope), 'my-tg/0123456789abcdef');
    assert.equal(targetGroupIdOf(ARN, { ...scope, region: 'eu-west-1' }), undefined);
    assert.equal(targetGroupIdOf(ARN, { ...scope, account: '000000000000' }), undefined);
    assert.equal(targetGroupIdOf('arn:aws:ecs:us-east-1:123456789012:cluster/x', scope), undefined);
  });
});

describe('what target health means for a task', () => {
  const lbs: ServiceLoadBalancer[] = [{ targetGroupArn: ARN, containerName: 'app', containerPort: 8080 }];
  const registered = group({ targets: [{ id: '10.0.0.5', port: 8080, registeredAt: T0 }] });
  const groups = new Map([[ARN, registered]]);
  const health = (state: 'initial' | 'healthy' | 'unhealthy', changedAt = T0 + 1, description?: string): Map<string, TargetHealthRecord> =>
    new Map([[ARN, { targetGroupArn: ARN, targets: { '10.0.0.5:8080': { state, changedAt, ...(description ? { reasonCode: 'Target.ResponseCodeMismatch', description } : {}) } } }]]);

  test('healthy only when the checker says so for a registered target', () => {
    assert.deepEqual(loadBalancerHealth(lbs, '10.0.0.5', groups, health('healthy'), T0), { state: 'healthy' });
    assert.deepEqual(loadBalancerHealth(lbs, '10.0.0.5', groups, health('initial'), T0), { state: 'initial' });
    assert.deepEqual(loadBalancerHealth(lbs, '10.0.0.5', groups, new Map(), T0), { state: 'initial' }, 'not checked yet');
    assert.deepEqual(loadBalancerHealth(lbs, '10.0.0.6', groups, health('healthy'), T0), { state: 'initial' }, 'not registered');
    assert.deepEqual(loadBalancerHealth(lbs, undefined, groups, health('healthy'), T0), { state: 'initial' }, 'no address yet');
    assert.deepEqual(loadBalancerHealth(lbs, '10.0.0.5', new Map([[ARN, group({ ...registered, healthCheck: { ...registered.healthCheck, enabled: false } })]]), new Map(), T0), { state: 'healthy' }, 'health checks off: ELB routes to it');
    assert.deepEqual(loadBalancerHealth(lbs, '10.0.0.5', new Map(), health('healthy'), T0), { state: 'initial' }, 'the target group is gone');
  });

  test('unhealthy names the target group, the port and the checker’s description', () => {
    assert.deepEqual(loadBalancerHealth(lbs, '10.0.0.5', groups, health('unhealthy', T0 + 1, 'Health checks failed with these codes: [500]'), T0), {
      state: 'unhealthy',
      targetGroupArn: ARN,
      port: 8080,
      reason: 'Health checks failed with these codes: [500]',
    });
    assert.equal(elbHealthStopReason(ARN), `Task failed ELB health checks in (target-group ${ARN})`);
  });

  test('with two target groups, both must be healthy', () => {
    const two = [...lbs, { targetGroupArn: OTHER, containerName: 'app', containerPort: 8080 }];
    const bothGroups = new Map([...groups, [OTHER, { ...registered, targetGroupArn: OTHER }]]);
    const oneHealthy = health('healthy');
    assert.deepEqual(loadBalancerHealth(two, '10.0.0.5', bothGroups, oneHealthy, T0), { state: 'initial' });
    const bothHealthy = new Map([...oneHealthy, [OTHER, { ...oneHealthy.get(ARN)!, targetGroupArn: OTHER }]]);
    assert.deepEqual(loadBalancerHealth(two, '10.0.0.5', bothGroups, bothHealthy, T0), { state: 'healthy' });
  });
});

describe('registering and draining a service’s tasks', () => {
  const lbs: ServiceLoadBalancer[] = [{ targetGroupArn: ARN, containerName: 'app', containerPort: 8080 }];
  const task = (taskId: string, ip: string | undefined, extra: Partial<BalancedTask> = {}): BalancedTask => ({ taskId, ...(ip ? { ip } : {}), lastStatus: 'RUNNING', stopping: false, ...extra });

  test('a RUNNING task with an address is registered once, with ECS’s event', () => {
    const plan = planTargets('web', lbs, [task('a', '10.0.0.5'), task('b', undefined), task('c', '10.0.0.7', { lastStatus: 'PENDING' })], new Map([[ARN, group()]]), T0);
    assert.deepEqual(plan.targets.get(ARN), [{ id: '10.0.0.5', port: 8080, registeredAt: T0 }]);
    assert.deepEqual(plan.messages, [`(service web) registered 1 targets in (target-group ${ARN})`]);
    const again = planTargets('web', lbs, [task('a', '10.0.0.5')], new Map([[ARN, group({ targets: plan.targets.get(ARN)! })]]), T0 + 1000);
    assert.equal(again.targets.size, 0, 'nothing changes the second time');
    assert.deepEqual(again.messages, []);
  });

  test('a task on its way out is deregistered and gets the end of the deregistration delay as its drain deadline', () => {
    const registered = group({ targets: [{ id: '10.0.0.5', port: 8080, registeredAt: T0 }, { id: '10.0.0.6', port: 8080, registeredAt: T0 }] });
    const now = T0 + 60_000;
    const plan = planTargets('web', lbs, [task('a', '10.0.0.5', { stopping: true }), task('b', '10.0.0.6')], new Map([[ARN, registered]]), now);
    assert.deepEqual(plan.targets.get(ARN), [{ id: '10.0.0.5', port: 8080, registeredAt: T0, deregisteredAt: now }, { id: '10.0.0.6', port: 8080, registeredAt: T0 }]);
    assert.equal(plan.drainUntil.get('a'), now + 3_000);
    assert.equal(plan.drainUntil.has('b'), false);
    assert.deepEqual(plan.messages, ['(service web) has begun draining connections on 1 tasks.', `(service web) deregistered 1 targets in (target-group ${ARN})`]);
  });

  test('a target group UpdateService took away: nobody is registered there, leaving tasks are deregistered and drain', () => {
    const retiredGroup = group({ targets: [{ id: '10.0.0.5', port: 8080, registeredAt: T0 }] });
    const newGroup = group({ targetGroupArn: OTHER, targetGroupName: 'other-tg' });
    const now = T0 + 60_000;
    const current = [{ targetGroupArn: OTHER, containerName: 'app', containerPort: 8080 }];
    const plan = planTargets('web', current, [task('a', '10.0.0.5', { stopping: true }), task('b', '10.0.0.6')], new Map([[ARN, retiredGroup], [OTHER, newGroup]]), now, lbs);
    assert.deepEqual(plan.targets.get(ARN), [{ id: '10.0.0.5', port: 8080, registeredAt: T0, deregisteredAt: now }], 'b is not registered in the retired group');
    assert.deepEqual(plan.targets.get(OTHER), [{ id: '10.0.0.6', port: 8080, registeredAt: now }]);
    assert.equal(plan.drainUntil.get('a'), now + 3_000);
  });

  test('a stopping task that was never registered stops at once; a deadline is set only once', () => {
    const plan = planTargets('web', lbs, [task('a', '10.0.0.5', { stopping: true, lastStatus: 'PENDING' }), task('b', '10.0.0.6', { stopping: true, drainUntil: T0 - 5 })], new Map([[ARN, group()]]), T0);
    assert.deepEqual([...plan.drainUntil], [['a', T0]]);
    assert.equal(plan.targets.size, 0);
  });

  test('a stopped task’s target goes, unless a new task of the service has its address', () => {
    const registered = group({ targets: [{ id: '10.0.0.5', port: 8080, registeredAt: T0 }] });
    const gone = planTargets('web', lbs, [task('a', '10.0.0.5', { stopping: true, lastStatus: 'STOPPED' })], new Map([[ARN, registered]]), T0 + 10);
    assert.equal(gone.targets.get(ARN)![0]!.deregisteredAt, T0 + 10);
    assert.deepEqual(gone.messages, [`(service web) deregistered 1 targets in (target-group ${ARN})`], 'nothing drains on a stopped task');
    const reused = planTargets('web', lbs, [task('a', '10.0.0.5', { stopping: true, lastStatus: 'STOPPED' }), task('b', '10.0.0.5')], new Map([[ARN, registered]]), T0 + 10);
    assert.equal(reused.targets.size, 0);
  });

  test('a target group that no longer exists is skipped', () => {
    const plan = planTargets('web', lbs, [task('a', '10.0.0.5'), task('b', '10.0.0.6', { stopping: true })], new Map(), T0);
    assert.equal(plan.targets.size, 0);
    assert.deepEqual([...plan.drainUntil], [['b', T0]]);
  });
});
