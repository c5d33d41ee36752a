/**
 * The task supervisor's one decision, pure: from the task as stored and what
 * the supervisor just observed (the runtime's view of the task's sandbox and
 * containers, its own in-process state, the time), the next thing to do.
 * The supervisor gathers observations, applies the step through the runtime
 * port or the store, and asks again until the answer is "wait".
 *
 * Like the ECS agent's task engine, it compares ordered statuses
 * (task-status.ts) instead of walking a script, so any point of the lifecycle
 * can be re-entered: a restarted supervisor finds containers already there and
 * carries on from what they are, never making them twice.
 */
import { drainDeadline } from './draining.js';
import {
  applyObservations,
  dependencyReadiness,
  failDependency,
  failEnvironmentFiles,
  markDeactivating,
  markExecutionStopped,
  markRunningIfStarted,
  markStopped,
  markStopping,
  type ContainerObservation,
} from './lifecycle.js';
import { containerStatusRank, slowestContainerStatus, statusRank } from './task-status.js';
import type { ContainerPlan, Task } from './task.js';

/** What the supervisor saw just before asking. */
export interface TaskObservation {
  /** Epoch milliseconds. */
  readonly now: number;
  /**
   * Each recorded container (`wharf.containerIds`) as the runtime reports it,
   * by container name. Read only before DEPROVISIONING (results are final
   * then), so the supervisor need not gather them after.
   */
  readonly containers: Readonly<Record<string, ContainerObservation>>;
  /** The recorded sandbox's pause container as the runtime reports it (undefined when none is recorded). */
  readonly sandbox?: ContainerObservation['status'];
  /**
   * Engine containers labelled with this task that the record does not name:
   * left by an attempt that died before it recorded them.
   */
  readonly unrecorded: readonly { readonly id: string; readonly pause: boolean }[];
  /** The task's ports are published on the host by this process (lost on a restart). */
  readonly portsPublished: boolean;
  /** The metadata endpoint routes the task's address, opened by this pass of the supervisor. */
  readonly endpointOpen: boolean;
  /** Wharf's registry can serve the engine (false just after a start, until the server listens). */
  readonly registryReady: boolean;
  /** The task's service has load balancers: its targets drain before it stops. */
  readonly behindLoadBalancer: boolean;
  /** Containers whose secrets this pass has resolved and holds in memory (never stored). */
  readonly secretsInHand: readonly string[];
  /** Containers this pass has already asked the engine to start. */
  readonly startsTried?: readonly string[];
  /** A STOPPED task's containers (not its sandbox) that still run: ids, as listed by the engine. */
  readonly runningAfterStop?: readonly string[];
}

export interface SupervisorPolicy {
  /** How long a STOPPED task stays describable before its containers and record go. */
  readonly stoppedRetentionMs: number;
}

/** How soon a steady task is looked at again when no event wakes it first. */
export const RESYNC_RUNNING_MS = 60_000;
/** How soon a task waiting on a dependency is looked at again when no event wakes it first. */
export const RECHECK_DEPENDENCIES_MS = 1_000;
/** How soon a task waiting for Wharf's registry to listen looks again. */
export const RECHECK_REGISTRY_MS = 250;

export interface ContainerStop {
  readonly container: string;
  readonly containerId: string;
  /** Seconds between the stop signal and SIGKILL. */
  readonly timeoutSeconds: number;
}

export type SupervisorStep =
  /** Write this next version of the task (observed state only), if the stored one is still the one decided on. */
  | { readonly kind: 'record'; readonly task: Task; readonly why: string }
  | { readonly kind: 'remove-containers'; readonly containerIds: readonly string[] }
  /** Make (or take from the pool) the pause container, give it the task's limits, publish its ports, record it: PENDING. */
  | { readonly kind: 'provision-sandbox' }
  /** Open the task's recorded host ports again (after a restart). */
  | { readonly kind: 'publish-ports' }
  | { readonly kind: 'resolve-secrets'; readonly containers: readonly string[] }
  /** Check (or create) the containers' awslogs groups, then record the pull's start; a failed check stops the task. */
  | { readonly kind: 'begin-pull' }
  /** Each distinct image, pulled or found; the digests (or the failure) are recorded. */
  | { readonly kind: 'ensure-images'; readonly images: readonly string[] }
  /** Route the task's address to the metadata endpoint before any container starts. */
  | { readonly kind: 'open-endpoint' }
  | { readonly kind: 'create-container'; readonly container: string }
  | { readonly kind: 'start-container'; readonly container: string; readonly containerId: string }
  | { readonly kind: 'stop-containers'; readonly containers: readonly ContainerStop[] }
  /** Unpublish the ports, stop the pause container, close the metadata route: the network goes last. */
  | { readonly kind: 'release-network' }
  /** Retention is over: the task's containers, sandbox and record go. */
  | { readonly kind: 'remove-task' }
  /** Nothing to do until `until` (epoch ms) or an event, whichever comes first. */
  | { readonly kind: 'wait'; readonly until: number; readonly why: string };

const DEFAULT_POLICY: SupervisorPolicy = { stoppedRetentionMs: 60 * 60 * 1000 };

/** The next step for this task; `wait` when there is nothing to do now. */
export function nextStep(task: Task, observed: TaskObservation, policy: SupervisorPolicy = DEFAULT_POLICY): SupervisorStep {
  const now = observed.now;
  if (task.lastStatus === 'STOPPED') {
    // Containers still running under a STOPPED task: it was stopped while its host did not answer. They go
    // now (ECS's agent stops what the backend stopped once it reconnects); the sandbox goes with the record.
    if ((observed.runningAfterStop ?? []).length > 0) return { kind: 'remove-containers', containerIds: observed.runningAfterStop! };
    const expiresAt = (task.stoppedAt ?? 0) + policy.stoppedRetentionMs;
    return now < expiresAt ? wait(expiresAt, 'stopped task kept for the retention period') : { kind: 'remove-task' };
  }
  // What the runtime reports is folded in first: every decision below works from known state.
  if (statusRank(task.lastStatus) < statusRank('DEPROVISIONING')) {
    // In the same write, the task runs once its last container is seen started: a container that started and
    // exited at once must never be shown STOPPED beside a task still PENDING.
    const observedTask = applyObservations(task, observed.containers, new Date(now));
    const folded = markRunningIfStarted(observedTask, new Date(now));
    if (differs(folded, task)) return record(folded, differs(observedTask, task) ? 'containers observed' : 'every container started');
  }
  return task.desiredStatus === 'STOPPED' ? stopStep(task, observed) : runStep(task, observed);
}

function runStep(task: Task, observed: TaskObservation): SupervisorStep {
  const now = observed.now;
  switch (task.lastStatus) {
    case 'PROVISIONING':
      if (observed.unrecorded.length > 0) return { kind: 'remove-containers', containerIds: observed.unrecorded.map((c) => c.id) };
      return { kind: 'provision-sandbox' };
    case 'PENDING':
    case 'ACTIVATING':
      return startStep(task, observed);
    default:
      if (needsPublishing(task, observed)) return { kind: 'publish-ports' };
      return wait(now + RESYNC_RUNNING_MS, 'running');
  }
}

/** PENDING: ports, secrets, images, then containers in dependsOn order; RUNNING once every container has started. */
function startStep(task: Task, observed: TaskObservation): SupervisorStep {
  const now = observed.now;
  if (needsPublishing(task, observed)) return { kind: 'publish-ports' };
  // Before anything is pulled or created: a secret that cannot be read stops the task as ECS does.
  const secretsNeeded = task.wharf.containerPlans
    .filter((plan) => !task.wharf.containerIds[plan.name] && hasSecrets(plan) && !observed.secretsInHand.includes(plan.name))
    .map((plan) => plan.name);
  if (secretsNeeded.length > 0) return { kind: 'resolve-secrets', containers: secretsNeeded };
  const environmentFiles = failEnvironmentFiles(task, new Date(now));
  if (environmentFiles) return record(environmentFiles, 'environment files cannot be read');
  if (task.pullStoppedAt === undefined) {
    if (!observed.registryReady) return wait(now + RECHECK_REGISTRY_MS, "Wharf's registry is not listening yet");
    if (task.pullStartedAt === undefined) return { kind: 'begin-pull' };
    return { kind: 'ensure-images', images: [...new Set(task.wharf.containerPlans.map((plan) => plan.image))] };
  }
  const strays = observed.unrecorded.filter((c) => !c.pause);
  if (strays.length > 0) return { kind: 'remove-containers', containerIds: strays.map((c) => c.id) };
  if (task.wharf.sandbox && !observed.endpointOpen) return { kind: 'open-endpoint' };
  for (const plan of task.wharf.containerPlans) {
    const containerId = task.wharf.containerIds[plan.name];
    if (containerId) {
      const seen = observed.containers[plan.name];
      if (seen?.status === 'created') {
        // Created but never started (a restart between the two), or a start that was cut off (Wharf killed while
        // the engine was starting it leaves the container created with an error): start it, once in this pass.
        if (!(observed.startsTried ?? []).includes(plan.name)) return { kind: 'start-container', container: plan.name, containerId };
        // Started in this pass and still only created: the engine could not start it, as ECS says CannotStartContainerError.
        if (seen.error !== undefined) {
          return record(applyObservations(task, { ...observed.containers, [plan.name]: { ...seen, status: 'exited' } }, new Date(now)), 'container could not start');
        }
      }
      continue;
    }
    const readiness = dependencyReadiness(plan, task.containers);
    if (readiness.state === 'waiting') continue;
    if (readiness.state === 'failed') return record(failDependency(task, plan.name, readiness.reason, new Date(now)), 'dependency cannot be met');
    return { kind: 'create-container', container: plan.name };
  }
  // The task runs once its slowest container has started (or, for a dependency, already finished).
  if (containerStatusRank(slowestContainerStatus(task.containers.map((c) => c.lastStatus))) >= containerStatusRank('RUNNING')) {
    const running = markRunningIfStarted(task, new Date(now));
    if (differs(running, task)) return record(running, 'every container started');
  }
  return wait(now + RECHECK_DEPENDENCIES_MS, 'containers waiting on dependencies');
}

/** Desired STOPPED: drain, SIGTERM (SIGKILL after the grace), then the network, then STOPPED. */
function stopStep(task: Task, observed: TaskObservation): SupervisorStep {
  const now = observed.now;
  if (task.lastStatus === 'RUNNING' || task.lastStatus === 'DEACTIVATING') {
    const deadline = drainDeadline(task, observed.behindLoadBalancer, now);
    if (deadline !== undefined && deadline > now) {
      if (task.lastStatus === 'RUNNING') return record(markDeactivating(task), 'targets draining');
      return wait(deadline, 'targets draining');
    }
  }
  // Every container started before the stop (an essential one that exited at once): the task did run.
  if (task.lastStatus === 'PENDING' || task.lastStatus === 'ACTIVATING') {
    const ran = markRunningIfStarted(task, new Date(now));
    if (differs(ran, task)) return record(ran, 'every container started');
  }
  if (statusRank(task.lastStatus) < statusRank('STOPPING')) return record(markStopping(task, new Date(now)), 'stop requested');
  if (task.lastStatus === 'STOPPING') {
    const stops = containerStops(task, observed);
    if (stops.length > 0) return { kind: 'stop-containers', containers: stops };
    return record(markExecutionStopped(task, new Date(now)), 'every container stopped');
  }
  // DEPROVISIONING
  const sandboxUp = task.wharf.sandbox !== undefined && observed.sandbox === 'running';
  if (sandboxUp || observed.portsPublished) return { kind: 'release-network' };
  return record(markStopped(task, new Date(now)), 'network released');
}

/**
 * The containers still up, each with what is left of its grace: its
 * stopTimeout, or the stop's own (a Spot interruption's warning), counted
 * from when the task began stopping, so a supervisor restarted mid-stop
 * kills at once what has had its time.
 */
function containerStops(task: Task, observed: TaskObservation): ContainerStop[] {
  const elapsedSeconds = Math.max(0, observed.now - (task.stoppingAt ?? observed.now)) / 1000;
  return task.wharf.containerPlans.flatMap((plan) => {
    const containerId = task.wharf.containerIds[plan.name];
    const status = observed.containers[plan.name]?.status;
    // Only a running container takes a signal; one the engine holds in another state (dead, removing) would never answer.
    if (!containerId || status !== 'running') return [];
    const grace = task.wharf.stopGraceSeconds ?? plan.stopTimeout;
    return [{ container: plan.name, containerId, timeoutSeconds: Math.max(0, Math.ceil(grace - elapsedSeconds)) }];
  });
}

function needsPublishing(task: Task, observed: TaskObservation): boolean {
  return task.wharf.sandbox !== undefined && !observed.portsPublished && task.wharf.containerPlans.some((plan) => plan.portMappings.length > 0);
}

function hasSecrets(plan: ContainerPlan): boolean {
  return plan.secrets.length > 0 || (plan.logConfiguration?.secretOptions?.length ?? 0) > 0;
}

function record(task: Task, why: string): SupervisorStep {
  return { kind: 'record', task, why };
}

function wait(until: number, why: string): SupervisorStep {
  return { kind: 'wait', until, why };
}

/** Tasks are plain JSON documents: equal serialisations are the same state (and no write is needed). */
function differs(a: Task, b: Task): boolean {
  return a !== b && JSON.stringify(a) !== JSON.stringify(b);
}
