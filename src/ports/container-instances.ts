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

export interface ContainerInstances {
  /**
   * The instances a task of `scope`'s cluster may be placed on: today the
   * implicit Fargate instance of every engine host (one: the local engine).
   * Costs one read per instance and one per task it holds, never a scan.
   */
  forPlacement(scope: Scope, clusterName: string): Promise<PlacementSnapshot>;
}
