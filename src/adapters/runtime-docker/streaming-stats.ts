/**
 * Where Wharf does not own the task's cgroup parent (the systemd driver), the
 * usage comes from the engine instead: one streaming stats connection per
 * container (`stats?stream=true`, a document a second), opened on first
 * interest and kept while the container runs, so a reading is the latest
 * document in memory rather than a 1-2 s one-shot call per sample.
 */
import type Docker from 'dockerode';
import type { CgroupUsage, InterfaceCounters, TaskUsage } from '../../ports/runtime.js';
import type { Logger } from '../../ports/logger.js';
import { jsonLineSplitter } from './json-lines.js';

interface DockerStatsDoc {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; max_usage?: number; limit?: number; stats?: Record<string, number> };
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  networks?: Record<string, { rx_bytes?: number; rx_packets?: number; rx_errors?: number; rx_dropped?: number; tx_bytes?: number; tx_packets?: number; tx_errors?: number; tx_dropped?: number }>;
}

export class StreamingStats {
  private readonly streams = new Map<string, { latest: DockerStatsDoc | undefined; close: () => void }>();

  constructor(
    private readonly docker: Docker,
    private readonly logger: Logger,
    /**
     * The task's containers run inside the pause container's cgroup (a remote
     * engine's nested layout): its document is then the task's whole use, and
     * the containers' own are not added to it again.
     */
    private readonly options: { readonly pauseHoldsTask?: boolean } = {},
  ) {}

  /** The task's usage from its containers' latest documents; undefined until the pause container's first arrives. */
  taskUsage(sandboxId: string, containerIds: readonly string[]): TaskUsage | undefined {
    const pause = this.latest(sandboxId);
    const docs = containerIds.map((id) => [id, this.latest(id)] as const);
    if (!pause) return undefined;
    const containers: Record<string, CgroupUsage> = {};
    for (const [id, doc] of docs) if (doc) containers[id] = usageOf(doc);
    if (this.options.pauseHoldsTask) {
      // The pause container's cgroup is the task's parent: its counters (hierarchical) and its limit are the task's.
      return {
        ...usageOf(pause),
        timestamp: pause.read ? Date.parse(pause.read) : Date.now(),
        ...(pause.cpu_stats?.system_cpu_usage !== undefined ? { hostCpuNanos: pause.cpu_stats.system_cpu_usage } : {}),
        ...(pause.cpu_stats?.online_cpus !== undefined ? { onlineCpus: pause.cpu_stats.online_cpus } : {}),
        networks: networksOf(pause),
        containers,
      };
    }
    const parts = [usageOf(pause), ...Object.values(containers)];
    const sum = (pick: (u: CgroupUsage) => number) => parts.reduce((total, part) => total + pick(part), 0);
    return {
      timestamp: pause.read ? Date.parse(pause.read) : Date.now(),
      cpuNanos: sum((u) => u.cpuNanos),
      memoryBytes: sum((u) => u.memoryBytes),
      memoryUsageBytes: sum((u) => u.memoryUsageBytes),
      memoryStats: {},
      storageReadBytes: sum((u) => u.storageReadBytes),
      storageWriteBytes: sum((u) => u.storageWriteBytes),
      ...(pause.cpu_stats?.system_cpu_usage !== undefined ? { hostCpuNanos: pause.cpu_stats.system_cpu_usage } : {}),
      ...(pause.cpu_stats?.online_cpus !== undefined ? { onlineCpus: pause.cpu_stats.online_cpus } : {}),
      networks: networksOf(pause),
      containers,
    };
  }

  closeAll(): void {
    for (const { close } of this.streams.values()) close();
    this.streams.clear();
  }

  private latest(id: string): DockerStatsDoc | undefined {
    const open = this.streams.get(id);
    if (open) return open.latest;
    this.open(id);
    return undefined;
  }

  private open(id: string): void {
    const entry: { latest: DockerStatsDoc | undefined; close: () => void } = { latest: undefined, close: () => undefined };
    this.streams.set(id, entry);
    const forget = () => {
      if (this.streams.get(id) === entry) this.streams.delete(id);
    };
    this.docker.getContainer(id).stats({ stream: true }, (error, stream) => {
      if (error || !stream) {
        forget();
        return;
      }
      const readable = stream as NodeJS.ReadableStream & { destroy?: () => void };
      entry.close = () => readable.destroy?.();
      readable.on('data', jsonLineSplitter((doc: unknown) => void (entry.latest = doc as DockerStatsDoc)));
      readable.on('error', (err: Error) => {
        this.logger.debug({ err, container: id }, 'stats stream failed');
        forget();
      });
      // The engine ends the stream when the container stops.
      readable.on('end', forget);
      readable.on('close', forget);
    });
  }
}

function usageOf(doc: DockerStatsDoc): CgroupUsage {
  const memory = doc.memory_stats ?? {};
  const stats = memory.stats ?? {};
  const usage = memory.usage ?? 0;
  const cache = stats.total_cache ?? stats.cache ?? stats.inactive_file ?? 0;
  let read = 0;
  let write = 0;
  for (const entry of doc.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op?.toLowerCase();
    if (op === 'read') read += entry.value ?? 0;
    else if (op === 'write') write += entry.value ?? 0;
  }
  return {
    cpuNanos: doc.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memoryBytes: Math.max(0, usage - cache),
    memoryUsageBytes: usage,
    ...(memory.max_usage !== undefined ? { memoryMaxUsageBytes: memory.max_usage } : {}),
    ...(memory.limit !== undefined ? { memoryLimitBytes: memory.limit } : {}),
    memoryStats: stats,
    storageReadBytes: read,
    storageWriteBytes: write,
  };
}

function networksOf(doc: DockerStatsDoc): Record<string, InterfaceCounters> {
  const out: Record<string, InterfaceCounters> = {};
  for (const [name, n] of Object.entries(doc.networks ?? {})) {
    out[name] = {
      rxBytes: n.rx_bytes ?? 0,
      rxPackets: n.rx_packets ?? 0,
      rxErrors: n.rx_errors ?? 0,
      rxDropped: n.rx_dropped ?? 0,
      txBytes: n.tx_bytes ?? 0,
      txPackets: n.tx_packets ?? 0,
      txErrors: n.tx_errors ?? 0,
      txDropped: n.tx_dropped ?? 0,
    };
  }
  return out;
}
