/**
 * Records an exec session's output to CloudWatch Logs (the cluster's
 * executeCommandConfiguration): batched every half second, into a stream
 * named after the session in the configured group. A missing group means
 * nothing is recorded, as Session Manager then cannot write either.
 */
import type { Clock } from '../../ports/clock.js';
import type { ExecLogDestination } from '../../domain/exec/exec-session.js';
import type { Logger } from '../../ports/logger.js';
import type { LogStore } from '../../ports/log-store.js';
import type { Scope } from '../../ports/store.js';

const FLUSH_MS = 500;

export class SessionLog {
  private pending: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private ready: Promise<boolean>;

  constructor(
    private readonly logs: LogStore,
    private readonly scope: Scope,
    private readonly destination: ExecLogDestination,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.ready = this.logs
      .createStream(scope, destination.logGroupName, destination.logStreamName, clock.now().getTime())
      .then((result) => {
        if (result === 'no-group') logger.warn({ group: destination.logGroupName }, 'exec session not logged: the log group does not exist');
        return result !== 'no-group';
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'exec session log stream could not be created');
        return false;
      });
  }

  write(chunk: Uint8Array): void {
    this.pending.push(Buffer.from(chunk));
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const message = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    const now = this.clock.now().getTime();
    this.chain = this.chain.then(async () => {
      if (!(await this.ready)) return;
      await this.logs.putEvents(this.scope, this.destination.logGroupName, this.destination.logStreamName, [{ timestamp: now, message }], now).catch((err: unknown) => this.logger.warn({ err }, 'exec session output could not be logged'));
    });
  }
}
