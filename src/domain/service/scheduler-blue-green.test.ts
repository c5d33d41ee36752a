import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scheduleService, type SchedulerContext, type SchedulerPlan, type ServiceTaskView } from './scheduler.js';
import { continueServiceDeployment, newService, requestStopOfDeployment, updateService } from './service-changes.js';
import type { Service } from './service.js';
import { T0, ids, revision, changeCtx } from './scheduler-fixtures.js';

let hooks = 0;

/** The scheduler driving BLUE_GREEN, LINEAR and CANARY deployments, with simulated time and tasks that start as told. */

const LB = { targetGroupArn: 'blue-tg', containerName: 'app', containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: 'green-tg', productionListenerRule: 'prod-rule', testListenerRule: 'test-rule', roleArn: 'arn:aws:iam::1:role/ecs' } };

class World {
  tasks: ServiceTaskView[] = [];
  alarms = new Map<string, 'OK' | 'ALARM'>();
  last!: SchedulerPlan;
  constructor(public service: Service, public now = T0) {}

  step() {
    const ctx: SchedulerContext = { now: this.now, timeScale: 60, ids, free: { cpuUnits: Infinity, memoryMiB: Infinity }, alarmStates: this.alarms, hookId: () => `hook${++hooks}` };
    this.last = scheduleService(this.service, this.tasks, ctx);
    this.service = this.last.service;
    for (const stop of this.last.stop) {
      const index = this.tasks.findIndex((t) => t.taskId === stop.taskId);
      this.tasks[index] = { ...this.tasks[index]!, desiredStatus: 'STOPPED', stopCode: stop.stopCode, stoppedReason: stop.reason };
    }
    for (const start of this.last.start) {
      this.tasks.push({ taskId: start.taskId, deploymentId: start.deploymentId, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', healthStatus: 'UNKNOWN', hasHealthCheck: false, createdAt: this.now });
    }
    return this.last;
  }

  /** Time passes: tasks start and become healthy (40 s / 60 under the scale), stopping tasks stop. */
  advance(ms: number) {
    this.now += ms;
    this.tasks = this.tasks.map((t) => {
      if (t.desiredStatus === 'STOPPED') return { ...t, lastStatus: 'STOPPED' };
      if (t.lastStatus === 'PROVISIONING') return { ...t, lastStatus: 'RUNNING', startedAt: this.now };
      return t;
    });
  }

  /** Reconciles with 100 ms between them: 3 s of simulated time is 3 minutes under time scale 60. */
  settle(rounds = 30) {
    for (let i = 0; i < rounds; i++) {
      this.step();
      this.advance(100);
    }
    this.step();
  }

  record() {
    return this.service.wharf.serviceDeployments[0]!;
  }

  byDeployment() {
    const live = this.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED');
    return this.service.deployments.map((d) => live.filter((t) => t.deploymentId === d.id).length);
  }
}

function deployedWith(deploymentConfiguration: Record<string, unknown>): World {
  const world = new World(newService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2, loadBalancers: [LB], deploymentConfiguration }, revision(1), changeCtx(T0)));
  world.settle();
  assert.equal(world.record().status, 'SUCCESSFUL', 'the first deployment just starts');
  world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
  return world;
}

describe('the scheduler with a BLUE_GREEN, LINEAR or CANARY strategy', () => {
  test('green tasks failing their health checks once production is on green are replaced first, then stopped; blue is left alone', () => {
    const world = deployedWith({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 });
    world.settle();
    assert.equal(world.record().shift?.stage, 'BAKE_TIME');
    const green = world.service.deployments.find((d) => d.status === 'PRIMARY')!.id;
    const sick = world.tasks.filter((t) => t.deploymentId === green && t.desiredStatus === 'RUNNING').map((t) => t.taskId);
    world.tasks = world.tasks.map((t) => (sick.includes(t.taskId) ? { ...t, hasHealthCheck: true, healthStatus: 'UNHEALTHY' } : t));
    const replacing = world.step();
    assert.deepEqual(replacing.stop, [], 'nothing stops while production depends on green');
    assert.equal(replacing.start.filter((s) => s.deploymentId === green).length, 2, 'two replacements start');
    world.advance(100);
    assert.deepEqual(world.step().stop, [], 'not before the replacements are healthy');
    world.advance(1_000);
    const replaced = world.step();
    assert.deepEqual(replaced.stop.map((s) => s.taskId).sort(), [...sick].sort());
    assert.ok(replaced.stop.every((s) => s.reason === 'Task failed container health checks'), JSON.stringify(replaced.stop));
    assert.deepEqual(world.byDeployment(), [2, 2], 'green back at two, blue still at two through the bake');
  });

  test('green comes up beside blue, traffic moves, blue scales in after the bake; the next deployment swaps the target groups', () => {
    const world = deployedWith({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 });
    world.settle();
    assert.equal(world.record().shift?.stage, 'BAKE_TIME');
    assert.deepEqual(world.byDeployment(), [2, 2], 'both at full size during the bake');
    const rules = Object.fromEntries(world.last.listenerRules.map((r) => [r.ruleArn, r.targetGroups]));
    assert.deepEqual(rules['prod-rule'], [{ targetGroupArn: 'blue-tg', weight: 0 }, { targetGroupArn: 'green-tg', weight: 999 }]);
    assert.deepEqual(rules['test-rule'], [{ targetGroupArn: 'blue-tg', weight: 0 }, { targetGroupArn: 'green-tg', weight: 1 }]);
    world.advance(10_000); // ten minutes under time scale 60
    world.settle();
    assert.equal(world.record().status, 'SUCCESSFUL');
    assert.equal(world.record().shift?.stage, 'CLEAN_UP');
    assert.deepEqual(world.byDeployment(), [2]);
    assert.equal(world.service.wharf.productionSide, 'alternate');

    world.service = updateService(world.service, { taskDefinition: 'web:3' }, revision(3), changeCtx(world.now));
    const green = world.service.deployments[0]!.id;
    assert.equal(world.service.wharf.deployments[green]?.side, 'main', 'the new green goes in the group that is not production');
    world.settle();
    const prod = world.last.listenerRules.find((r) => r.ruleArn === 'prod-rule')!;
    assert.deepEqual(prod.targetGroups, [{ targetGroupArn: 'green-tg', weight: 0 }, { targetGroupArn: 'blue-tg', weight: 999 }]);
  });

  test('a PAUSE hook waits for ContinueServiceDeployment; ROLLBACK returns to blue and scales green in', () => {
    const world = deployedWith({ strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }] });
    world.settle();
    const record = world.record();
    assert.equal(record.shift?.stage, 'POST_TEST_TRAFFIC_SHIFT');
    const hook = record.shift!.hooks[0]!;
    assert.equal(hook.status, 'AWAITING_ACTION');
    assert.deepEqual(world.byDeployment(), [2, 2]);
    world.service = continueServiceDeployment(world.service, record.id, hook.hookId, 'ROLLBACK', world.now);
    world.step();
    const back = Object.fromEntries(world.last.listenerRules.map((r) => [r.ruleArn, r.targetGroups]));
    assert.deepEqual(back['prod-rule'], [{ targetGroupArn: 'blue-tg', weight: 999 }, { targetGroupArn: 'green-tg', weight: 0 }]);
    assert.deepEqual(back['test-rule'], [{ targetGroupArn: 'blue-tg', weight: 1 }, { targetGroupArn: 'green-tg', weight: 0 }]);
    assert.equal(world.record().status, 'ROLLBACK_IN_PROGRESS');
    world.settle();
    assert.equal(world.record().status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(world.service.taskDefinition, revision(1).taskDefinitionArn);
    assert.deepEqual(world.byDeployment(), [2]);
    assert.equal(world.service.wharf.productionSide ?? 'main', 'main', 'production stays on blue');
  });

  test('a watched alarm in ALARM during the bake rolls back and names the alarm', () => {
    const world = deployedWith({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 }, bakeTimeInMinutes: 10, alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true } });
    world.settle();
    assert.equal(world.record().shift?.productionPercent, 10);
    world.advance(10_000);
    world.settle();
    assert.equal(world.record().shift?.stage, 'BAKE_TIME');
    world.alarms.set('web-5xx', 'ALARM');
    world.settle();
    assert.equal(world.record().status, 'ROLLBACK_SUCCESSFUL');
    assert.deepEqual(world.record().triggeredAlarmNames, ['web-5xx']);
    assert.match(world.record().rollback?.reason ?? '', /web-5xx/);
  });

  test('StopServiceDeployment ROLLBACK during a linear shift returns to blue', () => {
    const world = deployedWith({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 10 } });
    world.settle();
    assert.equal(world.record().shift?.productionPercent, 20);
    world.advance(10_000);
    world.settle(3);
    assert.equal(world.record().shift?.productionPercent, 40);
    world.service = requestStopOfDeployment(world.service, world.record().id, 'ROLLBACK', world.now);
    world.settle();
    assert.equal(world.record().status, 'ROLLBACK_SUCCESSFUL');
  });

  test('an alarm in ALARM rolls a rolling deployment back', () => {
    const world = new World(newService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2, deploymentConfiguration: { alarms: { alarmNames: ['a'], enable: true, rollback: true } } }, revision(1), changeCtx(T0)));
    world.settle();
    world.service = updateService(world.service, { taskDefinition: 'web:2' }, revision(2), changeCtx(world.now));
    world.step();
    world.alarms.set('a', 'ALARM');
    world.settle();
    assert.equal(world.record().status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(world.service.taskDefinition, revision(1).taskDefinitionArn);
    assert.deepEqual(world.record().triggeredAlarmNames, ['a']);
  });
});
