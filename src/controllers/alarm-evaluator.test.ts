import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALARM_HISTORY_KIND, ALARM_KIND, type AlarmHistoryRecord, type AlarmRecord } from '../domain/cloudwatch/alarm-record.js';
import { planPutMetricAlarm, type PutMetricAlarmInput } from '../domain/cloudwatch/alarm-rules.js';
import type { AlarmActionInvocation, AlarmActions } from '../ports/alarm-actions.js';
import { silentLogger } from '../ports/logger.js';
import type { ListedMetric, ListMetricsQuery, MetricAggregate, MetricPoint, MetricQuery, MetricStore } from '../ports/metric-store.js';
import { StaleWriteError, type ListQuery, type ScopedRecord, type Scope, type RecordIndex, type Store, type StoredRecord, type WriteOp } from '../ports/store.js';
import { AlarmEvaluator } from './alarm-evaluator.js';

// --- small in-memory fakes of the two ports --------------------------------

class MemoryStore implements Store {
  private readonly records = new Map<string, ScopedRecord<unknown> & { kind: string }>();
  private readonly key = (kind: string, scope: Scope, id: string) => `${kind}|${scope.account}|${scope.region}|${id}`;
  async get<T>(kind: string, scope: Scope, id: string): Promise<StoredRecord<T> | undefined> {
    return this.records.get(this.key(kind, scope, id)) as StoredRecord<T> | undefined;
  }
  async list<T>(kind: string, scope: Scope, query: ListQuery = {}): Promise<StoredRecord<T>[]> {
    return [...this.records.values()]
      .filter((r) => r.kind === kind && r.scope.account === scope.account && r.scope.region === scope.region && r.id.startsWith(query.prefix ?? ''))
      .sort((a, b) => a.id.localeCompare(b.id)) as StoredRecord<T>[];
  }
  async listAll<T>(kind: string): Promise<ScopedRecord<T>[]> {
    return [...this.records.values()].filter((r) => r.kind === kind).sort((a, b) => a.id.localeCompare(b.id)) as ScopedRecord<T>[];
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
      const current = this.records.get(this.key(op.kind, op.scope, op.id));
      if (op.expect === 'absent' ? current !== undefined : op.expect !== undefined && current?.version !== op.expect) throw new StaleWriteError(op.kind, op.id);
    }
    for (const op of ops) {
      const key = this.key(op.kind, op.scope, op.id);
      if (op.op === 'delete') this.records.delete(key);
      else this.records.set(key, { kind: op.kind, scope: op.scope, id: op.id, version: (this.records.get(key)?.version ?? 0) + 1, doc: structuredClone(op.doc) });
    }
  }
  watch(): () => void {
    return () => {};
  }
  async wipe(): Promise<void> {
    this.records.clear();
  }
  async close(): Promise<void> {}
}

/** Keeps raw points; a query folds them per period aligned to the epoch, as the adapter does. */
class MemoryMetricStore implements MetricStore {
  readonly points: (MetricPoint & { scope: Scope })[] = [];
  async put(scope: Scope, points: readonly MetricPoint[]): Promise<void> {
    this.points.push(...points.map((p) => ({ ...p, scope })));
  }
  async query(scope: Scope, q: MetricQuery): Promise<MetricAggregate[]> {
    const dims = (d: readonly { name: string; value: string }[]) => JSON.stringify([...d].sort((a, b) => a.name.localeCompare(b.name)));
    const buckets = new Map<string, { timestamp: number; unit: string; values: { value: number; count: number }[]; sets: NonNullable<MetricPoint['statistics']>[] }>();
    for (const p of this.points) {
      if (p.scope.account !== scope.account || p.namespace !== q.namespace || p.metricName !== q.metricName || dims(p.dimensions) !== dims(q.dimensions)) continue;
      if (p.timestamp < q.startTime || p.timestamp >= q.endTime || (q.unit !== undefined && p.unit !== q.unit)) continue;
      const timestamp = Math.floor(p.timestamp / (q.period * 1000)) * q.period * 1000;
      const key = `${timestamp}/${p.unit}`;
      const bucket = buckets.get(key) ?? { timestamp, unit: p.unit, values: [], sets: [] };
      if (p.values) bucket.values.push(...p.values);
      if (p.statistics) bucket.sets.push(p.statistics);
      buckets.set(key, bucket);
    }
    return [...buckets.values()]
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((b) => {
        const all = [...b.values.map((v) => ({ sampleCount: v.count, sum: v.value * v.count, minimum: v.value, maximum: v.value })), ...b.sets];
        return {
          timestamp: b.timestamp,
          unit: b.unit,
          sampleCount: all.reduce((n, s) => n + s.sampleCount, 0),
          sum: all.reduce((n, s) => n + s.sum, 0),
          minimum: Math.min(...all.map((s) => s.minimum)),
          maximum: Math.max(...all.map((s) => s.maximum)),
          ...(b.sets.length === 0 ? { distribution: b.values } : {}),
        };
      });
  }
  async listMetrics(_scope: Scope, _query: ListMetricsQuery): Promise<ListedMetric[]> {
    return [];
  }
  async compact(): Promise<void> {}
  async stats() {
    return { rows: this.points.length, bytes: 0 };
  }
  async wipe(): Promise<void> {
    this.points.length = 0;
  }
  async close(): Promise<void> {}
}

// --- the world ---------------------------------------------------------------

const SCOPE: Scope = { account: '000000000000', region: 'us-east-1' };
const T0 = Date.UTC(2026, 11, 2, 5, 0, 0);
const MIN = 60_000;
const POLICY = 'arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:p:resource/ecs/service/c/s:policyName/up';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:ops';

function world(timeScale = 1) {
  const store = new MemoryStore();
  const metrics = new MemoryMetricStore();
  let now = T0;
  const invoked: AlarmActionInvocation[] = [];
  let failNext = false;
  const actions: AlarmActions = {
    serves: (arn) => arn.includes(':autoscaling:'),
    async invoke(invocation) {
      if (failNext) {
        failNext = false;
        throw new Error('policy is gone');
      }
      invoked.push(invocation);
    },
  };
  const clock = { now: () => new Date(now) };
  const evaluator = new AlarmEvaluator({ store, metrics, clock, logger: silentLogger, timeScale, actions });
  return {
    store,
    metrics,
    evaluator,
    invoked,
    failNextAction: () => (failNext = true),
    at: (ms: number) => (now = ms),
    async putAlarm(input: Partial<PutMetricAlarmInput> = {}, wharf: AlarmRecord['wharf'] = {}) {
      const record = planPutMetricAlarm(
        { AlarmName: 'cpu-high', MetricName: 'CPU', Namespace: 'App', Statistic: 'Average', Period: 60, EvaluationPeriods: 3, Threshold: 70, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [POLICY, TOPIC], ...input },
        undefined,
        { partition: 'aws', region: SCOPE.region, account: SCOPE.account, now },
      );
      await store.write([{ op: 'put', kind: ALARM_KIND, scope: SCOPE, id: record.AlarmName, doc: { ...record, wharf }, expect: 'absent' }]);
    },
    async cpu(at: number, value: number, name = 'CPU') {
      await metrics.put(SCOPE, [{ namespace: 'App', metricName: name, dimensions: [], timestamp: at, unit: 'Percent', storageResolution: 1, values: [{ value, count: 1 }] }]);
    },
    async alarm(name = 'cpu-high') {
      return (await store.get<AlarmRecord>(ALARM_KIND, SCOPE, name))!.doc;
    },
    async history() {
      return (await store.list<AlarmHistoryRecord>(ALARM_HISTORY_KIND, SCOPE)).map((r) => r.doc);
    },
  };
}

test('no data: INSUFFICIENT_DATA stays, nothing is written', async () => {
  const w = world();
  await w.putAlarm();
  w.at(T0 + 4 * MIN);
  assert.equal(await w.evaluator.pass(), 1);
  assert.equal((await w.alarm()).StateValue, 'INSUFFICIENT_DATA');
  assert.equal((await w.history()).length, 0);
});

test('three breaching minutes: ALARM with CloudWatch reason, history and actions; re-invoked once a period while in ALARM', async () => {
  const w = world();
  await w.putAlarm();
  for (const [i, v] of [75.2, 74, 72.1].entries()) await w.cpu(T0 + i * MIN + 5000, v);
  w.at(T0 + 3 * MIN + 10_000);
  await w.evaluator.pass();
  const alarm = await w.alarm();
  assert.equal(alarm.StateValue, 'ALARM');
  assert.equal(alarm.StateReason, 'Threshold Crossed: 3 datapoints [72.1 (02/12/26 05:02:00), 74.0 (02/12/26 05:01:00), 75.2 (02/12/26 05:00:00)] were greater than the threshold (70.0).');
  assert.deepEqual(JSON.parse(alarm.StateReasonData!).recentDatapoints, [75.2, 74, 72.1]);
  assert.equal(alarm.StateTransitionedTimestamp, T0 + 3 * MIN + 10_000);
  const history = await w.history();
  assert.deepEqual(history.map((h) => [h.HistoryItemType, h.HistorySummary]).sort(), [
    ['Action', `Failed to execute action ${TOPIC}`],
    ['Action', `Successfully executed action ${POLICY}`],
    ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
  ]);
  assert.equal(w.invoked.length, 1);
  assert.equal(w.invoked[0]!.actionArn, POLICY);
  assert.deepEqual(w.invoked[0]!.datapoints.map((p) => p.value), [75.2, 74, 72.1]);

  // Same minute again: not due. Next minute, still breaching: only the policy, again, no new history.
  await w.evaluator.pass();
  assert.equal(w.invoked.length, 1);
  await w.cpu(T0 + 3 * MIN + 5000, 90);
  w.at(T0 + 4 * MIN + 10_000);
  await w.evaluator.pass();
  assert.equal(w.invoked.length, 2);
  assert.equal((await w.history()).length, 3);

  // Back under the threshold: OK, no OK actions.
  for (const i of [4, 5, 6]) await w.cpu(T0 + i * MIN + 5000, 10);
  w.at(T0 + 7 * MIN + 10_000);
  await w.evaluator.pass();
  assert.equal((await w.alarm()).StateValue, 'OK');
  assert.match((await w.alarm()).StateReason, /^Threshold Crossed: 3 datapoints \[10\.0 .*\] were not greater than the threshold \(70\.0\)\.$/);
  assert.equal(w.invoked.length, 2);
});

test('disabled actions are not invoked; a failing action is a failed Action item', async () => {
  const w = world();
  await w.putAlarm({ ActionsEnabled: false, EvaluationPeriods: 1 });
  await w.cpu(T0 + 5000, 99);
  w.at(T0 + MIN + 10_000);
  await w.evaluator.pass();
  assert.equal((await w.alarm()).StateValue, 'ALARM');
  assert.equal(w.invoked.length, 0);
  assert.deepEqual((await w.history()).map((h) => h.HistoryItemType), ['StateUpdate']);

  const v = world();
  await v.putAlarm({ EvaluationPeriods: 1, AlarmActions: [POLICY] });
  await v.cpu(T0 + 5000, 99);
  v.failNextAction();
  v.at(T0 + MIN + 10_000);
  await v.evaluator.pass();
  const action = (await v.history()).find((h) => h.HistoryItemType === 'Action')!;
  assert.equal(action.HistorySummary, `Failed to execute action ${POLICY}`);
  assert.equal(JSON.parse(action.HistoryData).error, 'policy is gone');
});

test('under a time scale, a 60 s period is 60/scale seconds of data and evaluated that often', async () => {
  const w = world(30); // 2 s periods
  await w.putAlarm({ EvaluationPeriods: 2, AlarmActions: [] });
  await w.cpu(T0 + 100, 80);
  await w.cpu(T0 + 2100, 85);
  w.at(T0 + 4000 + 300);
  await w.evaluator.pass();
  assert.equal((await w.alarm()).StateValue, 'ALARM');
  assert.match((await w.alarm()).StateReason, /2 datapoints \[85\.0 \(02\/12\/26 05:00:02\), 80\.0 \(02\/12\/26 05:00:00\)\]/);
});

test('metric math alarms and percentiles', async () => {
  const w = world();
  await w.putAlarm({
    MetricName: undefined,
    Namespace: undefined,
    Statistic: undefined,
    Period: undefined,
    EvaluationPeriods: 1,
    Threshold: 100,
    AlarmActions: [],
    Metrics: [
      { Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: 'App', MetricName: 'CPU' }, Period: 60, Stat: 'Sum' } },
      { Id: 'm2', ReturnData: false, MetricStat: { Metric: { Namespace: 'App', MetricName: 'MEM' }, Period: 60, Stat: 'Sum' } },
      { Id: 'e1', Expression: 'm1 + m2' },
    ],
  });
  await w.cpu(T0 + 1000, 60);
  await w.cpu(T0 + 2000, 50, 'MEM');
  w.at(T0 + MIN + 10_000);
  await w.evaluator.pass();
  assert.equal((await w.alarm()).StateValue, 'ALARM');
  assert.match((await w.alarm()).StateReason, /\[110\.0 /);

  const p = world();
  await p.putAlarm({ AlarmName: 'p90', Statistic: undefined, ExtendedStatistic: 'p90', EvaluationPeriods: 1, AlarmActions: [] });
  for (let i = 1; i <= 10; i++) await p.cpu(T0 + i * 1000, i * 10);
  p.at(T0 + MIN + 10_000);
  await p.evaluator.pass();
  assert.equal((await p.alarm('p90')).StateValue, 'ALARM'); // p90 = 90 > 70
  assert.match((await p.alarm('p90')).StateReason, /\[90\.0 /);
});

test('SetAlarmState actions run on the next pass; a restarted evaluator picks up from the store alone', async () => {
  const w = world();
  await w.putAlarm({ EvaluationPeriods: 1 });
  const record = (await w.store.get<AlarmRecord>(ALARM_KIND, SCOPE, 'cpu-high'))!;
  // As SetAlarmState leaves it: ALARM, actions pending. The data (none) then say INSUFFICIENT_DATA.
  await w.store.write([{ op: 'put', kind: ALARM_KIND, scope: SCOPE, id: 'cpu-high', doc: { ...record.doc, StateValue: 'ALARM', wharf: { pendingActions: 'ALARM' } }, expect: record.version }]);
  w.at(T0 + 30_000);
  await w.evaluator.pass();
  assert.deepEqual(w.invoked.map((i) => [i.actionArn, i.state]), [[POLICY, 'ALARM']]);
  assert.equal((await w.alarm()).StateValue, 'INSUFFICIENT_DATA');
  assert.equal((await w.alarm()).wharf.pendingActions, undefined);
  assert.equal((await w.history()).filter((h) => h.HistoryItemType === 'Action').length, 2);

  const again = new AlarmEvaluator({ store: w.store, metrics: w.metrics, clock: { now: () => new Date(T0 + 2 * MIN + 10_000) }, logger: silentLogger });
  await w.cpu(T0 + MIN + 1000, 95);
  assert.equal(await again.pass(), 1);
  assert.equal((await w.alarm()).StateValue, 'ALARM');
});

test('managed (target tracking) alarms are evaluated like any other', async () => {
  const w = world();
  await w.putAlarm({ EvaluationPeriods: 1, AlarmActions: [POLICY] }, { managedBy: POLICY });
  await w.cpu(T0 + 1000, 99);
  w.at(T0 + MIN + 10_000);
  await w.evaluator.pass();
  assert.equal(w.invoked.length, 1);
  assert.equal(w.invoked[0]!.state, 'ALARM');
});

test('history older than two weeks is swept', async () => {
  const w = world();
  const item = (timestamp: number, id: string) => ({ op: 'put' as const, kind: ALARM_HISTORY_KIND, scope: SCOPE, id, doc: { AlarmName: 'a', AlarmType: 'MetricAlarm', Timestamp: timestamp, HistoryItemType: 'StateUpdate', HistorySummary: 's', HistoryData: '{}' } });
  await w.store.write([item(T0 - 15 * 86_400_000, 'a/old'), item(T0 - 13 * 86_400_000, 'a/new')]);
  assert.equal(await w.evaluator.sweepHistory(T0), 1);
  assert.deepEqual((await w.store.list(ALARM_HISTORY_KIND, SCOPE)).map((r) => r.id), ['a/new']);
});
