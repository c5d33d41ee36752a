import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundsChange, checkTargetKey, parseEcsResourceId, registerTarget } from './scalable-target.js';
import { parsePolicyArn, policyArn, activityRecordId, targetRecordId } from './records.js';

const KEY = { ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount' };
const fresh = { arn: 'arn:target', arnId: '6d8972f3-efc8-437c-92d1-6270f29a66e7', roleArn: 'role', now: 5 };
const isValidation = (pattern: RegExp) => (error: Error & { code?: string }) => error.code === 'ValidationException' && pattern.test(error.message);

test('an ECS target names a service\'s desired count', () => {
  assert.deepEqual(checkTargetKey(KEY), { cluster: 'prod', service: 'web' });
  assert.throws(() => checkTargetKey({ ...KEY, ServiceNamespace: 'dynamodb' }), isValidation(/only Amazon ECS/));
  assert.throws(() => checkTargetKey({ ...KEY, ScalableDimension: 'ecs:service:Other' }), isValidation(/Unsupported service namespace, resource type or scalable dimension/));
  assert.throws(() => checkTargetKey({ ...KEY, ResourceId: 'prod/web' }), isValidation(/resource ID/));
  assert.equal(parseEcsResourceId('service/a/b/c'), undefined);
});

test('a new target needs min and max (min may be 0); a second registration changes only what it gives', () => {
  assert.throws(() => registerTarget(undefined, { ...KEY, MinCapacity: 1 }, fresh), isValidation(/MinCapacity and MaxCapacity are required/));
  assert.throws(() => registerTarget(undefined, { ...KEY, MinCapacity: 3, MaxCapacity: 2 }, fresh), isValidation(/cannot be larger/));
  const created = registerTarget(undefined, { ...KEY, MinCapacity: 0, MaxCapacity: 4, Tags: { team: 'web' } }, fresh);
  assert.deepEqual([created.MinCapacity, created.MaxCapacity, created.RoleARN, created.CreationTime, created.Tags], [0, 4, 'role', 5, { team: 'web' }]);
  assert.deepEqual(created.SuspendedState, { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false });
  const updated = registerTarget(created, { ...KEY, MaxCapacity: 8, SuspendedState: { DynamicScalingInSuspended: true } }, { ...fresh, arn: 'other', now: 9 });
  assert.deepEqual([updated.MinCapacity, updated.MaxCapacity, updated.ScalableTargetARN, updated.CreationTime], [0, 8, 'arn:target', 5]);
  assert.deepEqual(updated.SuspendedState, { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false });
  assert.throws(() => registerTarget(created, { ...KEY, MinCapacity: 5 }, fresh), isValidation(/cannot be larger/));
  assert.equal(created.MaxCapacity, 4, 'the stored target is not changed in place');
});

test('bounds force the desired count into them, in AWS\'s words', () => {
  assert.deepEqual(boundsChange(1, 2, 20), { desiredCount: 2, cause: 'minimum capacity was set to 2' });
  assert.deepEqual(boundsChange(9, 0, 4), { desiredCount: 4, cause: 'maximum capacity was set to 4' });
  assert.equal(boundsChange(3, 2, 20), undefined);
});

test('policy ARNs have AWS\'s form and lead back to their record; activity ids sort by time', () => {
  const arn = policyArn('aws', 'us-west-2', '012345678910', { ...KEY, wharf: { arnId: fresh.arnId } }, 'web-app-cpu-gt-75');
  assert.equal(arn, 'arn:aws:autoscaling:us-west-2:012345678910:scalingPolicy:6d8972f3-efc8-437c-92d1-6270f29a66e7:resource/ecs/service/prod/web:policyName/web-app-cpu-gt-75');
  assert.deepEqual(parsePolicyArn(arn), { region: 'us-west-2', account: '012345678910', key: KEY, policyName: 'web-app-cpu-gt-75' });
  assert.equal(parsePolicyArn('arn:aws:sns:us-east-1:012345678910:topic'), undefined);
  assert.ok(activityRecordId(KEY, 999, 'b') < activityRecordId(KEY, 1000, 'a'));
  assert.ok(activityRecordId(KEY, 1, 'a').startsWith(`${targetRecordId(KEY)}|`));
});
