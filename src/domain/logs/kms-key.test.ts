import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkKmsKeyArn } from './kms-key.js';

test('log groups take KMS key ARNs only', () => {
  checkKmsKeyArn(undefined);
  checkKmsKeyArn('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  for (const value of ['1234abcd-12ab-34cd-56ef-1234567890ab', 'alias/mine', 'arn:aws:kms:us-east-1:123456789012:alias/mine', 'anything']) {
    assert.throws(() => checkKmsKeyArn(value), { code: 'InvalidParameterException' }, value);
  }
});
