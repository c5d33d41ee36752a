/**
 * Task statuses in lifecycle order, compared with < and >= as the ECS agent
 * compares its container statuses: a task only ever moves forward.
 */
export const TASK_STATUSES = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export function statusRank(status: TaskStatus): number {
  return TASK_STATUSES.indexOf(status);
}

export function isAtLeast(status: TaskStatus, other: TaskStatus): boolean {
  return statusRank(status) >= statusRank(other);
}

/** Container statuses in lifecycle order: a container, too, only moves forward. */
export const CONTAINER_STATUSES = ['PENDING', 'RUNNING', 'STOPPED'] as const;
export type ContainerStatus = (typeof CONTAINER_STATUSES)[number];

export function containerStatusRank(status: ContainerStatus): number {
  return CONTAINER_STATUSES.indexOf(status);
}

/** The task's own status is gated by its slowest container: the lowest of their statuses (PENDING with none). */
export function slowestContainerStatus(statuses: readonly ContainerStatus[]): ContainerStatus {
  return statuses.reduce<ContainerStatus>((low, status) => (containerStatusRank(status) < containerStatusRank(low) ? status : low), statuses.length > 0 ? 'STOPPED' : 'PENDING');
}

export type StopCode = 'TaskFailedToStart' | 'EssentialContainerExited' | 'UserInitiated' | 'ServiceSchedulerInitiated' | 'SpotInterruption' | 'TerminationNotice';

/** ECS's own wording for why a task stopped. */
export const STOP_REASONS = {
  essentialExited: 'Essential container in task exited',
  userStopped: 'Task stopped by user',
  spotInterrupted: 'Your Spot Task was interrupted.',
} as const;

/** Container `reason` strings have the form `<ErrorName>: <detail>`. */
export const CONTAINER_REASONS = {
  oom: 'OutOfMemoryError: Container killed due to memory usage',
} as const;
