import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { checkAdvancedConfiguration, checkStrategySettings, type StrategySettings } from './deployment-strategy.js';
import { answerHook, expireHooks, startHooks } from './lifecycle-hooks.js';

const refused = (fn: () => void, code: string, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });

describe('deployment strategy settings', () => {
  test('members that do not fit the strategy are refused', () => {
    refused(() => checkStrategySettings({ strategy: 'BLUE_GREEN', linearConfiguration: { stepPercent: 10 } }), 'InvalidParameterException', /LINEAR/);
    refused(() => checkStrategySettings({ strategy: 'LINEAR', canaryConfiguration: { canaryPercent: 10 } }), 'InvalidParameterException', /CANARY/);
    refused(() => checkStrategySettings({ strategy: 'ROLLING', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }] }), 'InvalidParameterException', /Lifecycle hooks/);
    refused(() => checkStrategySettings({ strategy: 'SHINY' as StrategySettings['strategy'] }), 'InvalidParameterException', /SHINY/);
  });

  test('ranges: bake times, step and canary percentages, hook timeouts', () => {
    refused(() => checkStrategySettings({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1441 }), 'InvalidParameterException', /bakeTimeInMinutes/);
    refused(() => checkStrategySettings({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 2 } }), 'InvalidParameterException', /stepPercent/);
    refused(() => checkStrategySettings({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0 } }), 'InvalidParameterException', /canaryPercent/);
    refused(() => checkStrategySettings({ strategy: 'CANARY', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['BAKE_TIME' as never] }] }), 'InvalidParameterException', /BAKE_TIME/);
    refused(() => checkStrategySettings({ strategy: 'CANARY', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'], timeoutConfiguration: { timeoutInMinutes: 0 } }] }), 'InvalidParameterException', /timeoutInMinutes/);
    checkStrategySettings({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 3, stepBakeTimeInMinutes: 0 }, bakeTimeInMinutes: 1440 });
  });

  test('AWS_LAMBDA hooks are refused: Wharf runs no Lambda', () => {
    refused(() => checkStrategySettings({ strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'AWS_LAMBDA', hookTargetArn: 'arn:aws:lambda:us-east-1:1:function:f', lifecycleStages: ['POST_SCALE_UP'] }] }), 'UnsupportedFeatureException', /AWS_LAMBDA/);
  });

  test('a traffic-shifting strategy needs each load balancer wired with an alternate target group and a production rule', () => {
    refused(() => checkAdvancedConfiguration('BLUE_GREEN', [{ targetGroupArn: 'a' }]), 'InvalidParameterException', /advancedConfiguration/);
    refused(() => checkAdvancedConfiguration('CANARY', [{ targetGroupArn: 'a', advancedConfiguration: { productionListenerRule: 'r', roleArn: 'x' } }]), 'InvalidParameterException', /alternateTargetGroupArn/);
    refused(() => checkAdvancedConfiguration('LINEAR', [{ targetGroupArn: 'a', advancedConfiguration: { alternateTargetGroupArn: 'a', productionListenerRule: 'r', roleArn: 'x' } }]), 'InvalidParameterException', /different/);
    refused(() => checkAdvancedConfiguration('BLUE_GREEN', [{ targetGroupArn: 'a', advancedConfiguration: { alternateTargetGroupArn: 'b', productionListenerRule: 'r', testListenerRule: 'r', roleArn: 'x' } }]), 'InvalidParameterException', /testListenerRule/);
    checkAdvancedConfiguration('BLUE_GREEN', [{ targetGroupArn: 'a', advancedConfiguration: { alternateTargetGroupArn: 'b', productionListenerRule: 'r', roleArn: 'x' } }]);
    checkAdvancedConfiguration(undefined, [{ targetGroupArn: 'a' }]);
  });
});

describe('PAUSE lifecycle hooks', () => {
  const hooks = [{ targetType: 'PAUSE' as const, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const, 'PRE_PRODUCTION_TRAFFIC_SHIFT' as const] }];
  let n = 0;
  const id = () => `h${++n}`;

  test('a hook starts at each stage it names, with ECS default timeout (24 h, ROLLBACK) divided by the time scale', () => {
    const runs = startHooks(hooks, 'POST_TEST_TRAFFIC_SHIFT', 0, 60, id);
    assert.deepEqual(runs.map((r) => [r.stage, r.status, r.expiresAt, r.timeoutAction]), [
      ['POST_TEST_TRAFFIC_SHIFT', 'AWAITING_ACTION', 1440_000, 'ROLLBACK'],
      ['PRE_PRODUCTION_TRAFFIC_SHIFT', 'AWAITING_ACTION', 1440_000, 'ROLLBACK'],
    ]);
    assert.deepEqual(startHooks(hooks, 'POST_SCALE_UP', 0, 1, id), []);
  });

  test('answered once; a second answer or an unknown hook is refused; expiry times out only what waits', () => {
    const runs = startHooks(hooks, 'POST_TEST_TRAFFIC_SHIFT', 0, 1, id);
    assert.equal(answerHook(runs, runs[0]!.hookId, 'CONTINUE').status, 'SUCCEEDED');
    refused(() => answerHook(runs, runs[0]!.hookId, 'CONTINUE'), 'ClientException', /SUCCEEDED/);
    refused(() => answerHook(runs, 'nope', 'CONTINUE'), 'InvalidParameterException', /nope/);
    assert.deepEqual(expireHooks(runs, 1440 * 60_000), ['ROLLBACK']);
    assert.deepEqual(runs.map((r) => r.status), ['SUCCEEDED', 'TIMED_OUT']);
  });
});
