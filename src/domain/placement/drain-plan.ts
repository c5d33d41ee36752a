/**
 * Container instance draining, as ECS does it: once an instance is
 * DRAINING, no task is placed on it (place-tasks.ts takes only ACTIVE ones),
 * and its service tasks are stopped so their services' schedulers start
 * replacements elsewhere. Service tasks not yet RUNNING stop at once; RUNNING
 * ones only as far as each service's minimumHealthyPercent allows, counting
 * the service's RUNNING tasks on instances that are not draining. Standalone
 * tasks (RunTask, StartTask) are left running: the instance stays DRAINING
 * until someone stops them.
 *
 * The plan covers every draining instance of one cluster at once, so two
 * draining instances never both spend the same service's margin.
 */
import { serviceOfTask } from '../task/draining.js';
import type { Task } from '../task/task.js';

/** The stop code ECS gives tasks its service scheduler stops, draining included. */
export const DRAIN_STOP_CODE = 'ServiceSchedulerInitiated' as const;

/**
 * The stoppedReason of a task stopped because its instance drains. ECS's
 * text contains "container instance is in DRAINING state" (clients match
 * stopped-task events on those words); the "Service <name>: " before it is
 * unverified.
 */
export function drainStopReason(serviceName: string): string {
  return `Service ${serviceName}: container instance is in DRAINING state`;
}

export interface DrainingTask {
  /** The task's record id. */
  readonly id: string;
  readonly task: Pick<Task, 'lastStatus' | 'desiredStatus' | 'group'>;
}

export interface ServiceMargin {
  readonly desiredCount: number;
  readonly minimumHealthyPercent: number;
  /** The service's tasks RUNNING (and wanted so) on instances that are not draining. */
  readonly runningElsewhere: number;
}

export interface DrainPlan {
  /** Record ids of the tasks to stop now, in id order. */
  readonly stop: readonly string[];
  /** RUNNING service tasks kept for now so their service stays at its minimum healthy count. */
  readonly held: readonly string[];
}

/** ceil(desiredCount x minimumHealthyPercent / 100): the fewest RUNNING tasks a service keeps while tasks are replaced. */
export function minimumHealthyCount(desiredCount: number, minimumHealthyPercent: number): number {
  return Math.ceil((desiredCount * minimumHealthyPercent) / 100);
}

/**
 * Which service tasks on the draining instances stop now. `services` has
 * the service of every task named (a service missing from it, deleted or
 * never known, keeps no minimum: its tasks stop).
 */
export function planDrain(tasks: readonly DrainingTask[], services: ReadonlyMap<string, ServiceMargin>): DrainPlan {
  const stop: string[] = [];
  const held: string[] = [];
  const runningByService = new Map<string, string[]>();
  for (const { id, task } of [...tasks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const service = serviceOfTask(task);
    // Standalone tasks stay; a stop already asked for needs nothing more.
    if (service === undefined || task.desiredStatus !== 'RUNNING') continue;
    if (task.lastStatus === 'RUNNING') runningByService.set(service, [...(runningByService.get(service) ?? []), id]);
    // Not yet RUNNING (PROVISIONING, PENDING, ACTIVATING): stopped at once, as ECS stops PENDING service tasks.
    else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING' || task.lastStatus === 'ACTIVATING') stop.push(id);
  }
  for (const [service, ids] of runningByService) {
    const margin = services.get(service);
    const allowed = margin === undefined ? ids.length : Math.max(0, margin.runningElsewhere + ids.length - minimumHealthyCount(margin.desiredCount, margin.minimumHealthyPercent));
    stop.push(...ids.slice(0, allowed));
    held.push(...ids.slice(allowed));
  }
  return { stop: stop.sort(), held: held.sort() };
}
