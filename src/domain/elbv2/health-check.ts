import type { HealthCheckSettings, TargetHealthObservation } from './records.js';

/**
 * ALB target health checks, the decisions only: which status codes pass,
 * and how consecutive results move a target between initial, healthy and
 * unhealthy with ELB's reason codes. The data plane sends the probes and
 * writes the observation only when `next` says it changed.
 */

export const HEALTH_REASON = {
  registrationInProgress: { reasonCode: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' },
  initialHealthChecking: { reasonCode: 'Elb.InitialHealthChecking', description: 'Initial health checks in progress' },
  timeout: { reasonCode: 'Target.Timeout', description: 'Request timed out' },
  failed: { reasonCode: 'Target.FailedHealthChecks', description: 'Health checks failed' },
} as const;

/** One probe's outcome: a status code, no answer in time, or no answer at all (refused, reset, malformed). */
export type ProbeResult = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'timeout' } | { readonly kind: 'error' };

/** "200", "200,202", "200-299" (and mixtures) as inclusive ranges; undefined when it does not parse. */
export function parseMatcher(httpCode: string): [number, number][] | undefined {
  const ranges: [number, number][] = [];
  for (const part of httpCode.split(',')) {
    const match = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(part);
    if (!match) return undefined;
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : Number(match[2]);
    if (high < low) return undefined;
    ranges.push([low, high]);
  }
  return ranges;
}

export function statusMatches(ranges: readonly [number, number][], status: number): boolean {
  return ranges.some(([low, high]) => status >= low && status <= high);
}

/** What the checker keeps per target: the observation it published plus the current run of results. */
export interface TargetHealthTracker {
  readonly observation: TargetHealthObservation;
  readonly successes: number;
  readonly failures: number;
}

/** A target just registered: initial, registration in progress. */
export function registeredTracker(now: number): TargetHealthTracker {
  return { observation: { state: 'initial', ...HEALTH_REASON.registrationInProgress, changedAt: now }, successes: 0, failures: 0 };
}

/** Picks up a stored observation (after a restart) with fresh counters. */
export function resumedTracker(observation: TargetHealthObservation): TargetHealthTracker {
  return { observation, successes: 0, failures: 0 };
}

function failureReason(result: ProbeResult): { reasonCode: string; description: string } {
  if (result.kind === 'timeout') return HEALTH_REASON.timeout;
  if (result.kind === 'status') return { reasonCode: 'Target.ResponseCodeMismatch', description: `Health checks failed with these codes: [${result.status}]` };
  return HEALTH_REASON.failed;
}

/**
 * Folds one probe into the tracker. `healthyThresholdCount` consecutive
 * successes make a target healthy, `unhealthyThresholdCount` consecutive
 * failures unhealthy (from initial too); in between it keeps its state, an
 * initial target moving from RegistrationInProgress to InitialHealthChecking
 * after its first probe. `changed` is true when the published observation
 * (state, reason or description) differs.
 */
export function nextHealth(
  tracker: TargetHealthTracker,
  result: ProbeResult,
  settings: Pick<HealthCheckSettings, 'healthyThresholdCount' | 'unhealthyThresholdCount'>,
  ranges: readonly [number, number][],
  now: number,
): { tracker: TargetHealthTracker; changed: boolean } {
  const success = result.kind === 'status' && statusMatches(ranges, result.status);
  const successes = success ? tracker.successes + 1 : 0;
  const failures = success ? 0 : tracker.failures + 1;
  const current = tracker.observation;
  let wanted: Omit<TargetHealthObservation, 'changedAt'>;
  if (success && successes >= settings.healthyThresholdCount) {
    wanted = { state: 'healthy' };
  } else if (!success && failures >= settings.unhealthyThresholdCount) {
    wanted = { state: 'unhealthy', ...failureReason(result) };
  } else if (current.state === 'initial') {
    wanted = { state: 'initial', ...HEALTH_REASON.initialHealthChecking };
  } else {
    wanted = current;
  }
  const changed = wanted.state !== current.state || wanted.reasonCode !== current.reasonCode || wanted.description !== current.description;
  const observation: TargetHealthObservation = changed
    ? { state: wanted.state, ...(wanted.reasonCode ? { reasonCode: wanted.reasonCode } : {}), ...(wanted.description ? { description: wanted.description } : {}), changedAt: now }
    : current;
  return { tracker: { observation, successes, failures }, changed };
}
