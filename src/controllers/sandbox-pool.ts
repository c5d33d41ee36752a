import { randomUUID } from 'node:crypto';
import type { Logger } from '../ports/logger.js';
import { WHARF_LABELS, type ContainerRuntime, type Sandbox } from '../ports/runtime.js';

/**
 * A few network sandboxes (started pause containers, each in its own cgroup
 * parent) made ahead of time. Starting a container is most of a task's start
 * time and a task needs two (pause, then app): taking a ready sandbox leaves
 * one on the critical path. The task gets its limits and published ports
 * when it takes the sandbox, so Fargate's isolation is unchanged.
 */
export class SandboxPool {
  private ready: Sandbox[] = [];
  private filling: Promise<void> | undefined;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly logger: Logger,
    private readonly options: { readonly size: number; readonly instanceId: string },
  ) {}

  start(): void {
    this.stopped = false;
    this.fill();
  }

  /** A ready sandbox, or undefined when the pool is empty (the caller makes one). */
  take(): Sandbox | undefined {
    const sandbox = this.ready.shift();
    this.fill();
    return sandbox;
  }

  private fill(): void {
    if (this.stopped || this.filling || this.ready.length >= this.options.size) return;
    this.filling = (async () => {
      try {
        while (!this.stopped && this.ready.length < this.options.size) {
          const sandbox = await this.runtime.createSandbox({
            name: `wharf-pool-${randomUUID().slice(0, 13)}`,
            labels: { [WHARF_LABELS.instance]: this.options.instanceId, [WHARF_LABELS.pool]: 'true' },
            portMappings: [],
          });
          if (this.stopped) {
            await this.runtime.removeSandbox(sandbox);
            break;
          }
          this.ready.push(sandbox);
        }
      } catch (error) {
        // The engine may be down or busy: tasks still start, making their own sandbox; try again later.
        this.logger.warn({ err: error }, 'could not fill the sandbox pool; retrying in 5 s');
        this.retryTimer = setTimeout(() => this.fill(), 5_000);
      } finally {
        this.filling = undefined;
      }
    })();
  }

  /** Stops filling and removes the sandboxes no task took. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.filling;
    const unused = this.ready.splice(0);
    await Promise.all(unused.map((sandbox) => this.runtime.removeSandbox(sandbox).catch((error: unknown) => this.logger.warn({ err: error }, 'could not remove a pooled sandbox'))));
  }
}
