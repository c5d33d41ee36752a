import { targetKey, type TargetGroupRecord, type TargetHealthObservation, type TargetRegistration } from './records.js';
import { targetPhase } from './targets.js';

/**
 * What DescribeTargetHealth says about one target, combining the API's
 * records (registration, draining, whether any load balancer uses the group,
 * whether health checks are on) with the data plane's latest observation.
 * The ECS integration uses the same answer to decide when a task is healthy.
 */
export interface TargetHealthView {
  readonly state: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';
  readonly reason?: string;
  readonly description?: string;
}

export const NOT_REGISTERED: TargetHealthView = { state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' };
export const NOT_IN_USE: TargetHealthView = { state: 'unused', reason: 'Target.NotInUse', description: 'Target group is not configured to receive traffic from the load balancer' };
export const DRAINING: TargetHealthView = { state: 'draining', reason: 'Target.DeregistrationInProgress', description: 'Target deregistration is in progress' };
export const HEALTH_CHECK_DISABLED: TargetHealthView = { state: 'unavailable', reason: 'Target.HealthCheckDisabled', description: 'Health checks are disabled' };
export const REGISTRATION_IN_PROGRESS: TargetHealthView = { state: 'initial', reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' };

/**
 * `target` undefined: the caller asked about a target that is not (or no
 * longer) registered. `observations`: the data plane's `elbv2.target-health`
 * record's targets, absent until it has checked anything.
 */
export function targetHealthOf(
  group: Pick<TargetGroupRecord, 'attributes' | 'loadBalancerArns' | 'healthCheck'>,
  target: TargetRegistration | undefined,
  observations: Readonly<Record<string, TargetHealthObservation>> | undefined,
  now: number,
): TargetHealthView {
  if (!target) return NOT_REGISTERED;
  const phase = targetPhase(group, target, now);
  if (phase === 'gone') return NOT_REGISTERED;
  if (phase === 'draining') return DRAINING;
  if (group.loadBalancerArns.length === 0) return NOT_IN_USE;
  if (!group.healthCheck.enabled) return HEALTH_CHECK_DISABLED;
  const seen = observations?.[targetKey(target)];
  // An observation from before this registration is about an earlier target at the same address
  // (Docker hands a stopped task's IP to the next one): this one has not been checked yet.
  if (!seen || seen.changedAt < target.registeredAt) return REGISTRATION_IN_PROGRESS;
  return { state: seen.state, ...(seen.reasonCode ? { reason: seen.reasonCode } : {}), ...(seen.description ? { description: seen.description } : {}) };
}

/** Healthy enough to count for a deployment: checked healthy, or health checks off (ELB then routes to it). */
export function isTargetHealthy(view: TargetHealthView): boolean {
  return view.state === 'healthy' || view.state === 'unavailable';
}
