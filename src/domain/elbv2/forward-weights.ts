import type { ActionRecord, TargetGroupTuple } from './records.js';

/**
 * A listener rule's actions with its forward action rewritten to the given
 * weighted target groups (what ECS does to the production and test listener
 * rules during a blue/green, linear or canary deployment). Other actions and
 * the stickiness setting stay; a rule without a forward action gets one.
 */
export function withForwardWeights(actions: readonly ActionRecord[], targetGroups: readonly TargetGroupTuple[]): ActionRecord[] {
  const index = actions.findIndex((action) => action.type === 'forward');
  const current = index >= 0 ? actions[index] : undefined;
  const stickiness = current?.forwardConfig?.targetGroupStickinessConfig;
  const forward: ActionRecord = {
    type: 'forward',
    ...(current?.order !== undefined ? { order: current.order } : {}),
    forwardConfig: { targetGroups: targetGroups.map((tuple) => ({ ...tuple })), ...(stickiness ? { targetGroupStickinessConfig: stickiness } : {}) },
  };
  if (index < 0) return [...actions, forward];
  return actions.map((action, i) => (i === index ? forward : action));
}

/** Whether two action lists forward the same way (so an unchanged rule is not rewritten). */
export function sameActions(a: readonly ActionRecord[], b: readonly ActionRecord[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
