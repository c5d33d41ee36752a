import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { drainStopReason } from '../placement/drain-reason.js';
import { HEALTH_CHECK_STOP_REASON, launchBackoffMs, scheduleService, type SchedulerContext, type ServiceTaskView } from './scheduler.js';
import { newService, requestStopOfDeployment, updateService } from './service-changes.js';
import type { Service } from './service.js';
import { T0, ids, revision, changeCtx } from './scheduler-fixtures.js';




function create(desiredCount: number, extra: Record<string, unknown> = {}): Service {
  return newService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount, ...extra }, revision(1), changeCtx());
}

const ctx = (now: number, free = { cpuUnits: Infinity, memoryMiB: Infinity }): SchedulerContext => ({ now, timeScale: 1, ids, free });

/** A tiny world: the scheduler's plan is applied to tasks that start and stop as told. */
class World {
  tasks: (ServiceTaskView & { deploymentId: string })[] = [];
  constructor(public service: Service, public now = T0) {}

  step(free?: SchedulerContext['free']) {
    const plan = scheduleService(this.service, this.tasks, ctx(this.now, free));
    this.service = plan.service;
    for (const stop of plan.stop) {
      const index = this.tasks.findIndex((t) => t.taskId === stop.taskId);
      this.tasks[index] = { ...this.tasks[index]!, desiredStatus: 'STOPPED', stopCode: stop.stopCode, stoppedReason: stop.reason, stopRequestedAt: this.now };
    }
    for (const start of plan.start) {
      this.tasks.push({ taskId: start.taskId, deploymentId: start.deploymentId, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', healthStatus: 'UNKNOWN', hasHealthCheck: false, createdAt: this.now, ...(start.capacityProvider ? { capacityProviderName: start.capacityProvider } : {}) });
    }
    return plan;
  }

  /** Time passes: started tasks run, stopping tasks stop. */
  advance(ms: number, outcome: (task: ServiceTaskView) => 'runs' | 'exits' = () => 'runs') {
    this.now += ms;
    this.tasks = this.tasks.map((t) => {
      if (t.lastStatus === 'STOPPED') return t;
      if (t.desiredStatus === 'STOPPED') return { ...t, lastStatus: 'STOPPED' };
      if (t.lastStatus === 'RUNNING') return t;
      return outcome(t) === 'runs'
        ? { ...t, lastStatus: 'RUNNING', startedAt: this.now }
        : { ...t, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stopRequestedAt: this.now };
    });
  }

  live() {
    return this.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED');
  }

  messages() {
    return this.service.events.map((e) => e.message);
  }

  settle(rounds = 20, outcome?: (task: ServiceTaskView) => 'runs' | 'exits') {
    for (let i = 0; i < rounds; i++) {
      this.step();
      this.advance(41_000, outcome);
    }
    this.step();
  }
}

describe('the service scheduler', () => {
  test('a new service starts its desired count, completes and reaches a steady state once', () => {
    const world = new World(create(2));
    const first = world.step();
    assert.equal(first.start.length, 2);
    assert.equal(world.service.pendingCount, 2);
    assert.match(world.messages()[0]!, /^\(service web\) has started 2 tasks: \(task t\d+\) \(task t\d+\)\.$/);
    world.advance(1_000);
    const waiting = world.step();
    assert.equal(waiting.start.length, 0);
    assert.equal(world.service.runningCount, 2);
    assert.equal(world.service.deployments[0]!.rolloutState, 'IN_PROGRESS', 'not healthy before 40 s');
    assert.equal(waiting.recheckAfterMs, 40_000);
    world.advance(40_000);
    world.step();
    const [deployment] = world.service.deployments;
    assert.equal(deployment!.rolloutState, 'COMPLETED');
    assert.equal(deployment!.rolloutStateReason, `ECS deployment ${deployment!.id} completed.`);
    assert.deepEqual(world.messages().slice(0, 2), ['(service web) has reached a steady state.', `(service web) (deployment ${deployment!.id}) deployment completed.`]);
    const again = world.step();
    assert.equal(again.service, world.service, 'nothing to change: the same object');
    assert.equal(world.messages().filter((m) => m.includes('steady state')).length, 1);
  });

  test('a task that died is replaced and the service says so', () => {
    const world = new World(create(2));
    world.settle(3);
    const [victim] = world.live();
    world.tasks = world.tasks.map((t) => (t === victim ? { ...t, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stopRequestedAt: world.now } : t));
    const plan = world.step();
    assert.equal(plan.start.length, 1);
    assert.equal(world.messages()[0], `(service web) has started 1 tasks: (task ${plan.start[0]!.taskId}).`);
    assert.equal(world.service.deployments[0]!.failedTasks, 0, 'a task that had been healthy is not a failed launch');
  });

  test('a rolling update never breaks the bounds and ends on the new revision', () => {
    for (const [min, max, desired] of [[100, 200, 2], [50, 100, 4], [50, 150, 5], [0, 100, 1]] as const) {
      const world = new World(create(desired, { deploymentConfiguration: { minimumHealthyPercent: min, maximumPercent: max } }));
      world.settle(3);
      world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
      const primary = world.service.deployments[0]!.id;
      for (let i = 0; i < 30; i++) {
        world.step();
        const alive = world.tasks.filter((t) => t.lastStatus !== 'STOPPED');
        const healthy = world.live().filter((t) => t.lastStatus === 'RUNNING' && world.now - (t.startedAt ?? world.now) >= 40_000);
        assert.ok(alive.length <= Math.floor((desired * max) / 100), `${min}/${max}: ${alive.length} alive`);
        assert.ok(healthy.length >= Math.ceil((desired * min) / 100), `${min}/${max}: ${healthy.length} healthy`);
        world.advance(41_000);
      }
      assert.equal(world.service.deployments.length, 1, `${min}/${max}`);
      assert.equal(world.service.deployments[0]!.rolloutState, 'COMPLETED');
      assert.ok(world.live().every((t) => t.deploymentId === primary));
      assert.equal(world.live().length, desired);
      const stopped = world.tasks.filter((t) => t.stopCode === 'ServiceSchedulerInitiated');
      assert.ok(stopped.every((t) => t.stoppedReason === `Scaling activity initiated by (deployment ${primary})`));
    }
  });

  test('the circuit breaker fails a deployment whose tasks exit, and rolls back to the last completed one', () => {
    const world = new World(create(2, { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } }));
    world.settle(3);
    const good = world.service.deployments[0]!.id;
    world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
    const bad = world.service.deployments[0]!.id;
    world.settle(10, (t) => (t.deploymentId === bad ? 'exits' : 'runs'));
    const failed = world.service.deployments.find((d) => d.id === bad);
    assert.equal(failed, undefined, 'the failed deployment is gone once its tasks are');
    const [primary] = world.service.deployments;
    assert.equal(primary!.taskDefinition, 'arn:aws:ecs:us-east-1:1:task-definition/web:1');
    assert.equal(primary!.rolloutState, 'COMPLETED');
    assert.equal(world.service.taskDefinition, primary!.taskDefinition);
    const messages = world.messages();
    assert.ok(messages.includes(`(service web) (deployment ${bad}) deployment failed: tasks failed to start.`), messages.join('\n'));
    assert.ok(messages.includes(`(service web) rolling back to deployment ${good}.`));
    const record = world.service.wharf.serviceDeployments[0]!;
    assert.equal(record.status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(record.circuitBreakerStatus, 'TRIGGERED');
    // The threshold is clamp(ceil(0.5 x 2), 3, 200) = 3; two tasks start at a time, so the fourth failure trips it.
    assert.equal(record.failureCount, 4);
    assert.equal(world.tasks.filter((t) => t.deploymentId === bad && t.stopCode === 'EssentialContainerExited').length, 4);
  });

  test('StopServiceDeployment: ROLLBACK returns to the last completed revision, ABORT freezes the rollout', () => {
    for (const stopType of ['ROLLBACK', 'ABORT'] as const) {
      const world = new World(create(2));
      world.settle(3);
      world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
      const target = world.service.deployments[0]!.id;
      const record = world.service.wharf.serviceDeployments[0]!;
      world.step();
      world.service = requestStopOfDeployment(world.service, record.id, stopType, world.now);
      world.settle(5);
      const sd = world.service.wharf.serviceDeployments[0]!;
      if (stopType === 'ROLLBACK') {
        assert.equal(sd.status, 'ROLLBACK_SUCCESSFUL');
        assert.equal(world.service.deployments.length, 1);
        assert.equal(world.service.taskDefinition, 'arn:aws:ecs:us-east-1:1:task-definition/web:1');
        assert.ok(world.live().every((t) => t.deploymentId !== target));
      } else {
        assert.equal(sd.status, 'STOPPED');
        assert.equal(world.service.deployments.find((d) => d.id === target)!.rolloutState, 'FAILED');
      }
      assert.throws(() => requestStopOfDeployment(world.service, record.id, stopType, world.now), /ConflictException|only a service deployment in progress/);
    }
  });

  test('the breaker without rollback leaves the deployment FAILED and starts nothing more', () => {
    const world = new World(create(2, { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } } }));
    world.settle(3);
    world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
    const bad = world.service.deployments[0]!.id;
    world.settle(10, (t) => (t.deploymentId === bad ? 'exits' : 'runs'));
    const primary = world.service.deployments.find((d) => d.status === 'PRIMARY')!;
    assert.equal(primary.id, bad);
    assert.equal(primary.rolloutState, 'FAILED');
    assert.equal(primary.rolloutStateReason, 'ECS deployment circuit breaker: tasks failed to start.');
    assert.equal(world.live().length, 2, 'the old tasks keep serving');
    assert.equal(world.service.wharf.serviceDeployments[0]!.status, 'STOPPED');
  });

  test('failed launches back off, growing, and a healthy task resets it', () => {
    assert.equal(launchBackoffMs(1, 1), 0);
    assert.equal(launchBackoffMs(2, 1), 10_000);
    assert.equal(launchBackoffMs(3, 1), 20_000);
    assert.equal(launchBackoffMs(100, 1), 27 * 60_000);
    assert.equal(launchBackoffMs(3, 10), 2_000);
    const world = new World(create(1));
    world.step();
    world.advance(1_000, () => 'exits');
    world.step();
    world.advance(1_000, () => 'exits');
    const held = world.step();
    assert.equal(held.start.length, 0, 'backing off after two failures');
    assert.ok(held.recheckAfterMs! > 0 && held.recheckAfterMs! <= 10_000);
    world.now += 10_000;
    assert.equal(world.step().start.length, 1);
  });

  test('container health: unhealthy tasks are replaced after the grace period and count as failures', () => {
    const world = new World(create(1, { healthCheckGracePeriodSeconds: 30 }));
    world.step();
    world.advance(1_000);
    world.tasks = world.tasks.map((t) => ({ ...t, hasHealthCheck: true, healthStatus: 'UNHEALTHY' }));
    const early = world.step();
    assert.equal(early.stop.length, 0, 'inside the grace period');
    world.now += 30_000;
    const replacing = world.step();
    assert.deepEqual([replacing.stop.length, replacing.start.length], [0, 1], 'the replacement starts first; the unhealthy task runs on meanwhile');
    // The replacement runs; with no health check of its own it is healthy 40 s after it starts.
    world.advance(1_000);
    assert.deepEqual(world.step().stop, [], 'not before the replacement is healthy');
    world.now += 41_000;
    const plan = world.step();
    assert.deepEqual(plan.stop.map((s) => s.reason), [HEALTH_CHECK_STOP_REASON]);
    assert.equal(world.messages().find((m) => m.includes('failed container health checks')), `(service web) (task ${plan.stop[0]!.taskId}) failed container health checks.`);
    world.step();
    assert.equal(world.service.deployments[0]!.failedTasks, 1);
  });

  test('a configuration that allows no progress says so once', () => {
    const world = new World(create(2, { deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100 } }));
    world.settle(3);
    world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
    world.step();
    world.step();
    const warnings = world.messages().filter((m) => m.includes('allows no task to be started or stopped'));
    assert.equal(warnings.length, 1);
  });

  test('no room on the hosts: the service says it cannot place a task and tries again', () => {
    const world = new World(create(3));
    const plan = world.step({ cpuUnits: Infinity, memoryMiB: 1024 });
    assert.equal(plan.start.length, 2, 'two 512 MiB tasks fit in 1 GiB');
    assert.ok(world.messages().some((m) => /^\(service web\) was unable to place a task\. Reason: Capacity is unavailable/.test(m)), world.messages().join('\n'));
    assert.ok(plan.recheckAfterMs !== undefined);
  });

  test('capacity provider strategies spread the tasks by base and weight', () => {
    const world = new World(
      newService(
        { serviceName: 'web', taskDefinition: 'web:1', desiredCount: 5 },
        { ...revision(1), launch: { capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }] } },
        changeCtx(),
      ),
    );
    const plan = world.step();
    const count = (p: string) => plan.start.filter((s) => s.capacityProvider === p).length;
    assert.equal(count('FARGATE'), 2);
    assert.equal(count('FARGATE_SPOT'), 3);
  });

  test('scaling in stops the surplus without a new deployment; DRAINING stops everything, then INACTIVE', () => {
    const world = new World(create(3));
    world.settle(3);
    world.service = updateService(world.service, { desiredCount: 1 }, undefined, changeCtx(world.now));
    assert.equal(world.service.deployments.length, 1);
    const plan = world.step();
    assert.equal(plan.stop.length, 2);
    assert.equal(world.messages()[0]!.startsWith('(service web) has stopped 2 running tasks: '), true);
    world.service = { ...world.service, status: 'DRAINING', desiredCount: 0 };
    world.step();
    assert.equal(world.service.status, 'DRAINING');
    world.advance(1_000);
    world.step();
    assert.equal(world.service.status, 'INACTIVE');
  });
});

describe('tasks on a DRAINING container instance', () => {
  /** The tasks now live, moved onto a draining instance. */
  function drain(world: World, which: (task: ServiceTaskView) => boolean = () => true): string[] {
    const moved: string[] = [];
    world.tasks = world.tasks.map((t) => {
      if (t.desiredStatus !== 'RUNNING' || t.lastStatus === 'STOPPED' || !which(t)) return t;
      moved.push(t.taskId);
      return { ...t, onDrainingInstance: true };
    });
    return moved;
  }

  test('maximumPercent 200: replacements start first, the drained tasks stop once they are healthy', () => {
    const world = new World(create(2, { deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 } }));
    world.settle(3);
    const drained = drain(world);
    assert.equal(drained.length, 2);

    const first = world.step();
    assert.equal(first.start.length, 2, 'two replacements, within 200%');
    assert.deepEqual(first.stop, [], 'nothing stops before its replacement is healthy');
    world.advance(1_000);
    assert.deepEqual(world.step().stop, [], 'the replacements run but are not healthy yet');
    assert.deepEqual(world.step().start, [], 'no more replacements than drained tasks');

    world.advance(41_000);
    const plan = world.step();
    assert.deepEqual(plan.stop.map((s) => s.taskId).sort(), [...drained].sort());
    for (const stop of plan.stop) {
      assert.equal(stop.stopCode, 'ServiceSchedulerInitiated');
      assert.equal(stop.reason, drainStopReason('web'));
    }
    assert.equal(drainStopReason('web'), 'Service web: container instance is in DRAINING state');
    assert.equal(world.messages().some((m) => m.includes('failed container health checks')), false, 'a drained task did not fail');
    world.settle(2);
    assert.equal(world.live().length, 2);
    assert.ok(world.live().every((t) => !t.onDrainingInstance));
    assert.equal(world.service.deployments[0]!.failedTasks, 0, 'draining is no failure for the circuit breaker');
  });

  test('maximumPercent 200 with one task draining: one replacement, the healthy one on an active instance stays', () => {
    const world = new World(create(2, { deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 } }));
    world.settle(3);
    const [drained] = drain(world, (t) => t === world.live()[0]);
    const plan = world.step();
    assert.deepEqual([plan.start.length, plan.stop.length], [1, 0]);
    world.advance(1_000);
    assert.deepEqual(world.step().stop, [], 'the replacement runs, not yet healthy');
    world.advance(41_000);
    assert.deepEqual(world.step().stop.map((s) => s.taskId), [drained]);
  });

  test('minimumHealthyPercent 50 / maximumPercent 100: a drained task may stop first, never below half healthy', () => {
    const world = new World(create(2, { deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 } }));
    world.settle(3);
    const drained = drain(world);
    const first = world.step();
    assert.equal(first.stop.length, 1, 'one may stop at once: 1 of 2 healthy is 50%');
    assert.ok(drained.includes(first.stop[0]!.taskId));
    assert.equal(first.stop[0]!.reason, drainStopReason('web'));
    assert.equal(first.stop[0]!.stopCode, 'ServiceSchedulerInitiated');
    for (let i = 0; i < 10; i++) {
      world.advance(41_000);
      world.step();
      const alive = world.tasks.filter((t) => t.lastStatus !== 'STOPPED');
      const healthy = world.live().filter((t) => t.lastStatus === 'RUNNING' && world.now - (t.startedAt ?? world.now) >= 40_000);
      assert.ok(alive.length <= 2, `${alive.length} alive`);
      assert.ok(healthy.length >= 1, `${healthy.length} healthy`);
    }
    assert.equal(world.live().length, 2);
    assert.ok(world.live().every((t) => !t.onDrainingInstance));
    assert.ok(world.tasks.filter((t) => drained.includes(t.taskId)).every((t) => t.stoppedReason === drainStopReason('web')));
  });

  test('with the primary deployment FAILED nothing replaces them, so healthy ones on a draining instance keep running', () => {
    const world = new World(create(2, { deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 } }));
    world.settle(3);
    world.service = { ...world.service, deployments: world.service.deployments.map((d) => (d.status === 'PRIMARY' ? { ...d, rolloutState: 'FAILED' as const } : d)) };
    const drained = drain(world);
    assert.equal(drained.length, 2);
    const plan = world.step();
    assert.deepEqual([plan.start.length, plan.stop.length], [0, 0], 'nothing starts, and the drained tasks are not dropped');
    world.advance(41_000);
    assert.deepEqual(world.step().stop, []);
    assert.equal(world.live().length, 2);
  });

  test('a task not yet RUNNING on a draining instance stops at once, with the drain reason', () => {
    const world = new World(create(1));
    world.step();
    const [pending] = drain(world);
    assert.equal(world.tasks.find((t) => t.taskId === pending)!.lastStatus, 'PROVISIONING');
    const plan = world.step();
    assert.deepEqual(plan.stop.map((s) => [s.taskId, s.stopCode, s.reason]), [[pending, 'ServiceSchedulerInitiated', drainStopReason('web')]]);
  });

  test('a draining task of an old deployment stops at once; the rollout replaces it', () => {
    const world = new World(create(2, { deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 } }));
    world.settle(3);
    world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
    const [old] = drain(world, (t) => t === world.live()[0]);
    const plan = world.step();
    const stop = plan.stop.find((s) => s.taskId === old);
    assert.ok(stop, 'the old deployment task on the draining instance stops');
    assert.equal(stop.reason, drainStopReason('web'));
  });

  test('a task already stopping on a draining instance is not stopped again', () => {
    const world = new World(create(1));
    world.settle(3);
    drain(world);
    world.step();
    world.advance(1_000);
    world.step();
    world.advance(41_000);
    const plan = world.step();
    assert.equal(plan.stop.length, 1);
    assert.deepEqual(world.step().stop, [], 'the stop is asked once');
  });
});
