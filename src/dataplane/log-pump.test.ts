import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Task } from '../domain/task/task.js';
import type { IngestCursor, InputLogEvent, LogSink } from '../ports/log-store.js';
import { silentLogger } from '../ports/logger.js';
import type { ContainerLogLine, ContainerRuntime, ContainerState, FollowLogsOptions } from '../ports/runtime.js';
import type { Scope, ScopedRecord, Store, StoredRecord, WriteOp } from '../ports/store.js';
import { KIND } from '../domain/ecs/record-keys.js';
import { LogPump } from './log-pump.js';

class MemorySink implements LogSink {
  readonly groups = new Set<string>();
  readonly streams = new Map<string, InputLogEvent[]>();
  readonly cursors = new Map<string, string>();
  appends = 0;
  async groupExists(scope: Scope, group: string) {
    return this.groups.has(`${scope.account}|${scope.region}|${group}`);
  }
  async createGroupIfMissing(scope: Scope, group: string) {
    this.groups.add(`${scope.account}|${scope.region}|${group}`);
  }
  async ensureStream(scope: Scope, group: string, stream: string) {
    const key = `${scope.account}|${scope.region}|${group}|${stream}`;
    if (!this.streams.has(key)) this.streams.set(key, []);
  }
  async append(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], cursor: IngestCursor) {
    this.appends++;
    const key = `${scope.account}|${scope.region}|${group}|${stream}`;
    this.streams.set(key, [...(this.streams.get(key) ?? []), ...events]);
    this.cursors.set(cursor.source, cursor.position);
  }
  async cursor(source: string) {
    return this.cursors.get(source);
  }
}

/** A container's output the test writes to; followers see it live, and the follow ends once it has exited. */
class FakeRuntime {
  lines: ContainerLogLine[] = [];
  status: ContainerState['status'] = 'running';
  private wake: (() => void)[] = [];
  private second = 0;
  private nano = 0;

  write(line: string, stream: 'stdout' | 'stderr' = 'stdout', nextSecond = false): void {
    if (nextSecond) this.second++;
    const ns = String(++this.nano).padStart(9, '0');
    this.lines.push({ timestamp: `2024-05-01T10:00:${String(this.second).padStart(2, '0')}.${ns}Z`, stream, line });
    for (const wake of this.wake.splice(0)) wake();
  }
  exit(): void {
    this.status = 'exited';
    for (const wake of this.wake.splice(0)) wake();
  }
  async inspectContainer(id: string): Promise<ContainerState> {
    return { id, name: id, labels: {}, imageId: '', status: this.status, oomKilled: false };
  }
  subscribe() {
    return () => undefined;
  }
  async *followLogs(_id: string, options: FollowLogsOptions = {}): AsyncGenerator<ContainerLogLine> {
    let index = 0;
    for (;;) {
      while (index < this.lines.length) {
        const line = this.lines[index++]!;
        // Second granularity, as docker's since.
        if (Date.parse(line.timestamp) / 1000 >= Math.floor(options.since ?? 0)) yield line;
      }
      if (this.status === 'exited' || options.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        this.wake.push(resolve);
        options.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}

function taskStore(logConfiguration: Record<string, unknown>): Store {
  const task = {
    wharf: {
      taskId: 'task1',
      containerPlans: [{ name: 'app', logConfiguration }],
      containerIds: { app: 'c1' },
    },
  } as unknown as Task;
  return {
    listAll: async () => [{ scope: { account: '111122223333', region: 'us-east-1' }, id: 'task1', doc: task, version: 1 }],
    watch: () => () => undefined,
  } as unknown as Store;
}

const clock = { now: () => new Date(1_700_000_000_000) };
const KEY = '111122223333|us-east-1|g|p/app/task1';

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const awslogs = (extra: Record<string, string> = {}) => ({ logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'p', ...extra } });

describe('LogPump', () => {
  test('appends lines in order in batches, with the cursor, and drains after the exit', async () => {
    const sink = new MemorySink();
    const runtime = new FakeRuntime();
    const pump = new LogPump(taskStore(awslogs()), runtime as unknown as ContainerRuntime, sink, clock, silentLogger, { batchMs: 50 });
    pump.start();
    for (let i = 1; i <= 5; i++) runtime.write(`out ${i}`);
    await until('first lines', () => (sink.streams.get(KEY)?.length ?? 0) === 5);
    assert.equal(sink.appends, 1, 'what arrives together goes in one append');
    runtime.write('err 1', 'stderr');
    runtime.write('last');
    runtime.exit();
    await until('last lines', () => (sink.streams.get(KEY)?.length ?? 0) === 7);
    assert.deepEqual(sink.streams.get(KEY)!.map((e) => e.message), ['out 1', 'out 2', 'out 3', 'out 4', 'out 5', 'err 1', 'last']);
    assert.equal(sink.cursors.get('c1'), runtime.lines.at(-1)!.timestamp);
    await pump.stop();
  });

  test('a stderr line logged after a later-stamped stdout line is kept (the two pipes race in docker)', async () => {
    const sink = new MemorySink();
    const runtime = new FakeRuntime();
    const pump = new LogPump(taskStore(awslogs()), runtime as unknown as ContainerRuntime, sink, clock, silentLogger, { batchMs: 50 });
    pump.start();
    runtime.write('out 1');
    runtime.write('out 2');
    // Docker stamped this stderr line before 'out 2' (with out 1's time) but wrote it to the log after.
    const early = { timestamp: runtime.lines[0]!.timestamp, stream: 'stderr' as const, line: 'err 1' };
    runtime.lines.push(early);
    runtime.write('out 3');
    runtime.exit();
    await until('all four lines', () => (sink.streams.get(KEY)?.length ?? 0) === 4);
    assert.deepEqual(sink.streams.get(KEY)!.map((e) => e.message), ['out 1', 'out 2', 'err 1', 'out 3']);
    await pump.stop();
  });

  test('a restarted pump resumes after the cursor: nothing lost, nothing repeated, even within the same second', async () => {
    const sink = new MemorySink();
    const runtime = new FakeRuntime();
    const store = taskStore(awslogs());
    let pump = new LogPump(store, runtime as unknown as ContainerRuntime, sink, clock, silentLogger, { batchMs: 20 });
    pump.start();
    for (let i = 1; i <= 3; i++) runtime.write(`line ${i}`);
    await until('three lines', () => (sink.streams.get(KEY)?.length ?? 0) === 3);
    await pump.stop();
    // Written while no Wharf was following, in the same second as the saved cursor.
    for (let i = 4; i <= 6; i++) runtime.write(`line ${i}`);
    runtime.write('line 7', 'stdout', true);
    runtime.exit();
    pump = new LogPump(store, runtime as unknown as ContainerRuntime, sink, clock, silentLogger, { batchMs: 20 });
    pump.start();
    await until('all lines', () => (sink.streams.get(KEY)?.length ?? 0) >= 7);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(sink.streams.get(KEY)!.map((e) => e.message), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    await pump.stop();
  });

  test('awslogs-multiline-pattern joins continuation lines; an idle event is flushed', async () => {
    const sink = new MemorySink();
    const runtime = new FakeRuntime();
    const pump = new LogPump(taskStore(awslogs({ 'awslogs-multiline-pattern': '^\\[' })), runtime as unknown as ContainerRuntime, sink, clock, silentLogger, { batchMs: 20, multilineIdleMs: 100 });
    pump.start();
    runtime.write('[1] boom');
    runtime.write('  at a');
    runtime.write('[2] next');
    runtime.write('  more');
    await until('idle flush', () => (sink.streams.get(KEY)?.length ?? 0) === 2);
    assert.deepEqual(sink.streams.get(KEY)!.map((e) => e.message), ['[1] boom\n  at a', '[2] next\n  more']);
    await pump.stop();
  });

  test('containers without awslogs are not followed', async () => {
    const sink = new MemorySink();
    const runtime = new FakeRuntime();
    const pump = new LogPump(taskStore({ logDriver: 'json-file' }), runtime as unknown as ContainerRuntime, sink, clock, silentLogger, { batchMs: 20 });
    pump.start();
    runtime.write('hello');
    await pump.sync();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(sink.streams.size, 0);
    await pump.stop();
  });

  test('what it follows after random task writes (incremental, no rescan) equals what a scan of the tasks asks for', async () => {
    const runtime = new FakeRuntime();
    const store = new WatchedStore();
    const scopes: Scope[] = [{ account: '111122223333', region: 'us-east-1' }, { account: '444455556666', region: 'us-east-1' }];
    const pump = new LogPump(store as unknown as Store, runtime as unknown as ContainerRuntime, new MemorySink(), clock, silentLogger, { batchMs: 20, resyncMs: 3_600_000 });
    pump.start();
    await pump.settled();
    let state = 7;
    const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let step = 0; step < 150; step++) {
      const scope = scopes[Math.floor(next() * scopes.length)]!;
      const id = `c/task${Math.floor(next() * 6)}`;
      if (next() < 0.2) await store.write([{ op: 'delete', kind: KIND.task, scope, id }]);
      else {
        const plans = ['app', 'side'].map((name) => ({ name, logConfiguration: next() < 0.6 ? awslogs() : { logDriver: 'json-file' } }));
        const containerIds = Object.fromEntries(plans.filter(() => next() < 0.7).map((plan) => [plan.name, `${scope.account}-${id}-${plan.name}-${Math.floor(next() * 2)}`]));
        const task = { wharf: { taskId: id.slice(2), containerPlans: plans, containerIds } } as unknown as Task;
        await store.write([{ op: 'put', kind: KIND.task, scope, id, doc: task }]);
      }
      await pump.settled();
      const scanned = new Set<string>();
      for (const record of await store.listAll<Task>(KIND.task)) {
        for (const plan of record.doc.wharf.containerPlans) {
          const containerId = record.doc.wharf.containerIds[plan.name];
          if (containerId && (plan.logConfiguration as { logDriver?: string } | undefined)?.logDriver === 'awslogs') scanned.add(containerId);
        }
      }
      assert.deepEqual(pump.following().sort(), [...scanned].sort(), `step ${step}`);
    }
    await pump.stop();
  });
});

/** Just enough of a store for the pump: records by key, and watchers told after each write. */
class WatchedStore {
  private readonly records = new Map<string, ScopedRecord<unknown> & { kind: string }>();
  private readonly listeners: ((change: { kind: string; scope: Scope; id: string }) => void)[] = [];
  async get<T>(kind: string, scope: Scope, id: string): Promise<StoredRecord<T> | undefined> {
    return this.records.get(`${kind}|${scope.account}|${scope.region}|${id}`) as StoredRecord<T> | undefined;
  }
  async listAll<T>(kind: string): Promise<ScopedRecord<T>[]> {
    return [...this.records.values()].filter((record) => record.kind === kind) as ScopedRecord<T>[];
  }
  async write(ops: readonly WriteOp[]): Promise<void> {
    for (const op of ops) {
      const key = `${op.kind}|${op.scope.account}|${op.scope.region}|${op.id}`;
      if (op.op === 'delete') this.records.delete(key);
      else this.records.set(key, { kind: op.kind, scope: op.scope, id: op.id, version: (this.records.get(key)?.version ?? 0) + 1, doc: structuredClone(op.doc) });
    }
    for (const op of ops) for (const listener of this.listeners) listener({ kind: op.kind, scope: op.scope, id: op.id });
  }
  watch(_kind: string, listener: (change: { kind: string; scope: Scope; id: string }) => void): () => void {
    this.listeners.push(listener);
    return () => undefined;
  }
}
