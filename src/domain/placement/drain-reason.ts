/**
 * Container instance draining, as ECS does it: once an instance is
 * DRAINING, no task is placed on it (place-tasks.ts takes only ACTIVE ones),
 * and each service replaces its tasks there as it replaces unhealthy ones:
 * replacements start elsewhere first (within maximumPercent), and the
 * draining tasks stop as the replacements become healthy (within
 * minimumHealthyPercent); see domain/service/scheduler.ts. Standalone tasks
 * (RunTask) are left running: the instance stays DRAINING until someone
 * stops them.
 */

/**
 * The stoppedReason of a task stopped because its instance drains. ECS's
 * text contains "container instance is in DRAINING state" (clients match
 * stopped-task events on those words); the "Service <name>: " before it is
 * unverified.
 */
export function drainStopReason(serviceName: string): string {
  return `Service ${serviceName}: container instance is in DRAINING state`;
}
