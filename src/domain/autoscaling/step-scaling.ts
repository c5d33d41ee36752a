import { validation } from './errors.js';
import type { StepAdjustment, StepScalingConfiguration } from './records.js';

/**
 * Step scaling: the step adjustments' bounds are relative to the alarm's
 * threshold; the step whose interval holds (aggregated metric - threshold)
 * gives the adjustment, applied by the adjustment type to the current
 * capacity.
 */

export const DEFAULT_STEP_COOLDOWN_SECONDS = 300;

export function checkStepScaling(config: StepScalingConfiguration | undefined): asserts config is StepScalingConfiguration {
  if (!config) throw validation('StepScalingPolicyConfiguration is required for StepScaling policies.'); // unverified wording
  if (!config.AdjustmentType) throw validation('AdjustmentType is required for a step scaling policy.'); // unverified wording
  const steps = config.StepAdjustments ?? [];
  if (steps.length === 0) throw validation('StepAdjustments must contain at least one step adjustment.'); // unverified wording
  if (config.MinAdjustmentMagnitude !== undefined) {
    if (config.AdjustmentType !== 'PercentChangeInCapacity') throw validation('MinAdjustmentMagnitude is only supported with the PercentChangeInCapacity adjustment type.'); // unverified wording
    if (config.MinAdjustmentMagnitude < 1) throw validation('MinAdjustmentMagnitude must be at least 1.'); // unverified wording
  }
  if (config.Cooldown !== undefined && (config.Cooldown < 0 || config.Cooldown > 86_400)) throw validation('Cooldown must be between 0 and 86400 seconds.'); // unverified wording
  if (config.AdjustmentType === 'ExactCapacity' && steps.some((step) => step.ScalingAdjustment < 0)) {
    throw validation('ScalingAdjustment cannot be negative for the ExactCapacity adjustment type.'); // unverified wording
  }
  checkBounds(steps);
}

const lowerOf = (step: StepAdjustment) => step.MetricIntervalLowerBound ?? -Infinity;
const upperOf = (step: StepAdjustment) => step.MetricIntervalUpperBound ?? Infinity;

/** Intervals must not overlap or leave gaps; only the lowest may be open below and only the highest open above. */
function checkBounds(steps: readonly StepAdjustment[]): void {
  if (steps.filter((step) => step.MetricIntervalLowerBound === undefined).length > 1) {
    throw validation('Only one step adjustment can have an unspecified lower bound.'); // unverified wording
  }
  if (steps.filter((step) => step.MetricIntervalUpperBound === undefined).length > 1) {
    throw validation('Only one step adjustment can have an unspecified upper bound.'); // unverified wording
  }
  if (steps.every((step) => step.MetricIntervalLowerBound === undefined && step.MetricIntervalUpperBound === undefined) && steps.length > 1) {
    throw validation('Step adjustments must not overlap.'); // unverified wording
  }
  for (const step of steps) {
    if (lowerOf(step) >= upperOf(step)) throw validation('A step adjustment\'s upper bound must be greater than its lower bound.'); // unverified wording
  }
  const sorted = [...steps].sort((a, b) => lowerOf(a) - lowerOf(b));
  for (let i = 1; i < sorted.length; i++) {
    const previous = upperOf(sorted[i - 1]!);
    const next = lowerOf(sorted[i]!);
    if (previous > next) throw validation('Step adjustments must not overlap.'); // unverified wording
    if (previous < next) throw validation('Step adjustments must not have gaps between them.'); // unverified wording
  }
}

/** The metric value the policy acts on: the datapoints aggregated by MetricAggregationType (Average by default). */
export function aggregate(values: readonly number[], type: StepScalingConfiguration['MetricAggregationType'] = 'Average'): number | undefined {
  if (values.length === 0) return undefined;
  if (type === 'Minimum') return Math.min(...values);
  if (type === 'Maximum') return Math.max(...values);
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * The step for `value` against `threshold`. Above the threshold the lower
 * bound is inclusive and the upper exclusive; below it, the reverse (AWS's
 * rule, so a value at the threshold itself belongs to the step starting there).
 */
export function chooseStep(steps: readonly StepAdjustment[], value: number, threshold: number): StepAdjustment | undefined {
  const difference = value - threshold;
  return steps.find((step) => (difference >= 0 ? lowerOf(step) <= difference && difference < upperOf(step) : lowerOf(step) < difference && difference <= upperOf(step)));
}

/**
 * The new capacity from `current` after one step. Percent changes are
 * truncated toward zero, but a change of less than one task (either way)
 * is one task, and MinAdjustmentMagnitude raises small percent changes
 * to at least that many.
 */
export function applyAdjustment(current: number, step: StepAdjustment, config: StepScalingConfiguration): number {
  const adjustment = step.ScalingAdjustment;
  switch (config.AdjustmentType) {
    case 'ExactCapacity':
      return adjustment;
    case 'PercentChangeInCapacity': {
      const raw = (current * adjustment) / 100;
      let change = raw === 0 ? 0 : Math.abs(raw) < 1 ? Math.sign(raw) : Math.trunc(raw);
      const floor = config.MinAdjustmentMagnitude;
      if (floor !== undefined && change !== 0 && Math.abs(change) < floor) change = Math.sign(change) * floor;
      return Math.max(0, current + change);
    }
    default:
      return Math.max(0, current + adjustment);
  }
}
