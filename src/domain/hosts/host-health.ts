/**
 * What a registered host's engine checks mean for its container instance and
 * its tasks. ECS learns an instance's state from its agent's connection; Wharf
 * drives each host's engine itself, so a check that the engine answers is
 * the "agent connected" signal, and a host silent for longer than a timeout
 * is treated as ECS treats an instance that went away: its tasks are STOPPED
 * (the services replace them elsewhere).
 */
import { markExecutionStopped, markStopped, markStopping, requestStop } from '../task/lifecycle.js';
import type { Task } from '../task/task.js';
import { sameResources, type ContainerInstance, type RegisteredResources } from '../placement/container-instance.js';

/**
 * Why a lost host's tasks stopped. ECS says `Host EC2 (instance i-...) terminated.`
 * when it knows the instance is gone; Wharf only knows the engine stopped answering.
 */
export function hostLostReason(ec2InstanceId: string): string {
  return `Host EC2 (instance ${ec2InstanceId}) stopped answering; its tasks were stopped.`;
}

export interface EngineCheck {
  readonly answered: boolean;
  /** Epoch ms of the check. */
  readonly now: number;
  /** What the engine reports it has, when it answered (its CPUs as CPU units, its memory). */
  readonly registered?: RegisteredResources;
}

/**
 * The instance after one check of its engine: connection, last-seen time and
 * registered resources. The same object when nothing ECS reports changed
 * (the last-seen time alone does not warrant a write; it moves with a
 * change), so a steady host costs no writes.
 */
export function afterEngineCheck(instance: ContainerInstance, check: EngineCheck): ContainerInstance {
  const connected = check.answered;
  const resources = check.registered && !sameResources(instance.registeredResources, check.registered) ? check.registered : undefined;
  if (instance.agentConnected === connected && !resources) return instance;
  return {
    ...instance,
    agentConnected: connected,
    ...(connected ? { lastSeenAt: check.now } : {}),
    ...(resources ? { registeredResources: resources } : {}),
    version: (instance.version ?? 1) + 1,
  };
}

/** Whether a host silent since `silentSince` (epoch ms; undefined: it answers) counts as lost at `now`. */
export function isHostLost(silentSince: number | undefined, now: number, lostAfterMs: number): boolean {
  return silentSince !== undefined && now - silentSince >= lostAfterMs;
}

/**
 * A task of a lost host, STOPPED at once: nobody can stop its containers, so
 * there is nothing to wait for. A task already STOPPED is returned as is.
 * When the host comes back, its supervisor removes what is left of the task.
 */
export function stoppedWithHost(task: Task, reason: string, now: Date): Task {
  if (task.lastStatus === 'STOPPED') return task;
  return markStopped(markExecutionStopped(markStopping(requestStop(task, 'TerminationNotice', reason, now), now), now), now);
}

/**
 * A STOPPED task of a host that was deregistered, handed to the local
 * engine's supervisor: nobody drives the host any more, and the supervisor
 * that would have removed the task's record after its hour of retention is
 * gone with it. Its containers stay on that host (Wharf no longer reaches
 * it); the record still names the instance it ran on. Undefined for any
 * other task: a live one stays as ECS leaves it, on the instance.
 */
export function handedOverFromDeregisteredHost(task: Task, containerInstanceId: string): Task | undefined {
  if (task.wharf.containerInstanceId !== containerInstanceId || task.lastStatus !== 'STOPPED') return undefined;
  const { containerInstanceId: _gone, ...wharf } = task.wharf;
  return { ...task, wharf };
}
