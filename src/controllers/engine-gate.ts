import type { Logger } from '../ports/logger.js';

export interface EngineGateOptions {
  /** How often a silent engine is pinged again. */
  readonly probeMs?: number;
  /** A ping not answered this fast counts as silent: a hung engine (SIGSTOPped dockerd) never fails a call. */
  readonly pingTimeoutMs?: number;
  /** Names the engine in the log lines (a registered host's id; the local engine by default). */
  readonly engine?: string;
}

/**
 * Holds back a controller's work while its Docker engine does not answer.
 * Without it every task of a silent engine retried on its own back-off: at
 * 5,000 running tasks that was thousands of failing reconciles a minute,
 * each with a warning, for as long as the engine was away. Here a failure is
 * checked against one ping: when the engine itself is silent, the work item
 * waits (one warning for all of them), one probe pings on a timer, and every
 * waiting item is handed back the moment the engine answers again. Failures
 * of an engine that answers are the caller's to retry as before.
 */
export class EngineGate {
  private down = false;
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly probeMs: number;
  private readonly pingTimeoutMs: number;

  constructor(
    private readonly ping: () => Promise<void>,
    /** Receives the items that waited, once the engine answers. */
    private readonly resume: (keys: readonly string[]) => void,
    private readonly logger: Logger,
    private readonly options: EngineGateOptions = {},
  ) {
    this.probeMs = options.probeMs ?? 2_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
  }

  /** Whether the engine is known to be silent: `key` then waits for it and must not be worked on now. */
  holds(key: string): boolean {
    if (!this.down) return false;
    this.waiting.add(key);
    return true;
  }

  /**
   * After `key`'s work failed: true when the engine does not answer (the key
   * now waits for it), false for a failure of an engine that answers.
   */
  async holdsAfterFailure(key: string, error: unknown): Promise<boolean> {
    if (this.down) {
      this.waiting.add(key);
      return true;
    }
    if (await this.answers()) return false;
    this.waiting.add(key);
    if (!this.down && !this.stopped) {
      this.down = true;
      this.logger.warn({ err: error, engine: this.options.engine ?? 'local' }, 'the Docker engine does not answer: its tasks wait for it (check that dockerd runs and its socket or address is reachable)');
      this.probeLater();
    }
    return true;
  }

  /** How many items wait for the engine. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private probeLater(): void {
    if (this.stopped) return;
    // Not unref'd: stop() clears it, and a process whose engine is away still has tasks to bring back.
    this.timer = setTimeout(() => void this.probe(), this.probeMs);
  }

  private async probe(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    if (!(await this.answers())) return this.probeLater();
    if (this.stopped) return;
    this.down = false;
    const keys = [...this.waiting];
    this.waiting.clear();
    this.logger.info({ engine: this.options.engine ?? 'local', tasks: keys.length }, 'the Docker engine answers again: its tasks go on');
    this.resume(keys);
  }

  private async answers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.pingTimeoutMs);
    });
    try {
      return await Promise.race([this.ping().then(() => true, () => false), silent]);
    } finally {
      clearTimeout(timer);
    }
  }
}
