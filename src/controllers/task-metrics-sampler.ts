/**
 * The task metrics sampler: every sample interval (10 s, divided by the time
 * scale, at least 1 s) it reads the usage of every RUNNING task of this Wharf
 * through the runtime port's cheap `taskUsage` (a few cgroup and proc files
 * per task), and publishes what ECS publishes for them: AWS/ECS
 * CPUUtilization and MemoryUtilization per service and cluster each sample,
 * and ECS/ContainerInsights once a (scaled) minute for clusters that have it
 * on. The math lives in domain/metrics/.
 *
 * The running set is kept by a watch on task records (one read per task
 * write), never by listing every task each tick. The last two readings of
 * each task stay in memory for the task metadata endpoint's `/stats`.
 */
import { KIND } from '../domain/ecs/record-keys.js';
import type { Cluster } from '../domain/ecs/cluster.js';
import { containerInsightsData, ecsUtilizationData, reservedOf, serviceNameOfGroup, type ServiceCounts, type TaskSample } from '../domain/metrics/ecs-metrics.js';
import { insightsPeriodMs, sampleIntervalMs, storageResolutionFor, type MetricDatum } from '../domain/metrics/metric-datum.js';
import { networkTotals, taskInterval, type UsageCounters } from '../domain/metrics/task-interval.js';
import type { Service } from '../domain/service/service.js';
import type { Task } from '../domain/task/task.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { MetricPoint, MetricStore } from '../ports/metric-store.js';
import type { ContainerRuntime, TaskRuntimes, TaskUsage } from '../ports/runtime.js';
import type { Scope, Store } from '../ports/store.js';

/**
 * Tasks read between yields to the event loop: the Docker runtime reads its
 * few small files per task synchronously (cheaper than thread-pool reads), so
 * a sweep of many tasks is cut into slices that hold the loop well under a
 * millisecond each (the load balancer's proxies share it).
 */
const TASKS_PER_SLICE = 4;
const INSIGHTS_SETTINGS = new Set(['enabled', 'enhanced']);

export interface TaskMetricsSamplerOptions {
  readonly store: Store;
  readonly runtime: Pick<ContainerRuntime, 'taskUsage'>;
  /** The engine of each task, when tasks run on several hosts; without it every task is read from `runtime`. */
  readonly runtimes?: TaskRuntimes;
  /** Where the points go (the metric store). */
  readonly metrics: Pick<MetricStore, 'put'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timeScale?: number;
}

/** The latest two readings of a task, for the metadata endpoint. */
export interface SampledUsage {
  readonly current: TaskUsage;
  readonly previous?: TaskUsage;
}

interface Tracked {
  task: Task;
  readonly scope: Scope;
  current?: TaskUsage;
  previous?: TaskUsage;
  /** The reading at the last Container Insights period's end. */
  insightsBase?: TaskUsage;
}

export class TaskMetricsSampler {
  readonly intervalMs: number;
  private readonly insightsEvery: number;
  /** A sample's share of the (scaled) minute ECS folds its samples over. */
  private readonly sampleWeight: number;
  private readonly storageResolution: 1 | 60;
  private readonly running = new Map<string, Tracked>();
  private readonly byArn = new Map<string, Tracked>();
  private unwatch: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private ticks = 0;
  /** Work spent in ticks (ms of wall time), for the benchmark. */
  tickMs = 0;

  constructor(private readonly options: TaskMetricsSamplerOptions) {
    const scale = options.timeScale ?? 1;
    this.intervalMs = sampleIntervalMs(scale);
    this.insightsEvery = Math.max(1, Math.round(insightsPeriodMs(scale) / this.intervalMs));
    this.sampleWeight = 1 / this.insightsEvery;
    this.storageResolution = storageResolutionFor(scale);
  }

  /** Loads the running tasks once, then follows task writes; samples every interval. */
  async start(): Promise<void> {
    const { store } = this.options;
    this.unwatch = store.watch(KIND.task, (change) => void this.refresh(change.scope, change.id));
    for (const record of await store.listAll<Task>(KIND.task)) this.track(record.scope, record.id, record.doc);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    // A restart (or a reset) starts from the store again.
    this.running.clear();
    this.byArn.clear();
  }

  /** The running tasks the sampler follows (for tests and diagnostics). */
  get runningCount(): number {
    return this.running.size;
  }

  /** The last two readings of a running task, by its ARN. */
  latest(taskArn: string): SampledUsage | undefined {
    const tracked = this.byArn.get(taskArn);
    if (!tracked?.current) return undefined;
    return { current: tracked.current, ...(tracked.previous ? { previous: tracked.previous } : {}) };
  }

  /** One sample of every running task, then the points (tests call it directly with a fake clock). */
  async tick(): Promise<void> {
    const started = performance.now();
    try {
      this.ticks++;
      const now = this.options.clock.now().getTime();
      const tracked = [...this.running.values()];
      for (let i = 0; i < tracked.length; i++) {
        await this.read(tracked[i]!);
        if (i % TASKS_PER_SLICE === TASKS_PER_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
      }
      const at = { timestamp: now, storageResolution: this.storageResolution };
      const byScope = new Map<string, { scope: Scope; samples: TaskSample[]; insights: TaskSample[] }>();
      const insightsDue = this.ticks % this.insightsEvery === 0;
      for (const entry of tracked) {
        if (!this.byArn.has(entry.task.taskArn) || !entry.current) continue;
        const bucket = bucketOf(byScope, entry.scope);
        const sample = entry.previous && sampleOf(entry, entry.previous, entry.current);
        if (sample) bucket.samples.push(sample);
        if (insightsDue) {
          const base = entry.insightsBase;
          const over = base && sampleOf(entry, base, entry.current);
          if (over) bucket.insights.push(over);
          entry.insightsBase = entry.current;
        }
      }
      for (const { scope, samples, insights } of byScope.values()) {
        const data = ecsUtilizationData(samples, at, this.sampleWeight);
        if (insightsDue) data.push(...(await this.insights(scope, insights, at)));
        if (data.length > 0) await this.options.metrics.put(scope, data as MetricPoint[]);
      }
      // Container Insights clusters without a running task still report their services' counts.
      if (insightsDue) await this.idleInsights(byScope, at);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'task metrics sample failed');
    } finally {
      this.tickMs += performance.now() - started;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        if (this.unwatch) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async refresh(scope: Scope, id: string): Promise<void> {
    try {
      const record = await this.options.store.get<Task>(KIND.task, scope, id);
      if (record) this.track(scope, id, record.doc);
      else this.untrack(keyOf(scope, id));
    } catch (error) {
      this.options.logger.debug({ err: error, task: id }, 'task metrics: reading a changed task failed');
    }
  }

  private track(scope: Scope, id: string, task: Task): void {
    const key = keyOf(scope, id);
    if (task.lastStatus !== 'RUNNING' || !task.wharf.sandbox) {
      this.untrack(key);
      return;
    }
    const existing = this.running.get(key);
    if (existing) existing.task = task;
    else {
      const tracked: Tracked = { task, scope };
      this.running.set(key, tracked);
      this.byArn.set(task.taskArn, tracked);
    }
  }

  private untrack(key: string): void {
    const tracked = this.running.get(key);
    if (!tracked) return;
    this.running.delete(key);
    this.byArn.delete(tracked.task.taskArn);
  }

  private async read(entry: Tracked): Promise<void> {
    const { task } = entry;
    try {
      const runtime = this.options.runtimes ? this.options.runtimes.of(task) : this.options.runtime;
      const usage = runtime ? await runtime.taskUsage(task.wharf.sandbox!, Object.values(task.wharf.containerIds)) : undefined;
      if (!usage) {
        // Gone (or not readable yet): no figures from readings of before.
        entry.current = entry.previous = undefined;
        return;
      }
      entry.previous = entry.current;
      entry.current = usage;
      entry.insightsBase ??= usage;
    } catch (error) {
      entry.current = entry.previous = undefined;
      this.options.logger.debug({ err: error, task: task.taskArn }, 'task usage could not be read');
    }
  }

  private async insights(scope: Scope, samples: TaskSample[], at: { timestamp: number; storageResolution: 1 | 60 }): Promise<MetricDatum[]> {
    const { clusters, services } = await this.insightsWorld(scope);
    return clusters.size === 0 ? [] : containerInsightsData(samples, services, clusters, at);
  }

  private async idleInsights(seen: Map<string, unknown>, at: { timestamp: number; storageResolution: 1 | 60 }): Promise<void> {
    const scopes = new Map<string, Scope>();
    for (const record of await this.options.store.listAll<Cluster>(KIND.cluster)) {
      const key = `${record.scope.account}|${record.scope.region}`;
      if (!seen.has(key) && insightsOn(record.doc)) scopes.set(key, record.scope);
    }
    for (const scope of scopes.values()) {
      const data = await this.insights(scope, [], at);
      if (data.length > 0) await this.options.metrics.put(scope, data as MetricPoint[]);
    }
  }

  /** The clusters with Container Insights on and their services' counts: read once a period, not per tick. */
  private async insightsWorld(scope: Scope): Promise<{ clusters: Set<string>; services: ServiceCounts[] }> {
    const clusters = new Set(
      (await this.options.store.list<Cluster>(KIND.cluster, scope)).filter((record) => insightsOn(record.doc)).map((record) => record.doc.clusterName),
    );
    if (clusters.size === 0) return { clusters, services: [] };
    const services: ServiceCounts[] = [];
    for (const record of await this.options.store.list<Service>(KIND.service, scope)) {
      const clusterName = record.id.slice(0, record.id.indexOf('/'));
      if (!clusters.has(clusterName) || (record.doc as { status?: string }).status === 'INACTIVE') continue;
      services.push({
        clusterName,
        serviceName: record.doc.serviceName,
        desiredCount: record.doc.desiredCount,
        runningCount: record.doc.runningCount,
        pendingCount: record.doc.pendingCount,
      });
    }
    return { clusters, services };
  }
}

function insightsOn(cluster: Cluster): boolean {
  return cluster.settings.some((setting) => setting.name === 'containerInsights' && INSIGHTS_SETTINGS.has(setting.value));
}

function keyOf(scope: Scope, id: string): string {
  return `${scope.account}|${scope.region}|${id}`;
}

function bucketOf<T extends { scope: Scope; samples: TaskSample[]; insights: TaskSample[] }>(buckets: Map<string, T>, scope: Scope): T {
  const key = `${scope.account}|${scope.region}`;
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = { scope, samples: [], insights: [] } as unknown as T;
    buckets.set(key, bucket);
  }
  return bucket;
}

function countersOf(usage: TaskUsage): UsageCounters {
  const network = networkTotals(usage.networks);
  return {
    timestamp: usage.timestamp,
    cpuNanos: usage.cpuNanos,
    memoryBytes: usage.memoryBytes,
    networkRxBytes: network.rx,
    networkTxBytes: network.tx,
    storageReadBytes: usage.storageReadBytes,
    storageWriteBytes: usage.storageWriteBytes,
  };
}

function sampleOf(entry: Tracked, before: TaskUsage, after: TaskUsage): TaskSample | undefined {
  const use = taskInterval(countersOf(before), countersOf(after));
  if (!use) return undefined;
  const { task } = entry;
  const reserved = reservedOf(task);
  const serviceName = serviceNameOfGroup(task.group);
  return {
    clusterName: task.wharf.clusterName,
    ...(serviceName ? { serviceName } : {}),
    family: task.wharf.family,
    cpuReserved: reserved.cpu,
    memoryReservedMiB: reserved.memoryMiB,
    use,
  };
}
