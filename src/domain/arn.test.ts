import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatArn, parseArn, partitionOf } from './arn.js';

test('partition follows the region', () => {
  assert.equal(partitionOf('us-east-1'), 'aws');
  assert.equal(partitionOf('eu-west-3'), 'aws');
  assert.equal(partitionOf('cn-north-1'), 'aws-cn');
  assert.equal(partitionOf('us-gov-west-1'), 'aws-us-gov');
});

test('formatArn and parseArn round-trip', () => {
  const arn = formatArn({ service: 'ecs', region: 'cn-northwest-1', account: '123456789012', resource: 'cluster/my-app' });
  assert.equal(arn, 'arn:aws-cn:ecs:cn-northwest-1:123456789012:cluster/my-app');
  assert.deepEqual(parseArn(arn), { partition: 'aws-cn', service: 'ecs', region: 'cn-northwest-1', account: '123456789012', resource: 'cluster/my-app' });
  assert.equal(parseArn('my-app'), undefined);
  assert.equal(parseArn('arn:aws:iam::123456789012:role/x')?.region, '');
});
