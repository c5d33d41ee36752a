import { forwardedTargetGroups } from './actions.js';
import { associationLimit } from './errors.js';
import type { ListenerRecord, RuleRecord, TargetGroupRecord } from './records.js';

/**
 * Which load balancers forward to each target group, from the listeners'
 * default actions and the rules (each rule's listener gives its load
 * balancer). The API recomputes this after every listener or rule change and
 * writes the target groups whose `loadBalancerArns` changed in the same write.
 */
export function loadBalancersByTargetGroup(listeners: readonly ListenerRecord[], rules: readonly RuleRecord[]): Map<string, string[]> {
  const lbOfListener = new Map(listeners.map((listener) => [listener.listenerArn, listener.loadBalancerArn]));
  const uses = new Map<string, Set<string>>();
  const add = (targetGroupArn: string, loadBalancerArn: string) => {
    let set = uses.get(targetGroupArn);
    if (!set) uses.set(targetGroupArn, (set = new Set()));
    set.add(loadBalancerArn);
  };
  for (const listener of listeners) for (const arn of forwardedTargetGroups(listener.defaultActions)) add(arn, listener.loadBalancerArn);
  for (const rule of rules) {
    const lb = lbOfListener.get(rule.listenerArn);
    if (lb) for (const arn of forwardedTargetGroups(rule.actions)) add(arn, lb);
  }
  return new Map([...uses].map(([arn, set]) => [arn, [...set].sort()]));
}

/**
 * The target groups whose `loadBalancerArns` must change. An ALB target
 * group serves one load balancer: a second one is refused.
 */
export function associationChanges(groups: readonly TargetGroupRecord[], listeners: readonly ListenerRecord[], rules: readonly RuleRecord[]): TargetGroupRecord[] {
  const uses = loadBalancersByTargetGroup(listeners, rules);
  const shared = [...uses].filter(([, lbs]) => lbs.length > 1).map(([arn]) => arn);
  if (shared.length > 0) throw associationLimit(shared);
  const changed: TargetGroupRecord[] = [];
  for (const group of groups) {
    const next = uses.get(group.targetGroupArn) ?? [];
    const current = [...group.loadBalancerArns].sort();
    if (next.length !== current.length || next.some((arn, index) => arn !== current[index])) changed.push({ ...group, loadBalancerArns: next });
  }
  return changed;
}
