/**
 * One placement over instance records: the step RunTask, StartTask and the
 * service scheduler share between reading a snapshot of the instances and
 * writing the tasks with their reservations in one store write.
 */
import { formatArn } from '../arn.js';
import { onContainerInstance } from '../task/run-task.js';
import type { Task } from '../task/task.js';
import { ATTRIBUTE, type ContainerInstance, type Reservation } from './container-instance.js';
import type { PlacementRequest } from './placement-inputs.js';
import { candidateOf, freeCapacity, isPlaced, placeTasks, type PlacementCandidate, type PlacementOutcome } from './place-tasks.js';

export interface TaskToPlace {
  /** `taskKey(scope, task record id)`. */
  readonly key: string;
  readonly demand: Reservation;
}

export interface PlacementContext {
  readonly account: string;
  readonly region: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  /** Draws in [0, 1) for the random strategy. */
  readonly random?: () => number;
}

export interface PlacementPlan {
  /** One per task, in order. */
  readonly outcomes: readonly PlacementOutcome[];
  /** What the placed tasks reserve, for the snapshot's `reserve`. */
  readonly reservations: readonly { readonly instanceId: string; readonly key: string; readonly reservation: Reservation }[];
}

/** `arn:...:container-instance/<cluster>/<id>`, the ARN a failure on a registered instance names. */
export function containerInstanceArn(where: Omit<PlacementContext, 'clusterArn' | 'random'>, instanceId: string): string {
  return formatArn({ service: 'ecs', region: where.region, account: where.account, resource: `container-instance/${where.clusterName}/${instanceId}` });
}

/** The instances as placement sees them from a cluster of `where`. */
export function candidatesOf(instances: readonly ContainerInstance[], where: Omit<PlacementContext, 'random'>): PlacementCandidate[] {
  // A failure on Fargate capacity names the cluster, as ECS does: the implicit instance has no ARN of its own.
  return instances.map((instance) => candidateOf(instance, { failureArn: instance.implicit ? where.clusterArn : containerInstanceArn(where, instance.containerInstanceId), region: where.region }));
}

/** What the service scheduler may still start: the same instances, pruned the same way, as placement reads. */
export function freeCapacityOf(instances: readonly ContainerInstance[], where: Omit<PlacementContext, 'random'>): { cpuUnits: number; memoryMiB: number } {
  return freeCapacity(candidatesOf(instances, where));
}

export function planPlacement(tasks: readonly TaskToPlace[], instances: readonly ContainerInstance[], rules: PlacementRequest, where: PlacementContext): PlacementPlan {
  const candidates = candidatesOf(instances, where);
  const outcomes = placeTasks(
    tasks.map((task) => task.demand),
    candidates,
    { strategy: rules.strategy, constraints: rules.constraints, clusterArn: where.clusterArn, ...(where.random ? { random: where.random } : {}) },
  );
  const reservations = outcomes.flatMap((outcome, index) => (isPlaced(outcome) ? [{ instanceId: outcome.instanceId, key: tasks[index]!.key, reservation: tasks[index]!.demand }] : []));
  return { outcomes, reservations };
}

/**
 * A placed task as it is stored: on a registered instance it names the
 * instance (ARN, and zone when the instance has one); on Fargate capacity it
 * is as planned.
 */
export function placedOn(task: Task, instanceId: string, instances: readonly ContainerInstance[], where: Omit<PlacementContext, 'clusterArn' | 'random'>): Task {
  const instance = instances.find((item) => item.containerInstanceId === instanceId);
  if (!instance || instance.implicit) return task;
  const zone = instance.attributes.find((attribute) => attribute.name === ATTRIBUTE.availabilityZone)?.value;
  return onContainerInstance(task, { containerInstanceId: instanceId, arn: containerInstanceArn(where, instanceId), ...(zone ? { availabilityZone: zone } : {}) });
}
