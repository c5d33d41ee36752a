/**
 * The awslogs log driver: follows the output of every task container whose
 * definition logs with awslogs and appends it, line by line and in order, to
 * `<prefix>/<container>/<task id>` of the configured group (the task's
 * account; the awslogs-region's scope). What arrives within BATCH_MS goes in
 * one append, together with the docker timestamp of its last line (the
 * cursor, per container), so a restarted Wharf resumes exactly after it:
 * docker's `since` has second granularity, and after a restart lines at or
 * before the cursor are skipped (within one process, re-read lines are
 * recognised as such, since stdout and stderr lines need not arrive in
 * timestamp order). Following continues after a container exits until the engine has
 * handed over all of its output; then one more read drains what a follow can
 * miss at the very end.
 *
 * Wharf never drops lines: `mode: non-blocking` and `max-buffer-size` are
 * accepted, and a failing append is retried until it lands.
 */
import { KIND } from '../domain/ecs/record-keys.js';
import { awslogsConfig, awslogsStreamName, dockerTimeNs, MultilineJoiner, type AwslogsConfig, type JoinedEvent } from '../domain/task/awslogs.js';
import type { Task } from '../domain/task/task.js';
import type { Clock } from '../ports/clock.js';
import type { LogSink } from '../ports/log-store.js';
import type { Logger } from '../ports/logger.js';
import type { ContainerRuntime, TaskRuntimes } from '../ports/runtime.js';
import type { Scope, Store } from '../ports/store.js';

export interface LogPumpOptions {
  /** How long lines gather before one append. */
  readonly batchMs?: number;
  /** A multiline event is flushed after this long without a new line. */
  readonly multilineIdleMs?: number;
  /** Full re-scan of tasks, a safety net: the watch and the runtime's start events cover changes. */
  readonly resyncMs?: number;
  /** The most events in one append. */
  readonly maxBatch?: number;
  /**
   * The engine of each task, when tasks run on several hosts (registered
   * container instances); without it every container is read from `runtime`.
   */
  readonly runtimes?: TaskRuntimes;
}

interface Target {
  readonly containerId: string;
  /** The registered instance whose engine runs the container (absent: the local engine). */
  readonly containerInstanceId?: string;
  readonly scope: Scope;
  readonly group: string;
  readonly stream: string;
  readonly config: AwslogsConfig;
}

interface Pump {
  readonly target: Target;
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class LogPump {
  private readonly pumps = new Map<string, Pump>();
  /** Containers whose output has been drained since this process started. */
  private readonly drained = new Set<string>();
  /** The awslogs containers of each task, by `<account>|<region>|<id>`, as last read from the store. */
  private targetsOfTask = new Map<string, readonly Target[]>();
  /** The same targets by container id. */
  private readonly targetOfContainer = new Map<string, Target>();
  /** Tasks written since the last look, and containers to look at again (started since, or whose following ended early). */
  private readonly changedTasks = new Map<string, { scope: Scope; id: string }>();
  private readonly recheckContainers = new Set<string>();
  /** The next look re-reads every task (at start, on the resync timer, after a failed look). */
  private rescan = true;
  private unsubscribers: (() => void)[] = [];
  private resync: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private again = false;
  private running = false;
  private readonly batchMs: number;
  private readonly idleMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly store: Store,
    private readonly runtime: ContainerRuntime,
    private readonly sink: LogSink,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: LogPumpOptions = {},
  ) {
    this.batchMs = options.batchMs ?? 150;
    this.idleMs = options.multilineIdleMs ?? 500;
    this.maxBatch = options.maxBatch ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribers.push(
      this.store.watch(KIND.task, (change) => {
        this.changedTasks.set(taskKey(change.scope, change.id), { scope: change.scope, id: change.id });
        this.kick();
      }),
    );
    this.unsubscribers.push(
      this.runtime.subscribe((event) => {
        if (event.kind !== 'start') return;
        this.recheck(event.containerId);
      }),
    );
    this.resync = setInterval(() => {
      this.rescan = true;
      this.kick();
    }, this.options.resyncMs ?? 60_000);
    this.rescan = true;
    this.kick();
  }

  /** Stops following (what was read is appended first); a restarted pump resumes from the cursors. */
  async stop(): Promise<void> {
    this.running = false;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    if (this.resync) clearInterval(this.resync);
    await this.syncing?.catch(() => undefined);
    const pumps = [...this.pumps.values()];
    for (const pump of pumps) pump.abort.abort();
    await Promise.all(pumps.map((pump) => pump.done));
    this.pumps.clear();
    this.drained.clear();
    this.targetsOfTask.clear();
    this.targetOfContainer.clear();
    this.changedTasks.clear();
    this.recheckContainers.clear();
  }

  private recheck(containerId: string): void {
    this.recheckContainers.add(containerId);
    this.kick();
  }

  /** Resolves once the writes and starts heard so far have been looked at, without a rescan (for tests). */
  async settled(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  /** The containers whose output is being followed now. */
  following(): string[] {
    return [...this.pumps].filter(([, pump]) => !pump.abort.signal.aborted).map(([id]) => id);
  }

  /** Resolves once every known target has been looked at (for tests). */
  async sync(): Promise<void> {
    this.rescan = true;
    this.kick();
    while (this.syncing) await this.syncing;
  }

  private kick(): void {
    if (!this.running) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
        } catch (error) {
          // What this look had taken in hand may be lost: the next one reads everything.
          this.rescan = true;
          this.logger.warn({ err: error }, 'log pump: could not list tasks');
        }
      } while (this.again && this.running);
    })().finally(() => (this.syncing = undefined));
  }

  /**
   * Follows the containers that need it. A task write or a container start
   * looks at that task's or container's targets only (a write costs the same
   * with one task or ten thousand); a rescan reads every task.
   */
  private async reconcile(): Promise<void> {
    const consider: Target[] = [];
    if (this.rescan) {
      this.rescan = false;
      this.changedTasks.clear();
      this.recheckContainers.clear();
      const fresh = new Map<string, readonly Target[]>();
      for (const record of await this.store.listAll<Task>(KIND.task)) {
        const targets = targetsOf(record.scope, record.doc);
        if (targets.length > 0) fresh.set(taskKey(record.scope, record.id), targets);
      }
      this.targetsOfTask = fresh;
      this.targetOfContainer.clear();
      for (const targets of fresh.values()) for (const target of targets) this.targetOfContainer.set(target.containerId, target);
      // Containers whose task is gone (removed after retention, a reset): stop following them.
      for (const [id, pump] of this.pumps) if (!this.targetOfContainer.has(id)) pump.abort.abort();
      for (const id of this.drained) if (!this.targetOfContainer.has(id)) this.drained.delete(id);
      consider.push(...this.targetOfContainer.values());
    } else {
      const changed = [...this.changedTasks.entries()];
      this.changedTasks.clear();
      const recheck = [...this.recheckContainers];
      this.recheckContainers.clear();
      for (const [key, { scope, id }] of changed) {
        const record = await this.store.get<Task>(KIND.task, scope, id);
        const next = record ? targetsOf(scope, record.doc) : [];
        const kept = new Set(next.map((target) => target.containerId));
        for (const target of this.targetsOfTask.get(key) ?? []) {
          if (kept.has(target.containerId)) continue;
          this.pumps.get(target.containerId)?.abort.abort();
          this.drained.delete(target.containerId);
          this.targetOfContainer.delete(target.containerId);
        }
        if (next.length > 0) this.targetsOfTask.set(key, next);
        else this.targetsOfTask.delete(key);
        for (const target of next) this.targetOfContainer.set(target.containerId, target);
        consider.push(...next);
      }
      for (const containerId of recheck) {
        const target = this.targetOfContainer.get(containerId);
        if (target) consider.push(target);
      }
    }
    for (const target of consider) {
      if (!this.running || this.pumps.has(target.containerId) || this.drained.has(target.containerId)) continue;
      // A host this process does not drive (yet): the task's next write or the resync brings it back.
      const runtime = this.runtimeOf(target);
      const state = runtime ? await runtime.inspectContainer(target.containerId).catch(() => undefined) : undefined;
      // Not started yet: the start event brings us back.
      if (!state || state.status === 'created') continue;
      const abort = new AbortController();
      const pump: Pump = {
        target,
        abort,
        done: this.follow(target, abort.signal).then(
          (finished) => {
            if (this.pumps.get(target.containerId) === pump) this.pumps.delete(target.containerId);
            if (finished) this.drained.add(target.containerId);
            else if (!abort.signal.aborted) this.recheck(target.containerId);
          },
          (error: unknown) => {
            if (this.pumps.get(target.containerId) === pump) this.pumps.delete(target.containerId);
            this.logger.warn({ err: error, container: target.containerId }, 'log pump: following a container failed; retrying');
            setTimeout(() => this.recheck(target.containerId), 1_000).unref();
          },
        ),
      };
      this.pumps.set(target.containerId, pump);
    }
  }

  /** Follows one container; true once its output is fully drained (it exited). */
  private runtimeOf(target: Target): ContainerRuntime | undefined {
    return this.options.runtimes ? this.options.runtimes.of({ wharf: { ...(target.containerInstanceId !== undefined ? { containerInstanceId: target.containerInstanceId } : {}) } }) : this.runtime;
  }

  private async follow(target: Target, signal: AbortSignal): Promise<boolean> {
    const runtime = this.runtimeOf(target);
    // Its host went out of this process's hands since it was considered: not followed now, looked at again later.
    if (!runtime) return false;
    const saved = await this.sink.cursor(target.containerId);
    if (!saved) await this.sink.ensureStream(target.scope, target.group, target.stream, this.clock.now().getTime());
    let cursor = saved ? dockerTimeNs(saved) : -1n;
    const joiner = new MultilineJoiner(target.config.multilineStart);
    let batch: JoinedEvent[] = [];
    let flushing: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    let lastLineAt = 0;

    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const events = batch;
      batch = [];
      if (events.length > 0) flushing = flushing.then(() => this.append(target, events, signal));
      return flushing;
    };
    const schedule = (): void => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        // A multiline event still open is held until it has been idle for a while.
        if (joiner.hasPending && Date.now() - lastLineAt >= this.idleMs) batch.push(...joiner.flush());
        void flush();
        if (joiner.hasPending) schedule();
      }, joiner.hasPending && batch.length === 0 ? this.idleMs : this.batchMs);
    };

    // stdout and stderr reach docker's log through separate copiers, so a line can follow one with a later
    // timestamp: within this process lines are told apart by what they are, not by time. Only where a
    // previous Wharf stopped (the saved cursor) does time decide what was already stored.
    const resumeFrom = cursor;
    const delivered = new Map<string, bigint>();
    const pass = async (since: number): Promise<void> => {
      for await (const line of runtime.followLogs(target.containerId, { since, signal })) {
        const ns = dockerTimeNs(line.timestamp);
        const key = `${line.timestamp} ${line.stream} ${line.line}`;
        if (ns <= resumeFrom || delivered.has(key)) continue;
        delivered.set(key, ns);
        if (ns > cursor) cursor = ns;
        if (delivered.size > 50_000) forgetBefore(delivered, cursor - REREAD_WINDOW_NS);
        lastLineAt = Date.now();
        batch.push(...joiner.push({ timestamp: line.timestamp, line: line.line }));
        if (batch.length >= this.maxBatch) await flush();
        else schedule();
      }
    };

    const sinceOf = (): number => (cursor > 0n ? Number(cursor / 1_000_000_000n) : 0);
    try {
      await pass(sinceOf());
      if (signal.aborted) return false;
      const state = await runtime.inspectContainer(target.containerId);
      if (state && state.status !== 'exited') return false; // the follow broke off: start again from the cursor
      // The engine can end a follow before the last output reached its log: one more read drains it.
      await pass(sinceOf());
      batch.push(...joiner.flush());
      return !signal.aborted;
    } finally {
      if (!signal.aborted || batch.length > 0) await flush();
      else await flushing;
    }
  }

  private async append(target: Target, events: readonly JoinedEvent[], signal: AbortSignal): Promise<void> {
    const position = events[events.length - 1]!.lastPosition;
    const input = events.map((event) => ({ timestamp: event.timestamp, message: event.message }));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sink.append(target.scope, target.group, target.stream, input, { source: target.containerId, position }, this.clock.now().getTime());
        return;
      } catch (error) {
        if (attempt === 0) this.logger.warn({ err: error, group: target.group, stream: target.stream }, 'log pump: append failed; retrying');
        // Stopping: what was not stored is read again from the cursor by the next Wharf.
        if (signal.aborted && attempt >= 2) return;
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
      }
    }
  }
}

/** A re-read starts at the cursor's whole second: lines older than this cannot come again. */
const REREAD_WINDOW_NS = 2_000_000_000n;

function forgetBefore(delivered: Map<string, bigint>, limit: bigint): void {
  for (const [key, ns] of delivered) if (ns < limit) delivered.delete(key);
}

function taskKey(scope: Scope, id: string): string {
  return `${scope.account}|${scope.region}|${id}`;
}

/** The task's containers that log with awslogs and exist, with where their lines go. */
function targetsOf(scope: Scope, task: Task): Target[] {
  const targets: Target[] = [];
  for (const plan of task.wharf.containerPlans) {
    const containerId = task.wharf.containerIds[plan.name];
    const config = awslogsConfig(plan.logConfiguration, scope.region);
    if (!containerId || !config) continue;
    targets.push({
      containerId,
      ...(task.wharf.containerInstanceId !== undefined ? { containerInstanceId: task.wharf.containerInstanceId } : {}),
      scope: { account: scope.account, region: config.region },
      group: config.group,
      stream: awslogsStreamName(config, plan.name, task.wharf.taskId, containerId),
      config,
    });
  }
  return targets;
}
