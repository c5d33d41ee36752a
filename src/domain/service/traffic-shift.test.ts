import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StrategySettings } from './deployment-strategy.js';
import { initialShiftState, productionWeights, ruleForwards, stepTrafficShift, type ShiftInput, type ShiftState } from './traffic-shift.js';

const T0 = 1_700_000_000_000;
let hooks = 0;

/** Drives the step function as the scheduler would: one step per call, time moving only when asked. */
class Run {
  state: ShiftState = initialShiftState(T0);
  now = T0;
  stages: string[] = [this.state.stage];
  last!: ReturnType<typeof stepTrafficShift>;
  constructor(private readonly settings: StrategySettings, private readonly timeScale = 1) {}

  step(over: Partial<ShiftInput> = {}) {
    this.last = stepTrafficShift({ settings: this.settings, state: this.state, now: this.now, timeScale: this.timeScale, greenReady: true, blueGone: false, greenGone: false, hookId: () => `h${++hooks}`, ...over });
    this.state = this.last.state;
    if (this.stages.at(-1) !== this.state.stage) this.stages.push(this.state.stage);
    return this.last;
  }

  /** Steps until nothing changes without time passing. */
  settle(over: Partial<ShiftInput> = {}) {
    for (let i = 0; i < 30; i++) {
      const before = JSON.stringify(this.state);
      this.step(over);
      if (JSON.stringify(this.state) === before) return this.last;
    }
    return this.last;
  }
}

describe('traffic-shifting deployments', () => {
  test('BLUE_GREEN moves through every stage, production at once, bakes, then cleans up', () => {
    const run = new Run({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 });
    assert.equal(run.step().greenUp, false, 'green waits for SCALE_UP');
    run.settle();
    assert.equal(run.state.stage, 'BAKE_TIME');
    assert.equal(run.state.productionPercent, 100);
    assert.equal(run.state.testToGreen, true);
    assert.equal(run.last.blueUp, true, 'blue stays up through the bake');
    assert.equal(run.last.wakeAfterMs, 5 * 60_000);
    run.now += 5 * 60_000;
    run.settle();
    assert.equal(run.state.stage, 'CLEAN_UP');
    assert.equal(run.last.blueUp, false);
    assert.equal(run.last.outcome, undefined, 'not done while blue has tasks');
    assert.equal(run.step({ blueGone: true }).outcome, 'SUCCESSFUL');
    assert.deepEqual(run.stages, ['RECONCILE_SERVICE', 'PRE_SCALE_UP', 'SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP']);
  });

  test('SCALE_UP waits until green is ready', () => {
    const run = new Run({ strategy: 'BLUE_GREEN' });
    run.settle({ greenReady: false });
    assert.equal(run.state.stage, 'SCALE_UP');
    assert.equal(run.last.greenUp, true);
    run.settle();
    assert.notEqual(run.state.stage, 'SCALE_UP');
  });

  test('a PAUSE hook holds its stage until answered, and its work is already done', () => {
    const run = new Run({ strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 10, action: 'ROLLBACK' } }] });
    run.settle();
    assert.equal(run.state.stage, 'POST_TEST_TRAFFIC_SHIFT');
    assert.equal(run.state.testToGreen, true);
    assert.equal(run.state.productionPercent, 0);
    const [hook] = run.state.hooks;
    assert.equal(hook!.status, 'AWAITING_ACTION');
    assert.equal(hook!.expiresAt, T0 + 10 * 60_000);
    assert.equal(run.last.wakeAfterMs, 10 * 60_000);
    run.state.hooks[0]!.status = 'SUCCEEDED';
    run.settle();
    assert.equal(run.state.productionPercent, 100);
  });

  test('a hook that times out takes its timeout action: ROLLBACK rolls back, CONTINUE goes on', () => {
    const rollback = new Run({ strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRE_SCALE_UP'], timeoutConfiguration: { timeoutInMinutes: 2 } }] }, 60);
    rollback.settle();
    assert.equal(rollback.state.stage, 'PRE_SCALE_UP');
    rollback.now += 1_999;
    rollback.settle();
    assert.equal(rollback.state.rollback, undefined, 'not yet: 2 minutes under time scale 60 is 2 s');
    rollback.now += 1;
    assert.match(rollback.step().rolledBackBecause ?? '', /timed out/);
    assert.equal(rollback.state.hooks[0]!.status, 'TIMED_OUT');

    const onward = new Run({ strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRE_SCALE_UP'], timeoutConfiguration: { timeoutInMinutes: 1, action: 'CONTINUE' } }] });
    onward.settle();
    onward.now += 60_000;
    onward.settle();
    assert.equal(onward.state.rollback, undefined);
    assert.equal(onward.state.stage, 'CLEAN_UP', 'no bake time: straight to the clean-up');
  });

  test('LINEAR moves production in steps, each baking for its time', () => {
    const run = new Run({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 } }, 2);
    run.settle();
    assert.equal(run.state.stage, 'PRODUCTION_TRAFFIC_SHIFT');
    const seen = [run.state.productionPercent];
    for (let i = 0; i < 3; i++) {
      assert.equal(run.last.wakeAfterMs, 60_000, 'two minutes under time scale 2');
      run.now += 30_000;
      run.settle();
      assert.equal(run.state.productionPercent, seen.at(-1), 'no step before the bake ends');
      run.now += 30_000;
      run.settle();
      seen.push(run.state.productionPercent);
    }
    assert.deepEqual(seen, [25, 50, 75, 100]);
    assert.equal(run.state.stage, 'CLEAN_UP');
  });

  test('CANARY sends the canary share, then the rest after the canary bake', () => {
    const run = new Run({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 } });
    run.settle();
    assert.equal(run.state.productionPercent, 10);
    run.now += 3 * 60_000;
    run.settle();
    assert.equal(run.state.productionPercent, 100);
  });

  test('a rollback before green has a task (an alarm already in ALARM at the start) finishes in the same step', () => {
    const run = new Run({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } });
    const step = run.step({ rollbackReason: 'alarm', greenGone: true });
    assert.equal(step.rolledBackBecause, 'alarm');
    assert.equal(step.outcome, 'ROLLBACK_SUCCESSFUL');
    assert.equal(run.state.productionPercent, 0);
  });

  test('a rollback reason sends traffic back to blue, scales green in and finishes when green is gone', () => {
    const run = new Run({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 });
    run.settle();
    assert.equal(run.state.stage, 'BAKE_TIME');
    const step = run.step({ rollbackReason: 'alarm' });
    assert.equal(step.rolledBackBecause, 'alarm');
    assert.equal(step.greenUp, false);
    assert.equal(step.blueUp, true);
    assert.equal(run.state.productionPercent, 0);
    assert.equal(run.state.testToGreen, false);
    assert.equal(run.step().outcome, undefined);
    assert.equal(run.step({ greenGone: true }).outcome, 'ROLLBACK_SUCCESSFUL');
  });

  test('no rollback once blue is scaling in', () => {
    const run = new Run({ strategy: 'BLUE_GREEN' });
    run.settle();
    assert.equal(run.state.stage, 'CLEAN_UP');
    assert.equal(run.step({ rollbackReason: 'late alarm' }).rolledBackBecause, undefined);
  });

  test('the listener rules follow the stage: test first, production by weight, both back on rollback', () => {
    const lbs = [{ targetGroupArn: 'blue-tg', advancedConfiguration: { alternateTargetGroupArn: 'green-tg', productionListenerRule: 'prod', testListenerRule: 'test' } }];
    const state = initialShiftState(T0);
    assert.deepEqual(ruleForwards(lbs, 'alternate', state), [], 'nothing is rewritten before test traffic moves');
    state.testToGreen = true;
    assert.deepEqual(ruleForwards(lbs, 'alternate', state), [{ ruleArn: 'test', targetGroups: [{ targetGroupArn: 'blue-tg', weight: 0 }, { targetGroupArn: 'green-tg', weight: 1 }] }]);
    state.productionPercent = 10;
    assert.deepEqual(ruleForwards(lbs, 'alternate', state)[1], { ruleArn: 'prod', targetGroups: [{ targetGroupArn: 'blue-tg', weight: 900 }, { targetGroupArn: 'green-tg', weight: 100 }] });
    // The next deployment: green is on the main side.
    assert.deepEqual(ruleForwards(lbs, 'main', state)[1]!.targetGroups, [{ targetGroupArn: 'green-tg', weight: 900 }, { targetGroupArn: 'blue-tg', weight: 100 }]);
    state.rollback = { reason: 'x', at: T0 };
    state.productionPercent = 0;
    state.testToGreen = false;
    const back = ruleForwards(lbs, 'alternate', state);
    assert.deepEqual(back.map((r) => r.targetGroups.map((t) => t.weight)), [[1, 0], [999, 0]]);
  });

  test('production weights stay within ELB 0-999', () => {
    assert.deepEqual(productionWeights(0), { blue: 999, green: 0 });
    assert.deepEqual(productionWeights(100), { blue: 0, green: 999 });
    assert.deepEqual(productionWeights(12.5), { blue: 875, green: 125 });
  });
});
