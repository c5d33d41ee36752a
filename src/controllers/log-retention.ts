import { retentionCutoff } from '../domain/logs/retention.js';
import type { Clock } from '../ports/clock.js';
import type { LogStore } from '../ports/log-store.js';
import type { Logger } from '../ports/logger.js';

/**
 * Enforces log groups' retention policies: every `intervalMs` it deletes the
 * events older than each group's retention. Reads hide expired events in the
 * meantime (api/logs applies the same cutoff), so the sweep only reclaims space.
 */
export class LogRetentionController {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly logStore: LogStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number } = { intervalMs: 60_000 },
  ) {}

  /** One pass over every group with a retention policy; returns how many events it deleted. */
  async sweep(): Promise<number> {
    const now = this.clock.now().getTime();
    let deleted = 0;
    for (const group of await this.logStore.groupsWithRetention()) {
      const cutoff = retentionCutoff(now, group.retentionInDays);
      if (cutoff !== undefined) deleted += await this.logStore.deleteEventsBefore(group.scope, group.name, cutoff);
    }
    return deleted;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'log retention sweep failed'))
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
