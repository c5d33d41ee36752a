import { WHARF_LABELS, type ContainerRuntime, type LabelledContainer } from '../ports/runtime.js';

/**
 * Removes managed containers as a sweep finds them: the task containers
 * first, then the pause containers with their task's cgroup parent (a
 * sandbox goes last, since the others share its namespaces).
 */
export async function removeLabelledContainers(runtime: Pick<ContainerRuntime, 'removeContainer' | 'removeSandbox'>, containers: readonly LabelledContainer[]): Promise<void> {
  await Promise.all(containers.filter((c) => c.labels[WHARF_LABELS.role] !== 'pause').map((c) => runtime.removeContainer(c.id)));
  await Promise.all(
    containers
      .filter((c) => c.labels[WHARF_LABELS.role] === 'pause')
      .map((c) => runtime.removeSandbox({ containerId: c.id, cgroupParent: c.labels[WHARF_LABELS.cgroupParent] ?? '' })),
  );
}
