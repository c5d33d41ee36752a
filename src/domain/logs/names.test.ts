import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLogGroupIdentifier, checkLogGroupName, checkLogStreamName, checkNewLogGroupName, logGroupArn, parseLogGroupArn } from './names.js';

const message = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
  return 'ok';
};

test('log group names follow CloudWatch Logs pattern, length and wording', () => {
  assert.equal(message(() => checkLogGroupName('/ecs/my-app_1.#x')), 'ok');
  assert.equal(
    message(() => checkLogGroupName('my app')),
    "InvalidParameterException: 1 validation error detected: Value 'my app' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
  );
  assert.equal(message(() => checkLogGroupName('a:b')).includes('regular expression pattern'), true);
  assert.equal(message(() => checkLogGroupName('x'.repeat(512))), 'ok');
  assert.match(message(() => checkLogGroupName('x'.repeat(513))), /Member must have length less than or equal to 512$/);
  assert.match(message(() => checkLogGroupName('')), /Member must have length greater than or equal to 1$/);
  assert.equal(message(() => checkNewLogGroupName('aws/mine')), 'InvalidParameterException: Log groups starting with AWS/ are reserved for AWS.');
  assert.equal(message(() => checkNewLogGroupName('/aws/lambda/f')), 'ok');
});

test('log stream names refuse : and *', () => {
  assert.equal(message(() => checkLogStreamName('app/app/0123abc')), 'ok');
  assert.equal(
    message(() => checkLogStreamName('a:b')),
    "InvalidParameterException: 1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*",
  );
  assert.match(message(() => checkLogStreamName('a*')), /regular expression/);
  assert.match(message(() => checkLogStreamName('s'.repeat(513))), /less than or equal to 512/);
});

test('log group ARNs with and without :*', () => {
  const arn = logGroupArn('aws', 'us-east-1', '123456789012', '/ecs/app');
  assert.equal(arn, 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app');
  assert.deepEqual(parseLogGroupArn(`${arn}:*`), { partition: 'aws', region: 'us-east-1', account: '123456789012', name: '/ecs/app' });
  assert.equal(parseLogGroupArn(arn)?.name, '/ecs/app');
  assert.equal(parseLogGroupArn('arn:aws:ecs:us-east-1:123456789012:cluster/x'), undefined);
});

test('a logGroupIdentifier ARN ending in :* fails the model pattern with the validation wording', () => {
  assert.equal(message(() => checkLogGroupIdentifier('arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app')), 'ok');
  assert.equal(message(() => checkLogGroupIdentifier('/ecs/app')), 'ok');
  assert.equal(
    message(() => checkLogGroupIdentifier('arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*')),
    "InvalidParameterException: 1 validation error detected: Value 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*' at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*",
  );
  assert.match(message(() => checkLogGroupIdentifier('a:*', 'logGroupIdentifiers.1.member')), /at 'logGroupIdentifiers.1.member'/);
});
