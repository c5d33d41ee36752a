import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KIND } from '../domain/ecs/record-keys.js';
import type { Task } from '../domain/task/task.js';
import { silentLogger } from '../ports/logger.js';
import type { MetricPoint } from '../ports/metric-store.js';
import type { ContainerRuntime, TaskUsage } from '../ports/runtime.js';
import type { RecordIndex, Scope, ScopedRecord, Store, StoredRecord, WriteOp } from '../ports/store.js';
import { TaskMetricsSampler } from './task-metrics-sampler.js';

const SCOPE: Scope = { account: '123456789012', region: 'us-east-1' };

/** A small in-memory store: enough of the port for the sampler (get, list, listAll, write, watch). */
class MemoryStore implements Store {
  private readonly records = new Map<string, ScopedRecord<unknown> & { kind: string }>();
  private readonly watchers = new Map<string, Set<(change: { kind: string; scope: Scope; id: string }) => void>>();
  async get<T>(kind: string, scope: Scope, id: string): Promise<StoredRecord<T> | undefined> {
    return this.records.get(`${kind}|${scope.account}|${scope.region}|${id}`) as StoredRecord<T> | undefined;
  }
  async list<T>(kind: string, scope: Scope): Promise<StoredRecord<T>[]> {
    return [...this.records.values()].filter((r) => r.kind === kind && r.scope.account === scope.account && r.scope.region === scope.region) as StoredRecord<T>[];
  }
  async listAll<T>(kind: string): Promise<ScopedRecord<T>[]> {
    return [...this.records.values()].filter((r) => r.kind === kind) as ScopedRecord<T>[];
  }
  // Index lookups by scanning: this fake holds a handful of records (paging is not needed here).
  async listByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string): Promise<StoredRecord<T>[]> {
    return (await this.list<T>(index.kind, scope)).filter((record) => index.keys(record.id, record.doc).includes(key));
  }
  async listIdsByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string): Promise<string[]> {
    return (await this.listByIndex(index, scope, key)).map((record) => record.id);
  }
  async listAllByIndex<T>(index: RecordIndex<T>, key: string): Promise<ScopedRecord<T>[]> {
    return (await this.listAll<T>(index.kind)).filter((record) => index.keys(record.id, record.doc).includes(key));
  }
  async countByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string): Promise<number> {
    return (await this.listByIndex(index, scope, key)).length;
  }
  async write(ops: readonly WriteOp[]): Promise<void> {
    for (const op of ops) {
      const key = `${op.kind}|${op.scope.account}|${op.scope.region}|${op.id}`;
      if (op.op === 'put') this.records.set(key, { kind: op.kind, scope: op.scope, id: op.id, doc: op.doc, version: (this.records.get(key)?.version ?? 0) + 1 });
      else this.records.delete(key);
      for (const listener of this.watchers.get(op.kind) ?? []) listener({ kind: op.kind, scope: op.scope, id: op.id });
    }
  }
  watch(kind: string, listener: (change: { kind: string; scope: Scope; id: string }) => void): () => void {
    const set = this.watchers.get(kind) ?? new Set();
    set.add(listener);
    this.watchers.set(kind, set);
    return () => set.delete(listener);
  }
  async wipe(): Promise<void> {
    this.records.clear();
  }
  async close(): Promise<void> {}
}

function task(id: string, over: { group?: string; cpu?: string; memory?: string; lastStatus?: string; cluster?: string; family?: string } = {}): Task {
  const cluster = over.cluster ?? 'c';
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/${cluster}/${id}`,
    lastStatus: over.lastStatus ?? 'RUNNING',
    cpu: over.cpu ?? '256',
    memory: over.memory ?? '512',
    group: over.group ?? 'family:web',
    wharf: { taskId: id, clusterName: cluster, family: over.family ?? 'web', sandbox: { containerId: `pause-${id}`, cgroupParent: `/wharf/${id}` }, containerIds: { app: `app-${id}` } },
  } as unknown as Task;
}

const MIB = 1024 * 1024;

function usage(at: number, cpuSeconds: number, memoryMiB: number, rx = 0): TaskUsage {
  return {
    timestamp: at,
    cpuNanos: cpuSeconds * 1e9,
    memoryBytes: memoryMiB * MIB,
    memoryUsageBytes: memoryMiB * MIB,
    memoryStats: {},
    storageReadBytes: 0,
    storageWriteBytes: 0,
    networks: { eth0: { rxBytes: rx, rxPackets: 0, rxErrors: 0, rxDropped: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0 } },
    containers: {},
  };
}

function world(timeScale = 1) {
  const store = new MemoryStore();
  let now = 1_700_000_000_000;
  const readings = new Map<string, TaskUsage>();
  const reads: string[] = [];
  const runtime: Pick<ContainerRuntime, 'taskUsage'> = {
    taskUsage: async (sandbox) => {
      reads.push(sandbox.containerId);
      return readings.get(sandbox.containerId);
    },
  };
  const points: MetricPoint[] = [];
  const sampler = new TaskMetricsSampler({
    store,
    runtime,
    metrics: { put: async (_scope, batch) => void points.push(...batch) },
    clock: { now: () => new Date(now) },
    logger: silentLogger,
    timeScale,
  });
  const put = (t: Task) => store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id: `${t.wharf.clusterName}/${t.wharf.taskId}`, doc: t, expect: 'absent' }]);
  return {
    store,
    sampler,
    points,
    reads,
    put,
    at: () => now,
    advance: (ms: number) => void (now += ms),
    reading: (id: string, u: TaskUsage) => readings.set(`pause-${id}`, u),
  };
}

const find = (points: readonly MetricPoint[], name: string, dims: Record<string, string>) =>
  points.filter((p) => p.metricName === name && p.dimensions.length === Object.keys(dims).length && p.dimensions.every((d) => dims[d.name] === d.value));

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('task metrics sampler', () => {
  test('a busy and an idle service task: CPUUtilization over the interval against the reservation, memory against the task memory', async () => {
    const w = world();
    await w.put(task('busy', { group: 'service:web' }));
    await w.put(task('idle', { group: 'service:web' }));
    await w.sampler.start();
    const t0 = w.at();
    w.reading('busy', usage(t0, 100, 64));
    w.reading('idle', usage(t0, 5, 128));
    await w.sampler.tick();
    assert.equal(w.points.length, 0, 'one reading is no interval yet');
    w.advance(10_000);
    // busy used 2.5 CPU-seconds in 10 s: a quarter vCPU, its whole 256-unit reservation.
    w.reading('busy', usage(t0 + 10_000, 102.5, 64));
    w.reading('idle', usage(t0 + 10_000, 5, 128));
    await w.sampler.tick();
    const [cpu] = find(w.points, 'CPUUtilization', { ClusterName: 'c', ServiceName: 'web' });
    assert.ok(cpu);
    assert.equal(cpu.unit, 'Percent');
    assert.equal(cpu.storageResolution, 60);
    assert.equal(cpu.timestamp, t0 + 10_000);
    // Two tasks, one sample of the six a minute has: a minute of samples counts each task once, as ECS does.
    const stats = cpu.statistics!;
    assert.ok(Math.abs(stats.sampleCount - 2 / 6) < 1e-9, `sample count ${stats.sampleCount}`);
    assert.ok(Math.abs(stats.sum / stats.sampleCount - 50) < 1e-9, 'the service: 256 of 512 reserved units');
    assert.equal(stats.minimum, 0);
    assert.equal(stats.maximum, 100);
    const [memory] = find(w.points, 'MemoryUtilization', { ClusterName: 'c', ServiceName: 'web' });
    assert.equal(memory!.statistics!.minimum, 12.5);
    assert.equal(memory!.statistics!.maximum, 25);
    assert.equal(find(w.points, 'CPUUtilization', { ClusterName: 'c' }).length, 1);
    assert.equal(w.points.filter((p) => p.namespace === 'ECS/ContainerInsights').length, 0, 'Container Insights is off by default');
    await w.sampler.stop();
  });

  test('the running set follows task writes without listing tasks each tick; the metadata view keeps two readings', async () => {
    const w = world();
    await w.sampler.start();
    assert.equal(w.sampler.runningCount, 0);
    const t = task('a');
    await w.put({ ...t, lastStatus: 'PENDING' } as Task);
    await settle();
    assert.equal(w.sampler.runningCount, 0, 'only RUNNING tasks are sampled');
    await w.store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id: 'c/a', doc: t, expect: 1 }]);
    await settle();
    assert.equal(w.sampler.runningCount, 1);
    w.reading('a', usage(w.at(), 1, 10));
    await w.sampler.tick();
    w.advance(10_000);
    w.reading('a', usage(w.at(), 2, 10));
    await w.sampler.tick();
    const seen = w.sampler.latest(t.taskArn)!;
    assert.equal(seen.current.cpuNanos, 2e9);
    assert.equal(seen.previous!.cpuNanos, 1e9);
    await w.store.write([{ op: 'put', kind: KIND.task, scope: SCOPE, id: 'c/a', doc: { ...t, lastStatus: 'STOPPED' }, expect: 2 }]);
    await settle();
    assert.equal(w.sampler.runningCount, 0);
    assert.equal(w.sampler.latest(t.taskArn), undefined);
    const reads = w.reads.length;
    await w.sampler.tick();
    assert.equal(w.reads.length, reads, 'a stopped task is not read');
    await w.sampler.stop();
  });

  test('under a time scale samples come faster and are stored per second', () => {
    const w = world(10);
    assert.equal(w.sampler.intervalMs, 1000);
  });

  test('Container Insights once a minute for a cluster that has it on: per-task figures over the minute and the service counts', async () => {
    const w = world();
    await w.store.write([
      { op: 'put', kind: KIND.cluster, scope: SCOPE, id: 'c', doc: { clusterName: 'c', settings: [{ name: 'containerInsights', value: 'enabled' }] }, expect: 'absent' },
      { op: 'put', kind: KIND.service, scope: SCOPE, id: 'c/web', doc: { serviceName: 'web', status: 'ACTIVE', desiredCount: 2, runningCount: 1, pendingCount: 1 }, expect: 'absent' },
    ]);
    await w.put(task('a', { group: 'service:web' }));
    await w.sampler.start();
    const t0 = w.at();
    for (let i = 0; i <= 6; i++) {
      // 0.125 vCPU busy throughout, 1000 bytes/s received.
      w.reading('a', usage(t0 + i * 10_000, i * 1.25, 100, i * 10_000));
      await w.sampler.tick();
      if (i < 6) w.advance(10_000);
    }
    const insights = w.points.filter((p) => p.namespace === 'ECS/ContainerInsights');
    assert.ok(insights.length > 0);
    const [cpu] = find(insights, 'CpuUtilized', { ClusterName: 'c', ServiceName: 'web' });
    assert.equal(cpu!.unit, 'None');
    assert.equal(cpu!.statistics!.sum, 128);
    const [rx] = find(insights, 'NetworkRxBytes', { ClusterName: 'c', TaskDefinitionFamily: 'web' });
    assert.equal(rx!.statistics!.sum, 1000);
    assert.equal(find(insights, 'MemoryUtilized', { ClusterName: 'c' })[0]!.statistics!.sum, 100);
    assert.equal(find(insights, 'DesiredTaskCount', { ClusterName: 'c', ServiceName: 'web' })[0]!.statistics!.sum, 2);
    assert.equal(find(insights, 'PendingTaskCount', { ClusterName: 'c', ServiceName: 'web' })[0]!.statistics!.sum, 1);
    assert.equal(new Set(insights.map((p) => p.timestamp)).size, 1, 'one Container Insights period in a minute of samples');
    await w.sampler.stop();
  });
});
