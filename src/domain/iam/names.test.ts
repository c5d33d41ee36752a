import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assumedRoleArn, checkPath, checkPolicyName, checkRoleName, checkSessionName, derivedRoleId, formatRoleId, parseAssumedRoleArn, parseRoleArn, roleArn } from './names.js';

test('role and policy names: 1 to 64 (128) of [\\w+=,.@-], anchored', () => {
  for (const name of ['ecsTaskRole', 'a', 'with+=,.@-_all', 'x'.repeat(64)]) checkRoleName(name);
  for (const name of ['has space', 'slash/', 'x'.repeat(65), 'tab\t', 'é']) assert.throws(() => checkRoleName(name), { code: 'ValidationError' }, name);
  checkPolicyName('p'.repeat(128));
  assert.throws(() => checkPolicyName('p'.repeat(129)), { code: 'ValidationError' });
  assert.throws(() => checkRoleName('bad name'), { message: /Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\+=,\.@-\]\+/ });
});

test('session names: 2 to 64 of [\\w+=,.@-]', () => {
  for (const name of ['ab', 'task-1', 'user@example.com', 's'.repeat(64)]) checkSessionName(name);
  assert.throws(() => checkSessionName('a'), { code: 'ValidationError', message: /greater than or equal to 2/ });
  assert.throws(() => checkSessionName('s'.repeat(65)), { message: /less than or equal to 64/ });
  assert.throws(() => checkSessionName('no spaces'), { message: /roleSessionName.*\[\\w\+=,\.@-\]\*/ });
});

test('paths begin and end with a slash', () => {
  for (const path of ['/', '/service-role/', '/a/b/']) checkPath(path);
  for (const path of ['', 'a/', '/a', '//x', '/with space/']) {
    assert.throws(() => checkPath(path), { code: 'ValidationError' }, path);
  }
});

test('role ARNs carry the path; assumed-role ARNs only the name and session', () => {
  const arn = roleArn('aws', '123456789012', '/service-role/', 'ecsTaskRole');
  assert.equal(arn, 'arn:aws:iam::123456789012:role/service-role/ecsTaskRole');
  const parts = parseRoleArn(arn)!;
  assert.deepEqual(parts, { partition: 'aws', account: '123456789012', path: '/service-role/', name: 'ecsTaskRole' });
  assert.deepEqual(parseRoleArn('arn:aws:iam::123456789012:role/plain'), { partition: 'aws', account: '123456789012', path: '/', name: 'plain' });
  for (const bad of ['arn:aws:iam::123456789012:user/x', 'arn:aws:iam:us-east-1:123456789012:role/x', 'arn:aws:iam::12345:role/x', 'arn:aws:iam::123456789012:role/']) {
    assert.equal(parseRoleArn(bad), undefined, bad);
  }
  const assumed = assumedRoleArn(parts, 'task-1');
  assert.equal(assumed, 'arn:aws:sts::123456789012:assumed-role/ecsTaskRole/task-1');
  assert.deepEqual(parseAssumedRoleArn(assumed), { partition: 'aws', account: '123456789012', roleName: 'ecsTaskRole', sessionName: 'task-1' });
  assert.equal(parseAssumedRoleArn('arn:aws:iam::123456789012:root'), undefined);
});

test('role ids: AROA and 17 characters; derived ids are stable per seed', () => {
  assert.match(formatRoleId(new Uint8Array(17).fill(200)), /^AROA[A-Z2-7]{17}$/);
  const a = derivedRoleId('arn:aws:iam::123456789012:role/a');
  assert.match(a, /^AROA[A-Z2-7]{17}$/);
  assert.equal(derivedRoleId('arn:aws:iam::123456789012:role/a'), a);
  assert.notEqual(derivedRoleId('arn:aws:iam::123456789012:role/b'), a);
});
