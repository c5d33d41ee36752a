import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredCountActivity, fulfilled, notScaledActivity, repeatsNotScaled, settleActivity } from './activities.js';
import type { ScalableTargetRecord, ScheduledActionRecord } from './records.js';
import { nextRun, planScheduledRun } from './scheduled-run.js';

const KEY = { ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount' };
const target: ScalableTargetRecord = {
  ...KEY,
  ScalableTargetARN: 'arn',
  MinCapacity: 1,
  MaxCapacity: 4,
  RoleARN: 'role',
  CreationTime: 0,
  SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
  Tags: {},
  wharf: { arnId: 'id', cooldowns: {} },
};
const action = (over: Partial<ScheduledActionRecord> = {}): ScheduledActionRecord => ({
  ...KEY,
  ScheduledActionName: 'morning',
  ScheduledActionARN: 'sa-arn',
  Schedule: 'cron(0 8 * * ? *)',
  ScalableTargetAction: { MinCapacity: 3 },
  CreationTime: 0,
  wharf: { updatedAt: Date.parse('2026-01-01T00:00:00Z') },
  ...over,
});
let n = 0;
const ids = () => `id-${++n}`;

test('an action is next due at its schedule\'s first occurrence after its last run (or after it was put)', () => {
  assert.equal(nextRun(action()), Date.parse('2026-01-01T08:00:00Z'));
  assert.equal(nextRun(action({ wharf: { updatedAt: Date.parse('2026-01-01T00:00:00Z'), lastRunAt: Date.parse('2026-01-01T08:00:00Z') } })), Date.parse('2026-01-02T08:00:00Z'));
  assert.equal(nextRun(action({ Schedule: 'at(2026-01-01T07:00:00)', wharf: { updatedAt: Date.parse('2026-01-01T00:00:00Z'), lastRunAt: Date.parse('2026-01-01T07:00:00Z') } })), undefined);
  assert.equal(nextRun(action({ Schedule: 'nonsense' })), undefined);
});

test('raising the minimum above the desired count raises the count, in AWS\'s words', () => {
  const due = Date.parse('2026-01-01T08:00:00Z');
  const plan = planScheduledRun(action(), target, 2, due, due + 5, ids);
  assert.equal(plan.action.wharf.lastRunAt, due);
  assert.deepEqual([plan.target?.MinCapacity, plan.target?.MaxCapacity, plan.desiredCount], [3, 4, 3]);
  assert.deepEqual(
    plan.activities.map((a) => [a.Description, a.Cause, a.StatusCode, a.StatusMessage]),
    [
      ['Setting min capacity to 3', 'scheduled action name morning was triggered', 'Successful', 'Successfully set min capacity to 3'],
      ['Setting desired count to 3.', 'minimum capacity was set to 3', 'InProgress', 'Successfully set desired count to 3. Waiting for change to be fulfilled by ecs.'],
    ],
  );
});

test('lowering the maximum lowers the count; a count inside the range stays', () => {
  const plan = planScheduledRun(action({ ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 1 } }), target, 3, 1, 1, ids);
  assert.equal(plan.desiredCount, 1);
  assert.equal(plan.activities[0]!.Description, 'Setting min capacity to 0 and max capacity to 1');
  assert.equal(plan.activities[1]!.Cause, 'maximum capacity was set to 1');
  const inside = planScheduledRun(action({ ScalableTargetAction: { MaxCapacity: 10 } }), target, 3, 1, 1, ids);
  assert.equal(inside.desiredCount, undefined);
  assert.equal(inside.activities.length, 1);
});

test('suspended scheduled scaling skips the occurrence; impossible bounds fail it', () => {
  const suspended = { ...target, SuspendedState: { ...target.SuspendedState, ScheduledScalingSuspended: true } };
  const plan = planScheduledRun(action(), suspended, 2, 1, 1, ids);
  assert.deepEqual([plan.target, plan.desiredCount, plan.activities.length, plan.action.wharf.lastRunAt], [undefined, undefined, 0, 1]);
  const failed = planScheduledRun(action({ ScalableTargetAction: { MinCapacity: 9 } }), target, 2, 1, 1, ids);
  assert.equal(failed.target, undefined);
  assert.equal(failed.activities[0]!.StatusCode, 'Failed');
});

test('an activity succeeds when the service runs its count, and is overridden by a newer count', () => {
  const activity = desiredCountActivity(KEY, 'a', 10, 'cause', 4);
  assert.equal(settleActivity(activity, { desiredCount: 4, runningCount: 2 }, 20), activity);
  const done = settleActivity(activity, { desiredCount: 4, runningCount: 4 }, 20);
  assert.deepEqual([done.StatusCode, done.StatusMessage, done.EndTime], ['Successful', fulfilled(4), 20]);
  assert.equal(fulfilled(4), 'Successfully set desired count to 4. Change successfully fulfilled by ecs.');
  assert.equal(settleActivity(activity, { desiredCount: 6, runningCount: 4 }, 20).StatusCode, 'Overridden');
  assert.equal(settleActivity(activity, undefined, 20).StatusCode, 'Failed');
  assert.equal(settleActivity(done, { desiredCount: 1, runningCount: 1 }, 30), done);
});

test('a not scaled activity is not repeated while the alarm stays in ALARM', () => {
  const reason = { Code: 'AlreadyAtMaxCapacity', MaxCapacity: 4 } as const;
  const first = notScaledActivity(KEY, 'a', 1, 'monitor alarm x in state ALARM triggered policy cpu', reason);
  assert.deepEqual([first.Description, first.StatusCode, first.wharf.notScaled], ['Attempting to scale due to alarm triggered', 'Failed', true]);
  assert.equal(repeatsNotScaled(first, first.Cause, reason), true);
  assert.equal(repeatsNotScaled(first, first.Cause, { Code: 'AlreadyAtDesiredCapacity', CurrentCapacity: 4 }), false);
  assert.equal(repeatsNotScaled(undefined, first.Cause, reason), false);
});
