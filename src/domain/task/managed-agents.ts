import type { TaskContainer } from './task.js';

/** The one agent ECS manages inside Fargate containers: ECS Exec's (the SSM agent). */
export const EXECUTE_COMMAND_AGENT = 'ExecuteCommandAgent';

export interface ManagedAgent {
  readonly name: typeof EXECUTE_COMMAND_AGENT;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  lastStartedAt?: number;
}

/**
 * ECS shows the ExecuteCommandAgent on every container of a task started with
 * enableExecuteCommand: RUNNING once the container runs (the aws CLI checks
 * it before it opens a session), STOPPED after. Wharf's "agent" is the exec
 * endpoint, which is up whenever the container is.
 */
export function updateManagedAgents(container: TaskContainer, enableExecuteCommand: boolean, now: Date): void {
  if (!enableExecuteCommand) return;
  const agents = (container.managedAgents ?? []) as ManagedAgent[];
  const current = agents.find((agent) => agent.name === EXECUTE_COMMAND_AGENT);
  const status = container.lastStatus === 'RUNNING' ? 'RUNNING' : container.lastStatus === 'STOPPED' ? 'STOPPED' : 'PENDING';
  if (current?.lastStatus === status) return;
  if (!current && status === 'PENDING') return;
  const next: ManagedAgent = { name: EXECUTE_COMMAND_AGENT, lastStatus: status, ...(current?.lastStartedAt !== undefined ? { lastStartedAt: current.lastStartedAt } : {}) };
  if (status === 'RUNNING') next.lastStartedAt = now.getTime();
  container.managedAgents = [...agents.filter((agent) => agent.name !== EXECUTE_COMMAND_AGENT), next];
}
