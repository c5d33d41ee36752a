import { KIND } from '../domain/ecs/record-keys.js';
import type { Task } from '../domain/task/task.js';
import type { ContainerInstances } from '../ports/container-instances.js';
import type { Logger } from '../ports/logger.js';
import type { Scope, Store } from '../ports/store.js';
import { done, WorkQueue } from './work-queue.js';

export interface ReservationReleaserOptions {
  /** How often every reservation is checked against its task, repairing a release lost to a crash. */
  readonly repairEveryMs?: number;
}

/**
 * Gives a task's room on its container instance back when the task stops,
 * so a placement reads one record per instance instead of every task it
 * holds: each task write queues the task, and a task that is STOPPED (or
 * gone) has its reservation released. A crash between a task's stop and
 * its release is repaired by the periodic check of every reservation. Until
 * the release lands (a moment after the stop), the room still counts as
 * taken: a placement can only be refused, never over-commit.
 */
export class ReservationReleaser {
  private readonly queue: WorkQueue;
  private unwatch: (() => void) | undefined;
  private repairTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly instances: ContainerInstances,
    private readonly logger: Logger,
    private readonly options: ReservationReleaserOptions = {},
  ) {
    this.queue = new WorkQueue('reservation-releaser', (key) => this.reconcile(key), logger, { concurrency: 4 });
  }

  start(): void {
    this.unwatch = this.store.watch(KIND.task, (change) => this.queue.add(JSON.stringify([change.scope.account, change.scope.region, change.id])));
    this.queue.start();
    void this.repair();
    this.repairTimer = setInterval(() => void this.repair(), this.options.repairEveryMs ?? 30_000);
    this.repairTimer.unref();
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.repairTimer) clearInterval(this.repairTimer);
    await this.queue.stop();
  }

  /** Resolves when every queued task has been looked at (for tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(key: string) {
    const [account, region, id] = JSON.parse(key) as [string, string, string];
    const scope: Scope = { account, region };
    const task = await this.store.get<Task>(KIND.task, scope, id);
    // A task already gone says nothing of its instance: the periodic repair frees its room on a registered one.
    if (!task || task.doc.lastStatus === 'STOPPED') await this.instances.release(scope, id, task?.doc.wharf.containerInstanceId);
    return done;
  }

  private async repair(): Promise<void> {
    try {
      const dropped = await this.instances.reconcileReservations();
      if (dropped > 0) this.logger.info({ dropped }, 'released the room of stopped tasks whose release was missed');
    } catch (error) {
      this.logger.warn({ err: error }, 'checking reservations against their tasks failed; trying again later');
    }
  }
}
