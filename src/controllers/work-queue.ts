import type { Logger } from '../ports/logger.js';

/** What one reconcile of a key decided. */
export type ReconcileResult = { readonly done: true } | { readonly againAfterMs: number };

export const done: ReconcileResult = { done: true };
export const againAfter = (ms: number): ReconcileResult => ({ againAfterMs: ms });

/**
 * A keyed work queue shared by the controllers, as in Kubernetes'
 * controller-runtime: adding a key that is already queued does nothing, one
 * key is never reconciled twice at once (a key added while it runs runs
 * again afterwards), errors retry with exponential back-off, and a periodic
 * resync re-adds every key the owner lists.
 */
export class WorkQueue {
  private readonly due = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly reconcile: (key: string) => Promise<ReconcileResult>,
    private readonly logger: Logger,
    private readonly options: {
      concurrency?: number;
      resyncMs?: number;
      listKeys?: () => Promise<string[]>;
      maxBackoffMs?: number;
      /**
       * `all` (the default): a resync runs every listed key now. `missing`: only
       * keys the queue holds no timer for and is not running, for owners whose
       * every live key always has its next reconcile scheduled (the resync is
       * then a net for what was never queued, not a stampede over everything).
       */
      resync?: 'all' | 'missing';
    } = {},
  ) {}

  start(): void {
    this.stopped = false;
    if (this.options.resyncMs && this.options.listKeys) {
      const resync = async () => {
        try {
          const onlyMissing = this.options.resync === 'missing';
          for (const key of await this.options.listKeys!()) {
            if (onlyMissing && (this.due.has(key) || this.running.has(key))) continue;
            this.add(key);
          }
        } catch (error) {
          this.logger.warn({ err: error, queue: this.name }, 'resync failed');
        }
      };
      void resync();
      this.resyncTimer = setInterval(resync, this.options.resyncMs);
    }
  }

  /** Queue a key now, or no later than `afterMs` from now. */
  add(key: string, afterMs = 0): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      if (afterMs === 0) this.dirty.add(key);
      else this.schedule(key, afterMs);
      return;
    }
    this.schedule(key, afterMs);
  }

  private schedule(key: string, afterMs: number): void {
    const at = Date.now() + afterMs;
    const current = this.due.get(key);
    if (current === undefined || at < current) this.due.set(key, at);
    this.pump();
  }

  private pump(): void {
    if (this.stopped) return;
    const concurrency = this.options.concurrency ?? 8;
    const now = Date.now();
    let nextDue = Infinity;
    for (const [key, at] of this.due) {
      if (this.running.size >= concurrency) break;
      if (this.running.has(key)) continue;
      if (at <= now) {
        this.due.delete(key);
        void this.run(key);
      } else {
        nextDue = Math.min(nextDue, at);
      }
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (nextDue !== Infinity) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, nextDue - now));
    }
    if (this.due.size === 0 && this.running.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    this.running.add(key);
    try {
      const result = await this.reconcile(key);
      this.failures.delete(key);
      if ('againAfterMs' in result) this.schedule(key, result.againAfterMs);
    } catch (error) {
      const attempts = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempts);
      const backoff = Math.min(this.options.maxBackoffMs ?? 30_000, 100 * 2 ** Math.min(attempts, 16));
      this.logger.warn({ err: error, queue: this.name, key, attempts, retryInMs: backoff }, 'reconcile failed');
      this.schedule(key, backoff);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.schedule(key, 0);
      this.pump();
    }
  }

  /** Resolves when nothing is queued or running (for orderly shutdown). */
  idle(): Promise<void> {
    if (this.due.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; resolves when what is running has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.due.clear();
    while (this.running.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
