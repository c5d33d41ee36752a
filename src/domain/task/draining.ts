import type { Service } from '../service/service.js';
import type { Task } from './task.js';

/**
 * How long a stopping load-balanced task waits for the service scheduler to
 * put its drain deadline on it; should the scheduler not answer, the task
 * stops rather than hang.
 */
export const DRAIN_DEADLINE_WAIT_MS = 10_000;

/** Whether stopping this service's tasks must wait for targets to drain: it has load balancers, or had some being retired. */
export function drainsTargets(service: Pick<Service, 'loadBalancers' | 'wharf'> | undefined): boolean {
  return (service?.loadBalancers?.length ?? 0) + (service?.wharf.retiredLoadBalancers?.length ?? 0) > 0;
}

/** The service a task belongs to (`service:<name>` group), or undefined for a standalone task. */
export function serviceOfTask(task: Pick<Task, 'group'>): string | undefined {
  return task.group.startsWith('service:') ? task.group.slice('service:'.length) : undefined;
}

/**
 * Until when a task being stopped keeps its containers running so in-flight
 * requests finish: the deadline the service scheduler set once it
 * deregistered the targets (`wharf.drainUntil`), else, behind a load
 * balancer, a short wait for the scheduler to set one. Undefined: no drain.
 * The deadline is in the record, so a restart waits out the same one.
 */
export function drainDeadline(task: Task, behindLoadBalancer: boolean, now: number): number | undefined {
  if (task.wharf.drainUntil !== undefined) return task.wharf.drainUntil;
  if (!behindLoadBalancer) return undefined;
  return (task.wharf.stopRequestedAt ?? now) + DRAIN_DEADLINE_WAIT_MS;
}
