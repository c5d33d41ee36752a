import { AwsError, invalidParameter } from '../errors.js';
import {
  DEFAULT_HOOK_TIMEOUT_ACTION,
  DEFAULT_HOOK_TIMEOUT_MINUTES,
  type HookAction,
  type HookStage,
  type LifecycleHook,
  type LifecycleStage,
} from './deployment-strategy.js';

/**
 * PAUSE lifecycle hooks: when a service deployment's stage has done its work,
 * each hook naming that stage starts AWAITING_ACTION and holds the deployment
 * there until ContinueServiceDeployment (CONTINUE or ROLLBACK) or its
 * timeout, whose action then applies. Pure; times are epoch ms.
 */

export type HookStatus = 'AWAITING_ACTION' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';

/** One hook run at one stage of one service deployment (`lifecycleHookDetails[]`). */
export interface HookRun {
  readonly hookId: string;
  readonly stage: HookStage;
  readonly targetType: 'PAUSE';
  status: HookStatus;
  readonly startedAt: number;
  readonly expiresAt: number;
  readonly timeoutAction: HookAction;
  /** What ended it: CONTINUE or ROLLBACK (from the caller or the timeout). */
  action?: HookAction;
}

/** The hook stages that run at the end of each lifecycle stage (PRE_PRODUCTION_TRAFFIC_SHIFT: just before production traffic moves). */
export const HOOK_STAGES_OF: Record<LifecycleStage, readonly HookStage[]> = {
  RECONCILE_SERVICE: ['RECONCILE_SERVICE'],
  PRE_SCALE_UP: ['PRE_SCALE_UP'],
  SCALE_UP: [],
  POST_SCALE_UP: ['POST_SCALE_UP'],
  TEST_TRAFFIC_SHIFT: ['TEST_TRAFFIC_SHIFT'],
  POST_TEST_TRAFFIC_SHIFT: ['POST_TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT'],
  PRODUCTION_TRAFFIC_SHIFT: ['PRODUCTION_TRAFFIC_SHIFT'],
  POST_PRODUCTION_TRAFFIC_SHIFT: ['POST_PRODUCTION_TRAFFIC_SHIFT'],
  BAKE_TIME: [],
  CLEAN_UP: [],
};

/** The runs a stage starts once its work is done: one per hook naming one of its hook stages. */
export function startHooks(hooks: readonly LifecycleHook[], stage: LifecycleStage, now: number, timeScale: number, hookId: () => string): HookRun[] {
  const runs: HookRun[] = [];
  for (const hookStage of HOOK_STAGES_OF[stage]) {
    for (const hook of hooks) {
      if (hook.targetType !== 'PAUSE' || !hook.lifecycleStages.includes(hookStage)) continue;
      const minutes = hook.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES;
      runs.push({
        hookId: hookId(),
        stage: hookStage,
        targetType: 'PAUSE',
        status: 'AWAITING_ACTION',
        startedAt: now,
        expiresAt: now + (minutes * 60_000) / timeScale,
        timeoutAction: hook.timeoutConfiguration?.action ?? DEFAULT_HOOK_TIMEOUT_ACTION,
      });
    }
  }
  return runs;
}

/** Runs whose time is up become TIMED_OUT; their timeout action is what the deployment does next. */
export function expireHooks(runs: HookRun[], now: number): HookAction[] {
  const actions: HookAction[] = [];
  for (const run of runs) {
    if (run.status !== 'AWAITING_ACTION' || now < run.expiresAt) continue;
    run.status = 'TIMED_OUT';
    run.action = run.timeoutAction;
    actions.push(run.timeoutAction);
  }
  return actions;
}

export function awaiting(runs: readonly HookRun[]): HookRun[] {
  return runs.filter((run) => run.status === 'AWAITING_ACTION');
}

/** ContinueServiceDeployment on one run: CONTINUE lets the stage go on, ROLLBACK rolls the deployment back. */
export function answerHook(runs: HookRun[], hookId: string, action: HookAction | undefined): HookRun {
  const run = runs.find((r) => r.hookId === hookId);
  if (!run) throw invalidParameter(`The lifecycle hook ${hookId} was not found in the service deployment.`); // unverified wording
  if (run.status !== 'AWAITING_ACTION') throw new AwsError('ClientException', `The lifecycle hook ${hookId} is ${run.status}: only a hook awaiting action can be continued.`); // unverified wording
  if (action !== undefined && action !== 'CONTINUE' && action !== 'ROLLBACK') throw invalidParameter(`Invalid action ${String(action)}. Valid values are CONTINUE and ROLLBACK.`); // unverified wording
  run.status = 'SUCCEEDED';
  run.action = action ?? 'CONTINUE';
  return run;
}
