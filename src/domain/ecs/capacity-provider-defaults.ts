import { invalidParameter } from '../errors.js';

/**
 * What ECS fills in for an Auto Scaling group capacity provider (API
 * reference, ManagedScaling and AutoScalingGroupProvider): managed scaling
 * DISABLED unless asked for, targetCapacity 100, step sizes 1 and 10000, a
 * 300 s instance warm-up; termination protection DISABLED; draining ENABLED.
 */
export interface ManagedScaling {
  status?: string;
  targetCapacity?: number;
  minimumScalingStepSize?: number;
  maximumScalingStepSize?: number;
  instanceWarmupPeriod?: number;
}

export const MANAGED_SCALING_DEFAULTS = {
  status: 'DISABLED',
  targetCapacity: 100,
  minimumScalingStepSize: 1,
  maximumScalingStepSize: 10000,
  instanceWarmupPeriod: 300,
} as const;

export function withManagedScalingDefaults(given: ManagedScaling | undefined, base: ManagedScaling = MANAGED_SCALING_DEFAULTS): Required<ManagedScaling> {
  const scaling = { ...MANAGED_SCALING_DEFAULTS, ...base, ...stripUndefined(given ?? {}) } as Required<ManagedScaling>;
  if (scaling.targetCapacity < 1 || scaling.targetCapacity > 100) throw invalidParameter('The managed scaling target capacity must be between 1 and 100.'); // unverified wording
  if (scaling.minimumScalingStepSize < 1 || scaling.minimumScalingStepSize > 10000 || scaling.maximumScalingStepSize < 1 || scaling.maximumScalingStepSize > 10000) {
    throw invalidParameter('The managed scaling step sizes must be between 1 and 10000.'); // unverified wording
  }
  if (scaling.minimumScalingStepSize > scaling.maximumScalingStepSize) {
    throw invalidParameter('The minimum scaling step size must be less than or equal to the maximum scaling step size.'); // unverified wording
  }
  if (scaling.instanceWarmupPeriod < 0 || scaling.instanceWarmupPeriod > 10000) throw invalidParameter('The instance warmup period must be between 0 and 10000.'); // unverified wording
  return scaling;
}

/** The Auto Scaling group provider as ECS stores and describes it; `current` is the one an update changes. */
export function withAsgProviderDefaults(given: Record<string, unknown>, current?: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...(current ?? {}), ...stripUndefined(given) };
  return {
    ...merged,
    managedScaling: withManagedScalingDefaults(given.managedScaling as ManagedScaling | undefined, (current?.managedScaling as ManagedScaling | undefined) ?? MANAGED_SCALING_DEFAULTS),
    managedTerminationProtection: merged.managedTerminationProtection ?? 'DISABLED',
    managedDraining: merged.managedDraining ?? 'ENABLED',
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
