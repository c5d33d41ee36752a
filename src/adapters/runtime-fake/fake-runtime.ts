import { createHash } from 'node:crypto';
import { referenceFormatProblem } from '../../domain/ecr/image-reference.js';
import {
  ImagePullError,
  WHARF_LABELS,
  type ContainerLogLine,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type LabelledContainer,
  type ContainerStats,
  type EnsuredImage,
  type FollowLogsOptions,
  type HostCapacity,
  type RegistryAuth,
  type RuntimeEvent,
  type Sandbox,
  type SandboxSpec,
  type TaskUsage,
} from '../../ports/runtime.js';

export interface FakeRuntimeOptions {
  readonly capacity?: HostCapacity;
  /** Images the engine already has (built or loaded locally: no manifest digest). */
  readonly localImages?: readonly string[];
  /** Images a registry serves: pulled when asked for with credentials, or when not local. */
  readonly registryImages?: readonly string[];
  /** The clock of the containers' start and finish times. */
  readonly now?: () => Date;
}

/** One call the fake received, in order: what a controller test asserts. */
export interface RuntimeAction {
  readonly call: keyof ContainerRuntime;
  /** The container (id or name), sandbox name or image the call was about. */
  readonly target?: string;
}

interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly imageId: string;
  /** What the container was created from (undefined for pause containers). */
  readonly spec?: ContainerSpec;
  status: ContainerState['status'];
  exitCode?: number;
  oomKilled: boolean;
  health?: 'starting' | 'healthy' | 'unhealthy';
  startedAt?: Date;
  finishedAt?: Date;
  /** A process that ignores SIGTERM: stopping it takes a SIGKILL (exit 137). */
  ignoresSigterm: boolean;
  readonly logs: ContainerLogLine[];
}

const SUBNET = { cidr: '172.31.0.0/16', gateway: '172.31.0.1' };

/**
 * A ContainerRuntime in memory, for unit tests of the task supervisor and
 * whatever else drives containers. It passes the engine-independent part of
 * the runtime contract (runtime.contract.ts): images, sandboxes, the
 * container lifecycle as inspect, events and listManaged report it. It runs
 * nothing: a started container runs until the test makes it exit
 * (`exit`), turn healthy (`setHealth`) or print (`log`), or until it is
 * stopped, when it honours SIGTERM (143) unless told it ignores it. Every
 * call is recorded in `actions`.
 */
export class FakeRuntime implements ContainerRuntime {
  private readonly containers = new Map<string, FakeContainer>();
  private readonly sandboxLimits = new Map<string, { cpuUnits?: number; memoryMiB?: number }>();
  private readonly local = new Map<string, EnsuredImage>();
  private readonly registry: ReadonlySet<string>;
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly logWaiters = new Set<() => void>();
  private readonly usage = new Map<string, TaskUsage>();
  private readonly failures = new Map<keyof ContainerRuntime, Error>();
  private readonly now: () => Date;
  private counter = 0;
  private answering = true;
  readonly actions: RuntimeAction[] = [];

  constructor(private readonly options: FakeRuntimeOptions = {}) {
    this.now = options.now ?? (() => new Date());
    for (const image of options.localImages ?? []) this.local.set(image, { imageId: imageIdOf(image), pulled: false });
    this.registry = new Set(options.registryImages ?? []);
  }

  // --- What a test does to the world -------------------------------------

  /** The container's process exits (a die event follows; an `oom` one first when OOM-killed). */
  exit(id: string, exitCode: number, options: { oomKilled?: boolean } = {}): void {
    const container = this.running(id);
    if (options.oomKilled) {
      container.oomKilled = true;
      this.emit({ kind: 'oom', containerId: container.id, labels: container.labels });
    }
    this.finish(container, exitCode);
  }

  /** The container's health check now reports `health`. */
  setHealth(id: string, health: 'healthy' | 'unhealthy' | 'starting'): void {
    const container = this.running(id);
    container.health = health;
    this.emit({ kind: 'health', containerId: container.id, labels: container.labels, health });
  }

  /** The container's process prints a line. */
  log(id: string, stream: 'stdout' | 'stderr', line: string): void {
    this.running(id).logs.push({ timestamp: nanoTimestamp(this.now()), stream, line });
    this.wakeLogFollowers();
  }

  /** Stopping this container will take a SIGKILL. */
  ignoreSigterm(id: string): void {
    this.find(id)!.ignoresSigterm = true;
  }

  /** What `taskUsage` reports for the sandbox. */
  setUsage(sandboxContainerId: string, usage: TaskUsage): void {
    this.usage.set(sandboxContainerId, usage);
  }

  /** The next call of `method` throws `error` (once). */
  failNext(method: keyof ContainerRuntime, error: Error): void {
    this.failures.set(method, error);
  }

  /** The engine stops (or starts again) answering: every call but `subscribe` then fails as a refused connection does. */
  setAnswering(answering: boolean): void {
    this.answering = answering;
  }

  /** Every container, pause containers included, as the engine holds them. */
  all(): ContainerState[] {
    return [...this.containers.values()].map((container) => this.stateOf(container));
  }

  /** What a container was created from. */
  specOf(id: string): ContainerSpec | undefined {
    return this.find(id)?.spec;
  }

  // --- The port ------------------------------------------------------------

  async ping(): Promise<void> {
    this.record('ping');
  }

  async capacity(): Promise<HostCapacity> {
    this.record('capacity');
    return this.options.capacity ?? { cpuUnits: 4096, memoryMiB: 8192 };
  }

  async ensureImage(image: string, auth?: RegistryAuth): Promise<EnsuredImage> {
    this.record('ensureImage', image);
    const problem = referenceFormatProblem(image);
    if (problem) throw new ImagePullError(image, problem);
    const local = this.local.get(image);
    // With credentials the image is always pulled, as Fargate pulls it; without, a local one is used.
    if (local && !auth) return local;
    if (!this.registry.has(image)) throw new ImagePullError(image, `pull access denied for ${image}, repository does not exist or may require 'docker login'`, true);
    const pulled = { imageId: imageIdOf(image), pulled: true, repoDigest: `sha256:${digest(`manifest:${image}`)}` };
    this.local.set(image, { imageId: pulled.imageId, pulled: false, repoDigest: pulled.repoDigest });
    return pulled;
  }

  async createSandbox(spec: SandboxSpec): Promise<Sandbox> {
    this.record('createSandbox', spec.name);
    this.refuseDuplicate(spec.name);
    const n = ++this.counter;
    const cgroupParent = `/wharf-fake/${spec.name}`;
    const pause = this.add({
      id: this.newId(spec.name),
      name: spec.name,
      labels: { ...spec.labels, [WHARF_LABELS.managed]: 'true', [WHARF_LABELS.role]: 'pause', [WHARF_LABELS.cgroupParent]: cgroupParent },
      imageId: imageIdOf('wharf-pause'),
    });
    this.start(pause);
    if (spec.cpuUnits !== undefined || spec.memoryMiB !== undefined) {
      this.sandboxLimits.set(cgroupParent, { ...(spec.cpuUnits !== undefined ? { cpuUnits: spec.cpuUnits } : {}), ...(spec.memoryMiB !== undefined ? { memoryMiB: spec.memoryMiB } : {}) });
    }
    return {
      containerId: pause.id,
      cgroupParent,
      ipv4Address: `172.31.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`,
      macAddress: `02:42:ac:1f:${hex2(Math.floor(n / 256))}:${hex2(n)}`,
      subnetCidr: SUBNET.cidr,
      gateway: SUBNET.gateway,
      hostPorts: spec.portMappings.map((mapping, i) => ({ ...mapping, hostPort: 40_000 + ((n * 16 + i) % 20_000), bindIP: '127.0.0.1' })),
    };
  }

  async limitSandbox(cgroupParent: string, limits: { readonly cpuUnits?: number; readonly memoryMiB?: number }): Promise<void> {
    this.record('limitSandbox', cgroupParent);
    this.sandboxLimits.set(cgroupParent, { ...limits });
  }

  /** The task-level limits last set on a sandbox's cgroup parent. */
  limitsOf(cgroupParent: string): { cpuUnits?: number; memoryMiB?: number } | undefined {
    return this.sandboxLimits.get(cgroupParent);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.record('createContainer', spec.name);
    const image = this.local.get(spec.image);
    // Never pulls, as the Docker adapter never does on create.
    if (!image) throw new Error(`No such image: ${spec.image}`);
    if (!this.find(spec.sandbox.containerId)) throw new Error(`No such container: ${spec.sandbox.containerId} (the sandbox)`);
    this.refuseDuplicate(spec.name);
    const container = this.add({
      id: this.newId(spec.name),
      name: spec.name,
      labels: { ...spec.labels, [WHARF_LABELS.managed]: 'true', [WHARF_LABELS.role]: 'app' },
      imageId: image.imageId,
      spec,
    });
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    this.record('startContainer', id);
    const container = this.find(id);
    if (!container) throw new Error(`No such container: ${id}`);
    if (container.status === 'running') return;
    this.start(container);
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    this.record('stopContainer', id);
    const container = this.find(id);
    if (!container || container.status !== 'running') return;
    this.finish(container, container.ignoresSigterm ? 137 : 143);
  }

  async inspectContainer(id: string): Promise<ContainerState | undefined> {
    this.record('inspectContainer', id);
    const container = this.find(id);
    return container && this.stateOf(container);
  }

  async removeContainer(id: string): Promise<void> {
    this.record('removeContainer', id);
    const container = this.find(id);
    if (!container) return;
    // Forcible: a running container is killed first, as `docker rm -f` does.
    if (container.status === 'running') this.finish(container, 137);
    this.containers.delete(container.id);
    this.wakeLogFollowers();
  }

  async removeSandbox(sandbox: Pick<Sandbox, 'containerId' | 'cgroupParent'>): Promise<void> {
    this.record('removeSandbox', sandbox.containerId);
    const pause = this.find(sandbox.containerId);
    if (pause?.status === 'running') this.finish(pause, 137);
    if (pause) this.containers.delete(pause.id);
    this.sandboxLimits.delete(sandbox.cgroupParent);
    this.usage.delete(sandbox.containerId);
  }

  async listManaged(labels: Readonly<Record<string, string>> = {}): Promise<ContainerState[]> {
    this.record('listManaged');
    const wanted = { ...labels, [WHARF_LABELS.managed]: 'true' };
    return [...this.containers.values()]
      .filter((container) => Object.entries(wanted).every(([name, value]) => container.labels[name] === value))
      .map((container) => this.stateOf(container));
  }

  async listManagedLabels(labels: Readonly<Record<string, string>> = {}): Promise<LabelledContainer[]> {
    this.record('listManagedLabels');
    const wanted = { ...labels, [WHARF_LABELS.managed]: 'true' };
    return [...this.containers.values()]
      .filter((container) => Object.entries(wanted).every(([name, value]) => container.labels[name] === value))
      .map((container) => ({ id: container.id, labels: { ...container.labels } }));
  }

  async *followLogs(containerId: string, options: FollowLogsOptions = {}): AsyncIterable<ContainerLogLine> {
    this.record('followLogs', containerId);
    const since = options.since !== undefined ? options.since * 1000 : -Infinity;
    let next = 0;
    for (;;) {
      const container = this.find(containerId);
      if (!container || options.signal?.aborted) return;
      while (next < container.logs.length) {
        const line = container.logs[next++]!;
        if (Date.parse(line.timestamp) >= since) yield line;
        if (options.signal?.aborted) return;
      }
      if (container.status !== 'running') return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.logWaiters.delete(wake);
          options.signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.logWaiters.add(wake);
        options.signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    this.record('containerStats', id);
    const container = this.find(id);
    if (!container) return undefined;
    const zero = { cpu_usage: { total_usage: 0 }, system_cpu_usage: 0, online_cpus: 1 };
    return { read: this.now().toISOString(), preread: this.now().toISOString(), cpu_stats: zero, precpu_stats: zero, memory_stats: { usage: 0 }, networks: {} };
  }

  async taskUsage(sandbox: Pick<Sandbox, 'containerId' | 'cgroupParent'>, _containerIds: readonly string[]): Promise<TaskUsage | undefined> {
    this.record('taskUsage', sandbox.containerId);
    if (!this.find(sandbox.containerId)) return undefined;
    return this.usage.get(sandbox.containerId);
  }

  subscribe(onEvent: (event: RuntimeEvent) => void): () => void {
    this.record('subscribe');
    this.listeners.add(onEvent);
    return () => this.listeners.delete(onEvent);
  }

  // --- Inside ------------------------------------------------------------------

  private record(call: keyof ContainerRuntime, target?: string): void {
    this.actions.push(target === undefined ? { call } : { call, target });
    if (!this.answering && call !== 'subscribe') throw Object.assign(new Error('connect ECONNREFUSED (the fake engine is not answering)'), { code: 'ECONNREFUSED' });
    const failure = this.failures.get(call);
    if (failure) {
      this.failures.delete(call);
      throw failure;
    }
  }

  private add(container: Pick<FakeContainer, 'id' | 'name' | 'labels' | 'imageId' | 'spec'>): FakeContainer {
    const created: FakeContainer = { ...container, status: 'created', oomKilled: false, ignoresSigterm: false, logs: [] };
    this.containers.set(created.id, created);
    return created;
  }

  private start(container: FakeContainer): void {
    container.status = 'running';
    container.startedAt = this.now();
    if (container.spec?.healthCheck) container.health = 'starting';
    this.emit({ kind: 'start', containerId: container.id, labels: container.labels });
  }

  private finish(container: FakeContainer, exitCode: number): void {
    container.status = 'exited';
    container.exitCode = exitCode;
    container.finishedAt = this.now();
    this.emit({ kind: 'die', containerId: container.id, labels: container.labels, exitCode });
    this.wakeLogFollowers();
  }

  private running(id: string): FakeContainer {
    const container = this.find(id);
    if (container?.status !== 'running') throw new Error(`fake runtime: container ${id} is not running`);
    return container;
  }

  private find(idOrName: string): FakeContainer | undefined {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((container) => container.name === idOrName);
  }

  private refuseDuplicate(name: string): void {
    if ([...this.containers.values()].some((container) => container.name === name)) {
      throw new Error(`Conflict. The container name "/${name}" is already in use`);
    }
  }

  private newId(name: string): string {
    return digest(`${name}:${++this.counter}`);
  }

  private stateOf(container: FakeContainer): ContainerState {
    return {
      id: container.id,
      name: container.name,
      labels: { ...container.labels },
      imageId: container.imageId,
      status: container.status,
      oomKilled: container.oomKilled,
      ...(container.exitCode !== undefined ? { exitCode: container.exitCode } : {}),
      ...(container.health ? { health: container.health } : {}),
      ...(container.startedAt ? { startedAt: container.startedAt } : {}),
      ...(container.finishedAt ? { finishedAt: container.finishedAt } : {}),
    };
  }

  /** Events arrive after the call that caused them returned, as an engine's event stream delivers them. */
  private emit(event: RuntimeEvent): void {
    const listeners = [...this.listeners];
    setImmediate(() => {
      for (const listener of listeners) if (this.listeners.has(listener)) listener(event);
    });
  }

  private wakeLogFollowers(): void {
    for (const wake of [...this.logWaiters]) wake();
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function imageIdOf(image: string): string {
  return `sha256:${digest(`config:${image}`)}`;
}

function hex2(n: number): string {
  return (n % 256).toString(16).padStart(2, '0');
}

/** RFC 3339 with nanoseconds, as docker's `timestamps=true` writes them. */
function nanoTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19)}.${String(at.getUTCMilliseconds()).padStart(3, '0')}000000Z`;
}
