import { CONTAINER_REASONS, STOP_REASONS, type StopCode } from './task-status.js';
import type { ContainerPlan, Task, TaskContainer } from './task.js';
import { updateManagedAgents } from './managed-agents.js';

/**
 * Pure steps of the task lifecycle. The supervisor performs runtime actions
 * and hands what it saw to these functions, which return the next version of
 * the task; they are idempotent so a step can be re-applied on a fresh copy
 * after a stale write.
 */

/** What the runtime reported about one container. */
export interface ContainerObservation {
  readonly status: 'created' | 'running' | 'exited' | 'missing' | 'other';
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly health?: 'starting' | 'healthy' | 'unhealthy';
  readonly error?: string;
  readonly imageId?: string;
}

function clone(task: Task): Task {
  return structuredClone(task);
}

/** Desired status only moves forward; the first stop reason wins. */
export function requestStop(task: Task, stopCode: StopCode, stoppedReason: string, now: Date): Task {
  if (task.desiredStatus === 'STOPPED') return task;
  const next = clone(task);
  next.desiredStatus = 'STOPPED';
  next.stopCode = stopCode;
  next.stoppedReason = stoppedReason.slice(0, 255);
  next.wharf.stopRequestedAt = now.getTime();
  next.version += 1;
  return next;
}

export function markSandboxReady(task: Task, sandbox: NonNullable<Task['wharf']['sandbox']>, hostPorts: readonly HostPort[], macAddress: string): Task {
  const next = clone(task);
  next.wharf.sandbox = sandbox;
  next.lastStatus = 'PENDING';
  next.version += 1;
  for (const attachment of next.attachments) {
    attachment.status = 'ATTACHED';
    const keep = attachment.details.filter((detail) => detail.name === 'subnetId' || detail.name === 'networkInterfaceId');
    attachment.details = [...keep, { name: 'macAddress', value: macAddress }, { name: 'privateDnsName', value: `ip-${sandbox.ipv4Address.replace(/\./g, '-')}.ec2.internal` }, { name: 'privateIPv4Address', value: sandbox.ipv4Address }];
  }
  for (const container of next.containers) {
    container.networkInterfaces = next.attachments.map((attachment) => ({ attachmentId: attachment.id, privateIpv4Address: sandbox.ipv4Address }));
  }
  return withHostPorts(next, hostPorts);
}

type HostPort = { containerPort: number; protocol: string; hostPort: number; bindIP: string };

/** Each container's `networkBindings`: the published host ports of the ports it maps. */
export function withHostPorts(task: Task, hostPorts: readonly HostPort[]): Task {
  const next = clone(task);
  for (const container of next.containers) {
    const plan = next.wharf.containerPlans.find((candidate) => candidate.name === container.name);
    container.networkBindings = hostPorts
      .filter((binding) => plan?.portMappings.some((mapping) => mapping.containerPort === binding.containerPort && mapping.protocol === binding.protocol))
      .map((binding) => ({ bindIP: binding.bindIP, containerPort: binding.containerPort, hostPort: binding.hostPort, protocol: binding.protocol }));
  }
  return next;
}

export function markPullStarted(task: Task, now: Date): Task {
  if (task.pullStartedAt !== undefined) return task;
  const next = clone(task);
  next.pullStartedAt = now.getTime();
  return next;
}

/**
 * Images are in place: `digests` are what each image resolved to (the manifest
 * digest, else the engine's image id), `runImages` what the engine runs for
 * images it pulled under another name (see TaskInternals.runImages).
 */
export function markPulled(task: Task, digests: Readonly<Record<string, string>>, now: Date, runImages: Readonly<Record<string, string>> = {}): Task {
  const next = clone(task);
  next.pullStoppedAt ??= now.getTime();
  for (const container of next.containers) {
    const digest = digests[container.image];
    if (digest) container.imageDigest = digest;
  }
  if (Object.keys(runImages).length > 0) next.wharf.runImages = { ...next.wharf.runImages, ...runImages };
  return next;
}

/**
 * The detail of a failed pull in the agent's words: "pull image manifest has
 * been retried 1 time(s): failed to resolve ref <ref>: <ref>: not found" when
 * the registry has no such repository or tag, else the engine's reason.
 */
export function pullFailureDetail(ref: string, failure: { readonly notFound: boolean; readonly message: string }): string {
  return `pull image manifest has been retried 1 time(s): failed to resolve ref ${ref}: ${failure.notFound ? `${ref}: not found` : failure.message}`;
}

/** An image that cannot be pulled stops the task before it ran, as ECS reports it. */
export function failPull(task: Task, image: string, detail: string, now: Date): Task {
  const reason = `CannotPullContainerError: ${detail}`;
  let next = markPulled(task, {}, now);
  for (const container of next.containers) if (container.image === image) container.reason = reason;
  next = requestStop(next, 'TaskFailedToStart', reason, now);
  return next;
}

/**
 * Secrets are resolved before any container starts; one that cannot be read
 * stops the task as ECS does.
 */
export function failSecrets(task: Task, detail: string, now: Date): Task {
  return requestStop(task, 'TaskFailedToStart', `ResourceInitializationError: unable to pull secrets or registry auth: ${detail}`, now);
}

/**
 * ECS downloads environment files from S3, which Wharf does not serve: a task
 * that names one fails to start, saying so, rather than start without them.
 * Undefined when no container names one.
 */
export function failEnvironmentFiles(task: Task, now: Date): Task | undefined {
  const withFiles = task.wharf.containerPlans.find((plan) => plan.environmentFiles.length > 0);
  if (!withFiles) return undefined;
  const detail = `failed to download env files: Wharf has no S3 to read ${withFiles.environmentFiles[0]!.value} from (container ${withFiles.name}); use environment instead`;
  return requestStop(task, 'TaskFailedToStart', `ResourceInitializationError: ${detail}`, now);
}

/** A container whose dependsOn condition can no longer be met stops the task before it ran. */
export function failDependency(task: Task, containerName: string, reason: string, now: Date): Task {
  return requestStop(task, 'TaskFailedToStart', `DependencyFailedError: container ${containerName}: ${reason}`, now);
}

export function recordContainerId(task: Task, name: string, id: string): Task {
  const next = clone(task);
  next.wharf.containerIds[name] = id;
  const container = next.containers.find((candidate) => candidate.name === name);
  // Fargate shows `<taskId>-<10 digits>`; Wharf shows the engine's id so `docker` commands find it.
  if (container) container.runtimeId = id;
  return next;
}

/**
 * Folds what the runtime saw into the task: container statuses, exit codes,
 * OOM reasons and health; an essential container that exited stops the task.
 */
export function applyObservations(task: Task, observed: Readonly<Record<string, ContainerObservation>>, now: Date): Task {
  let next = clone(task);
  let changed = false;
  for (const container of next.containers) {
    const seen = observed[container.name];
    if (!seen) continue;
    const before = JSON.stringify(container);
    updateContainer(container, seen, next.wharf.containerPlans.find((plan) => plan.name === container.name));
    updateManagedAgents(container, next.enableExecuteCommand, now);
    if (JSON.stringify(container) !== before) changed = true;
  }
  const health = taskHealth(next.containers, next.wharf.containerPlans);
  if (health !== next.healthStatus) {
    next.healthStatus = health;
    changed = true;
  }
  if (!changed && !next.containers.some((container) => container.lastStatus === 'STOPPED')) return task;
  if (changed) next.version += 1;
  const essentialExit = next.containers.find((container) => container.lastStatus === 'STOPPED' && next.wharf.containerPlans.find((plan) => plan.name === container.name)?.essential);
  if (essentialExit && next.desiredStatus === 'RUNNING') {
    next = requestStop(next, 'EssentialContainerExited', STOP_REASONS.essentialExited, now);
  }
  return next;
}

function updateContainer(container: TaskContainer, seen: ContainerObservation, plan: ContainerPlan | undefined): void {
  if (seen.status === 'running') {
    container.lastStatus = 'RUNNING';
  } else if (seen.status === 'exited' || (seen.status === 'missing' && container.lastStatus === 'RUNNING')) {
    container.lastStatus = 'STOPPED';
    if (seen.exitCode !== undefined) container.exitCode = seen.exitCode;
    if (seen.oomKilled && seen.exitCode === 137) container.reason = CONTAINER_REASONS.oom;
    else if (seen.error && container.reason === undefined) container.reason = `CannotStartContainerError: ${seen.error}`;
  }
  if (plan?.healthCheck && container.lastStatus !== 'STOPPED') {
    container.healthStatus = seen.health === 'healthy' ? 'HEALTHY' : seen.health === 'unhealthy' ? 'UNHEALTHY' : 'UNKNOWN';
  }
}

/** ECS's rule: from essential containers with checks; any unhealthy -> UNHEALTHY, all healthy -> HEALTHY, else UNKNOWN. */
export function taskHealth(containers: readonly TaskContainer[], plans: readonly ContainerPlan[]): Task['healthStatus'] {
  const checked = containers.filter((container) => {
    const plan = plans.find((candidate) => candidate.name === container.name);
    return plan?.essential && plan.healthCheck;
  });
  if (checked.length === 0) return 'UNKNOWN';
  if (checked.some((container) => container.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY';
  if (checked.every((container) => container.healthStatus === 'HEALTHY')) return 'HEALTHY';
  return 'UNKNOWN';
}

export type Readiness = { readonly state: 'ready' } | { readonly state: 'waiting' } | { readonly state: 'failed'; readonly reason: string };

/** Whether a container's dependsOn conditions let it start now. */
export function dependencyReadiness(plan: ContainerPlan, containers: readonly TaskContainer[]): Readiness {
  for (const dependency of plan.dependsOn) {
    const target = containers.find((container) => container.name === dependency.containerName);
    if (!target) return { state: 'failed', reason: `dependency ${dependency.containerName} is not in the task` };
    switch (dependency.condition) {
      case 'START':
        if (target.lastStatus === 'PENDING') return { state: 'waiting' };
        break;
      case 'COMPLETE':
        if (target.lastStatus !== 'STOPPED') return { state: 'waiting' };
        break;
      case 'SUCCESS':
        if (target.lastStatus !== 'STOPPED') return { state: 'waiting' };
        if (target.exitCode !== 0) return { state: 'failed', reason: `dependency ${dependency.containerName} exited with code ${target.exitCode ?? 'unknown'}, not 0` };
        break;
      case 'HEALTHY':
        if (target.lastStatus === 'STOPPED') return { state: 'failed', reason: `dependency ${dependency.containerName} stopped before it was healthy` };
        if (target.healthStatus !== 'HEALTHY') return { state: 'waiting' };
        break;
    }
  }
  return { state: 'ready' };
}

/** The task runs once every container has started (or, for dependencies, already finished). */
export function markRunningIfStarted(task: Task, now: Date): Task {
  if (task.lastStatus !== 'PENDING' && task.lastStatus !== 'ACTIVATING') return task;
  if (task.containers.some((container) => container.lastStatus === 'PENDING')) return task;
  const next = clone(task);
  next.lastStatus = 'RUNNING';
  next.startedAt ??= now.getTime();
  next.connectivity = 'CONNECTED';
  next.connectivityAt ??= now.getTime();
  next.version += 1;
  return next;
}

/**
 * A load-balanced service task being stopped: the service scheduler has
 * deregistered its targets and put the end of their draining on the task
 * (`wharf.drainUntil`); until then in-flight requests finish and its
 * containers keep running. Set once, so a later stop keeps the first deadline.
 */
export function withDrainUntil(task: Task, drainUntil: number): Task {
  if (task.wharf.drainUntil !== undefined) return task;
  const next = clone(task);
  next.wharf.drainUntil = drainUntil;
  return next;
}

/** RUNNING -> DEACTIVATING while the task's load balancer targets drain (ECS shows this before STOPPING). */
export function markDeactivating(task: Task): Task {
  if (task.lastStatus !== 'RUNNING') return task;
  const next = clone(task);
  next.lastStatus = 'DEACTIVATING';
  next.version += 1;
  return next;
}

export function markStopping(task: Task, now: Date): Task {
  if (task.lastStatus === 'STOPPING' || task.lastStatus === 'DEPROVISIONING' || task.lastStatus === 'STOPPED') return task;
  const next = clone(task);
  next.lastStatus = 'STOPPING';
  next.stoppingAt ??= now.getTime();
  next.version += 1;
  return next;
}

/** Every container has stopped: results are final; the network goes next. */
export function markExecutionStopped(task: Task, now: Date): Task {
  const next = clone(task);
  for (const container of next.containers) {
    if (container.lastStatus !== 'STOPPED') container.lastStatus = 'STOPPED';
  }
  next.executionStoppedAt ??= now.getTime();
  next.lastStatus = 'DEPROVISIONING';
  for (const attachment of next.attachments) attachment.status = 'DETACHED';
  next.version += 1;
  return next;
}

export function markStopped(task: Task, now: Date): Task {
  const next = clone(task);
  next.lastStatus = 'STOPPED';
  next.stoppedAt ??= now.getTime();
  next.connectivity = 'DISCONNECTED';
  for (const attachment of next.attachments) attachment.status = 'DELETED';
  next.version += 1;
  return next;
}
