import { associationChanges } from '../../domain/elbv2/associations.js';
import { forwardedTargetGroups } from '../../domain/elbv2/actions.js';
import { targetGroupNotFound } from '../../domain/elbv2/errors.js';
import { ELBV2_KIND, type ActionRecord, type ListenerRecord, type RuleRecord } from '../../domain/elbv2/records.js';
import type { Scope, WriteOp } from '../../ports/store.js';
import type { Snapshot } from './lookup.js';

/** Every target group the actions forward to must exist in the caller's account and region. */
export function checkTargetGroupsExist(snap: Snapshot, actions: readonly ActionRecord[]): void {
  const known = new Set(snap.groups.map((group) => group.doc.targetGroupArn));
  for (const arn of forwardedTargetGroups(actions)) if (!known.has(arn)) throw targetGroupNotFound(arn);
}

/**
 * The target group writes that keep `loadBalancerArns` true once the
 * listeners and rules are as given; they go into the same store write as the
 * listener or rule change, expecting the versions the snapshot read.
 */
export function associationOps(scope: Scope, snap: Snapshot, listeners: readonly ListenerRecord[], rules: readonly RuleRecord[]): WriteOp[] {
  const byArn = new Map(snap.groups.map((group) => [group.doc.targetGroupArn, group]));
  return associationChanges(
    snap.groups.map((group) => group.doc),
    listeners,
    rules,
  ).map((doc): WriteOp => {
    const stored = byArn.get(doc.targetGroupArn)!;
    return { op: 'put', kind: ELBV2_KIND.targetGroup, scope, id: stored.id, doc, expect: stored.version };
  });
}

/** Rewrites a record unchanged but for its version: serializes writers that check something across its children (ports, priorities). */
export function touch(kind: string, scope: Scope, record: { id: string; version: number; doc: unknown }): WriteOp {
  return { op: 'put', kind, scope, id: record.id, doc: record.doc, expect: record.version };
}

export const kinds = ELBV2_KIND;
