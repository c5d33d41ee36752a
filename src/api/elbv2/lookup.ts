import { randomBytes } from 'node:crypto';
import { parseElbArn, type ElbResourceType } from '../../domain/elbv2/arns.js';
import { validationError } from '../../domain/elbv2/errors.js';
import { ELBV2_KIND, type ListenerRecord, type LoadBalancerRecord, type RuleRecord, type TargetGroupRecord } from '../../domain/elbv2/records.js';
import type { Scope, Store, StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/** 16 hex digits: the random tail of every ELBv2 ARN. */
export const newHex = () => randomBytes(8).toString('hex');

const LABEL: Record<ElbResourceType, string> = { loadbalancer: 'load balancer', targetgroup: 'target group', listener: 'listener', 'listener-rule': 'listener rule' };
const KIND: Record<ElbResourceType, string> = {
  loadbalancer: ELBV2_KIND.loadBalancer,
  targetgroup: ELBV2_KIND.targetGroup,
  listener: ELBV2_KIND.listener,
  'listener-rule': ELBV2_KIND.rule,
};

/** The record id an ARN names; a malformed ARN (or one of another type) is a ValidationError as in ELB. */
export function idOf(arn: string, type: ElbResourceType): string {
  const parsed = parseElbArn(arn);
  if (!parsed || parsed.type !== type) {
    // ELB answers a rule ARN it cannot read this way (seen on DeleteRule, DeleteListener and the other deletes).
    if (type === 'listener-rule') throw validationError(`'${arn}' must be in ARN format`);
    throw validationError(`'${arn}' is not a valid ${LABEL[type]} ARN`);
  }
  return parsed.id;
}

/** The record an ARN names, if it exists in the caller's account and region (others' are not found, as without permissions). */
export async function find<T>(store: Store, ctx: RequestContext, arn: string, type: ElbResourceType): Promise<StoredRecord<T> | undefined> {
  const id = idOf(arn, type);
  const parsed = parseElbArn(arn)!;
  if (parsed.account !== ctx.scope.account || parsed.region !== ctx.scope.region) return undefined;
  return store.get<T>(KIND[type], ctx.scope, id);
}

/** Everything the association bookkeeping needs, read at one moment (versions kept for the write). */
export interface Snapshot {
  readonly loadBalancers: StoredRecord<LoadBalancerRecord>[];
  readonly groups: StoredRecord<TargetGroupRecord>[];
  readonly listeners: StoredRecord<ListenerRecord>[];
  readonly rules: StoredRecord<RuleRecord>[];
}

export async function snapshot(store: Store, scope: Scope): Promise<Snapshot> {
  const [loadBalancers, groups, listeners, rules] = await Promise.all([
    store.list<LoadBalancerRecord>(ELBV2_KIND.loadBalancer, scope),
    store.list<TargetGroupRecord>(ELBV2_KIND.targetGroup, scope),
    store.list<ListenerRecord>(ELBV2_KIND.listener, scope),
    store.list<RuleRecord>(ELBV2_KIND.rule, scope),
  ]);
  return { loadBalancers, groups, listeners, rules };
}
