import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { MetricStore } from '../ports/metric-store.js';

/** CloudWatch's finest data ages out after 3 hours; a pass every 5 minutes keeps the rows near that bound. */
export const METRIC_COMPACTION_INTERVAL_MS = 5 * 60_000;

/**
 * Keeps the metric store at CloudWatch's retention: every 5 minutes (divided
 * by the time scale) it asks the store to roll aged data up a resolution and
 * to delete what is past 455 days, at the clock's time. Queries are right
 * between passes (they read every resolution that serves a period), so a
 * pass only bounds the rows kept.
 */
export class MetricCompactionController {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly intervalMs: number;

  constructor(
    private readonly metricStore: MetricStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: { timeScale?: number; intervalMs?: number } = {},
  ) {
    this.intervalMs = Math.max(1, (options.intervalMs ?? METRIC_COMPACTION_INTERVAL_MS) / (options.timeScale ?? 1));
  }

  /** One compaction pass at the clock's time. */
  async compactOnce(): Promise<void> {
    await this.metricStore.compact(this.clock.now().getTime());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.compactOnce()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'metric compaction failed'))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
