import { KIND } from '../domain/ecs/record-keys.js';
import { afterEngineCheck, handedOverFromDeregisteredHost, hostLostReason, isHostLost, stoppedWithHost } from '../domain/hosts/host-health.js';
import { CONTAINER_INSTANCE_KIND, parseTaskKey, resourcesOf, type ContainerInstance } from '../domain/placement/container-instance.js';
import type { Task } from '../domain/task/task.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { WHARF_LABELS, type ContainerRuntime, type TaskRuntimes } from '../ports/runtime.js';
import { retryOnStale, type Scope, type Store } from '../ports/store.js';
import { removeLabelledContainers } from './remove-containers.js';
import { done, WorkQueue } from './work-queue.js';

/** What drives one registered host: its engine, and the supervisor of the tasks placed on it. */
export interface HostAgent {
  readonly runtime: ContainerRuntime;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface HostFleetOptions {
  /** The local engine: it runs the Fargate tasks (those naming no instance). */
  readonly localRuntime: ContainerRuntime;
  /** Builds the agent of a registered instance (its engine from `instance.host`); may throw (unreadable TLS files). */
  readonly agentFor: (instance: ContainerInstance) => HostAgent;
  /** Just the engine of a registered instance (for a sweep, without a supervisor); may throw like `agentFor`. */
  readonly engineFor: (instance: ContainerInstance) => Pick<ContainerRuntime, 'listManagedLabels' | 'removeContainer' | 'removeSandbox'>;
  /** How often every host's engine is asked whether it answers. */
  readonly checkEveryMs?: number;
  /** How long a host may stay silent before its tasks are STOPPED and replaced elsewhere. */
  readonly lostAfterMs?: number;
}

interface Driven {
  readonly agent: HostAgent;
  /** The engine address and TLS files it was built for: a change rebuilds it. */
  readonly signature: string;
  /** Epoch ms since when the engine has not answered (undefined: it answers). */
  silentSince?: number;
  /** Whether its tasks were already stopped for this silence. */
  lostHandled: boolean;
}

const FLEET_KEY = 'fleet';
/** An engine that answered a ping but not its info this fast counts as silent for this check. */
const CAPACITY_TIMEOUT_MS = 5_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The registered hosts, kept driven: one agent (an engine and its task
 * supervisor) per registered container instance, made as instances are
 * registered and stopped as they are deregistered. Every check asks each
 * engine whether it answers: the instance's `agentConnected` follows, and a
 * host silent for `lostAfterMs` has its tasks STOPPED with a reason that
 * names it, so their services replace them on other instances. When the
 * host answers again its supervisor finds the stopped tasks' containers and
 * removes them. The leader runs it (the supervisors are the leader's).
 *
 * The silence is counted in memory: a new leader starts counting afresh, so a
 * failover can lengthen the wait before a lost host's tasks are replaced by
 * up to one `lostAfterMs`, never shorten it.
 */
export class HostFleet implements TaskRuntimes {
  private readonly driven = new Map<string, Driven>();
  private readonly queue: WorkQueue;
  private unwatch: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly checkEveryMs: number;
  private readonly lostAfterMs: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: HostFleetOptions,
  ) {
    this.checkEveryMs = options.checkEveryMs ?? 5_000;
    this.lostAfterMs = options.lostAfterMs ?? 60_000;
    // One key: a sync looks at every host, and changes during a sync queue one more.
    this.queue = new WorkQueue('host-fleet', async () => {
      await this.sync();
      return done;
    }, logger, { concurrency: 1 });
  }

  /** The engine a task runs on; undefined for a host this process does not drive (yet). */
  of(task: { readonly wharf: { readonly containerInstanceId?: string } }): ContainerRuntime | undefined {
    const id = task.wharf.containerInstanceId;
    return id === undefined ? this.options.localRuntime : this.driven.get(id)?.agent.runtime;
  }

  async start(): Promise<void> {
    this.unwatch = this.store.watch(CONTAINER_INSTANCE_KIND, () => this.queue.add(FLEET_KEY));
    this.queue.start();
    // Queued, not awaited: a host that does not answer must not hold up the controllers started after this one.
    this.queue.add(FLEET_KEY);
    this.timer = setInterval(() => this.queue.add(FLEET_KEY), this.checkEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    if (this.timer) clearInterval(this.timer);
    await this.queue.stop();
    await Promise.all([...this.driven.values()].map((driven) => driven.agent.stop().catch(() => undefined)));
    this.driven.clear();
  }

  /**
   * Removes every container `instanceId`'s Wharf made on each registered
   * host, reaching the hosts from their records (the reset: the records go
   * next, and with them the supervisors that would otherwise sweep). Call it
   * while the controllers are paused, so nothing starts them again. A host
   * that does not answer keeps its containers; the failure is logged.
   */
  async removeEverythingOf(instanceId: string): Promise<void> {
    const records = (await this.store.listAll<ContainerInstance>(CONTAINER_INSTANCE_KIND)).filter((record) => !record.doc.implicit && record.doc.host);
    await Promise.all(
      records.map(async (record) => {
        try {
          const runtime = this.options.engineFor(record.doc);
          await removeLabelledContainers(runtime, await runtime.listManagedLabels({ [WHARF_LABELS.instance]: instanceId }));
        } catch (error) {
          this.logger.warn({ err: error, host: record.doc.host?.name }, "could not remove a registered host's containers; remove them with docker -H <host> rm -f");
        }
      }),
    );
  }

  /** Resolves when the queued syncs are done (for tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async sync(): Promise<void> {
    const records = (await this.store.listAll<ContainerInstance>(CONTAINER_INSTANCE_KIND)).filter((record) => !record.doc.implicit && record.doc.host);
    const present = new Set(records.map((record) => record.doc.containerInstanceId));
    for (const [id, driven] of this.driven) {
      if (present.has(id)) continue;
      this.driven.delete(id);
      this.logger.info({ containerInstanceId: id }, 'host deregistered: its supervisor stops');
      await driven.agent.stop().catch((error: unknown) => this.logger.warn({ err: error, containerInstanceId: id }, 'stopping a host supervisor failed'));
      await this.handOverStoppedTasks(id);
    }
    await Promise.all(records.map((record) => this.check(record.scope, record.id, record.doc)));
  }

  private async check(scope: Scope, recordId: string, instance: ContainerInstance): Promise<void> {
    const id = instance.containerInstanceId;
    const driven = await this.drive(instance);
    const now = this.clock.now().getTime();
    let answered = false;
    let registered;
    if (driven) {
      try {
        await driven.agent.runtime.ping();
        answered = true;
        registered = resourcesOf(await withTimeout(driven.agent.runtime.capacity(), CAPACITY_TIMEOUT_MS));
      } catch (error) {
        if (driven.silentSince === undefined) this.logger.warn({ err: error, host: instance.host?.name, containerInstanceId: id }, 'a registered host stopped answering');
      }
      if (answered) {
        if (driven.silentSince !== undefined) this.logger.info({ host: instance.host?.name, containerInstanceId: id }, 'a registered host answers again');
        driven.silentSince = undefined;
        driven.lostHandled = false;
      } else {
        driven.silentSince ??= now;
      }
    }
    await this.recordCheck(scope, recordId, { answered, now, ...(registered ? { registered } : {}) });
    if (driven && !driven.lostHandled && isHostLost(driven.silentSince, now, this.lostAfterMs)) {
      driven.lostHandled = true;
      await this.stopTasksOf(scope, recordId);
    }
  }

  /** The agent of an instance, made (or remade for a changed address) as needed; undefined when it cannot be made. */
  private async drive(instance: ContainerInstance): Promise<Driven | undefined> {
    const id = instance.containerInstanceId;
    const signature = JSON.stringify([instance.host?.url, instance.host?.tls, instance.host?.taskSubnet, instance.host?.registryAddress]);
    const current = this.driven.get(id);
    if (current && current.signature === signature) return current;
    if (current) {
      this.driven.delete(id);
      await current.agent.stop().catch(() => undefined);
    }
    let agent: HostAgent;
    try {
      agent = this.options.agentFor(instance);
    } catch (error) {
      this.logger.warn({ err: error, host: instance.host?.name }, 'cannot drive a registered host; fix its registration (wharf hosts add again)');
      return undefined;
    }
    const driven: Driven = { agent, signature, lostHandled: false };
    this.driven.set(id, driven);
    this.logger.info({ host: instance.host?.name, url: instance.host?.url, containerInstanceId: id }, 'driving a registered host');
    // Not awaited: a supervisor's start lists the engine's containers, which waits as long as a silent engine does.
    void agent.start().catch((error: unknown) => this.logger.warn({ err: error, host: instance.host?.name }, 'a host supervisor did not start cleanly; it retries'));
    return driven;
  }

  private async recordCheck(scope: Scope, recordId: string, check: Parameters<typeof afterEngineCheck>[1]): Promise<void> {
    await retryOnStale(async () => {
      const record = await this.store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, recordId);
      if (!record) return;
      const next = afterEngineCheck(record.doc, check);
      if (next !== record.doc) await this.store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: recordId, doc: next, expect: record.version }]);
    });
  }

  /**
   * The STOPPED tasks of a deregistered host go to the local supervisor, which
   * removes their records when their retention ends (one scan of the tasks: a
   * deregistration is rare).
   */
  private async handOverStoppedTasks(containerInstanceId: string): Promise<void> {
    let handed = 0;
    for (const record of await this.store.listAll<Task>(KIND.task)) {
      if (!handedOverFromDeregisteredHost(record.doc, containerInstanceId)) continue;
      await retryOnStale(async () => {
        const task = await this.store.get<Task>(KIND.task, record.scope, record.id);
        const next = task && handedOverFromDeregisteredHost(task.doc, containerInstanceId);
        if (!task || !next) return;
        await this.store.write([{ op: 'put', kind: KIND.task, scope: record.scope, id: record.id, doc: next, expect: task.version }]);
        handed++;
      });
    }
    if (handed > 0) this.logger.info({ containerInstanceId, tasks: handed }, "a deregistered host's stopped tasks are kept by the local supervisor until their retention ends");
  }

  /** Every live task the lost host holds, STOPPED now with a reason naming the host. */
  private async stopTasksOf(scope: Scope, recordId: string): Promise<void> {
    const record = await this.store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, recordId);
    if (!record) return;
    const reason = hostLostReason(record.doc.ec2InstanceId ?? record.doc.containerInstanceId);
    const now = this.clock.now();
    let stopped = 0;
    for (const key of Object.keys(record.doc.reservations)) {
      const where = parseTaskKey(key);
      if (!where) continue;
      await retryOnStale(async () => {
        const task = await this.store.get<Task>(KIND.task, where.scope, where.id);
        if (!task) return;
        const next = stoppedWithHost(task.doc, reason, now);
        if (next === task.doc) return;
        await this.store.write([{ op: 'put', kind: KIND.task, scope: where.scope, id: where.id, doc: next, expect: task.version }]);
        stopped++;
      });
    }
    this.logger.warn({ host: record.doc.host?.name, containerInstanceId: record.doc.containerInstanceId, stopped }, 'a registered host was silent too long: its tasks are stopped');
  }
}
