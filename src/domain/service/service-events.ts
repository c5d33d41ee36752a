/**
 * Service event and rollout messages in ECS's exact words (ecs-facts.md),
 * so `describe-services` reads as it does against ECS.
 */
const taskList = (taskIds: readonly string[]) => taskIds.map((id) => `(task ${id})`).join(' ');

export const serviceEvents = {
  startedTasks: (service: string, taskIds: readonly string[]) => `(service ${service}) has started ${taskIds.length} tasks: ${taskList(taskIds)}.`,
  stoppedTasks: (service: string, taskIds: readonly string[]) => `(service ${service}) has stopped ${taskIds.length} running tasks: ${taskList(taskIds)}.`,
  failedHealthChecks: (service: string, taskId: string) => `(service ${service}) (task ${taskId}) failed container health checks.`,
  steadyState: (service: string) => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, deploymentId: string) => `(service ${service}) (deployment ${deploymentId}) deployment completed.`,
  deploymentFailed: (service: string, deploymentId: string) => `(service ${service}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rollingBack: (service: string, deploymentId: string) => `(service ${service}) rolling back to deployment ${deploymentId}.`,
  // unverified wording
  deploymentFailedByAlarms: (service: string, deploymentId: string, alarms: readonly string[]) => `(service ${service}) (deployment ${deploymentId}) deployment failed: alarm detected. Alarms: ${alarms.join(', ')}.`,
  registeredTargets: (service: string, count: number, targetGroupArn: string) => `(service ${service}) registered ${count} targets in (target-group ${targetGroupArn})`,
  drainingTasks: (service: string, count: number) => `(service ${service}) has begun draining connections on ${count} tasks.`,
  deregisteredTargets: (service: string, count: number, targetGroupArn: string) => `(service ${service}) deregistered ${count} targets in (target-group ${targetGroupArn})`,
  unhealthyInTargetGroup: (service: string, port: number, targetGroupArn: string, reason: string) =>
    `(service ${service}) (port ${port}) is unhealthy in (target-group ${targetGroupArn}) due to (reason ${reason}).`,
  unableToStartConsistently: (service: string) =>
    `(service ${service}) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
  // ECS's wording for this case is not published; this says what blocks the rollout and what to change.
  deploymentPreventsProgress: (service: string, minimumHealthyPercent: number, maximumPercent: number) =>
    `(service ${service}) is unable to make progress: the deployment configuration (minimumHealthyPercent ${minimumHealthyPercent}, maximumPercent ${maximumPercent}) allows no task to be started or stopped. Raise maximumPercent or lower minimumHealthyPercent.`,
  noContainerInstance: (service: string, reason: string) =>
    `(service ${service}) was unable to place a task because no container instance met all of its requirements. Reason: ${reason} For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
  unableToPlace: (service: string, reason: string) => `(service ${service}) was unable to place a task. Reason: ${reason}.`,
} as const;

export const rolloutReasons = {
  inProgress: (deploymentId: string) => `ECS deployment ${deploymentId} in progress.`,
  completed: (deploymentId: string) => `ECS deployment ${deploymentId} completed.`,
  circuitBreakerFailed: () => 'ECS deployment circuit breaker: tasks failed to start.',
  rollingBack: (deploymentId: string) => `ECS deployment circuit breaker: rolling back to deploymentId ${deploymentId}.`,
  // StopServiceDeployment's outcome has no published wording; this one says what happened.
  stopRequested: (deploymentId: string) => `ECS deployment ${deploymentId} stopped by a StopServiceDeployment request.`,
} as const;

/** Deployment ids are `ecs-svc/` and 19 digits; the digits come from the caller's randomness. */
export function deploymentId(digits: string): string {
  if (!/^\d{19}$/.test(digits)) throw new Error(`a deployment id needs 19 digits, got '${digits}'`);
  return `ecs-svc/${digits}`;
}

/** Decimal digits from random bytes (the caller's randomness), never starting with 0. */
export function digitsFrom(bytes: Uint8Array): string {
  let digits = '';
  bytes.forEach((byte, index) => {
    digits += String(index === 0 ? 1 + (byte % 9) : byte % 10);
  });
  return digits;
}
