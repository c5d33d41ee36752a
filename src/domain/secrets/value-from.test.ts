import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseValueFrom, pickJsonKey } from './value-from.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret';

describe('a container secret valueFrom', () => {
  test('a Secrets Manager ARN, partial or full, with the ECS suffixes (any may be empty)', () => {
    assert.deepEqual(parseValueFrom(`${ARN}:db-password`), { source: 'asm', secretId: `${ARN}:db-password`, region: 'us-east-1', account: '123456789012' });
    assert.deepEqual(parseValueFrom(`${ARN}:db-AbC123:username:AWSPREVIOUS:`), {
      source: 'asm', secretId: `${ARN}:db-AbC123`, region: 'us-east-1', account: '123456789012', jsonKey: 'username', versionStage: 'AWSPREVIOUS',
    });
    assert.deepEqual(parseValueFrom(`${ARN}:db:::0123-id`), { source: 'asm', secretId: `${ARN}:db`, region: 'us-east-1', account: '123456789012', versionId: '0123-id' });
    assert.deepEqual(parseValueFrom(`${ARN}:db::`), { source: 'asm', secretId: `${ARN}:db`, region: 'us-east-1', account: '123456789012' });
    assert.equal(parseValueFrom(`${ARN}:db:a:b:c:d`), undefined);
    assert.equal(parseValueFrom('arn:aws:secretsmanager:us-east-1:123456789012:notsecret:x'), undefined);
  });

  test('an SSM parameter name or ARN', () => {
    assert.deepEqual(parseValueFrom('/my-app/api-key'), { source: 'ssm', name: '/my-app/api-key' });
    assert.deepEqual(parseValueFrom('api-key'), { source: 'ssm', name: 'api-key' });
    assert.deepEqual(parseValueFrom('arn:aws:ssm:eu-west-1:123456789012:parameter/my-app/api-key'), { source: 'ssm', name: '/my-app/api-key', region: 'eu-west-1', account: '123456789012' });
    assert.deepEqual(parseValueFrom('arn:aws:ssm:us-east-1:123456789012:parameter/api-key'), { source: 'ssm', name: 'api-key', region: 'us-east-1', account: '123456789012' });
    assert.equal(parseValueFrom('arn:aws:s3:::bucket/key'), undefined);
    assert.equal(parseValueFrom(''), undefined);
  });

  test('a JSON key picks one field; other values come as JSON; a missing key or non-JSON secret is said', () => {
    const secret = JSON.stringify({ username: 'admin', port: 5432, nested: { a: 1 } });
    assert.deepEqual(pickJsonKey(secret, undefined), { value: secret });
    assert.deepEqual(pickJsonKey(secret, 'username'), { value: 'admin' });
    assert.deepEqual(pickJsonKey(secret, 'port'), { value: '5432' });
    assert.deepEqual(pickJsonKey(secret, 'nested'), { value: '{"a":1}' });
    assert.deepEqual(pickJsonKey(secret, 'password'), { missingKey: 'password' });
    assert.deepEqual(pickJsonKey('plain', 'username'), { notJson: true });
    assert.deepEqual(pickJsonKey('[1]', 'username'), { notJson: true });
  });
});
