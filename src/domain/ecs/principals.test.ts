import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRoleArn, checkSettingPrincipal } from './principals.js';

test('account settings take the IAM users, roles and root of the caller account only', () => {
  for (const arn of ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:role/ops/deployer']) {
    checkSettingPrincipal(arn, 'aws', '123456789012');
  }
  for (const arn of ['arn:aws:iam::999999999999:root', "' OR 1=1 --", 'arn:aws-cn:iam::123456789012:root', 'arn:aws:iam::123456789012:group/devs', 'arn:aws:iam::123456789012:user/\uD800', '']) {
    assert.throws(() => checkSettingPrincipal(arn, 'aws', '123456789012'), { code: 'InvalidParameterException' }, arn);
  }
});

test('task roles must be IAM role ARNs', () => {
  checkRoleArn(undefined);
  checkRoleArn('arn:aws:iam::123456789012:role/app');
  checkRoleArn('arn:aws:iam::123456789012:role/service-role/app');
  for (const arn of ["' OR 1=1 --", 'arn:aws:iam::123456789012:user/app', 'arn:aws:iam::12345:role/app', 'app']) {
    assert.throws(() => checkRoleArn(arn), { code: 'ClientException', message: 'Role is not valid' }, arn);
  }
});
