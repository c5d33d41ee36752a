import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExecToken, EXEC_SESSION_RETENTION_MS, execLogDestination, sweepDecision, formatExecToken, parseExecToken, splitCommand, type ExecSessionRecord } from './exec-session.js';

test('tokens carry the scope and session and parse back; malformed ones are refused', () => {
  const token = { account: '123456789012', region: 'eu-west-1', sessionId: 'ecs-execute-command-0123456789abcdef0', secret: 'ab'.repeat(32) };
  assert.deepEqual(parseExecToken(formatExecToken(token)), token);
  for (const bad of [undefined, 42, '', 'a.b.c', '12345678901.eu-west-1.s.' + 'ab'.repeat(32), `123456789012.eu-west-1.s.${'zz'.repeat(32)}`, `123456789012.EU.s.${'ab'.repeat(32)}`]) {
    assert.equal(parseExecToken(bad), undefined, String(bad));
  }
});

test('a token opens a session once, only before it expires, only while the session lives', () => {
  const record = { tokenDigest: 'd', tokenExpiresAt: 1000, status: 'Pending' } as ExecSessionRecord;
  assert.deepEqual(checkExecToken(record, 'd', 999), { ok: true });
  assert.equal(checkExecToken(undefined, 'd', 0).ok, false);
  assert.deepEqual(checkExecToken(record, 'e', 0), { ok: false, reason: 'token does not match' });
  assert.deepEqual(checkExecToken(record, 'd', 1001), { ok: false, reason: 'token expired' });
  assert.deepEqual(checkExecToken({ ...record, tokenUsedAt: 5 }, 'd', 10), { ok: false, reason: 'token already used' });
  assert.deepEqual(checkExecToken({ ...record, status: 'Terminated' }, 'd', 10), { ok: false, reason: 'session terminated' });
});

test('commands split into words like a shell, without running one', () => {
  assert.deepEqual(splitCommand('/bin/sh'), ['/bin/sh']);
  assert.deepEqual(splitCommand('  cat   /etc/hostname '), ['cat', '/etc/hostname']);
  assert.deepEqual(splitCommand(`sh -c "echo \\"hi\\" | wc -c"`), ['sh', '-c', 'echo "hi" | wc -c']);
  assert.deepEqual(splitCommand(`echo 'a  b' c\\ d ""`), ['echo', 'a  b', 'c d', '']);
  assert.deepEqual(splitCommand('echo $HOME'), ['echo', '$HOME']);
});

test('where a session is logged: NONE, DEFAULT (the container\'s awslogs group), OVERRIDE (the configured group)', () => {
  const awslogs = { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/app' } };
  const id = 'ecs-execute-command-0123456789abcdef0';
  assert.equal(execLogDestination({ executeCommandConfiguration: { logging: 'NONE' } }, awslogs, id), undefined);
  assert.deepEqual(execLogDestination(undefined, awslogs, id), { logGroupName: '/ecs/app', logStreamName: id });
  assert.deepEqual(execLogDestination({ executeCommandConfiguration: { logging: 'DEFAULT' } }, awslogs, id), { logGroupName: '/ecs/app', logStreamName: id });
  assert.equal(execLogDestination(undefined, undefined, id), undefined);
  assert.equal(execLogDestination(undefined, { logDriver: 'json-file' }, id), undefined);
  assert.deepEqual(execLogDestination({ executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { cloudWatchLogGroupName: '/audit' } } }, awslogs, id), { logGroupName: '/audit', logStreamName: id });
  assert.equal(execLogDestination({ executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { s3BucketName: 'b' } } }, awslogs, id), undefined);
});

test('the sweep ends sessions a stopped Wharf left Connected and removes old ended or unused ones', () => {
  const base = { createdAt: 0, tokenExpiresAt: 1000, status: 'Pending' } as ExecSessionRecord;
  assert.equal(sweepDecision({ ...base, status: 'Connected' }, 5), 'orphaned');
  assert.equal(sweepDecision(base, 1000 + EXEC_SESSION_RETENTION_MS), 'keep');
  assert.equal(sweepDecision(base, 1001 + EXEC_SESSION_RETENTION_MS), 'delete');
  assert.equal(sweepDecision({ ...base, status: 'Terminated', terminatedAt: 10 }, 10 + EXEC_SESSION_RETENTION_MS), 'keep');
  assert.equal(sweepDecision({ ...base, status: 'Terminated', terminatedAt: 10 }, 11 + EXEC_SESSION_RETENTION_MS), 'delete');
});
