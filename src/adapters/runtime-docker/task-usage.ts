/**
 * A task's resource use read straight from its cgroup parent and its network
 * namespace: a handful of small files per task, no engine call, no process.
 * The metrics sampler reads every running task every few seconds, so this is
 * the cheap path (`docker stats` would wait 1-2 s per container for a second
 * sample, and cost the engine far more).
 *
 * With the cgroupfs driver each container's cgroup is `<parent>/<engine id>`,
 * so a container is as cheap to read as the task. Memory is counted as the
 * ECS agent counts it (usage less the page cache); storage is what the block
 * layer accounted (blkio throttle counters on v1, io.stat on v2); the network
 * is /proc/<pid>/net/dev of the pause container's process, which holds the
 * task's namespace (every container joins it).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupUsage, InterfaceCounters, TaskUsage } from '../../ports/runtime.js';
import type { CgroupLayout } from './task-cgroup.js';

/** /proc/stat's unit (USER_HZ) in nanoseconds. */
const CLOCK_TICK_NS = 10_000_000;
/** The host's CPU time changes every tick; sharing one reading across a sweep of tasks is accurate enough. */
const HOST_CPU_REUSE_MS = 200;

interface V1Mounts {
  readonly cpuacct: string;
  readonly memory: string;
  readonly blkio: string | undefined;
}

export class TaskUsageReader {
  private mounts: Promise<V1Mounts> | undefined;
  /** The pause container's pid by its engine id: it never changes while the sandbox runs. */
  private readonly pids = new Map<string, number>();
  private hostCpu: { at: number; reading: Promise<{ nanos: number; cpus: number } | undefined> } | undefined;

  constructor(
    readonly layout: Exclude<CgroupLayout, 'unmanaged'>,
    private readonly fsRoot = '/sys/fs/cgroup',
    private readonly procRoot = '/proc',
  ) {}

  async read(sandbox: { readonly containerId: string; readonly cgroupParent: string }, containerIds: readonly string[]): Promise<TaskUsage | undefined> {
    if (!sandbox.cgroupParent) return undefined;
    const [task, networks, host, ...containers] = await Promise.all([
      this.cgroup(sandbox.cgroupParent),
      this.networks(sandbox),
      this.hostCpuTime(),
      ...containerIds.map((id) => this.cgroup(`${sandbox.cgroupParent}/${id}`)),
    ]);
    if (!task) return undefined;
    const perContainer: Record<string, CgroupUsage> = {};
    containerIds.forEach((id, i) => {
      const usage = containers[i];
      if (usage) perContainer[id] = usage;
    });
    return {
      ...task,
      timestamp: Date.now(),
      ...(host ? { hostCpuNanos: host.nanos, onlineCpus: host.cpus } : {}),
      networks: networks ?? {},
      containers: perContainer,
    };
  }

  /** Forgets what it cached about a sandbox (its pid). */
  forget(sandboxId: string): void {
    this.pids.delete(sandboxId);
  }

  private cgroup(path: string): Promise<CgroupUsage | undefined> {
    return this.layout === 'v2' ? this.cgroupV2(join(this.fsRoot, path)) : this.cgroupV1(path);
  }

  private async cgroupV1(path: string): Promise<CgroupUsage | undefined> {
    const mounts = await this.v1Mounts();
    const memoryDir = join(mounts.memory, path);
    const cpu = readOptional(join(mounts.cpuacct, path, 'cpuacct.usage'));
    if (cpu === undefined) return undefined;
    const usage = readOptional(join(memoryDir, 'memory.usage_in_bytes'));
    if (usage === undefined) return undefined;
    const max = readOptional(join(memoryDir, 'memory.max_usage_in_bytes'));
    const limit = readOptional(join(memoryDir, 'memory.limit_in_bytes'));
    const stat = readOptional(join(memoryDir, 'memory.stat'));
    const io = mounts.blkio ? readOptional(join(mounts.blkio, path, 'blkio.throttle.io_service_bytes_recursive')) : undefined;
    const memoryStats = parseKeyValues(stat ?? '');
    const usageBytes = Number(usage);
    // The ECS agent's MemoryUtilized on cgroup v1: usage less the cache (hierarchical for a parent).
    const cache = memoryStats.total_cache ?? memoryStats.cache ?? 0;
    const storage = parseBlkioV1(io ?? '');
    return {
      cpuNanos: Number(cpu),
      memoryBytes: Math.max(0, usageBytes - cache),
      memoryUsageBytes: usageBytes,
      ...(max !== undefined ? { memoryMaxUsageBytes: Number(max) } : {}),
      ...(limit !== undefined ? { memoryLimitBytes: Number(limit) } : {}),
      memoryStats,
      storageReadBytes: storage.read,
      storageWriteBytes: storage.write,
    };
  }

  private async cgroupV2(dir: string): Promise<CgroupUsage | undefined> {
    const cpuStat = readOptional(join(dir, 'cpu.stat'));
    if (cpuStat === undefined) return undefined;
    const current = readOptional(join(dir, 'memory.current'));
    if (current === undefined) return undefined;
    const peak = readOptional(join(dir, 'memory.peak'));
    const max = readOptional(join(dir, 'memory.max'));
    const stat = readOptional(join(dir, 'memory.stat'));
    const io = readOptional(join(dir, 'io.stat'));
    const cpu = parseKeyValues(cpuStat);
    const memoryStats = parseKeyValues(stat ?? '');
    const usageBytes = Number(current);
    // cgroup v2 has no "cache" line: the agent and docker leave out inactive file pages.
    const inactive = memoryStats.inactive_file ?? 0;
    const storage = parseIoStatV2(io ?? '');
    const limit = max?.trim();
    return {
      cpuNanos: (cpu.usage_usec ?? 0) * 1000,
      memoryBytes: Math.max(0, usageBytes - inactive),
      memoryUsageBytes: usageBytes,
      ...(peak !== undefined ? { memoryMaxUsageBytes: Number(peak) } : {}),
      ...(limit !== undefined && limit !== 'max' ? { memoryLimitBytes: Number(limit) } : {}),
      memoryStats,
      storageReadBytes: storage.read,
      storageWriteBytes: storage.write,
    };
  }

  /** The task's namespace through the pause container's process; undefined when it is gone. */
  private async networks(sandbox: { readonly containerId: string; readonly cgroupParent: string }): Promise<Record<string, InterfaceCounters> | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let pid = this.pids.get(sandbox.containerId);
      if (pid === undefined) {
        pid = await this.pauseProcess(sandbox);
        if (pid === undefined) return undefined;
        this.pids.set(sandbox.containerId, pid);
      }
      const text = readOptional(join(this.procRoot, String(pid), 'net', 'dev'));
      if (text !== undefined) return parseNetDev(text);
      // The process is gone (a restarted sandbox gets a new pid): look it up once more.
      this.pids.delete(sandbox.containerId);
    }
    return undefined;
  }

  private async pauseProcess(sandbox: { readonly containerId: string; readonly cgroupParent: string }): Promise<number | undefined> {
    const base = this.layout === 'v2' ? this.fsRoot : (await this.v1Mounts()).cpuacct;
    const procs = readOptional(join(base, sandbox.cgroupParent, sandbox.containerId, 'cgroup.procs'));
    const first = procs?.split('\n').find((line) => line.trim() !== '');
    return first === undefined ? undefined : Number(first);
  }

  private hostCpuTime(): Promise<{ nanos: number; cpus: number } | undefined> {
    const now = Date.now();
    if (this.hostCpu && now - this.hostCpu.at < HOST_CPU_REUSE_MS) return this.hostCpu.reading;
    const text = readOptional(join(this.procRoot, 'stat'));
    const reading = Promise.resolve(text === undefined ? undefined : parseProcStat(text));
    this.hostCpu = { at: now, reading };
    return reading;
  }

  private v1Mounts(): Promise<V1Mounts> {
    this.mounts ??= (async () => {
      const resolve = (name: string) => realpath(join(this.fsRoot, name)).catch(() => undefined);
      const [cpuacct, memory, blkio] = await Promise.all([resolve('cpuacct'), resolve('memory'), resolve('blkio')]);
      if (!cpuacct || !memory) throw new Error(`cgroup v1 cpuacct and memory hierarchies not found under ${this.fsRoot}`);
      return { cpuacct, memory, blkio };
    })();
    return this.mounts;
  }
}

/** Every cgroup and proc file read here is small (memory.stat, the largest, is ~1.5 KiB). */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * A small kernel-generated file, read synchronously into one shared buffer:
 * three syscalls and no allocation beyond the string, several times cheaper
 * than fs.promises.readFile's thread-pool round trips. Each costs
 * microseconds; the sampler yields between tasks so the event loop is never
 * held for long. Undefined when the file is not there (a task that went).
 */
function readOptional(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      const n = readSync(fd, scratch, length, scratch.length - length, null);
      if (n <= 0) break;
      length += n;
      if (length === scratch.length) break;
    }
    return scratch.toString('latin1', 0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** `name value` lines (memory.stat, cpu.stat). */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out[line.slice(0, space)] = value;
  }
  return out;
}

/** v1 `blkio.throttle.io_service_bytes_recursive`: `8:0 Read 4096` lines and a `Total` line. */
export function parseBlkioV1(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const [, op, value] = line.split(' ');
    if (op === 'Read') read += Number(value) || 0;
    else if (op === 'Write') write += Number(value) || 0;
  }
  return { read, write };
}

/** v2 `io.stat`: `8:0 rbytes=4096 wbytes=0 rios=1 ...` per device. */
export function parseIoStatV2(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    for (const field of line.split(' ')) {
      if (field.startsWith('rbytes=')) read += Number(field.slice(7)) || 0;
      else if (field.startsWith('wbytes=')) write += Number(field.slice(7)) || 0;
    }
  }
  return { read, write };
}

/** /proc/<pid>/net/dev, loopback left out (the agent reports the task's interfaces only). */
export function parseNetDev(text: string): Record<string, InterfaceCounters> {
  const out: Record<string, InterfaceCounters> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo') continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    out[name] = { rxBytes: f[0]!, rxPackets: f[1]!, rxErrors: f[2]!, rxDropped: f[3]!, txBytes: f[8]!, txPackets: f[9]!, txErrors: f[10]!, txDropped: f[11]! };
  }
  return out;
}

/** The `cpu` line of /proc/stat summed (docker's system_cpu_usage), and how many `cpuN` lines. */
export function parseProcStat(text: string): { nanos: number; cpus: number } {
  let nanos = 0;
  let cpus = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
      nanos = fields.reduce((a, b) => a + b, 0) * CLOCK_TICK_NS;
    } else if (/^cpu\d/.test(line)) cpus++;
  }
  return { nanos, cpus };
}
