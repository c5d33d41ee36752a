/**
 * Task-level limits on an engine whose host Wharf cannot see (a remote
 * engine over tcp://): nothing may be written under its /sys/fs/cgroup, so the
 * limits can only be what the Engine API sets, and the API sets limits on
 * containers alone.
 *
 * Two choices were open: treat the engine as 'unmanaged' (no task-level
 * limit, only the per-container ones, as with the systemd driver), or have the
 * engine make the task's parent itself. The second is taken wherever the
 * engine allows it, because the first would drop a Fargate guarantee (a task
 * is bounded as a whole, and OOM-killed inside its memory, whatever its
 * containers declare). The parent the engine makes is the pause container's
 * own cgroup: the pause container gets the task's limits (Memory, CpuQuota,
 * CpuShares, changed later through `POST /containers/{id}/update`), and every
 * app container of the task is created with `CgroupParent` set to the pause
 * container's cgroup, so the kernel bounds them together, exactly as it does
 * below the parent Wharf writes itself on a local engine. runc makes the
 * nested directories, and removes each container's own as it goes.
 *
 * That needs the cgroupfs driver (a container's cgroup is `<parent>/<id>`, and
 * another container may name it as its parent) on cgroup v1 (v2 forbids a
 * cgroup holding a process, the pause, from also holding limited children).
 * The systemd driver or cgroup v2 falls back to 'unmanaged', with the same
 * warning as a local engine on the systemd driver.
 */
import type Docker from 'dockerode';
import type { TaskLimits } from './task-cgroup.js';

export type EngineLimitsLayout =
  /** The task's containers go below the pause container's cgroup, which carries the task's limits. */
  | 'nested'
  /** No task-level limit (per-container limits still apply); containers get no parent. */
  | 'unmanaged';

const MiB = 1024 * 1024;
/** The CFS period the quota is expressed against (the kernel's default, 100 ms), as on a local engine. */
const CFS_PERIOD_US = 100_000;
const CONTAINER_ID = /^[0-9a-f]{64}$/;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Which layout a remote engine allows, from `GET /info`'s CgroupDriver and CgroupVersion. */
export function engineLimitsLayout(info: { CgroupVersion?: string; CgroupDriver?: string }): EngineLimitsLayout {
  return (info.CgroupDriver ?? 'cgroupfs') === 'cgroupfs' && info.CgroupVersion !== '2' ? 'nested' : 'unmanaged';
}

/** The pause container's own parent: `/<root>`, one directory the engine's runc makes once and shares between tasks. */
export function pauseCgroupParent(root: string): string {
  if (!SEGMENT.test(root)) throw new Error(`not a valid cgroup name: ${JSON.stringify(root)}`);
  return `/${root}`;
}

/** The task's parent, for its app containers: the pause container's cgroup, `/<root>/<pause id>`. */
export function nestedTaskParent(root: string, pauseId: string): string {
  if (!CONTAINER_ID.test(pauseId)) throw new Error(`not an engine container id: ${JSON.stringify(pauseId)}`);
  return `${pauseCgroupParent(root)}/${pauseId}`;
}

/** The pause container a nested task parent belongs to; undefined for any other parent (or none). */
export function pauseIdOf(root: string, cgroupParent: string): string | undefined {
  const prefix = `${pauseCgroupParent(root)}/`;
  if (!cgroupParent.startsWith(prefix)) return undefined;
  const id = cgroupParent.slice(prefix.length);
  return CONTAINER_ID.test(id) ? id : undefined;
}

/**
 * The pause container's resources for the task's limits, in the create and
 * update bodies' terms. What a local engine writes on the parent: memory with
 * no swap on top (Fargate has none), a CFS quota of cpuUnits/1024 CPUs, and
 * shares in proportion to the task's size. A limit not given is none (0).
 */
export function pauseResources(limits: TaskLimits): { Memory: number; MemorySwap: number; CpuShares: number; CpuPeriod: number; CpuQuota: number } {
  const memory = limits.memoryMiB ? limits.memoryMiB * MiB : 0;
  return {
    Memory: memory,
    MemorySwap: memory,
    CpuShares: limits.cpuUnits ? Math.max(2, limits.cpuUnits) : 0,
    CpuPeriod: limits.cpuUnits ? CFS_PERIOD_US : 0,
    // The kernel refuses quotas under 1 ms.
    CpuQuota: limits.cpuUnits ? Math.max(1000, Math.round((limits.cpuUnits / 1024) * CFS_PERIOD_US)) : 0,
  };
}

/**
 * Sets the limits on the running pause container. The engine treats a 0 in
 * an update as "unchanged", so only the limits given are sent (a sandbox of
 * the warm pool starts with none and is limited once, for its task).
 */
export async function limitPause(docker: Docker, pauseId: string, limits: TaskLimits): Promise<void> {
  const resources = pauseResources(limits);
  const body: Record<string, number> = {};
  if (limits.memoryMiB) Object.assign(body, { Memory: resources.Memory, MemorySwap: resources.MemorySwap });
  if (limits.cpuUnits) Object.assign(body, { CpuShares: resources.CpuShares, CpuPeriod: resources.CpuPeriod, CpuQuota: resources.CpuQuota });
  if (Object.keys(body).length === 0) return;
  await docker.getContainer(pauseId).update(body);
}
