import { invalidParameter } from '../errors.js';
import { requestStop } from './lifecycle.js';
import { STOP_REASONS } from './task-status.js';
import type { Task } from './task.js';

/**
 * Fargate Spot interruption, on demand: ECS warns a Spot task two minutes
 * ahead (a task state change and SIGTERM), then stops it with stopCode
 * `SpotInterruption`; a service replaces it as soon as its desiredStatus is
 * STOPPED.
 */

/** ECS's warning period before an interrupted Spot task is killed. */
export const SPOT_WARNING_SECONDS = 120;

export const FARGATE_SPOT = 'FARGATE_SPOT';

/** Only Fargate Spot tasks the scheduler still wants running can be interrupted. */
export function isInterruptible(task: Task): boolean {
  return task.capacityProviderName === FARGATE_SPOT && task.desiredStatus === 'RUNNING';
}

/**
 * The task, marked interrupted: desired STOPPED with ECS's stop code and
 * reason, its containers to be killed `warningSeconds` after SIGTERM.
 */
export function interruptSpotTask(task: Task, warningSeconds: number, now: Date): Task {
  if (task.capacityProviderName !== FARGATE_SPOT) {
    const runsOn = task.capacityProviderName ? `capacity provider ${task.capacityProviderName}` : `launch type ${task.launchType ?? 'FARGATE'}`;
    throw invalidParameter(`Task ${task.taskArn} runs on ${runsOn}, not ${FARGATE_SPOT}: only Fargate Spot tasks can be interrupted. Run one with --capacity-provider-strategy capacityProvider=${FARGATE_SPOT},weight=1.`);
  }
  if (task.desiredStatus !== 'RUNNING') {
    throw invalidParameter(`Task ${task.taskArn} is already stopping (desiredStatus STOPPED, stopCode ${task.stopCode ?? 'none'}): only running Spot tasks can be interrupted.`);
  }
  if (!Number.isFinite(warningSeconds) || warningSeconds < 0) throw new RangeError(`warningSeconds must be a finite number >= 0, got ${warningSeconds}`);
  const next = requestStop(task, 'SpotInterruption', STOP_REASONS.spotInterrupted, now);
  next.wharf.stopGraceSeconds = warningSeconds;
  return next;
}

/**
 * Which of a service's tasks one interruption of `percent` (1-100) takes:
 * ceil(n x percent / 100) of its interruptible Spot tasks, oldest first
 * (ties by ARN), so the same state always gives the same answer.
 */
export function chooseSpotTasksToInterrupt(tasks: readonly Task[], percent: number): Task[] {
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw invalidParameter(`percent must be a whole number from 1 to 100, got ${percent}.`);
  const live = tasks.filter(isInterruptible).sort((a, b) => a.createdAt - b.createdAt || (a.taskArn < b.taskArn ? -1 : a.taskArn > b.taskArn ? 1 : 0));
  return live.slice(0, Math.ceil((live.length * percent) / 100));
}
