import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachPolicy, checkDeletable, deleteInlinePolicy, detachPolicy, mergeTags, newRole, policyNameOf, policyPathOf, putInlinePolicy, removeTags } from './roles.js';
import { assumeRoleDuration } from './sessions.js';

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const at = { account: '123456789012', partition: 'aws', roleId: 'AROAAAAAAAAAAAAAAAAAA', now: 1_700_000_000_000 };
const inline = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

test('a new role: ARN with its path, defaults, tags', () => {
  const role = newRole({ RoleName: 'ecsTaskRole', AssumeRolePolicyDocument: trust, Path: '/app/', Tags: [{ Key: 'team', Value: 'a' }] }, at);
  assert.equal(role.Arn, 'arn:aws:iam::123456789012:role/app/ecsTaskRole');
  assert.equal(role.MaxSessionDuration, 3600);
  assert.deepEqual(role.Tags, [{ Key: 'team', Value: 'a' }]);
  assert.throws(() => newRole({ RoleName: 'x', AssumeRolePolicyDocument: '{', Path: '/' }, at), { code: 'MalformedPolicyDocument' });
  assert.throws(() => newRole({ RoleName: 'x', AssumeRolePolicyDocument: trust, Path: 'app' }, at), { code: 'ValidationError' });
  assert.throws(() => newRole({ RoleName: 'x', AssumeRolePolicyDocument: trust, PermissionsBoundary: 'not-an-arn-at-all-really' }, at), { code: 'InvalidInput' });
  const big = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: Array.from({ length: 80 }, (_, i) => `arn:aws:iam::1234567890${String(i).padStart(2, '0')}:root`) }, Action: 'sts:AssumeRole' }] });
  assert.throws(() => newRole({ RoleName: 'x', AssumeRolePolicyDocument: big }, at), { code: 'LimitExceeded', message: 'Cannot exceed quota for ACLSizePerRole: 2048' });
});

test('tags merge without regard to key case and are capped at 50', () => {
  assert.deepEqual(mergeTags([{ Key: 'Team', Value: 'a' }, { Key: 'x', Value: '1' }], [{ Key: 'team', Value: 'b' }]), [{ Key: 'x', Value: '1' }, { Key: 'team', Value: 'b' }]);
  assert.throws(() => mergeTags([], [{ Key: 'a', Value: '' }, { Key: 'A', Value: '' }]), { code: 'InvalidInput' });
  const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: '' }));
  assert.throws(() => mergeTags(fifty, [{ Key: 'one-more', Value: '' }]), { code: 'LimitExceeded' });
  assert.deepEqual(removeTags([{ Key: 'Team', Value: 'a' }, { Key: 'x', Value: '1' }], ['TEAM', 'absent']), [{ Key: 'x', Value: '1' }]);
});

test('DeleteRole conflicts while policies remain: managed first, then inline', () => {
  let role = newRole({ RoleName: 'r', AssumeRolePolicyDocument: trust }, at);
  checkDeletable(role);
  role = putInlinePolicy(attachPolicy(role, EXECUTION_POLICY), 'inline', inline);
  assert.throws(() => checkDeletable(role), { code: 'DeleteConflict', status: 409, message: 'Cannot delete entity, must detach all policies first.' });
  role = detachPolicy(role, EXECUTION_POLICY);
  assert.throws(() => checkDeletable(role), { code: 'DeleteConflict', message: 'Cannot delete entity, must delete policies first.' });
  role = deleteInlinePolicy(role, 'inline');
  checkDeletable(role);
});

test('managed policies: any policy ARN, once; detaching one not attached is NoSuchEntity', () => {
  const role = newRole({ RoleName: 'r', AssumeRolePolicyDocument: trust }, at);
  const attached = attachPolicy(role, EXECUTION_POLICY);
  assert.equal(attachPolicy(attached, EXECUTION_POLICY), attached);
  assert.deepEqual(attachPolicy(attached, 'arn:aws:iam::123456789012:policy/mine').attachedPolicies, [EXECUTION_POLICY, 'arn:aws:iam::123456789012:policy/mine']);
  assert.throws(() => attachPolicy(role, 'arn:aws:s3:::bucket/thing'), { code: 'InvalidInput' });
  assert.throws(() => detachPolicy(role, EXECUTION_POLICY), { code: 'NoSuchEntity', status: 404, message: `Policy ${EXECUTION_POLICY} was not found.` });
  let many = role;
  for (let i = 0; i < 10; i++) many = attachPolicy(many, `arn:aws:iam::123456789012:policy/p${i}`);
  assert.throws(() => attachPolicy(many, EXECUTION_POLICY), { code: 'LimitExceeded' });
  assert.equal(policyNameOf(EXECUTION_POLICY), 'AmazonECSTaskExecutionRolePolicy');
  assert.equal(policyPathOf(EXECUTION_POLICY), '/service-role/');
  assert.equal(policyPathOf('arn:aws:iam::123456789012:policy/mine'), '/');
});

test('inline policies: checked, replaced by name, 10240 bytes per role', () => {
  const role = newRole({ RoleName: 'r', AssumeRolePolicyDocument: trust }, at);
  assert.throws(() => putInlinePolicy(role, 'p', '{"Statement":[]}'), { code: 'MalformedPolicyDocument' });
  assert.throws(() => putInlinePolicy(role, 'bad name', inline), { code: 'ValidationError' });
  const once = putInlinePolicy(putInlinePolicy(role, 'p', inline), 'p', inline);
  assert.deepEqual(Object.keys(once.inlinePolicies), ['p']);
  const huge = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: 400 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) }] });
  assert.throws(() => putInlinePolicy(role, 'huge', huge), { code: 'LimitExceeded', message: 'Maximum policy size of 10240 bytes exceeded for role r' });
  assert.throws(() => deleteInlinePolicy(role, 'p'), { code: 'NoSuchEntity', message: 'The role policy with name p cannot be found.' });
});

test('AssumeRole durations: default an hour, bounded by the role and by role chaining', () => {
  assert.equal(assumeRoleDuration(undefined, 3600, false), 3600);
  assert.equal(assumeRoleDuration(7200, 43200, false), 7200);
  assert.throws(() => assumeRoleDuration(7200, 3600, false), { code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
  assert.throws(() => assumeRoleDuration(7200, 43200, true), { message: /1 hour session limit for roles assumed by role chaining/ });
  assert.equal(assumeRoleDuration(900, 43200, true), 900);
});
