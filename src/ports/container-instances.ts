/**
 * Where placement reads container instances from and how it reserves room on
 * them. A placement (RunTask, StartTask, a service's new tasks) asks for a
 * snapshot, decides with the pure `placeTasks` (domain/placement/), and puts
 * the snapshot's `reserve(...)` writes in the SAME `store.write` as its new
 * tasks: each expects the instance record's version as read, so of two
 * placements that read the same instance only one commits, and the other
 * re-reads (StaleWriteError) and sees the room the first one took.
 */
import type { ContainerInstance, Reservation } from '../domain/placement/container-instance.js';
import type { Scope, WriteOp } from './store.js';

export interface InstanceSnapshot {
  readonly scope: Scope;
  readonly id: string;
  /** The instance as read, its reservations pruned to tasks that exist and are not STOPPED. */
  readonly instance: ContainerInstance;
}

export interface NewReservation {
  readonly instanceId: string;
  /** `taskKey(scope, task record id)` of the task being placed. */
  readonly key: string;
  readonly reservation: Reservation;
}

export interface PlacementSnapshot {
  readonly instances: readonly InstanceSnapshot[];
  /**
   * The writes that record these reservations on the instances read (with the
   * pruning), each expecting the version read or the record's absence. Empty
   * when nothing is reserved: a placement that places nothing writes nothing.
   */
  reserve(reservations: readonly NewReservation[]): WriteOp[];
}

/**
 * Which capacity a launch places on: Fargate (the implicit instance of the
 * local engine) or the cluster's registered instances (EC2: `wharf hosts add`).
 */
export type CapacityKind = 'fargate' | 'registered';

export interface ContainerInstances {
  /**
   * The instances a task of `scope`'s cluster may be placed on: for Fargate,
   * the implicit instance of the local engine; for registered capacity, the
   * cluster's registered instances (ACTIVE or not: placement skips the rest).
   * Costs one read per instance, however many tasks they hold: the room a
   * task held is given back when it stops (`release`), not found by reading
   * every task at each placement.
   */
  forPlacement(scope: Scope, clusterName: string, capacity?: CapacityKind): Promise<PlacementSnapshot>;
  /**
   * Gives back the room a task held, once it is STOPPED or gone (the caller
   * has checked): its reservation leaves the instance record. Nothing is
   * written when no instance holds it. Retries lost races itself.
   * `containerInstanceId`: the registered instance the task ran on (the
   * task's `wharf.containerInstanceId`); absent, the local engine's.
   */
  release(scope: Scope, taskRecordId: string, containerInstanceId?: string): Promise<void>;
  /**
   * Drops every reservation whose task is STOPPED or gone (one read per
   * reservation): what repairs a release that never happened (a crash
   * between a task's stop and its release). Returns how many it dropped.
   */
  reconcileReservations(): Promise<number>;
}
