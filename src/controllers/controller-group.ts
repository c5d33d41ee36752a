import type { Logger } from '../ports/logger.js';

/** One long-running part of the control plane, as the composition root starts and stops it. */
export interface Controller {
  readonly name: string;
  start(): unknown;
  stop(): unknown;
}

/**
 * The controllers the leader runs, started in order and stopped in reverse
 * (the scheduler stops before the supervisor it hands tasks to). A start
 * that fails stops what had started and rethrows; a stop that fails is
 * logged and the rest still stop.
 */
export class ControllerGroup {
  private started = 0;

  constructor(private readonly logger: Logger, private readonly controllers: readonly Controller[]) {}

  get running(): boolean {
    return this.started > 0;
  }

  async start(): Promise<void> {
    if (this.started > 0) return;
    for (const controller of this.controllers) {
      try {
        await controller.start();
        this.started++;
      } catch (error) {
        this.logger.error({ err: error, controller: controller.name }, 'a controller failed to start: stopping the others');
        await this.stop();
        throw error;
      }
    }
  }

  async stop(): Promise<void> {
    for (let index = this.started - 1; index >= 0; index--) {
      const controller = this.controllers[index]!;
      try {
        await controller.stop();
      } catch (error) {
        this.logger.warn({ err: error, controller: controller.name }, 'a controller failed to stop cleanly');
      }
    }
    this.started = 0;
  }
}
