/**
 * ContainerRuntime on a Docker engine (Engine API through dockerode, over the
 * local unix socket or to a remote engine over tcp://). Each task is a sandbox
 * (a pause container holding the network namespace, the published ports and the
 * task's cgroup parent) plus the task's containers joined to it. The pieces
 * live in their own files; this class wires them together and owns the
 * per-engine caches (network, pause image, cgroup layout).
 *
 * A remote engine's host is not this one: nothing is read or written under
 * this machine's /sys or /proc for it. Its task limits go through the engine
 * (engine-task-limits.ts), its usage comes from the engine's stats streams and
 * its task network's subnet is chosen among the engine's networks alone.
 */
import Docker from 'dockerode';
import { silentLogger, type Logger } from '../../ports/logger.js';
import {
  WHARF_LABELS,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerStats,
  type ContainerLogLine,
  type ContainerState,
  type LabelledContainer,
  type EnsuredImage,
  type FollowLogsOptions,
  type HostCapacity,
  type RegistryAuth,
  type RuntimeEvent,
  type Sandbox,
  type SandboxSpec,
  type TaskUsage,
} from '../../ports/runtime.js';
import { appContainerOptions } from './container-spec.js';
import { toContainerState, type InspectData } from './container-state.js';
import { engineAddress, type DockerEngineHost } from './engine-address.js';
import { engineMessage, isNotFound, statusOf } from './engine-errors.js';
import { engineLimitsLayout, limitPause, nestedTaskParent, pauseCgroupParent, pauseIdOf, pauseResources, type EngineLimitsLayout } from './engine-task-limits.js';
import { subscribeEvents } from './events.js';
import { ensureImage } from './images.js';
import { ensureTaskNetwork, type TaskNetwork } from './network.js';
import { followContainerLogs } from './logs.js';
import { ensurePauseImage } from './pause-image.js';
import { pauseContainerOptions, readSandboxAddresses } from './sandbox.js';
import { containerStats } from './stats.js';
import { StreamingStats } from './streaming-stats.js';
import { TaskUsageReader } from './task-usage.js';
import { cgroupLayout, TaskCgroups, taskCgroupParent } from './task-cgroup.js';

export type { DockerEngineHost, DockerEngineTls } from './engine-address.js';

export interface DockerRuntimeOptions {
  /** The engine's unix socket; default /var/run/docker.sock. Not with `host`. */
  readonly socketPath?: string;
  /**
   * A remote engine instead: `{ url: 'tcp://ADDR:PORT' }`, with `tls` (CA,
   * client certificate and key, PEM) for an engine run with --tlsverify.
   */
  readonly host?: DockerEngineHost;
  /** The bridge network every task joins; created when missing. Default `wharf-tasks`. */
  readonly networkName?: string;
  /**
   * The cgroup directory under which each task's parent `/<cgroupRoot>/<sandbox>` is made. Default `wharf`.
   * On a remote engine the pause containers go under `/<cgroupRoot>` and each task's containers below its pause container's.
   */
  readonly cgroupRoot?: string;
  /**
   * The subnet (CIDR) the task network is made on, instead of the first free
   * candidate: a registered host's, routed to it from Wharf's host, so task
   * addresses do not collide between hosts.
   */
  readonly taskSubnet?: string;
  readonly logger?: Logger;
}

const PING_TIMEOUT_MS = 5_000;
/** How many inspects listManaged runs at once: enough to be quick, few enough not to swamp dockerd. */
const INSPECT_CONCURRENCY = 8;

export class DockerRuntime implements ContainerRuntime {
  /** The unix socket of a local engine (the default's, for a remote engine: unused). */
  readonly socketPath: string;
  /** What messages name: the socket path, or the remote engine's tcp:// URL. */
  readonly engineAddress: string;
  /** An engine over tcp://, whose host's files are not this machine's. */
  readonly remote: boolean;
  readonly networkName: string;
  readonly cgroupRoot: string;
  private readonly docker: Docker;
  private readonly logger: Logger;
  private readonly taskSubnets: readonly string[] | undefined;
  private readonly network = memo(() =>
    this.remote
      ? // The remote host's routes are not visible from here: the engine's own networks are what a subnet must avoid.
        ensureTaskNetwork(this.docker, this.networkName, this.logger, async () => [], this.taskSubnets)
      : ensureTaskNetwork(this.docker, this.networkName, this.logger, undefined, this.taskSubnets),
  );
  private readonly pauseImage = memo(() => ensurePauseImage(this.docker));
  private readonly cgroups = memo(async () => new TaskCgroups(cgroupLayout(await this.docker.info()), this.logger));
  /** A remote engine's task-limit layout (see engine-task-limits.ts); never asked of a local engine. */
  private readonly remoteLayout = memo(async (): Promise<EngineLimitsLayout> => engineLimitsLayout(await this.docker.info()));
  private warnedUnmanagedCgroups = false;
  /** How task usage is read: the cgroup files where Wharf owns the parent, else the engine's stats streams. */
  private readonly usage = memo(async (): Promise<TaskUsageReader | StreamingStats> => {
    // A remote engine: its streams, where a nested pause container's document already holds the whole task.
    if (this.remote) return new StreamingStats(this.docker, this.logger, { pauseHoldsTask: (await this.remoteLayout()) === 'nested' });
    const layout = (await this.cgroups()).layout;
    return layout === 'unmanaged' ? new StreamingStats(this.docker, this.logger) : new TaskUsageReader(layout);
  });

  constructor(options: DockerRuntimeOptions = {}) {
    const engine = engineAddress(options);
    this.socketPath = options.socketPath ?? '/var/run/docker.sock';
    this.engineAddress = engine.address;
    this.remote = engine.remote;
    this.networkName = options.networkName ?? 'wharf-tasks';
    this.cgroupRoot = options.cgroupRoot ?? 'wharf';
    this.logger = options.logger ?? silentLogger;
    this.taskSubnets = options.taskSubnet !== undefined ? [options.taskSubnet] : undefined;
    this.docker = new Docker(engine.dockerOptions);
  }

  async ping(): Promise<void> {
    try {
      await withTimeout(this.docker.ping(), PING_TIMEOUT_MS, 'no answer');
    } catch (err) {
      if (this.remote) {
        throw new Error(
          `The Docker engine does not answer at ${this.engineAddress} (${engineMessage(err)}). ` +
            `Check that dockerd there listens on that address (-H tcp://...), that this machine can reach it, ` +
            `and that the TLS settings on both sides agree.`,
        );
      }
      throw new Error(
        `The Docker engine does not answer on ${this.socketPath} (${engineMessage(err)}). ` +
          `Start it with 'sudo systemctl start docker' (or 'sudo dockerd &' where there is no systemd), ` +
          `check that this user may use the socket, or point Wharf at another socket.`,
      );
    }
  }

  async capacity(): Promise<HostCapacity> {
    const info = (await this.docker.info()) as { NCPU: number; MemTotal: number };
    return { cpuUnits: info.NCPU * 1024, memoryMiB: Math.floor(info.MemTotal / (1024 * 1024)) };
  }

  ensureImage(image: string, auth?: RegistryAuth): Promise<EnsuredImage> {
    return ensureImage(this.docker, image, auth);
  }

  async createSandbox(spec: SandboxSpec): Promise<Sandbox> {
    if (this.remote) return this.createRemoteSandbox(spec);
    const cgroups = await this.cgroups();
    const cgroupParent = cgroups.layout === 'unmanaged' ? '' : taskCgroupParent(this.cgroupRoot, spec.name);
    if (cgroups.layout === 'unmanaged' && (spec.cpuUnits || spec.memoryMiB) && !this.warnedUnmanagedCgroups) {
      this.warnedUnmanagedCgroups = true;
      this.logger.warn({}, 'the engine uses the systemd cgroup driver: task-level cpu/memory limits are not enforced (container limits are)');
    }

    const [network, container] = await this.createPauseContainer((net) => pauseContainerOptions(spec, net, cgroupParent));
    try {
      // The parent gets its limits before anything runs in it (runc would
      // otherwise create it bare at start). Only now, after the create
      // succeeded: a name clash must not touch an existing task's cgroup.
      if (cgroupParent) await cgroups.create(cgroupParent, spec);
      await container.start();
      const addresses = readSandboxAddresses(await container.inspect(), spec, network);
      this.logger.debug({ sandbox: spec.name, id: container.id, ip: addresses.ipv4Address, cgroupParent }, 'sandbox started');
      return { containerId: container.id, cgroupParent, ...addresses };
    } catch (err) {
      await this.removeContainer(container.id).catch((e: unknown) => this.logger.warn({ err: e }, 'cleanup of a failed sandbox'));
      if (cgroupParent) await cgroups.remove(cgroupParent).catch((e: unknown) => this.logger.warn({ err: e }, 'cleanup of a failed sandbox'));
      throw err;
    }
  }

  async limitSandbox(cgroupParent: string, limits: { readonly cpuUnits?: number; readonly memoryMiB?: number }): Promise<void> {
    if (this.remote) {
      // Nested: the parent is the pause container's cgroup, limited through the engine. Unmanaged: no parent.
      const pauseId = pauseIdOf(this.cgroupRoot, cgroupParent);
      if (pauseId) await limitPause(this.docker, pauseId, limits);
      return;
    }
    if (!cgroupParent) return;
    // create() is idempotent: on an existing parent it only writes the limits.
    await (await this.cgroups()).create(cgroupParent, limits);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    // Never pulls: the supervisor calls ensureImage first and records pull times itself.
    const container = await this.docker.createContainer(appContainerOptions(spec));
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) !== 304) throw err; // 304: already running
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      // The engine sends the stop signal, waits `t` seconds, then SIGKILLs.
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.round(timeoutSeconds)) });
    } catch (err) {
      if (statusOf(err) !== 304 && !isNotFound(err)) throw err; // 304: not running; 404: gone
    }
  }

  async inspectContainer(id: string): Promise<ContainerState | undefined> {
    try {
      return toContainerState((await this.docker.getContainer(id).inspect()) as unknown as InspectData);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 404: already gone; 409: a removal is already in progress.
      if (!isNotFound(err) && statusOf(err) !== 409) throw err;
    }
  }

  async removeSandbox(sandbox: Pick<Sandbox, 'containerId' | 'cgroupParent'>): Promise<void> {
    await this.removeContainer(sandbox.containerId);
    // A remote engine's parent is the pause container's own cgroup: runc removed it with the container.
    if (this.remote) return;
    if (sandbox.cgroupParent) await (await this.cgroups()).remove(sandbox.cgroupParent);
  }

  async listManaged(labels: Readonly<Record<string, string>> = {}): Promise<ContainerState[]> {
    // The engine filters by label, so asking for one task's containers stays cheap however many others run.
    const filters = [`${WHARF_LABELS.managed}=true`, ...Object.entries(labels).map(([name, value]) => `${name}=${value}`)];
    const summaries = await this.docker.listContainers({ all: true, filters: { label: filters } });
    // The list's summaries lack OOMKilled, exact exit codes and timestamps, so
    // each container is inspected; one removed meanwhile is simply left out.
    const states = await mapLimited(summaries.map((s) => s.Id), INSPECT_CONCURRENCY, (id) => this.inspectContainer(id));
    return states.filter((s): s is ContainerState => s !== undefined);
  }

  async listManagedLabels(labels: Readonly<Record<string, string>> = {}): Promise<LabelledContainer[]> {
    const filters = [`${WHARF_LABELS.managed}=true`, ...Object.entries(labels).map(([name, value]) => `${name}=${value}`)];
    const summaries = await this.docker.listContainers({ all: true, filters: { label: filters } });
    return summaries.map((summary) => ({ id: summary.Id, labels: summary.Labels ?? {} }));
  }

  followLogs(containerId: string, options?: FollowLogsOptions): AsyncIterable<ContainerLogLine> {
    return followContainerLogs(this.docker, containerId, options);
  }

  containerStats(id: string): Promise<ContainerStats | undefined> {
    return containerStats(this.docker, id);
  }

  async taskUsage(sandbox: Pick<Sandbox, 'containerId' | 'cgroupParent'>, containerIds: readonly string[]): Promise<TaskUsage | undefined> {
    const reader = await this.usage();
    if (reader instanceof StreamingStats) return reader.taskUsage(sandbox.containerId, containerIds);
    const usage = await reader.read(sandbox, containerIds);
    if (!usage) reader.forget(sandbox.containerId);
    return usage;
  }

  subscribe(onEvent: (event: RuntimeEvent) => void): () => void {
    return subscribeEvents(this.docker, onEvent, this.logger);
  }

  /**
   * Start-up sweep of task cgroup folders dead Wharfs left under this
   * runtime's root (see TaskCgroups.sweepLeftovers for what counts as left).
   */
  async sweepLeftoverCgroups(minAgeMs = 10 * 60_000): Promise<string[]> {
    // A remote engine's task parents are its containers' own cgroups, made and removed by its runc: nothing is Wharf's to sweep.
    if (this.remote) return [];
    const cgroups = await this.cgroups();
    const names = new Set((await this.docker.listContainers({ all: true })).flatMap((summary) => summary.Names.map((name) => name.replace(/^\//, ''))));
    return cgroups.sweepLeftovers(this.cgroupRoot, names, minAgeMs);
  }

  /** The task cgroup manager in use (for diagnostics and tests); a local engine's only. */
  taskCgroups(): Promise<TaskCgroups> {
    if (this.remote) return Promise.reject(new Error(`the engine at ${this.engineAddress} is remote: its task cgroups are not this machine's files`));
    return this.cgroups();
  }

  /** How a remote engine bounds a task (for diagnostics and tests): 'nested' under the pause container, or 'unmanaged'. */
  remoteLimitsLayout(): Promise<EngineLimitsLayout> {
    if (!this.remote) return Promise.reject(new Error('a local engine: see taskCgroups()'));
    return this.remoteLayout();
  }

  /**
   * A sandbox on a remote engine. Nested layout: the pause container sits in
   * `/<cgroupRoot>/<its id>`, carries the task's limits itself (from the spec
   * now, from limitSandbox later) and the task's containers are made below it.
   * Unmanaged: as a local engine on the systemd driver (no parent, a warning).
   */
  private async createRemoteSandbox(spec: SandboxSpec): Promise<Sandbox> {
    const layout = await this.remoteLayout();
    if (layout === 'unmanaged' && (spec.cpuUnits || spec.memoryMiB) && !this.warnedUnmanagedCgroups) {
      this.warnedUnmanagedCgroups = true;
      this.logger.warn({ engine: this.engineAddress }, 'the engine uses the systemd cgroup driver or cgroup v2: task-level cpu/memory limits are not enforced (container limits are)');
    }
    const [network, container] = await this.createPauseContainer((net) => {
      if (layout === 'unmanaged') return pauseContainerOptions(spec, net, '');
      const body = pauseContainerOptions(spec, net, pauseCgroupParent(this.cgroupRoot));
      // The pause container's cgroup is the task's: its limits are the task's (none until given), not the 8 MiB of a pause alone.
      return { ...body, HostConfig: { ...body.HostConfig, ...pauseResources(spec) } };
    });
    try {
      await container.start();
      const addresses = readSandboxAddresses(await container.inspect(), spec, network);
      const cgroupParent = layout === 'nested' ? nestedTaskParent(this.cgroupRoot, container.id) : '';
      this.logger.debug({ sandbox: spec.name, id: container.id, ip: addresses.ipv4Address, cgroupParent, engine: this.engineAddress }, 'sandbox started');
      return { containerId: container.id, cgroupParent, ...addresses };
    } catch (err) {
      await this.removeContainer(container.id).catch((e: unknown) => this.logger.warn({ err: e }, 'cleanup of a failed sandbox'));
      throw err;
    }
  }

  /**
   * Creates the pause container; if the network or the pause image was
   * removed behind Wharf's back (404), makes them again once and retries.
   */
  private async createPauseContainer(body: (network: TaskNetwork) => Docker.ContainerCreateOptions): Promise<[TaskNetwork, Docker.Container]> {
    for (let attempt = 1; ; attempt++) {
      const [network] = await Promise.all([this.network(), this.pauseImage()]);
      try {
        return [network, await this.docker.createContainer(body(network))];
      } catch (err) {
        if (!isNotFound(err) || attempt > 1) throw err;
        this.logger.warn({ err: engineMessage(err) }, 'task network or pause image vanished; recreating');
        this.network.reset();
        this.pauseImage.reset();
      }
    }
  }
}

/** A lazily started, shared promise that is forgotten when it fails (so a later call retries). */
function memo<T>(make: () => Promise<T>): (() => Promise<T>) & { reset(): void } {
  let pending: Promise<T> | undefined;
  const get = (): Promise<T> => {
    if (!pending) {
      const p = make();
      pending = p;
      p.catch(() => {
        if (pending === p) pending = undefined;
      });
    }
    return pending;
  };
  return Object.assign(get, { reset: () => void (pending = undefined) });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function mapLimited<A, B>(items: readonly A[], limit: number, fn: (item: A) => Promise<B>): Promise<B[]> {
  const results = new Array<B>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
