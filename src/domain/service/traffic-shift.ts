import { DEFAULT_CANARY, DEFAULT_LINEAR, LIFECYCLE_STAGES, type HookAction, type LifecycleStage, type StrategySettings } from './deployment-strategy.js';
import { awaiting, expireHooks, startHooks, type HookRun } from './lifecycle-hooks.js';

/**
 * The lifecycle of a BLUE_GREEN, LINEAR or CANARY service deployment, as a
 * pure step function: green (the new revision) scales up beside blue, test
 * traffic moves to green, production traffic moves (at once, in steps, or a
 * canary then the rest), both bake, then blue scales in. Each call moves at
 * most one stage on, so every stage is written (and shown by
 * DescribeServiceDeployments) before the next; the scheduler applies the
 * result together with the tasks and the listener rules in one write.
 * A rollback sends all traffic back to blue and scales green in.
 */

/** What a traffic-shifting service deployment keeps between reconciles. */
export interface ShiftState {
  stage: LifecycleStage;
  stageStartedAt: number;
  /** Whether this stage's work is done (then its hooks have been started). */
  stageWorkDone: boolean;
  /** Green's share of production traffic, in percent. */
  productionPercent: number;
  /** When production traffic last moved (the step bake runs from here). */
  lastShiftAt?: number;
  /** Whether the test listener rule forwards to green. */
  testToGreen: boolean;
  hooks: HookRun[];
  /** Set once a rollback starts: traffic is back on blue and green scales in. */
  rollback?: { readonly reason: string; readonly at: number };
}

export interface ShiftInput {
  readonly settings: StrategySettings;
  readonly state: ShiftState;
  readonly now: number;
  readonly timeScale: number;
  /** Green runs the service's desired count, every task healthy. */
  readonly greenReady: boolean;
  /** None of blue's tasks is left (CLEAN_UP is over). */
  readonly blueGone: boolean;
  /** None of green's tasks is left (a rollback is over). */
  readonly greenGone: boolean;
  /** A reason to roll back found this round (an alarm, the circuit breaker, StopServiceDeployment). */
  readonly rollbackReason?: string;
  readonly hookId: () => string;
}

export interface ShiftStep {
  readonly state: ShiftState;
  /** Whether green should run the full desired count (else none). */
  readonly greenUp: boolean;
  /** Whether blue should keep the full desired count (else none). */
  readonly blueUp: boolean;
  readonly outcome?: 'SUCCESSFUL' | 'ROLLBACK_SUCCESSFUL';
  /** Set when the rollback began in this step. */
  readonly rolledBackBecause?: string;
  /** When time alone moves the deployment on (a bake, a step, a hook's timeout). */
  readonly wakeAfterMs?: number;
}

export function initialShiftState(now: number): ShiftState {
  return { stage: 'RECONCILE_SERVICE', stageStartedAt: now, stageWorkDone: false, productionPercent: 0, testToGreen: false, hooks: [] };
}

export const minutesMs = (minutes: number, timeScale: number) => (minutes * 60_000) / timeScale;

/** Green's share of production after the next step of the strategy. */
export function nextProductionPercent(settings: StrategySettings, current: number): number {
  if (settings.strategy === 'LINEAR') return Math.min(100, current + (settings.linearConfiguration?.stepPercent ?? DEFAULT_LINEAR.stepPercent));
  if (settings.strategy === 'CANARY' && current === 0) return Math.min(100, settings.canaryConfiguration?.canaryPercent ?? DEFAULT_CANARY.canaryPercent);
  return 100;
}

/** How long production traffic stays at `percent` before the next step. */
export function stepBakeMs(settings: StrategySettings, percent: number, timeScale: number): number {
  if (percent >= 100) return 0;
  if (settings.strategy === 'LINEAR') return minutesMs(settings.linearConfiguration?.stepBakeTimeInMinutes ?? DEFAULT_LINEAR.stepBakeTimeInMinutes, timeScale);
  if (settings.strategy === 'CANARY') return minutesMs(settings.canaryConfiguration?.canaryBakeTimeInMinutes ?? DEFAULT_CANARY.canaryBakeTimeInMinutes, timeScale);
  return 0;
}

const stageIndex = (stage: LifecycleStage) => LIFECYCLE_STAGES.indexOf(stage);

function enter(state: ShiftState, stage: LifecycleStage, now: number): void {
  state.stage = stage;
  state.stageStartedAt = now;
  state.stageWorkDone = false;
}

function startRollback(state: ShiftState, reason: string, now: number): void {
  state.rollback = { reason, at: now };
  state.productionPercent = 0;
  state.testToGreen = false;
  for (const run of awaiting(state.hooks)) run.status = 'FAILED';
}

export function stepTrafficShift(input: ShiftInput): ShiftStep {
  const state = structuredClone(input.state) as ShiftState;
  const { now, settings, timeScale } = input;
  const up = (s: ShiftState) => ({ greenUp: !s.rollback && stageIndex(s.stage) >= stageIndex('SCALE_UP'), blueUp: s.rollback !== undefined || s.stage !== 'CLEAN_UP' });

  if (state.rollback) {
    return { state, greenUp: false, blueUp: true, ...(input.greenGone ? { outcome: 'ROLLBACK_SUCCESSFUL' as const } : {}) };
  }
  // Once blue is scaling in there is nothing to go back to.
  const reason = state.stage !== 'CLEAN_UP' ? (input.rollbackReason ?? timedOutRollback(state, now)) : undefined;
  if (reason) {
    startRollback(state, reason, now);
    // Green never started (an alarm already in ALARM when the deployment began): nothing is left to scale in,
    // and no task will change to bring the scheduler back, so the rollback ends in this step.
    return { state, greenUp: false, blueUp: true, rolledBackBecause: reason, ...(input.greenGone ? { outcome: 'ROLLBACK_SUCCESSFUL' as const } : {}) };
  }
  const waiting = awaiting(state.hooks);
  if (waiting.length > 0) {
    return { state, ...up(state), wakeAfterMs: Math.max(1, Math.min(...waiting.map((run) => run.expiresAt - now))) };
  }
  if (!state.stageWorkDone) {
    const work = doStageWork(state, input);
    if (!work.done) return { state, ...up(state), ...(work.wakeAfterMs !== undefined ? { wakeAfterMs: work.wakeAfterMs } : {}) };
    if (state.stage === 'CLEAN_UP') return { state, ...up(state), outcome: 'SUCCESSFUL' };
    state.stageWorkDone = true;
    const runs = startHooks(settings.lifecycleHooks ?? [], state.stage, now, timeScale, input.hookId);
    if (runs.length > 0) {
      state.hooks.push(...runs);
      return { state, ...up(state), wakeAfterMs: Math.max(1, Math.min(...runs.map((run) => run.expiresAt - now))) };
    }
  }
  enter(state, LIFECYCLE_STAGES[stageIndex(state.stage) + 1]!, now);
  return { state, ...up(state) };
}

/** A hook whose timeout action is ROLLBACK rolls back when it times out; CONTINUE just lets the stage go on. */
function timedOutRollback(state: ShiftState, now: number): string | undefined {
  const actions: HookAction[] = expireHooks(state.hooks, now);
  return actions.includes('ROLLBACK') ? 'A lifecycle hook timed out and its timeout action is ROLLBACK.' : undefined; // unverified wording
}

/** One stage's own work; `done` once the stage may run its hooks and move on. */
function doStageWork(state: ShiftState, input: ShiftInput): { done: boolean; wakeAfterMs?: number } {
  const { now, settings, timeScale } = input;
  switch (state.stage) {
    case 'SCALE_UP':
      return { done: input.greenReady };
    case 'TEST_TRAFFIC_SHIFT':
      state.testToGreen = true;
      return { done: true };
    case 'PRODUCTION_TRAFFIC_SHIFT': {
      if (state.lastShiftAt !== undefined && state.productionPercent > 0) {
        const wait = state.lastShiftAt + stepBakeMs(settings, state.productionPercent, timeScale) - now;
        if (state.productionPercent >= 100) return { done: true };
        if (wait > 0) return { done: false, wakeAfterMs: wait };
      }
      state.productionPercent = nextProductionPercent(settings, state.productionPercent);
      state.lastShiftAt = now;
      if (state.productionPercent >= 100) return { done: true };
      return { done: false, wakeAfterMs: Math.max(1, stepBakeMs(settings, state.productionPercent, timeScale)) };
    }
    case 'BAKE_TIME': {
      const wait = state.stageStartedAt + minutesMs(settings.bakeTimeInMinutes ?? 0, timeScale) - now;
      return wait > 0 ? { done: false, wakeAfterMs: wait } : { done: true };
    }
    case 'CLEAN_UP':
      return { done: input.blueGone };
    default:
      return { done: true };
  }
}

/**
 * The production rule's weights: green's percent against blue's. ELB weights
 * are 0-999; both groups are always listed so neither loses its association
 * with the load balancer.
 */
export function productionWeights(greenPercent: number): { blue: number; green: number } {
  const green = Math.round(greenPercent * 10);
  return { blue: 1000 - green > 999 ? 999 : 1000 - green, green: green > 999 ? 999 : green };
}

/** One listener rule as a traffic-shifting deployment wants it to forward. */
export interface RuleForward {
  readonly ruleArn: string;
  readonly targetGroups: readonly { readonly targetGroupArn: string; readonly weight: number }[];
}

interface AdvancedLoadBalancer {
  readonly targetGroupArn: string;
  readonly advancedConfiguration?: { readonly alternateTargetGroupArn?: string; readonly productionListenerRule?: string; readonly testListenerRule?: string };
}

/**
 * The listener rules to rewrite for the state: the test rule once test
 * traffic has moved, the production rule once production traffic has, both
 * back to blue in a rollback. Before that the rules are left as the user made them.
 */
export function ruleForwards(loadBalancers: readonly AdvancedLoadBalancer[], greenSide: 'main' | 'alternate', state: ShiftState): RuleForward[] {
  const out: RuleForward[] = [];
  for (const lb of loadBalancers) {
    const advanced = lb.advancedConfiguration;
    if (!advanced?.alternateTargetGroupArn) continue;
    const green = greenSide === 'alternate' ? advanced.alternateTargetGroupArn : lb.targetGroupArn;
    const blue = greenSide === 'alternate' ? lb.targetGroupArn : advanced.alternateTargetGroupArn;
    const rollingBack = state.rollback !== undefined;
    if (advanced.testListenerRule && (rollingBack || state.testToGreen)) {
      const toGreen = state.testToGreen && !rollingBack;
      out.push({ ruleArn: advanced.testListenerRule, targetGroups: [{ targetGroupArn: blue, weight: toGreen ? 0 : 1 }, { targetGroupArn: green, weight: toGreen ? 1 : 0 }] });
    }
    if (advanced.productionListenerRule && (rollingBack || state.productionPercent > 0)) {
      const weights = productionWeights(rollingBack ? 0 : state.productionPercent);
      out.push({ ruleArn: advanced.productionListenerRule, targetGroups: [{ targetGroupArn: blue, weight: weights.blue }, { targetGroupArn: green, weight: weights.green }] });
    }
  }
  return out;
}
