import type { ContainerPlan, Task } from '../domain/task/task.js';
import { WHARF_LABELS, type ContainerSpec } from '../ports/runtime.js';

/** The labels on a task's engine containers, by which a restarted supervisor finds them again. */
export function taskLabels(instanceId: string, task: Task, key: string, containerName?: string): Record<string, string> {
  return {
    [WHARF_LABELS.instance]: instanceId,
    [WHARF_LABELS.taskKey]: key,
    [WHARF_LABELS.cluster]: task.clusterArn,
    [WHARF_LABELS.taskArn]: task.taskArn,
    [WHARF_LABELS.family]: task.wharf.family,
    [WHARF_LABELS.revision]: String(task.wharf.revision),
    ...(containerName ? { [WHARF_LABELS.containerName]: containerName } : {}),
  };
}

/**
 * One container of the task as the engine makes it, in the sandbox's
 * namespace and cgroup. `timeScale` divides health check intervals and start
 * periods (ECS waits); the timeout stays: it bounds the check command itself.
 */
export function containerSpec(task: Task, plan: ContainerPlan, labels: Readonly<Record<string, string>>, timeScale = 1): ContainerSpec {
  const sandbox = task.wharf.sandbox!;
  return {
    name: `wharf-${task.wharf.taskId}-${plan.name}`,
    image: task.wharf.runImages?.[plan.image] ?? plan.image,
    // The task definition's dockerLabels first, so they cannot overwrite the labels Wharf relies on.
    labels: { ...plan.dockerLabels, ...labels },
    sandbox: { containerId: sandbox.containerId, cgroupParent: sandbox.cgroupParent },
    ...(plan.entryPoint ? { entryPoint: plan.entryPoint } : {}),
    ...(plan.command ? { command: plan.command } : {}),
    environment: plan.environment,
    ...(plan.workingDirectory ? { workingDirectory: plan.workingDirectory } : {}),
    ...(plan.user ? { user: plan.user } : {}),
    cpuUnits: plan.cpu,
    ...(plan.memory !== undefined ? { memoryMiB: plan.memory } : {}),
    ...(plan.memoryReservation !== undefined ? { memoryReservationMiB: plan.memoryReservation } : {}),
    ...(plan.ulimits ? { ulimits: plan.ulimits } : {}),
    ...(plan.readonlyRootFilesystem ? { readonlyRootFilesystem: true } : {}),
    ...(plan.initProcessEnabled ? { initProcessEnabled: true } : {}),
    ...(plan.capabilities ? { capabilities: plan.capabilities } : {}),
    stopTimeoutSeconds: plan.stopTimeout,
    ...(plan.healthCheck
      ? {
          healthCheck: {
            command: plan.healthCheck.command,
            intervalSeconds: plan.healthCheck.interval / timeScale,
            timeoutSeconds: plan.healthCheck.timeout,
            retries: plan.healthCheck.retries,
            ...(plan.healthCheck.startPeriod !== undefined ? { startPeriodSeconds: plan.healthCheck.startPeriod / timeScale } : {}),
          },
        }
      : {}),
  };
}
