/**
 * The Docker Engine API's stats document, as the ECS agent serves it at the
 * task metadata endpoint's `/stats` and `/task/stats`, built from two
 * consecutive readings of Wharf's sampler (cpu_stats from the latest,
 * precpu_stats from the one before) instead of a one-shot engine call that
 * waits a second for its second sample. v4 adds `network_rate_stats`.
 */

/** One cgroup's reading (structurally the runtime port's CgroupUsage). */
export interface CgroupReading {
  readonly cpuNanos: number;
  readonly memoryUsageBytes: number;
  readonly memoryMaxUsageBytes?: number;
  readonly memoryLimitBytes?: number;
  readonly memoryStats: Readonly<Record<string, number>>;
  readonly storageReadBytes: number;
  readonly storageWriteBytes: number;
}

/** A reading of the task's namespace and the host, at a moment. */
export interface ReadingContext {
  readonly timestamp: number;
  readonly hostCpuNanos?: number;
  readonly onlineCpus?: number;
  readonly networks: Readonly<
    Record<string, { readonly rxBytes: number; readonly rxPackets: number; readonly rxErrors: number; readonly rxDropped: number; readonly txBytes: number; readonly txPackets: number; readonly txErrors: number; readonly txDropped: number }>
  >;
}

export interface StatsSide {
  readonly context: ReadingContext;
  readonly cgroup: CgroupReading;
}

/** cpu_stats of one side; docker's empty shape for a missing previous reading. */
function cpuStats(side: StatsSide | undefined): Record<string, unknown> {
  if (!side) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  return {
    cpu_usage: { total_usage: side.cgroup.cpuNanos, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    ...(side.context.hostCpuNanos !== undefined ? { system_cpu_usage: side.context.hostCpuNanos } : {}),
    ...(side.context.onlineCpus !== undefined ? { online_cpus: side.context.onlineCpus } : {}),
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** The document for one container (or the task as a whole when its own cgroup was not read). */
export function dockerStatsDocument(id: string, name: string, current: StatsSide, previous: StatsSide | undefined, options: { readonly networkRates?: boolean } = {}): Record<string, unknown> {
  const cg = current.cgroup;
  const networks: Record<string, unknown> = {};
  let rxBytes = 0;
  let txBytes = 0;
  for (const [iface, n] of Object.entries(current.context.networks)) {
    networks[iface] = {
      rx_bytes: n.rxBytes,
      rx_packets: n.rxPackets,
      rx_errors: n.rxErrors,
      rx_dropped: n.rxDropped,
      tx_bytes: n.txBytes,
      tx_packets: n.txPackets,
      tx_errors: n.txErrors,
      tx_dropped: n.txDropped,
    };
    rxBytes += n.rxBytes;
    txBytes += n.txBytes;
  }
  const doc: Record<string, unknown> = {
    read: new Date(current.context.timestamp).toISOString(),
    preread: previous ? new Date(previous.context.timestamp).toISOString() : '0001-01-01T00:00:00Z',
    pids_stats: {},
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 0, minor: 0, op: 'Read', value: cg.storageReadBytes },
        { major: 0, minor: 0, op: 'Write', value: cg.storageWriteBytes },
        { major: 0, minor: 0, op: 'Total', value: cg.storageReadBytes + cg.storageWriteBytes },
      ],
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(current),
    precpu_stats: cpuStats(previous),
    memory_stats: {
      usage: cg.memoryUsageBytes,
      ...(cg.memoryMaxUsageBytes !== undefined ? { max_usage: cg.memoryMaxUsageBytes } : {}),
      stats: { ...cg.memoryStats },
      ...(cg.memoryLimitBytes !== undefined ? { limit: cg.memoryLimitBytes } : {}),
    },
    name: name.startsWith('/') ? name : `/${name}`,
    id,
    networks,
  };
  if (options.networkRates) {
    let rate = { rx_bytes_per_sec: 0, tx_bytes_per_sec: 0 };
    const seconds = previous ? (current.context.timestamp - previous.context.timestamp) / 1000 : 0;
    if (previous && seconds > 0) {
      let prevRx = 0;
      let prevTx = 0;
      for (const n of Object.values(previous.context.networks)) {
        prevRx += n.rxBytes;
        prevTx += n.txBytes;
      }
      rate = { rx_bytes_per_sec: Math.max(0, rxBytes - prevRx) / seconds, tx_bytes_per_sec: Math.max(0, txBytes - prevTx) / seconds };
    }
    doc.network_rate_stats = rate;
  }
  return doc;
}
