import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TargetGroupRecord } from '../elbv2/records.js';
import type { LoadBalancerHealth } from './load-balancing.js';
import { scheduleService, type SchedulerContext, type ServiceTaskView } from './scheduler.js';
import { needsNewDeployment, newService, updateService } from './service-changes.js';
import type { Service } from './service.js';
import { T0, ids, revision, changeCtx } from './scheduler-fixtures.js';

/** The scheduler's decisions for a service behind a target group, with the target health handed in as the controller reads it. */

const TG = 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web-tg/0123456789abcdef';

function balancedService(desiredCount: number, extra: Record<string, unknown> = {}): Service {
  return newService(
    { serviceName: 'web', taskDefinition: 'web:1', desiredCount, loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }], ...extra },
    revision(1),
    changeCtx(T0),
  );
}

function targetGroup(targets: TargetGroupRecord['targets'] = []): TargetGroupRecord {
  return {
    targetGroupArn: TG,
    targetGroupName: 'web-tg',
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
    port: 80,
    targetType: 'ip',
    ipAddressType: 'ipv4',
    createdAt: T0,
    healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2, httpCode: '200' },
    attributes: { 'deregistration_delay.timeout_seconds': '5' },
    loadBalancerArns: ['arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/alb/0011223344556677'],
    targets,
    tags: {},
  };
}

const ctx = (now: number, group = targetGroup()): SchedulerContext => ({ now, timeScale: 1, ids, free: { cpuUnits: Infinity, memoryMiB: Infinity }, targetGroups: new Map([[TG, group]]) });

function running(taskId: string, deploymentId: string, ip: string, loadBalancer: LoadBalancerHealth, startedAt = T0): ServiceTaskView {
  return { taskId, deploymentId, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', healthStatus: 'UNKNOWN', hasHealthCheck: false, createdAt: startedAt, startedAt, privateIp: ip, loadBalancer };
}

const healthy: LoadBalancerHealth = { state: 'healthy' };
const initial: LoadBalancerHealth = { state: 'initial' };
const unhealthy: LoadBalancerHealth = { state: 'unhealthy', targetGroupArn: TG, port: 8080, reason: 'Health checks failed with these codes: [500]' };

describe('the service scheduler behind a load balancer', () => {
  test('a new task counts as healthy only when its target is healthy, not 40 s after RUNNING', () => {
    const service = balancedService(1);
    const deployment = service.deployments[0]!.id;
    const later = T0 + 600_000;
    const waiting = scheduleService(service, [running('a', deployment, '10.0.0.5', initial)], ctx(later));
    assert.equal(waiting.service.deployments[0]!.rolloutState, 'IN_PROGRESS');
    const done = scheduleService(service, [running('a', deployment, '10.0.0.5', healthy)], ctx(later));
    assert.equal(done.service.deployments[0]!.rolloutState, 'COMPLETED');
  });

  test('with container health checks too, both must be healthy', () => {
    const service = balancedService(1);
    const deployment = service.deployments[0]!.id;
    const task = { ...running('a', deployment, '10.0.0.5', healthy), hasHealthCheck: true, healthStatus: 'UNKNOWN' as const };
    assert.equal(scheduleService(service, [task], ctx(T0 + 60_000)).service.deployments[0]!.rolloutState, 'IN_PROGRESS');
    assert.equal(scheduleService(service, [{ ...task, healthStatus: 'HEALTHY' }], ctx(T0 + 60_000)).service.deployments[0]!.rolloutState, 'COMPLETED');
  });

  test('a RUNNING task is registered in the same plan, with the event', () => {
    const service = balancedService(1);
    const plan = scheduleService(service, [running('a', service.deployments[0]!.id, '10.0.0.5', initial)], ctx(T0 + 1_000));
    assert.deepEqual(plan.targets.get(TG), [{ id: '10.0.0.5', port: 8080, registeredAt: T0 + 1_000 }]);
    assert.equal(plan.service.events[0]!.message, `(service web) registered 1 targets in (target-group ${TG})`);
  });

  test('a rolling update stops an old task only once the new one is healthy in the target group, and drains it', () => {
    let service = balancedService(1);
    const old = service.deployments[0]!.id;
    const registered = targetGroup([{ id: '10.0.0.5', port: 8080, registeredAt: T0 }, { id: '10.0.0.6', port: 8080, registeredAt: T0 + 1_000 }]);
    service = scheduleService(service, [running('a', old, '10.0.0.5', healthy)], ctx(T0 + 500)).service;
    service = updateService(service, { forceNewDeployment: true }, revision(1), changeCtx(T0 + 600));
    const fresh = service.deployments[0]!.id;
    const now = T0 + 120_000;
    const before = scheduleService(service, [running('a', old, '10.0.0.5', healthy), running('b', fresh, '10.0.0.6', initial, T0 + 1_000)], ctx(now, registered));
    assert.deepEqual(before.stop, [], 'the new task is not healthy in the target group yet');
    const after = scheduleService(service, [running('a', old, '10.0.0.5', healthy), running('b', fresh, '10.0.0.6', healthy, T0 + 1_000)], ctx(now, registered));
    assert.deepEqual(after.stop.map((s) => s.taskId), ['a']);
    assert.equal(after.drainUntil.get('a'), now + 5_000, 'the deregistration delay');
    assert.equal(after.targets.get(TG)!.find((t) => t.id === '10.0.0.5')!.deregisteredAt, now);
    const messages = after.service.events.map((e) => e.message);
    assert.ok(messages.includes('(service web) has begun draining connections on 1 tasks.'), messages.join('\n'));
    assert.ok(messages.includes(`(service web) deregistered 1 targets in (target-group ${TG})`), messages.join('\n'));
  });

  test('an unhealthy target is replaced after the grace period, the replacement first, with ECS’s reason and event, and counts for the circuit breaker', () => {
    const service = balancedService(1, { healthCheckGracePeriodSeconds: 30 });
    const deployment = service.deployments[0]!.id;
    const inGrace = scheduleService(service, [running('a', deployment, '10.0.0.5', unhealthy)], ctx(T0 + 10_000));
    assert.deepEqual(inGrace.stop, []);
    assert.equal(inGrace.recheckAfterMs, 20_000);
    const replacing = scheduleService(service, [running('a', deployment, '10.0.0.5', unhealthy)], ctx(T0 + 31_000));
    assert.deepEqual(replacing.stop, [], 'the unhealthy task keeps running (the load balancer fails open to it) until its replacement is healthy');
    assert.equal(replacing.start.length, 1, 'the replacement starts first');
    const replacement = replacing.start[0]!.taskId;
    const waiting = scheduleService(replacing.service, [running('a', deployment, '10.0.0.5', unhealthy), running(replacement, deployment, '10.0.0.6', initial, T0 + 32_000)], ctx(T0 + 33_000));
    assert.deepEqual([waiting.stop, waiting.start], [[], []], 'nothing more while the replacement is not healthy yet');
    const plan = scheduleService(waiting.service, [running('a', deployment, '10.0.0.5', unhealthy), running(replacement, deployment, '10.0.0.6', healthy, T0 + 32_000)], ctx(T0 + 40_000));
    assert.deepEqual(plan.stop, [{ taskId: 'a', stopCode: 'ServiceSchedulerInitiated', reason: `Task failed ELB health checks in (target-group ${TG})` }]);
    assert.equal(plan.start.length, 0);
    const messages = plan.service.events.map((e) => e.message);
    assert.ok(messages.includes(`(service web) (port 8080) is unhealthy in (target-group ${TG}) due to (reason Health checks failed with these codes: [500]).`), messages.join('\n'));

    const stopped = { ...running('a', deployment, '10.0.0.5', unhealthy), desiredStatus: 'STOPPED' as const, stopCode: 'ServiceSchedulerInitiated' as const, stoppedReason: plan.stop[0]!.reason };
    const counted = scheduleService(plan.service, [stopped, running(replacement, deployment, '10.0.0.6', healthy, T0 + 32_000)], ctx(T0 + 41_000));
    assert.equal(counted.service.deployments[0]!.failedTasks, 1);
  });

  test('a task stopped by someone else (StopTask) is deregistered and gets a drain deadline', () => {
    const service = balancedService(1);
    const deployment = service.deployments[0]!.id;
    const registered = targetGroup([{ id: '10.0.0.5', port: 8080, registeredAt: T0 }]);
    const task = { ...running('a', deployment, '10.0.0.5', healthy), desiredStatus: 'STOPPED' as const, stopCode: 'UserInitiated' as const };
    const plan = scheduleService(service, [task], ctx(T0 + 50_000, registered));
    assert.equal(plan.drainUntil.get('a'), T0 + 55_000);
    const withDeadline = scheduleService(plan.service, [{ ...task, drainUntil: T0 + 55_000 }], ctx(T0 + 50_001, { ...registered, targets: plan.targets.get(TG)! }));
    assert.equal(withDeadline.drainUntil.size, 0, 'set once');
    assert.equal(withDeadline.targets.size, 0);
  });

  test('DeleteService drains every task before the service goes INACTIVE', () => {
    const service = { ...balancedService(1), status: 'DRAINING' as const, desiredCount: 0 };
    const registered = targetGroup([{ id: '10.0.0.5', port: 8080, registeredAt: T0 }]);
    const plan = scheduleService(service, [running('a', service.deployments[0]!.id, '10.0.0.5', healthy)], ctx(T0 + 50_000, registered));
    assert.deepEqual(plan.stop.map((s) => s.taskId), ['a']);
    assert.equal(plan.drainUntil.get('a'), T0 + 55_000);
    assert.equal(plan.service.status, 'DRAINING');
  });

  test('UpdateService with other load balancers starts a new deployment; the same ones do not', () => {
    const service = balancedService(1);
    const same = [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }];
    assert.equal(needsNewDeployment(service, { loadBalancers: same }, undefined), false);
    const other = [{ targetGroupArn: TG.replace('web-tg', 'api-tg'), containerName: 'app', containerPort: 8080 }];
    assert.equal(needsNewDeployment(service, { loadBalancers: other }, undefined), true);
    const updated = updateService(service, { loadBalancers: other }, revision(1), changeCtx(T0 + 1));
    assert.deepEqual(updated.loadBalancers, other);
    assert.equal(updated.deployments.length, 2);
  });
});

test('UpdateService that moves a service to another target group retires the old one; moving back un-retires it', () => {
  const OTHER = 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/other-tg/fedcba9876543210';
  const service = balancedService(1);
  const moved = updateService(service, { loadBalancers: [{ targetGroupArn: OTHER, containerName: 'app', containerPort: 8080 }] }, revision(1), changeCtx(T0 + 1));
  assert.deepEqual(moved.wharf.retiredLoadBalancers, [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }]);
  const back = updateService(moved, { loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }] }, revision(1), changeCtx(T0 + 2));
  assert.deepEqual(back.wharf.retiredLoadBalancers, [{ targetGroupArn: OTHER, containerName: 'app', containerPort: 8080 }]);
});
