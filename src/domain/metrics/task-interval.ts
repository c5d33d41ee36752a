/**
 * What a task used between two readings of its cumulative counters, in the
 * units ECS's metrics speak: CPU units (1024 = one vCPU busy the whole time),
 * MiB, bytes per second and bytes.
 */

/** The cumulative counters of one reading (the runtime port's TaskUsage, totals only). */
export interface UsageCounters {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly cpuNanos: number;
  /** Memory in use at the reading (a gauge, not a counter). */
  readonly memoryBytes: number;
  readonly networkRxBytes: number;
  readonly networkTxBytes: number;
  readonly storageReadBytes: number;
  readonly storageWriteBytes: number;
}

export interface TaskInterval {
  readonly seconds: number;
  /** Average CPU units in use over the interval. */
  readonly cpuUnits: number;
  /** Memory in use at the end of the interval, MiB. */
  readonly memoryMiB: number;
  readonly networkRxBytesPerSecond: number;
  readonly networkTxBytesPerSecond: number;
  /** Bytes read and written during the interval. */
  readonly storageReadBytes: number;
  readonly storageWriteBytes: number;
}

const CPU_UNITS_PER_VCPU = 1024;
const MIB = 1024 * 1024;

/** Sums a reading's interfaces (loopback already left out by the runtime). */
export function networkTotals(networks: Readonly<Record<string, { readonly rxBytes: number; readonly txBytes: number }>>): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const counters of Object.values(networks)) {
    rx += counters.rxBytes;
    tx += counters.txBytes;
  }
  return { rx, tx };
}

/**
 * The use between `before` and `after`; undefined when no time passed. A
 * counter that went backwards (a container restarted, its cgroup anew) counts
 * as no use, never as negative use.
 */
export function taskInterval(before: UsageCounters, after: UsageCounters): TaskInterval | undefined {
  const ms = after.timestamp - before.timestamp;
  if (!(ms > 0)) return undefined;
  const seconds = ms / 1000;
  const delta = (a: number, b: number) => Math.max(0, b - a);
  return {
    seconds,
    cpuUnits: (delta(before.cpuNanos, after.cpuNanos) / (ms * 1e6)) * CPU_UNITS_PER_VCPU,
    memoryMiB: after.memoryBytes / MIB,
    networkRxBytesPerSecond: delta(before.networkRxBytes, after.networkRxBytes) / seconds,
    networkTxBytesPerSecond: delta(before.networkTxBytes, after.networkTxBytes) / seconds,
    storageReadBytes: delta(before.storageReadBytes, after.storageReadBytes),
    storageWriteBytes: delta(before.storageWriteBytes, after.storageWriteBytes),
  };
}

/** ECS's utilization: used over reserved, in percent; may exceed 100 (a task may burst past its share). */
export function utilizationPercent(used: number, reserved: number): number {
  return reserved > 0 ? (used * 100) / reserved : 0;
}
