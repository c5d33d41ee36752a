import type { LeaderTerm, Leadership } from '../ports/leadership.js';
import type { Logger } from '../ports/logger.js';
import type { ControllerGroup } from './controller-group.js';

/**
 * Runs the controllers while this process leads: waits for leadership,
 * starts them, and stops them the moment leadership is lost (then waits to
 * lead again), as Kubernetes' leader-elected controllers do. Every start,
 * stop and pause is one step in a queue, so a loss during a start, or a
 * close during a pause, never leaves controllers half running.
 */
export class LeaderLoop {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closing!: () => void;
  private readonly closedSignal = new Promise<void>((resolve) => (this.closing = resolve));
  private loop: Promise<void> | undefined;

  constructor(private readonly leadership: Leadership, private readonly controllers: ControllerGroup, private readonly logger: Logger) {}

  /** Leads at once (the embedded store's sole process) and starts the controllers before returning. */
  async startNow(): Promise<void> {
    const term = await this.leadership.acquire();
    await this.step(() => this.controllers.start());
    this.loop = this.watch(term).then((lost) => (lost ? this.run() : undefined));
  }

  /** Waits for leadership in the background, leads while it lasts, and waits again after a loss. */
  runInBackground(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let term: LeaderTerm;
      try {
        term = await this.leadership.acquire();
      } catch (error) {
        if (this.closed) return;
        this.logger.error({ err: error }, 'waiting for leadership failed; trying again');
        continue;
      }
      if (this.closed) return;
      try {
        await this.step(() => this.controllers.start());
      } catch (error) {
        this.logger.error({ err: error }, 'the controllers did not start; this process cannot lead');
        return;
      }
      if (!(await this.watch(term))) return;
    }
  }

  /** Resolves true when the term is lost (the controllers are stopped by then), false when closing. */
  private async watch(term: LeaderTerm): Promise<boolean> {
    const lost = await Promise.race([term.lost.then(() => true), this.closedSignal.then(() => false)]);
    if (!lost || this.closed) return false;
    this.logger.error({ epoch: term.epoch }, 'leadership lost: stopping the controllers (another Wharf process may lead now); waiting to lead again');
    await this.step(() => this.controllers.stop());
    return true;
  }

  /** Runs `work` with the controllers stopped (the admin reset), then starts them again if they ran. */
  whilePaused(work: () => Promise<void>): Promise<void> {
    return this.step(async () => {
      const wasRunning = this.controllers.running;
      await this.controllers.stop();
      try {
        await work();
      } finally {
        if (wasRunning && !this.closed) await this.controllers.start();
      }
    });
  }

  /** Stops the controllers and gives leadership up. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing();
    await this.step(() => this.controllers.stop());
    // Ends a wait for the lock too, which ends the loop.
    await this.leadership.close();
    await this.loop;
  }

  private step<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
