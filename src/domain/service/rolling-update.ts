/**
 * The arithmetic of an ECS rolling update (deployment controller ECS). The
 * service scheduler keeps, at every moment:
 *   healthy tasks  >= ceil(desired x minimumHealthyPercent / 100)
 *   all tasks      <= floor(desired x maximumPercent / 100)
 * counting PENDING and STOPPING tasks against the maximum, as ECS does.
 */
export interface DeploymentBounds {
  readonly minHealthy: number;
  readonly maxTotal: number;
}

export function deploymentBounds(desiredCount: number, minimumHealthyPercent = 100, maximumPercent = 200): DeploymentBounds {
  return {
    minHealthy: Math.ceil((desiredCount * minimumHealthyPercent) / 100),
    maxTotal: Math.floor((desiredCount * maximumPercent) / 100),
  };
}

/** What the scheduler sees of one service at one moment. */
export interface RolloutSnapshot {
  readonly desiredCount: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  /** Tasks of the new (PRIMARY) deployment, by state. */
  readonly newHealthy: number;
  readonly newStarting: number;
  /** Tasks of older deployments, by state. */
  readonly oldHealthy: number;
  readonly oldStarting: number;
  /** Tasks on their way out (desired STOPPED, not yet STOPPED): they still count against the maximum. */
  readonly stopping: number;
  /**
   * New-deployment tasks found unhealthy (past the grace period), kept
   * running while their replacements start: they count against the maximum
   * but neither towards the desired count nor the healthy minimum.
   */
  readonly replacing?: number;
  /**
   * Of the replacing tasks, those still healthy (tasks on a DRAINING
   * instance): they count towards the healthy minimum until they stop.
   */
  readonly replacingHealthy?: number;
}

export interface RolloutStep {
  /** New-deployment tasks to start now. */
  readonly start: number;
  /** Old-deployment tasks to stop now (starting ones first, then healthy ones). */
  readonly stopOld: number;
  /** Unhealthy tasks to stop now: as many as healthy replacements have taken over. */
  readonly stopReplacing: number;
  /** Neither a start nor a stop is allowed although the rollout is unfinished. */
  readonly blocked: boolean;
}

/**
 * One step of a rolling update: start as many new tasks as the maximum
 * allows, stop as many old ones as the minimum allows. Excess new tasks (a
 * lowered desired count) are the caller's to stop.
 */
export function planRolloutStep(s: RolloutSnapshot): RolloutStep {
  const { minHealthy, maxTotal } = deploymentBounds(s.desiredCount, s.minimumHealthyPercent, s.maximumPercent);
  const replacing = s.replacing ?? 0;
  const newTotal = s.newHealthy + s.newStarting;
  const oldTotal = s.oldHealthy + s.oldStarting;
  const total = newTotal + oldTotal + s.stopping + replacing;

  const wantNew = Math.max(0, s.desiredCount - newTotal);
  const start = Math.min(wantNew, Math.max(0, maxTotal - total));

  // Old tasks that are not healthy never count towards the minimum: they can go at once.
  const healthy = s.newHealthy + s.oldHealthy;
  const stoppableHealthy = Math.max(0, Math.min(s.oldHealthy, healthy - minHealthy));
  // Old tasks go when they are surplus to the desired count, or to make room
  // for new ones the maximum holds back; never below the healthy minimum.
  const surplusOld = Math.max(0, oldTotal + newTotal + start - s.desiredCount);
  const roomNeeded = Math.max(0, wantNew - start);
  const stopOld = Math.min(surplusOld + roomNeeded, s.oldStarting + stoppableHealthy, oldTotal);

  // ECS starts replacements for unhealthy tasks first and stops the unhealthy
  // ones as the replacements become healthy; when the maximum leaves no room
  // to start one first, it stops the unhealthy tasks one by one (a healthy
  // one, of a draining instance, only while the healthy minimum allows; the
  // caller stops the unhealthy ones first).
  let stopReplacing = Math.min(replacing, Math.max(0, healthy + replacing - s.desiredCount));
  const replacingHealthy = s.replacingHealthy ?? 0;
  const oneMayGo = replacingHealthy < replacing || healthy + replacingHealthy - 1 >= minHealthy;
  if (stopReplacing === 0 && replacing > 0 && start < wantNew && s.newStarting === 0 && s.stopping === 0 && oneMayGo) stopReplacing = 1;

  const unfinished = oldTotal > 0 || newTotal < s.desiredCount;
  return { start, stopOld, stopReplacing, blocked: unfinished && start === 0 && stopOld === 0 && stopReplacing === 0 && s.newStarting === 0 && s.stopping === 0 };
}

/** ECS's circuit breaker trips after clamp(ceil(0.5 x desired), 3, 200) failed tasks. */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desiredCount)));
}
