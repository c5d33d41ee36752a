/**
 * The engine's inspect data to the port's ContainerState: only the facts the
 * supervisor acts on, with the engine's quirks smoothed out (the zero time for
 * "never", an exit code of 0 on containers that never ran).
 */
import type { ContainerState } from '../../ports/runtime.js';

/** What Go's zero time.Time serialises to: the engine's "not yet". */
const ZERO_TIME_PREFIX = '0001-01-01';

export interface InspectData {
  Id: string;
  Name?: string;
  Image?: string;
  Config?: { Labels?: Record<string, string> | null };
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string };
  };
}

export function toContainerState(info: InspectData): ContainerState {
  const state = info.State ?? {};
  const status = mapStatus(state.Status);
  const error = state.Error?.trim() || undefined;
  const health = mapHealth(state.Health?.Status);
  const startedAt = parseTime(state.StartedAt);
  // The engine stamps StartedAt when runc's start returns and FinishedAt from
  // the exit event, so a process that exits at once can "finish" a little
  // before it "started". Nobody downstream wants a negative run time.
  const rawFinishedAt = parseTime(state.FinishedAt);
  const finishedAt = rawFinishedAt && startedAt && rawFinishedAt < startedAt ? startedAt : rawFinishedAt;
  // A created container reports ExitCode 0 without having run; only a finished
  // container, or one whose start failed (the engine sets 126/127/128 and Error), has one.
  const hasExitCode = status === 'exited' || state.Status === 'dead' || error !== undefined;
  return {
    id: info.Id,
    name: (info.Name ?? '').replace(/^\//, ''),
    labels: { ...(info.Config?.Labels ?? {}) },
    imageId: info.Image ?? '',
    status,
    ...(hasExitCode && typeof state.ExitCode === 'number' ? { exitCode: state.ExitCode } : {}),
    // The engine sets OOMKilled on any OOM event in the container's cgroup, and
    // with a task-level limit every container of the task sees that event: a
    // sibling (or the pause container) that was not the victim reads true too.
    // Only exitCode 137 together with oomKilled means "killed for memory".
    oomKilled: state.OOMKilled === true,
    ...(error ? { error } : {}),
    ...(health ? { health } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
  };
}

function mapStatus(status: string | undefined): ContainerState['status'] {
  switch (status) {
    case 'created':
    case 'running':
    case 'exited':
      return status;
    default:
      // paused, restarting, removing, dead: none of them is a state Wharf puts a container in.
      return 'other';
  }
}

function mapHealth(status: string | undefined): ContainerState['health'] {
  return status === 'starting' || status === 'healthy' || status === 'unhealthy' ? status : undefined;
}

function parseTime(value: string | undefined): Date | undefined {
  if (!value || value.startsWith(ZERO_TIME_PREFIX)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
