import { AwsError, invalidParameter } from '../errors.js';

/**
 * ECS's deployment strategies beyond ROLLING (BLUE_GREEN, LINEAR, CANARY):
 * the members of `deploymentConfiguration` they add, and the checks
 * CreateService and UpdateService make of them. What the scheduler does with
 * them is in traffic-shift.ts and lifecycle-hooks.ts.
 */

export type DeploymentStrategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

/** The stages a service deployment moves through (`lifecycleStage`), in order. */
export const LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** The stages a lifecycle hook may name (PRE_PRODUCTION_TRAFFIC_SHIFT runs as production traffic is about to move). */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];

export type HookAction = 'CONTINUE' | 'ROLLBACK';

export interface LifecycleHook {
  readonly targetType: 'PAUSE' | 'AWS_LAMBDA';
  readonly hookTargetArn?: string;
  readonly roleArn?: string;
  readonly lifecycleStages: HookStage[];
  readonly hookDetails?: unknown;
  readonly timeoutConfiguration?: { readonly timeoutInMinutes?: number; readonly action?: HookAction };
}

export interface LinearConfiguration {
  readonly stepPercent?: number;
  readonly stepBakeTimeInMinutes?: number;
}

export interface CanaryConfiguration {
  readonly canaryPercent?: number;
  readonly canaryBakeTimeInMinutes?: number;
}

/** The strategy members as stored on the service's deploymentConfiguration. */
export interface StrategySettings {
  readonly strategy?: DeploymentStrategy;
  readonly bakeTimeInMinutes?: number;
  readonly linearConfiguration?: LinearConfiguration;
  readonly canaryConfiguration?: CanaryConfiguration;
  readonly lifecycleHooks?: LifecycleHook[];
}

/** ECS's defaults (API reference): a hook waits 24 hours, then rolls back. */
export const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;
export const DEFAULT_HOOK_TIMEOUT_ACTION: HookAction = 'ROLLBACK';
/** Defaults for the step sizes and bake times a strategy leaves out. */
export const DEFAULT_LINEAR = { stepPercent: 10, stepBakeTimeInMinutes: 6 } as const; // unverified default
export const DEFAULT_CANARY = { canaryPercent: 5, canaryBakeTimeInMinutes: 10 } as const; // unverified default

/** Whether a strategy moves traffic between two target groups (every one but ROLLING). */
export function shiftsTraffic(settings: StrategySettings | undefined): boolean {
  return settings?.strategy !== undefined && settings.strategy !== 'ROLLING';
}

const inRange = (value: number | undefined, min: number, max: number) => value === undefined || (Number.isFinite(value) && value >= min && value <= max);

/** What the request alone decides about the strategy members. */
export function checkStrategySettings(settings: StrategySettings | undefined): void {
  if (!settings) return;
  const strategy = settings.strategy;
  if (strategy !== undefined && !['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'].includes(strategy)) {
    throw invalidParameter(`Invalid deployment strategy ${strategy}. Valid values are ROLLING, BLUE_GREEN, LINEAR and CANARY.`); // unverified wording
  }
  if (!inRange(settings.bakeTimeInMinutes, 0, 1440)) throw invalidParameter('bakeTimeInMinutes must be between 0 and 1440.'); // unverified wording
  if (settings.linearConfiguration && strategy !== 'LINEAR') throw invalidParameter('linearConfiguration can only be specified with the LINEAR deployment strategy.'); // unverified wording
  if (settings.canaryConfiguration && strategy !== 'CANARY') throw invalidParameter('canaryConfiguration can only be specified with the CANARY deployment strategy.'); // unverified wording
  const linear = settings.linearConfiguration;
  if (linear && !inRange(linear.stepPercent, 3, 100)) throw invalidParameter('linearConfiguration.stepPercent must be between 3.0 and 100.0.'); // unverified wording
  if (linear && !inRange(linear.stepBakeTimeInMinutes, 0, 1440)) throw invalidParameter('linearConfiguration.stepBakeTimeInMinutes must be between 0 and 1440.'); // unverified wording
  const canary = settings.canaryConfiguration;
  if (canary && !inRange(canary.canaryPercent, 0.1, 100)) throw invalidParameter('canaryConfiguration.canaryPercent must be between 0.1 and 100.0.'); // unverified wording
  if (canary && !inRange(canary.canaryBakeTimeInMinutes, 0, 1440)) throw invalidParameter('canaryConfiguration.canaryBakeTimeInMinutes must be between 0 and 1440.'); // unverified wording
  const hooks = settings.lifecycleHooks ?? [];
  if (hooks.length > 0 && !shiftsTraffic(settings)) {
    throw invalidParameter('Lifecycle hooks can only be specified with the BLUE_GREEN, LINEAR or CANARY deployment strategy.'); // unverified wording
  }
  for (const hook of hooks) {
    if (hook.targetType === 'AWS_LAMBDA') {
      // Wharf runs no Lambda functions: a hook that could only fail is refused up front.
      throw new AwsError('UnsupportedFeatureException', 'Lifecycle hooks with targetType AWS_LAMBDA are not supported by Wharf (it runs no Lambda functions): use targetType PAUSE and ContinueServiceDeployment.');
    }
    if (hook.targetType !== 'PAUSE') throw invalidParameter(`Invalid lifecycle hook targetType ${String(hook.targetType)}. Valid values are AWS_LAMBDA and PAUSE.`); // unverified wording
    if (!hook.lifecycleStages || hook.lifecycleStages.length === 0) throw invalidParameter('A lifecycle hook must specify at least one lifecycle stage.'); // unverified wording
    for (const stage of hook.lifecycleStages) {
      if (!(HOOK_STAGES as readonly string[]).includes(stage)) throw invalidParameter(`Invalid lifecycle stage ${stage} for a lifecycle hook.`); // unverified wording
    }
    const timeout = hook.timeoutConfiguration;
    if (timeout && !inRange(timeout.timeoutInMinutes, 1, 20160)) throw invalidParameter('timeoutInMinutes must be between 1 and 20160.'); // unverified wording
    if (timeout?.action !== undefined && timeout.action !== 'CONTINUE' && timeout.action !== 'ROLLBACK') throw invalidParameter(`Invalid timeout action ${String(timeout.action)}. Valid values are CONTINUE and ROLLBACK.`); // unverified wording
  }
}

/** The advanced load balancer wiring a traffic-shifting strategy needs. */
export interface AdvancedConfiguration {
  readonly alternateTargetGroupArn?: string;
  readonly productionListenerRule?: string;
  readonly testListenerRule?: string;
  readonly roleArn?: string;
}

/** The shape checks of `loadBalancers[].advancedConfiguration` against the strategy (the target groups and rules are the API's to find). */
export function checkAdvancedConfiguration(strategy: DeploymentStrategy | undefined, loadBalancers: readonly { readonly targetGroupArn?: string; readonly advancedConfiguration?: AdvancedConfiguration }[]): void {
  const shifting = strategy !== undefined && strategy !== 'ROLLING';
  for (const lb of loadBalancers) {
    const advanced = lb.advancedConfiguration;
    if (!advanced) {
      if (shifting) throw invalidParameter(`The ${strategy} deployment strategy requires an advancedConfiguration with an alternateTargetGroupArn and a productionListenerRule for each load balancer.`); // unverified wording
      continue;
    }
    if (!advanced.alternateTargetGroupArn) throw invalidParameter('advancedConfiguration must specify an alternateTargetGroupArn.'); // unverified wording
    if (!advanced.productionListenerRule) throw invalidParameter('advancedConfiguration must specify a productionListenerRule.'); // unverified wording
    if (!advanced.roleArn) throw invalidParameter('advancedConfiguration must specify a roleArn.'); // unverified wording
    if (advanced.alternateTargetGroupArn === lb.targetGroupArn) throw invalidParameter('The alternateTargetGroupArn must be different from the targetGroupArn.'); // unverified wording
    if (advanced.testListenerRule !== undefined && advanced.testListenerRule === advanced.productionListenerRule) {
      throw invalidParameter('The testListenerRule must be different from the productionListenerRule.'); // unverified wording
    }
  }
}
