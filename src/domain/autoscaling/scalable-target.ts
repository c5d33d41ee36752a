import { validation } from './errors.js';
import { ECS_DESIRED_COUNT, ECS_NAMESPACE, type ScalableTargetRecord, type SuspendedState, type TargetKey } from './records.js';

/**
 * Scalable targets of ECS services: what RegisterScalableTarget accepts, how
 * a second registration updates the first, and the desired count a change of
 * bounds forces (AWS scales a target into its new range at once).
 */

export interface RegisterInput extends TargetKey {
  readonly MinCapacity?: number;
  readonly MaxCapacity?: number;
  readonly RoleARN?: string;
  readonly SuspendedState?: Partial<SuspendedState>;
  readonly Tags?: Record<string, string>;
}

/** `service/<cluster>/<service>` -> its parts. */
export function parseEcsResourceId(resourceId: string): { cluster: string; service: string } | undefined {
  const match = /^service\/([A-Za-z0-9_-]{1,255})\/([A-Za-z0-9_-]{1,255})$/.exec(resourceId);
  return match ? { cluster: match[1]!, service: match[2]! } : undefined;
}

/** The namespace, dimension and resource id must name an ECS service's desired count. */
export function checkTargetKey(key: TargetKey): { cluster: string; service: string } {
  if (key.ServiceNamespace !== ECS_NAMESPACE) {
    throw validation(`Wharf scales only Amazon ECS services: the service namespace must be ${ECS_NAMESPACE}, not ${key.ServiceNamespace}.`);
  }
  if (key.ScalableDimension !== ECS_DESIRED_COUNT) throw validation('Unsupported service namespace, resource type or scalable dimension'); // unverified wording
  const parts = parseEcsResourceId(key.ResourceId);
  if (!parts) throw validation(`Unsupported resource ID: ${key.ResourceId}. An ECS service's resource ID has the form service/<cluster name>/<service name>.`); // unverified wording
  return parts;
}

export const ecsServiceMissing = (resourceId: string) => validation(`ECS service doesn't exist: ${resourceId}`);

const NO_SUSPENSION: SuspendedState = { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false };

export function checkCapacities(min: number, max: number): void {
  if (min < 0 || max < 0) throw validation('Minimum and maximum capacity must be at least 0.'); // unverified wording
  if (min > max) throw validation(`Minimum capacity cannot be larger than maximum capacity`); // unverified wording
}

/** A new target, or the existing one with only the given fields changed. */
export function registerTarget(
  existing: ScalableTargetRecord | undefined,
  input: RegisterInput,
  fresh: { arn: string; arnId: string; roleArn: string; now: number },
): ScalableTargetRecord {
  if (!existing) {
    if (input.MinCapacity === undefined || input.MaxCapacity === undefined) {
      throw validation('MinCapacity and MaxCapacity are required for registering a new scalable target.'); // unverified wording
    }
    checkCapacities(input.MinCapacity, input.MaxCapacity);
    return {
      ServiceNamespace: input.ServiceNamespace,
      ResourceId: input.ResourceId,
      ScalableDimension: input.ScalableDimension,
      ScalableTargetARN: fresh.arn,
      MinCapacity: input.MinCapacity,
      MaxCapacity: input.MaxCapacity,
      RoleARN: input.RoleARN ?? fresh.roleArn,
      CreationTime: fresh.now,
      SuspendedState: { ...NO_SUSPENSION, ...input.SuspendedState },
      Tags: { ...input.Tags },
      wharf: { arnId: fresh.arnId, cooldowns: {} },
    };
  }
  const target = structuredClone(existing);
  target.MinCapacity = input.MinCapacity ?? target.MinCapacity;
  target.MaxCapacity = input.MaxCapacity ?? target.MaxCapacity;
  checkCapacities(target.MinCapacity, target.MaxCapacity);
  if (input.RoleARN !== undefined) target.RoleARN = input.RoleARN;
  if (input.SuspendedState) target.SuspendedState = { ...target.SuspendedState, ...input.SuspendedState };
  // Tags on an existing target are changed with TagResource only, as AWS does.
  return target;
}

/** The default service-linked role AWS assigns ECS targets. */
export function ecsServiceLinkedRole(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`;
}

/**
 * The desired count a target's bounds force, with AWS's cause: below the
 * minimum it rises to it ("minimum capacity was set to N"), above the maximum
 * it falls to it; inside, nothing.
 */
export function boundsChange(desired: number, min: number, max: number): { readonly desiredCount: number; readonly cause: string } | undefined {
  if (desired < min) return { desiredCount: min, cause: `minimum capacity was set to ${min}` };
  if (desired > max) return { desiredCount: max, cause: `maximum capacity was set to ${max}` };
  return undefined;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
