import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scheduleService, type SchedulerContext, type ServiceTaskView } from './scheduler.js';
import { newService, updateService } from './service-changes.js';
import type { Service } from './service.js';
import { addTaskSet, computedDesiredCount, deleteTaskSet, makePrimary, scaleTaskSet } from './task-sets.js';
import { T0, ids, revision, changeCtx as changeCtxAt } from './scheduler-fixtures.js';

const changeCtx = changeCtxAt(T0);
const ctx = (now: number): SchedulerContext => ({ now, timeScale: 1, ids, free: { cpuUnits: Infinity, memoryMiB: Infinity } });

/** Applies plans to tasks that start at once (RUNNING on the next step) and stop at once. */
class World {
  tasks: ServiceTaskView[] = [];
  now = T0;
  constructor(public service: Service) {}
  step() {
    const plan = scheduleService(this.service, this.tasks, ctx(this.now));
    this.service = plan.service;
    for (const stop of plan.stop) {
      const i = this.tasks.findIndex((t) => t.taskId === stop.taskId);
      this.tasks[i] = { ...this.tasks[i]!, desiredStatus: 'STOPPED', stopCode: stop.stopCode, stoppedReason: stop.reason };
    }
    for (const start of plan.start) {
      this.tasks.push({ taskId: start.taskId, deploymentId: start.deploymentId, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', healthStatus: 'UNKNOWN', hasHealthCheck: false, createdAt: this.now });
    }
    return plan;
  }
  advance() {
    this.now += 1_000;
    this.tasks = this.tasks.map((t) => (t.lastStatus === 'STOPPED' ? t : t.desiredStatus === 'STOPPED' ? { ...t, lastStatus: 'STOPPED' } : { ...t, lastStatus: 'RUNNING', startedAt: this.now }));
  }
  settle() {
    for (let i = 0; i < 5; i++) {
      this.step();
      this.advance();
    }
    this.step();
  }
  running(taskSetId: string) {
    return this.tasks.filter((t) => t.deploymentId === taskSetId && t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING').length;
  }
}

describe('task sets', () => {
  test('computedDesiredCount rounds up, as ECS does', () => {
    assert.equal(computedDesiredCount(4, 50), 2);
    assert.equal(computedDesiredCount(3, 50), 2);
    assert.equal(computedDesiredCount(3, 100 / 3), 1);
    assert.equal(computedDesiredCount(5, 0), 0);
    assert.equal(computedDesiredCount(0, 100), 0);
  });

  test('an EXTERNAL service runs each task set at its computed count; scale, primary and delete move tasks', () => {
    const world = new World(newService({ serviceName: 'web', desiredCount: 4, deploymentController: { type: 'EXTERNAL' } }, undefined, changeCtx));
    assert.deepEqual(world.service.taskSets, []);
    assert.equal(world.service.deployments.length, 0);
    assert.equal(world.service.taskDefinition, undefined);
    assert.equal(world.step().start.length, 0);

    const blue = addTaskSet(world.service, { scale: { value: 100, unit: 'PERCENT' } }, revision(1), { now: T0, deploymentDigits: ids.deploymentDigits() });
    assert.equal(blue.status, 'ACTIVE');
    assert.match(blue.taskSetArn, /^arn:aws:ecs:us-east-1:1:task-set\/c\/web\/ecs-svc\/\d{19}$/);
    world.service = makePrimary(world.service, blue.id, T0);
    assert.equal(world.service.taskDefinition, revision(1).taskDefinitionArn);
    assert.equal(world.service.launchType, 'FARGATE');
    const first = world.step();
    assert.equal(first.start.length, 4);
    assert.ok(first.start.every((s) => s.deploymentId === blue.id));
    assert.equal(world.service.taskSets![0]!.stabilityStatus, 'STABILIZING');
    world.settle();
    const settled = world.service.taskSets![0]!;
    assert.equal(settled.runningCount, 4);
    assert.equal(settled.stabilityStatus, 'STEADY_STATE');
    assert.ok(world.service.events.some((e) => e.message === '(service web) has reached a steady state.'));

    // A green task set at 50%: two more tasks, blue untouched.
    const green = addTaskSet(world.service, { scale: { value: 50, unit: 'PERCENT' }, externalId: 'deploy-2' }, revision(2), { now: world.now, deploymentDigits: ids.deploymentDigits() });
    world.settle();
    assert.equal(world.running(blue.id), 4);
    assert.equal(world.running(green.id), 2);
    assert.equal(world.service.runningCount, 6);

    // Blue scaled to 25%: three of its tasks stop.
    world.service = scaleTaskSet(world.service, blue.id, { value: 25, unit: 'PERCENT' }, world.now);
    world.settle();
    assert.equal(world.running(blue.id), 1);
    assert.equal(world.service.taskSets!.find((ts) => ts.id === blue.id)!.computedDesiredCount, 1);

    // Green becomes primary; blue is deleted (forced: it is still scaled above 0) and goes once drained.
    world.service = makePrimary(world.service, green.id, world.now);
    assert.equal(world.service.taskDefinition, revision(2).taskDefinitionArn);
    assert.deepEqual(world.service.taskSets!.map((ts) => ts.status), ['ACTIVE', 'PRIMARY']);
    assert.throws(() => deleteTaskSet(world.service, blue.id, false, world.now), { code: 'InvalidParameterException' });
    world.service = deleteTaskSet(world.service, blue.id, true, world.now);
    assert.equal(world.service.taskSets!.find((ts) => ts.id === blue.id)!.status, 'DRAINING');
    world.settle();
    assert.deepEqual(world.service.taskSets!.map((ts) => ts.id), [green.id]);
    assert.equal(world.running(blue.id), 0);

    // The desired count drives every task set.
    world.service = updateService(world.service, { desiredCount: 6 }, undefined, { ...changeCtx, now: world.now });
    world.settle();
    assert.equal(world.running(green.id), 3);
  });

  test('UpdateService on a CODE_DEPLOY or EXTERNAL service changes counts only, in ECS words', () => {
    const service = newService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, deploymentController: { type: 'CODE_DEPLOY' } }, revision(1), changeCtx);
    assert.equal(service.taskSets!.length, 1);
    assert.equal(service.taskSets![0]!.status, 'PRIMARY');
    assert.equal(service.taskDefinition, revision(1).taskDefinitionArn);
    assert.throws(() => updateService(service, { taskDefinition: 'web:2' }, undefined, changeCtx), {
      message: 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    });
    assert.throws(() => updateService(service, { networkConfiguration: { awsvpcConfiguration: { subnets: ['s'] } } }, undefined, changeCtx), {
      message: 'Unable to update network parameters on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    });
    assert.equal(updateService(service, { desiredCount: 3 }, undefined, changeCtx).desiredCount, 3);
    const plan = scheduleService(service, [], ctx(T0));
    assert.equal(plan.start.length, 1);
    assert.equal(plan.start[0]!.deploymentId, service.taskSets![0]!.id);
  });
});
