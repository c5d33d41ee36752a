import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { markStopping, requestStop } from './lifecycle.js';
import { planRunTask, type RunnableDefinition, type RunTaskInput } from './run-task.js';
import { chooseSpotTasksToInterrupt, interruptSpotTask, isInterruptible, SPOT_WARNING_SECONDS } from './spot-interruption.js';
import type { Task } from './task.js';

let n = 0;
const ids = { taskId: () => (++n).toString(16).padStart(32, '0'), uuid: () => `u${++n}`, eniId: () => `eni-${++n}` };
const definition: RunnableDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/f:1', family: 'f', revision: 1, status: 'ACTIVE', networkMode: 'awsvpc', cpu: '256', memory: '512',
  compatibilities: ['EC2', 'FARGATE'], containerDefinitions: [{ name: 'app', image: 'i' }],
};
const cluster = { clusterArn: 'arn:aws:ecs:us-east-1:1:cluster/c', clusterName: 'c', capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProviderStrategy: [] };
const network = { awsvpcConfiguration: { subnets: ['subnet-1'] } };

function run(input: Partial<RunTaskInput>, at: number): Task {
  return planRunTask({ networkConfiguration: network, group: 'service:web', ...input }, definition, [], cluster, { region: 'us-east-1', account: '1', now: new Date(at), ids })[0]!;
}
const spot = (at = 1_000) => run({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }, at);
const onDemand = (at = 1_000) => run({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] }, at);
const launchType = (at = 1_000) => run({ launchType: 'FARGATE' }, at);
const invalid = (pattern: RegExp) => (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && error.status === 400 && pattern.test(error.message);

describe('Fargate Spot interruption', () => {
  test('marks a running Spot task stopped with ECS words and the warning as its grace period', () => {
    const task = spot();
    const interrupted = interruptSpotTask(task, SPOT_WARNING_SECONDS / 30, new Date(9_000));
    assert.deepEqual(
      [interrupted.desiredStatus, interrupted.stopCode, interrupted.stoppedReason, interrupted.wharf.stopGraceSeconds, interrupted.wharf.stopRequestedAt],
      ['STOPPED', 'SpotInterruption', 'Your Spot Task was interrupted.', 4, 9_000],
    );
    assert.equal(interrupted.lastStatus, task.lastStatus, 'observed state is the supervisor\'s to change');
    assert.equal(interrupted.version, task.version + 1);
    assert.equal(task.desiredStatus, 'RUNNING', 'the input is not mutated');
    assert.equal(task.wharf.stopGraceSeconds, undefined);
  });

  test('only Spot tasks the scheduler still wants running can be interrupted', () => {
    assert.throws(() => interruptSpotTask(onDemand(), 120, new Date(0)), invalid(/capacity provider FARGATE, not FARGATE_SPOT/));
    assert.throws(() => interruptSpotTask(launchType(), 120, new Date(0)), invalid(/launch type FARGATE, not FARGATE_SPOT/));
    const stopped = requestStop(spot(), 'UserInitiated', 'by hand', new Date(0));
    assert.throws(() => interruptSpotTask(stopped, 120, new Date(0)), invalid(/already stopping .*UserInitiated/));
    assert.throws(() => interruptSpotTask(markStopping(interruptSpotTask(spot(), 120, new Date(0)), new Date(0)), 120, new Date(0)), invalid(/already stopping/));
    assert.deepEqual([isInterruptible(spot()), isInterruptible(onDemand()), isInterruptible(stopped)], [true, false, false]);
  });

  test('a percent of a service takes ceil(n x percent / 100) of its live Spot tasks, oldest first', () => {
    const [a, b, c] = [spot(3_000), spot(1_000), spot(2_000)];
    const others = [onDemand(0), launchType(0), requestStop(spot(0), 'UserInitiated', 'x', new Date(0))];
    const tasks = [a!, ...others, b!, c!];
    const arns = (chosen: Task[]) => chosen.map((task) => task.taskArn);
    assert.deepEqual(arns(chooseSpotTasksToInterrupt(tasks, 100)), arns([b!, c!, a!]));
    assert.deepEqual(arns(chooseSpotTasksToInterrupt(tasks, 50)), arns([b!, c!]), 'ceil(1.5) = 2');
    assert.deepEqual(arns(chooseSpotTasksToInterrupt(tasks, 34)), arns([b!, c!]), 'ceil(1.02) = 2');
    assert.deepEqual(arns(chooseSpotTasksToInterrupt(tasks, 33)), arns([b!]), 'ceil(0.99) = 1');
    assert.deepEqual(arns(chooseSpotTasksToInterrupt(tasks, 1)), arns([b!]));
    assert.deepEqual(arns(chooseSpotTasksToInterrupt([...tasks].reverse(), 50)), arns([b!, c!]), 'the order given does not matter');
    assert.deepEqual(chooseSpotTasksToInterrupt(others, 100), []);
    const twins = [spot(5_000), spot(5_000)];
    assert.deepEqual(arns(chooseSpotTasksToInterrupt(twins, 50)), [twins.map((task) => task.taskArn).sort()[0]], 'ties go by ARN');
  });

  test('percent must be a whole number from 1 to 100', () => {
    for (const bad of [0, -5, 101, 12.5, Number.NaN]) {
      assert.throws(() => chooseSpotTasksToInterrupt([spot()], bad), invalid(/percent must be a whole number from 1 to 100/), String(bad));
    }
  });
});
