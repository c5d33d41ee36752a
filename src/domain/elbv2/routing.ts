import type { ActionRecord, RuleRecord, TargetGroupRecord, TargetHealthRecord, TargetRegistration } from './records.js';
import { targetKey } from './records.js';
import { registeredTargets } from './targets.js';

/**
 * How an ALB listener picks what answers a request: rules by priority (the
 * lowest number first), else the listener's default actions; then, for a
 * forward, a target group by weight and a target by the group's algorithm
 * among the targets that may take traffic. Pure: the data plane keeps the
 * counters and cursors and passes them in.
 */

/** The kinds of action that end a request (authenticate-* would come before them). */
const TERMINAL = new Set(['forward', 'fixed-response', 'redirect']);

/** The action that answers: the terminal one with the lowest order (ALB runs actions in order). */
export function terminalAction(actions: readonly ActionRecord[]): ActionRecord | undefined {
  let best: ActionRecord | undefined;
  for (const action of actions) {
    if (!TERMINAL.has(action.type)) continue;
    if (!best || (action.order ?? Infinity) < (best.order ?? Infinity)) best = action;
  }
  return best;
}

/** Rules in the order ALB evaluates them. */
export function rulesInPriorityOrder<T extends Pick<RuleRecord, 'priority'>>(rules: readonly T[]): T[] {
  return [...rules].sort((a, b) => a.priority - b.priority);
}

/** The first rule whose predicate holds, else undefined (the default actions apply). */
export function firstMatching<R, T extends { readonly matches: (request: R) => boolean }>(rules: readonly T[], request: R): T | undefined {
  for (const rule of rules) if (rule.matches(request)) return rule;
  return undefined;
}

/** A forward action's target groups with their weights (a lone targetGroupArn weighs 1). */
export function forwardTargetGroups(action: ActionRecord): { targetGroupArn: string; weight: number }[] {
  const tuples = action.forwardConfig?.targetGroups;
  if (tuples && tuples.length > 0) return tuples.map((tuple) => ({ targetGroupArn: tuple.targetGroupArn, weight: tuple.weight ?? 1 }));
  return action.targetGroupArn ? [{ targetGroupArn: action.targetGroupArn, weight: 1 }] : [];
}

/**
 * Smooth weighted round robin (as nginx does it): deterministic, spreads a
 * 2:1 split as a, b, a rather than a, a, b. `current` is the caller's state,
 * one number per entry, updated in place. Returns an index, or -1 when every
 * weight is 0.
 */
export function pickWeighted(weights: readonly number[], current: number[]): number {
  let total = 0;
  let best = -1;
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!;
    if (weight <= 0) continue;
    current[i] = (current[i] ?? 0) + weight;
    total += weight;
    if (best === -1 || current[i]! > current[best]!) best = i;
  }
  if (best !== -1) current[best]! -= total;
  return best;
}

export type LoadBalancingAlgorithm = 'round_robin' | 'least_outstanding_requests';

export function algorithmOf(group: Pick<TargetGroupRecord, 'attributes'>): LoadBalancingAlgorithm {
  return group.attributes['load_balancing.algorithm.type'] === 'least_outstanding_requests' ? 'least_outstanding_requests' : 'round_robin';
}

/**
 * Least outstanding requests: the candidate with the fewest requests in
 * flight; ties go to the first at or after `cursor`, so equal targets still
 * take turns. Returns an index into `outstanding`.
 */
export function pickLeastOutstanding(outstanding: readonly number[], cursor: number): number {
  const count = outstanding.length;
  let best = -1;
  for (let step = 0; step < count; step++) {
    const i = (cursor + step) % count;
    if (best === -1 || outstanding[i]! < outstanding[best]!) best = i;
  }
  return best;
}

/**
 * The targets that take new requests: registered (not draining) ones that are
 * healthy; when none is healthy, every registered one (ALB fails open); with
 * health checks disabled, every registered one.
 */
export function routableTargets(group: Pick<TargetGroupRecord, 'targets' | 'healthCheck'>, health: Pick<TargetHealthRecord, 'targets'> | undefined): TargetRegistration[] {
  const registered = registeredTargets(group);
  if (!group.healthCheck.enabled) return registered;
  const healthy = registered.filter((target) => health?.targets[targetKey(target)]?.state === 'healthy');
  return healthy.length > 0 ? healthy : registered;
}

export interface RedirectRequest {
  /** 'http' or 'https': the listener's protocol. */
  readonly protocol: string;
  /** The Host header without its port. */
  readonly host: string;
  /** The port the client reached (as text). */
  readonly port: string;
  /** The path, starting with '/'. */
  readonly path: string;
  /** The query string without '?' ('' when none). */
  readonly query: string;
}

/**
 * A redirect action's Location: each component defaults to its own
 * placeholder (#{protocol}, #{host}, #{port}, /#{path}, #{query}), and every
 * placeholder may appear in any component. #{path} is the path without its
 * leading '/', as ALB has it. ALB keeps the port in the URL, and omits '?'
 * when the query is empty.
 */
export function redirectLocation(config: NonNullable<ActionRecord['redirectConfig']>, request: RedirectRequest): string {
  const fill = (template: string) =>
    template.replace(/#\{(protocol|host|port|path|query)\}/g, (_, name: keyof RedirectRequest | 'path') => {
      if (name === 'path') return request.path.replace(/^\//, '');
      if (name === 'protocol') return request.protocol.toLowerCase();
      return request[name];
    });
  const protocol = fill(config.protocol ?? '#{protocol}').toLowerCase();
  const host = fill(config.host ?? '#{host}');
  const port = fill(config.port ?? '#{port}');
  let path = fill(config.path ?? '/#{path}');
  if (!path.startsWith('/')) path = `/${path}`;
  const query = fill(config.query ?? '#{query}');
  return `${protocol}://${host}${port ? `:${port}` : ''}${path}${query ? `?${query}` : ''}`;
}

export function redirectStatus(config: NonNullable<ActionRecord['redirectConfig']>): 301 | 302 {
  return config.statusCode === 'HTTP_301' ? 301 : 302;
}
