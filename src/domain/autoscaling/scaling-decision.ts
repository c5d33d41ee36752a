import type { Cooldowns, NotScaledReason, ScalableTargetRecord, ScalingPolicyRecord } from './records.js';
import { clamp } from './scalable-target.js';
import { aggregate, applyAdjustment, chooseStep, DEFAULT_STEP_COOLDOWN_SECONDS } from './step-scaling.js';
import { alarmKind, DEFAULT_COOLDOWN_SECONDS, trackingCapacity } from './target-tracking.js';

/**
 * What one alarm invocation of a scaling policy does, decided per invocation:
 *
 * - target tracking: the high alarm scales out to ceil(running x metric /
 *   target) (the newest datapoint), the low alarm scales in to the same
 *   arithmetic; step scaling: the step for the aggregated datapoints against
 *   the alarm's threshold, applied to the desired count;
 * - the result is clamped to the target's min and max; at a bound, or when
 *   it equals the desired count, nothing scales and a "not scaled" activity
 *   says why (AWS's reason codes);
 * - cooldowns (divided by the time scale): during a scale-out cooldown a
 *   further scale-out is computed from the capacity the cooling scale-out
 *   started from (the capacity it added counts), so it happens only if the
 *   metric asks for more; a scale-in waits for both cooldowns to end; a
 *   scale-out is never blocked by a scale-in cooldown and ends it;
 * - several policies: any policy may scale out; a target tracking policy
 *   scales in only when every other target tracking policy of the target
 *   that can scale in is also in its low alarm (step scaling policies do
 *   not veto, as AWS documents);
 * - SuspendedState: DynamicScalingOutSuspended / InSuspended stop policies'
 *   scale-out / scale-in without an activity;
 * - no scale-in while the ECS service has a deployment in progress (ECS puts
 *   the service in an unscalable state; recorded as not scaled with
 *   TargetServicePutResourceAsUnscalable);
 * - no datapoints, or an invocation in a state other than ALARM: nothing.
 */

export interface ServiceView {
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly deploymentInProgress: boolean;
}

export interface DecisionInput {
  readonly now: number;
  readonly timeScale: number;
  readonly target: ScalableTargetRecord;
  readonly policy: ScalingPolicyRecord;
  readonly alarmName: string;
  readonly state: string;
  readonly datapoints: readonly { readonly timestamp: number; readonly value: number }[];
  readonly threshold?: number;
  readonly service: ServiceView;
  /** Other target tracking policies of the target that can scale in, and whether each is in its low alarm. */
  readonly otherScaleInPolicies: readonly { readonly policyName: string; readonly inLowAlarm: boolean }[];
}

export type Decision =
  | { readonly kind: 'none'; readonly why: string }
  | { readonly kind: 'not-scaled'; readonly reason: NotScaledReason }
  | { readonly kind: 'scale'; readonly direction: 'out' | 'in'; readonly desiredCount: number; readonly cooldowns: Cooldowns };

const none = (why: string): Decision => ({ kind: 'none', why });

export function decideScaling(input: DecisionInput): Decision {
  if (input.state !== 'ALARM') return none('the alarm is not in ALARM');
  const values = input.datapoints.map((point) => point.value);
  if (values.length === 0) return none('no datapoints');
  const proposal = input.policy.PolicyType === 'TargetTrackingScaling' ? trackingProposal(input, values) : stepProposal(input, values);
  if ('why' in proposal) return none(proposal.why);
  return settle(input, proposal);
}

interface Proposal {
  readonly direction: 'out' | 'in';
  /** The capacity asked for, before the target's bounds. */
  readonly capacity: number;
  /** The capacity the arithmetic started from (kept for the scale-out cooldown). */
  readonly base: number;
  readonly scaleOutCooldownMs: number;
  readonly scaleInCooldownMs: number;
}

function cooldownMs(seconds: number | undefined, fallback: number, timeScale: number): number {
  return ((seconds ?? fallback) * 1000) / timeScale;
}

function inScaleOutCooldown(input: DecisionInput): boolean {
  const until = input.target.wharf.cooldowns.scaleOutUntil;
  return until !== undefined && input.now < until;
}

function trackingProposal(input: DecisionInput, values: readonly number[]): Proposal | { why: string } {
  const config = input.policy.TargetTrackingScalingPolicyConfiguration!;
  const kind = alarmKind(input.alarmName);
  if (!kind) return { why: `${input.alarmName} is not one of the policy's alarms` };
  if (kind === 'AlarmLow' && config.DisableScaleIn) return { why: 'scale-in is disabled' };
  const metric = values[values.length - 1]!;
  const direction = kind === 'AlarmHigh' ? 'out' : 'in';
  const cooling = direction === 'out' && inScaleOutCooldown(input) && input.target.wharf.cooldowns.scaleOutFrom !== undefined;
  const base = cooling ? input.target.wharf.cooldowns.scaleOutFrom! : input.service.runningCount;
  return {
    direction,
    capacity: trackingCapacity(base, metric, config.TargetValue),
    base,
    scaleOutCooldownMs: cooldownMs(config.ScaleOutCooldown, DEFAULT_COOLDOWN_SECONDS, input.timeScale),
    scaleInCooldownMs: cooldownMs(config.ScaleInCooldown, DEFAULT_COOLDOWN_SECONDS, input.timeScale),
  };
}

function stepProposal(input: DecisionInput, values: readonly number[]): Proposal | { why: string } {
  const config = input.policy.StepScalingPolicyConfiguration!;
  if (input.threshold === undefined) return { why: 'the alarm has no threshold' };
  const value = aggregate(values, config.MetricAggregationType)!;
  const step = chooseStep(config.StepAdjustments ?? [], value, input.threshold);
  if (!step) return { why: 'no step adjustment covers the metric' };
  const current = input.service.desiredCount;
  const wanted = applyAdjustment(current, step, config);
  const direction = wanted >= current ? 'out' : 'in';
  const cooling = direction === 'out' && inScaleOutCooldown(input) && input.target.wharf.cooldowns.scaleOutFrom !== undefined;
  const base = cooling ? input.target.wharf.cooldowns.scaleOutFrom! : current;
  const cooldown = cooldownMs(config.Cooldown, DEFAULT_STEP_COOLDOWN_SECONDS, input.timeScale);
  return { direction, capacity: cooling ? applyAdjustment(base, step, config) : wanted, base, scaleOutCooldownMs: cooldown, scaleInCooldownMs: cooldown };
}

function settle(input: DecisionInput, proposal: Proposal): Decision {
  const { target, service, now } = input;
  const suspended = target.SuspendedState;
  const current = service.desiredCount;
  const cooldowns = target.wharf.cooldowns;
  if (proposal.direction === 'out') {
    if (suspended.DynamicScalingOutSuspended) return none('dynamic scale-out is suspended');
    const capacity = clamp(proposal.capacity, target.MinCapacity, target.MaxCapacity);
    if (capacity <= current) {
      if (inScaleOutCooldown(input)) return none('in the scale-out cooldown');
      if (current >= target.MaxCapacity) return notScaled({ Code: 'AlreadyAtMaxCapacity', MaxCapacity: target.MaxCapacity });
      return notScaled({ Code: 'AlreadyAtDesiredCapacity', CurrentCapacity: current });
    }
    return {
      kind: 'scale',
      direction: 'out',
      desiredCount: capacity,
      // A scale-out ends any scale-in cooldown and starts its own.
      cooldowns: { scaleOutUntil: now + proposal.scaleOutCooldownMs, scaleOutFrom: proposal.base },
    };
  }
  if (suspended.DynamicScalingInSuspended) return none('dynamic scale-in is suspended');
  if (cooldowns.scaleInUntil !== undefined && now < cooldowns.scaleInUntil) return none('in the scale-in cooldown');
  if (inScaleOutCooldown(input)) return none('in the scale-out cooldown');
  if (input.policy.PolicyType === 'TargetTrackingScaling' && input.otherScaleInPolicies.some((other) => !other.inLowAlarm)) {
    return none('another target tracking policy does not agree to scale in');
  }
  if (service.deploymentInProgress) return notScaled({ Code: 'TargetServicePutResourceAsUnscalable' });
  const capacity = clamp(proposal.capacity, target.MinCapacity, target.MaxCapacity);
  if (capacity >= current) {
    if (current <= target.MinCapacity) return notScaled({ Code: 'AlreadyAtMinCapacity', MinCapacity: target.MinCapacity });
    return notScaled({ Code: 'AlreadyAtDesiredCapacity', CurrentCapacity: current });
  }
  return { kind: 'scale', direction: 'in', desiredCount: capacity, cooldowns: { scaleInUntil: now + proposal.scaleInCooldownMs } };
}

const notScaled = (reason: NotScaledReason): Decision => ({ kind: 'not-scaled', reason });
