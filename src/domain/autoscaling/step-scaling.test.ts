import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepScalingConfiguration } from './records.js';
import { aggregate, applyAdjustment, checkStepScaling, chooseStep } from './step-scaling.js';

const STEPS = [
  { MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
  { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
  { MetricIntervalLowerBound: 10, ScalingAdjustment: 3 },
];

test('the step is chosen by the metric\'s distance from the threshold, lower bound inclusive above it', () => {
  assert.equal(chooseStep(STEPS, 75, 75)?.ScalingAdjustment, 1); // at the threshold: the step starting there
  assert.equal(chooseStep(STEPS, 84.9, 75)?.ScalingAdjustment, 1);
  assert.equal(chooseStep(STEPS, 85, 75)?.ScalingAdjustment, 3);
  assert.equal(chooseStep(STEPS, 500, 75)?.ScalingAdjustment, 3);
  assert.equal(chooseStep(STEPS, 10, 75)?.ScalingAdjustment, -1);
  assert.equal(chooseStep([{ MetricIntervalLowerBound: 5, ScalingAdjustment: 1 }], 77, 75), undefined);
});

test('below the threshold the upper bound is inclusive', () => {
  const steps = [
    { MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
    { MetricIntervalUpperBound: -10, ScalingAdjustment: -2 },
  ];
  assert.equal(chooseStep(steps, 15, 25)?.ScalingAdjustment, -2); // -10 belongs to the step ending there
  assert.equal(chooseStep(steps, 16, 25)?.ScalingAdjustment, -1);
});

test('adjustment types: change, exact, percent with AWS\'s rounding and MinAdjustmentMagnitude', () => {
  const change: StepScalingConfiguration = { AdjustmentType: 'ChangeInCapacity' };
  assert.equal(applyAdjustment(4, { ScalingAdjustment: 2 }, change), 6);
  assert.equal(applyAdjustment(1, { ScalingAdjustment: -3 }, change), 0);
  assert.equal(applyAdjustment(4, { ScalingAdjustment: 9 }, { AdjustmentType: 'ExactCapacity' }), 9);
  const percent: StepScalingConfiguration = { AdjustmentType: 'PercentChangeInCapacity' };
  assert.equal(applyAdjustment(10, { ScalingAdjustment: 200 }, percent), 30);
  assert.equal(applyAdjustment(3, { ScalingAdjustment: 50 }, percent), 4); // 1.5 -> 1
  assert.equal(applyAdjustment(1, { ScalingAdjustment: 20 }, percent), 2); // 0.2 -> 1
  assert.equal(applyAdjustment(3, { ScalingAdjustment: -50 }, percent), 2); // -1.5 -> -1
  assert.equal(applyAdjustment(4, { ScalingAdjustment: -10 }, percent), 3); // -0.4 -> -1
  assert.equal(applyAdjustment(4, { ScalingAdjustment: 25 }, { ...percent, MinAdjustmentMagnitude: 3 }), 7); // 1 -> at least 3
  assert.equal(applyAdjustment(40, { ScalingAdjustment: 25 }, { ...percent, MinAdjustmentMagnitude: 3 }), 50);
});

test('MetricAggregationType aggregates the datapoints', () => {
  assert.equal(aggregate([1, 2, 6]), 3);
  assert.equal(aggregate([1, 2, 6], 'Minimum'), 1);
  assert.equal(aggregate([1, 2, 6], 'Maximum'), 6);
  assert.equal(aggregate([]), undefined);
});

test('PutScalingPolicy\'s checks of step adjustments', () => {
  const bad: [unknown, RegExp][] = [
    [undefined, /required/],
    [{ StepAdjustments: STEPS }, /AdjustmentType is required/],
    [{ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [] }, /at least one/],
    [{ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] }, /unspecified upper bound|overlap/],
    [{ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 }] }, /overlap/],
    [{ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 }] }, /gaps/],
    [{ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 10, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 }] }, /greater than its lower/],
    [{ AdjustmentType: 'ChangeInCapacity', MinAdjustmentMagnitude: 2, StepAdjustments: STEPS }, /only supported with the PercentChangeInCapacity/],
    [{ AdjustmentType: 'ExactCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: -1 }] }, /cannot be negative/],
  ];
  for (const [config, message] of bad) {
    assert.throws(() => checkStepScaling(config as StepScalingConfiguration), (error: Error & { code?: string }) => error.code === 'ValidationException' && message.test(error.message), String(message));
  }
  assert.doesNotThrow(() => checkStepScaling({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: STEPS, Cooldown: 60 }));
  assert.doesNotThrow(() => checkStepScaling({ AdjustmentType: 'PercentChangeInCapacity', MinAdjustmentMagnitude: 2, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 200 }] }));
});
