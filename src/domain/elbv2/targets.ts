import { targetKey, type TargetGroupRecord, type TargetRegistration } from './records.js';

/**
 * Target registration rules shared by RegisterTargets/DeregisterTargets, the
 * service scheduler (which registers a service's tasks) and the data plane
 * (which routes only to targets that are not draining). Pure: `now` is epoch ms.
 */

export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

export function deregistrationDelayMs(group: Pick<TargetGroupRecord, 'attributes'>): number {
  const seconds = Number(group.attributes['deregistration_delay.timeout_seconds'] ?? DEFAULT_DEREGISTRATION_DELAY_SECONDS);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_DEREGISTRATION_DELAY_SECONDS) * 1000;
}

/** When a deregistered target stops draining (and is dropped); undefined while it is registered. */
export function drainEndsAt(group: Pick<TargetGroupRecord, 'attributes'>, target: TargetRegistration): number | undefined {
  return target.deregisteredAt === undefined ? undefined : target.deregisteredAt + deregistrationDelayMs(group);
}

export type TargetPhase = 'registered' | 'draining' | 'gone';

export function targetPhase(group: Pick<TargetGroupRecord, 'attributes'>, target: TargetRegistration, now: number): TargetPhase {
  const ends = drainEndsAt(group, target);
  if (ends === undefined) return 'registered';
  return now < ends ? 'draining' : 'gone';
}

/** Targets that may receive new requests (health aside): registered and not deregistered. */
export function registeredTargets(group: Pick<TargetGroupRecord, 'targets'>): TargetRegistration[] {
  return group.targets.filter((target) => target.deregisteredAt === undefined);
}

/** Targets still draining at `now`: in-flight requests may finish, no new ones arrive. */
export function drainingTargets(group: Pick<TargetGroupRecord, 'targets' | 'attributes'>, now: number): TargetRegistration[] {
  return group.targets.filter((target) => targetPhase(group, target, now) === 'draining');
}

/**
 * The targets after registering `added` at `now`: a target already registered
 * stays as it is; one that was draining is registered again (ELB cancels the
 * deregistration); drains that have ended are dropped.
 */
export function withRegistered(group: TargetGroupRecord, added: readonly { id: string; port: number; availabilityZone?: string }[], now: number): TargetRegistration[] {
  const byKey = new Map(pruneEnded(group, now).map((target) => [targetKey(target), target]));
  for (const target of added) {
    const key = targetKey(target);
    const existing = byKey.get(key);
    if (existing && existing.deregisteredAt === undefined) continue;
    byKey.set(key, { id: target.id, port: target.port, ...(target.availabilityZone ? { availabilityZone: target.availabilityZone } : {}), registeredAt: now });
  }
  return [...byKey.values()];
}

/** The targets after deregistering `removed` at `now`: they start draining; unknown ones are ignored. */
export function withDeregistered(group: TargetGroupRecord, removed: readonly { id: string; port: number }[], now: number): TargetRegistration[] {
  const keys = new Set(removed.map(targetKey));
  return pruneEnded(group, now).map((target) => (keys.has(targetKey(target)) && target.deregisteredAt === undefined ? { ...target, deregisteredAt: now } : target));
}

/** Drops targets whose draining has ended. */
export function pruneEnded(group: Pick<TargetGroupRecord, 'targets' | 'attributes'>, now: number): TargetRegistration[] {
  return group.targets.filter((target) => targetPhase(group, target, now) !== 'gone');
}
