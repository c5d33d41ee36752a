import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSettingValue, effectiveSetting, type AccountSetting } from './account-settings.js';

const root = 'arn:aws:iam::123456789012:root';
const user = 'arn:aws:iam::123456789012:user/alice';

test('effective setting: own value, else account default, else AWS default', () => {
  const stored: AccountSetting[] = [
    { name: 'containerInsights', value: 'enabled', principalArn: root, type: 'user' },
    { name: 'awsvpcTrunking', value: 'enabled', principalArn: user, type: 'user' },
  ];
  assert.equal(effectiveSetting('awsvpcTrunking', user, root, stored).value, 'enabled');
  assert.equal(effectiveSetting('awsvpcTrunking', root, root, stored).value, 'disabled');
  assert.equal(effectiveSetting('awsvpcTrunking', root, root, stored).type, 'aws_managed');
  assert.equal(effectiveSetting('containerInsights', user, root, stored).value, 'enabled');
});

test('setting values are checked per name', () => {
  assert.throws(() => checkSettingValue('containerInsights', 'on'), { code: 'InvalidParameterException' });
  assert.doesNotThrow(() => checkSettingValue('containerInsights', 'enhanced'));
  assert.throws(() => checkSettingValue('fargateTaskRetirementWaitPeriod', '3'), { code: 'InvalidParameterException' });
});
