/**
 * The container runtime port: what the task supervisor (the agent) needs from
 * a container engine. The Docker adapter fills it; a remote-host or
 * Kubernetes adapter must be addable without touching the supervisor.
 *
 * Every container Wharf creates carries WHARF_LABELS.managed plus the ECS
 * agent's labels, so a restarted supervisor can re-adopt what it finds.
 */
export const WHARF_LABELS = {
  managed: 'wharf.managed',
  /** Which Wharf (data directory) owns the container: several may share one engine. */
  instance: 'wharf.instance',
  taskKey: 'wharf.task-key',
  role: 'wharf.role',
  /** On pause containers made ahead of time for the warm pool. */
  pool: 'wharf.pool',
  /** On pause containers: the task's cgroup parent, so an orphaned sandbox can be removed whole. */
  cgroupParent: 'wharf.cgroup-parent',
  cluster: 'com.amazonaws.ecs.cluster',
  taskArn: 'com.amazonaws.ecs.task-arn',
  containerName: 'com.amazonaws.ecs.container-name',
  family: 'com.amazonaws.ecs.task-definition-family',
  revision: 'com.amazonaws.ecs.task-definition-version',
} as const;

export interface PortMappingSpec {
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

export interface HostPortBinding extends PortMappingSpec {
  /** The ephemeral port on 127.0.0.1 that reaches the container port. */
  readonly hostPort: number;
  readonly bindIP: string;
}

/** The network namespace of one task (the awsvpc "ENI"), held by a pause container. */
export interface SandboxSpec {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly hostname?: string;
  /** Published on 127.0.0.1 ephemeral ports so a person on the host can reach them. */
  readonly portMappings: readonly PortMappingSpec[];
  /** Task-level limits, enforced on the task as a whole (a per-task cgroup parent). */
  readonly cpuUnits?: number;
  readonly memoryMiB?: number;
}

export interface Sandbox {
  readonly containerId: string;
  /** Where the task's containers go: the cgroup parent holding the task-level limits. */
  readonly cgroupParent: string;
  readonly ipv4Address: string;
  readonly macAddress: string;
  readonly subnetCidr: string;
  readonly gateway: string;
  readonly hostPorts: readonly HostPortBinding[];
}

export interface HealthCheckSpec {
  /** ["CMD", ...] or ["CMD-SHELL", "..."] as in the task definition. */
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds?: number;
}

export interface ContainerSpec {
  /** The engine's container name, unique per task container. */
  readonly name: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Joins this sandbox's network namespace and cgroup parent. */
  readonly sandbox: { readonly containerId: string; readonly cgroupParent: string };
  readonly entryPoint?: readonly string[];
  readonly command?: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly workingDirectory?: string;
  readonly user?: string;
  /** ECS CPU units (1024 = one vCPU); 0 or absent means a minimal share. */
  readonly cpuUnits?: number;
  readonly memoryMiB?: number;
  readonly memoryReservationMiB?: number;
  readonly ulimits?: readonly { readonly name: string; readonly softLimit: number; readonly hardLimit: number }[];
  readonly readonlyRootFilesystem?: boolean;
  readonly initProcessEnabled?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  /** Seconds between SIGTERM and SIGKILL when stopped. */
  readonly stopTimeoutSeconds: number;
  readonly healthCheck?: HealthCheckSpec;
}

/** A managed container as the engine's list names it: enough to sweep by label. */
export interface LabelledContainer {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ContainerState {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly imageId: string;
  readonly status: 'created' | 'running' | 'exited' | 'other';
  readonly exitCode?: number;
  readonly oomKilled: boolean;
  /** The engine's error for a container that could not start. */
  readonly error?: string;
  readonly health?: 'starting' | 'healthy' | 'unhealthy';
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
}

/** One line of a container's output. */
export interface ContainerLogLine {
  /** When the engine received it: RFC 3339 with nanoseconds (docker's `timestamps=true`). */
  readonly timestamp: string;
  readonly stream: 'stdout' | 'stderr';
  /** Without the trailing newline. */
  readonly line: string;
}

export interface FollowLogsOptions {
  /** Unix seconds: lines the engine received before this are skipped (second granularity). */
  readonly since?: number;
  /** Ends the iteration early. */
  readonly signal?: AbortSignal;
}

export type RuntimeEvent =
  | { readonly kind: 'start' | 'die' | 'oom'; readonly containerId: string; readonly labels: Readonly<Record<string, string>>; readonly exitCode?: number }
  | { readonly kind: 'health'; readonly containerId: string; readonly labels: Readonly<Record<string, string>>; readonly health: 'healthy' | 'unhealthy' | 'starting' };

/**
 * An image that could not be found or pulled; `message` is the engine's reason.
 * `notFound`: the registry answered that it has no such repository, tag or digest
 * (as opposed to refusing access or not answering).
 */
export class ImagePullError extends Error {
  constructor(readonly image: string, message: string, readonly notFound = false) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** Credentials for one registry, as the engine takes them for a pull. */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  /** The registry host[:port] they are for. */
  readonly serveraddress: string;
}

export interface EnsuredImage {
  /** The engine's image id (the config digest, sha256:...). */
  readonly imageId: string;
  readonly pulled: boolean;
  /**
   * The manifest digest (sha256:...) of the image as the registry serves it:
   * what the pull fetched, or what the engine recorded for this repository
   * when it pulled it before. Absent for images only built or loaded locally.
   */
  readonly repoDigest?: string;
}

/** The Docker Engine API's container stats document (read, cpu_stats, precpu_stats, memory_stats, networks, ...). */
export type ContainerStats = Readonly<Record<string, unknown>>;

/** Counters of one network interface (as /proc/net/dev has them). */
export interface InterfaceCounters {
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrors: number;
  readonly rxDropped: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrors: number;
  readonly txDropped: number;
}

/** Resource use of a cgroup (a task's parent or one container's): cumulative counters and the memory now. */
export interface CgroupUsage {
  /** CPU time used since the cgroup was made, nanoseconds. */
  readonly cpuNanos: number;
  /** Memory in use as ECS counts it: usage without the page cache (v1: usage - total_cache; v2: current - inactive_file). */
  readonly memoryBytes: number;
  /** What the kernel charges, cache included (docker's memory_stats.usage). */
  readonly memoryUsageBytes: number;
  readonly memoryMaxUsageBytes?: number;
  readonly memoryLimitBytes?: number;
  /** The cgroup's memory.stat, for the Docker stats document. */
  readonly memoryStats: Readonly<Record<string, number>>;
  /** Bytes read from and written to block devices since the cgroup was made. */
  readonly storageReadBytes: number;
  readonly storageWriteBytes: number;
}

/** One cheap reading of a task's resource use (what the metrics sampler and the metadata endpoint's stats work from). */
export interface TaskUsage extends CgroupUsage {
  /** Epoch milliseconds of the reading. */
  readonly timestamp: number;
  /** The host's CPU time (all CPUs, nanoseconds), docker's system_cpu_usage. */
  readonly hostCpuNanos?: number;
  readonly onlineCpus?: number;
  /** The task's network namespace, per interface, loopback left out. */
  readonly networks: Readonly<Record<string, InterfaceCounters>>;
  /** Per container (engine id) that could be read on its own. */
  readonly containers: Readonly<Record<string, CgroupUsage>>;
}

export interface HostCapacity {
  readonly cpuUnits: number;
  readonly memoryMiB: number;
}

export interface ContainerRuntime {
  /** Throws with an actionable message when the engine does not answer. */
  ping(): Promise<void>;
  capacity(): Promise<HostCapacity>;
  /**
   * Without `auth`: the local image, else an anonymous pull. With `auth` (a
   * private registry's image, as Fargate pulls it: no image cache), always
   * pulls, so a tag that moved is seen, and reports the manifest digest pulled.
   * Throws ImagePullError.
   */
  ensureImage(image: string, auth?: RegistryAuth): Promise<EnsuredImage>;
  createSandbox(spec: SandboxSpec): Promise<Sandbox>;
  /**
   * Sets the task-level limits on a running sandbox's cgroup parent, so a
   * sandbox made ahead of time (the warm pool) can be given to any task.
   */
  limitSandbox(cgroupParent: string, limits: { readonly cpuUnits?: number; readonly memoryMiB?: number }): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after the timeout. Missing or stopped containers are fine. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  inspectContainer(id: string): Promise<ContainerState | undefined>;
  /** Removes a container (forcibly); missing ones are fine. */
  removeContainer(id: string): Promise<void>;
  /** Removes the pause container and the task's cgroup parent. */
  removeSandbox(sandbox: Pick<Sandbox, 'containerId' | 'cgroupParent'>): Promise<void>;
  /** Every container carrying the managed label (and all of `labels`, when given), running or not. */
  listManaged(labels?: Readonly<Record<string, string>>): Promise<ContainerState[]>;
  /**
   * The same containers by id and labels alone, without inspecting each: what
   * a sweep needs, in one engine call however many containers there are.
   */
  listManagedLabels(labels?: Readonly<Record<string, string>>): Promise<LabelledContainer[]>;
  /**
   * The container's stdout and stderr, in the order the engine received them,
   * from `since` on; keeps following while the container runs and ends once
   * a stopped container's output is drained. A missing container yields nothing.
   */
  followLogs(containerId: string, options?: FollowLogsOptions): AsyncIterable<ContainerLogLine>;
  /**
   * One sample of the container's resource use in the Docker Engine API's
   * stats shape (what the ECS agent serves at the metadata endpoint's
   * `/stats`: cpu_stats with precpu_stats, memory_stats, networks, ...);
   * undefined for a missing container.
   */
  containerStats(id: string): Promise<ContainerStats | undefined>;
  /**
   * A cheap reading of a running task's resource use: the sandbox's cgroup
   * parent (all its containers) and network namespace, plus each of
   * `containerIds` on its own where the engine's layout allows. Never waits
   * for a sample; undefined when the sandbox is gone.
   */
  taskUsage(sandbox: Pick<Sandbox, 'containerId' | 'cgroupParent'>, containerIds: readonly string[]): Promise<TaskUsage | undefined>;
  /** Streams start/die/oom/health events of managed containers; reconnects on its own. Returns a stop function. */
  subscribe(onEvent: (event: RuntimeEvent) => void): () => void;
}

/**
 * The engine each task runs on: the local one for Fargate tasks, its
 * registered instance's for the others (undefined while this process does
 * not drive that host, e.g. it does not lead or the host cannot be reached).
 */
export interface TaskRuntimes {
  of(task: { readonly wharf: { readonly containerInstanceId?: string } }): ContainerRuntime | undefined;
}
