import type { Task } from '../domain/task/task.js';
import type { Scope } from '../ports/store.js';
import type { TaskSecrets } from './task-secrets.js';

export type ContainerSecrets = { readonly environments: ReadonlyMap<string, Readonly<Record<string, string>>> } | { readonly failure: string };

/**
 * The named containers' `secrets` (their environment, in memory only: never
 * written to the task, logged, or kept past one pass of the supervisor), and
 * their log `secretOptions`, which are read so a missing one fails the task
 * as in ECS (Wharf's log pump needs none of their values). Without a
 * resolver a task with secrets fails to start.
 */
export async function resolveContainerSecrets(resolver: TaskSecrets | undefined, scope: Scope, task: Task, containers: readonly string[]): Promise<ContainerSecrets> {
  const environments = new Map<string, Record<string, string>>();
  for (const plan of task.wharf.containerPlans.filter((candidate) => containers.includes(candidate.name))) {
    environments.set(plan.name, {});
    for (const [references, forEnvironment] of [[plan.secrets, true], [plan.logConfiguration?.secretOptions ?? [], false]] as const) {
      if (references.length === 0) continue;
      const resolution = resolver
        ? await resolver.resolve(scope, references, { ...(task.wharf.executionRoleArn ? { executionRoleArn: task.wharf.executionRoleArn } : {}), taskId: task.wharf.taskId })
        : { failure: `execution resource retrieval failed: this Wharf resolves no secrets (container ${plan.name})` };
      if ('failure' in resolution) return { failure: resolution.failure };
      if (forEnvironment) environments.set(plan.name, resolution.environment);
    }
  }
  return { environments };
}
