import { configurationItem, historyId, historyPrefix, stateUpdateItem } from '../../domain/cloudwatch/alarm-history.js';
import { ALARM_HISTORY_KIND, ALARM_KIND, type AlarmHistoryRecord, type AlarmRecord, type AlarmState } from '../../domain/cloudwatch/alarm-record.js';
import { checkStateReasonData, managedAlarmError, planPutMetricAlarm, type PutMetricAlarmInput } from '../../domain/cloudwatch/alarm-rules.js';
import { invalidNextToken, invalidParameterCombination, resourceNotFound, validationError } from '../../domain/cloudwatch/errors.js';
import { retryOnStale, type Scope, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

function offsetToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

function readOffset(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof value.offset === 'number' && Number.isInteger(value.offset) && value.offset >= 0) return value.offset;
  } catch {
    // answered below
  }
  throw invalidNextToken();
}

function maxRecords(value: number | undefined, fallback = 50): number {
  if (value === undefined) return fallback;
  if (value < 1 || value > 100) throw validationError(`The value ${value} for parameter MaxRecords is invalid: it must be between 1 and 100.`); // unverified wording
  return value;
}

function paged<T>(items: readonly T[], token: string | undefined, limit: number): { items: T[]; NextToken?: string } {
  const offset = readOffset(token);
  const slice = items.slice(offset, offset + limit);
  return { items: slice, ...(offset + limit < items.length ? { NextToken: offsetToken(offset + limit) } : {}) };
}

/** What leaves for a MetricAlarm: the record minus Wharf's bookkeeping (the serializer drops unmodelled members too). */
function wire(alarm: AlarmRecord) {
  const { wharf: _wharf, Tags: _tags, ...rest } = alarm;
  return rest;
}

function historyOps(scope: Scope, items: readonly AlarmHistoryRecord[], suffix: string): WriteOp[] {
  return items.map((item, index) => ({ op: 'put', kind: ALARM_HISTORY_KIND, scope, id: historyId(item.AlarmName, item.Timestamp, `${suffix}${index}`), doc: item, expect: 'absent' }));
}

function alarmNotFound(name: string) {
  return resourceNotFound(`Alarm ${name} not found`); // unverified wording
}

async function allAlarms(store: Store, scope: Scope): Promise<StoredRecord<AlarmRecord>[]> {
  return store.list<AlarmRecord>(ALARM_KIND, scope);
}

export function alarmHandlers(store: Store) {
  return {
    async PutMetricAlarm(input: PutMetricAlarmInput, ctx: RequestContext) {
      await retryOnStale(async () => {
        const existing = await store.get<AlarmRecord>(ALARM_KIND, ctx.scope, input.AlarmName);
        const now = ctx.now.getTime();
        const record = planPutMetricAlarm(input, existing?.doc, { partition: ctx.partition, region: ctx.scope.region, account: ctx.scope.account, now });
        await store.write([
          { op: 'put', kind: ALARM_KIND, scope: ctx.scope, id: record.AlarmName, doc: record, expect: existing ? existing.version : 'absent' },
          ...historyOps(ctx.scope, [configurationItem(record, existing ? 'updated' : 'created', now)], ctx.requestId),
        ]);
      });
      return {};
    },

    async DescribeAlarms(
      input: {
        AlarmNames?: string[];
        AlarmNamePrefix?: string;
        AlarmTypes?: string[];
        ChildrenOfAlarmName?: string;
        ParentsOfAlarmName?: string;
        StateValue?: AlarmState;
        ActionPrefix?: string;
        MaxRecords?: number;
        NextToken?: string;
      },
      ctx: RequestContext,
    ) {
      if (input.AlarmNames && input.AlarmNames.length > 0 && input.AlarmNamePrefix !== undefined) {
        throw invalidParameterCombination('AlarmNames and AlarmNamePrefix cannot be specified together.'); // unverified wording
      }
      const limit = maxRecords(input.MaxRecords);
      const types = input.AlarmTypes ?? ['MetricAlarm'];
      const wantMetric = types.includes('MetricAlarm') && input.ChildrenOfAlarmName === undefined && input.ParentsOfAlarmName === undefined;
      const names = input.AlarmNames && input.AlarmNames.length > 0 ? new Set(input.AlarmNames) : undefined;
      const alarms = wantMetric
        ? (await allAlarms(store, ctx.scope))
            .map((record) => record.doc)
            .filter((alarm) => !names || names.has(alarm.AlarmName))
            .filter((alarm) => input.AlarmNamePrefix === undefined || alarm.AlarmName.startsWith(input.AlarmNamePrefix))
            .filter((alarm) => input.StateValue === undefined || alarm.StateValue === input.StateValue)
            .filter((alarm) => input.ActionPrefix === undefined || [...alarm.AlarmActions, ...alarm.OKActions, ...alarm.InsufficientDataActions].some((arn) => arn.startsWith(input.ActionPrefix!)))
        : [];
      const page = paged(alarms, input.NextToken, limit);
      return { MetricAlarms: page.items.map(wire), CompositeAlarms: [], ...(page.NextToken ? { NextToken: page.NextToken } : {}) };
    },

    async DescribeAlarmsForMetric(
      input: { MetricName: string; Namespace: string; Statistic?: string; ExtendedStatistic?: string; Dimensions?: { Name: string; Value: string }[]; Period?: number; Unit?: string },
      ctx: RequestContext,
    ) {
      const key = (dimensions: readonly { Name: string; Value: string }[]) =>
        JSON.stringify([...dimensions].sort((a, b) => a.Name.localeCompare(b.Name)).map((d) => [d.Name, d.Value]));
      const alarms = (await allAlarms(store, ctx.scope))
        .map((record) => record.doc)
        .filter((alarm) => alarm.MetricName === input.MetricName && alarm.Namespace === input.Namespace)
        .filter((alarm) => input.Statistic === undefined || alarm.Statistic === input.Statistic)
        .filter((alarm) => input.ExtendedStatistic === undefined || alarm.ExtendedStatistic === input.ExtendedStatistic)
        .filter((alarm) => input.Dimensions === undefined || key(alarm.Dimensions) === key(input.Dimensions))
        .filter((alarm) => input.Period === undefined || alarm.Period === input.Period)
        .filter((alarm) => input.Unit === undefined || alarm.Unit === input.Unit);
      return { MetricAlarms: alarms.map(wire) };
    },

    async DescribeAlarmHistory(
      input: { AlarmName?: string; AlarmTypes?: string[]; HistoryItemType?: string; StartDate?: Date; EndDate?: Date; MaxRecords?: number; NextToken?: string; ScanBy?: string },
      ctx: RequestContext,
    ) {
      const limit = maxRecords(input.MaxRecords, 100);
      const records = await store.list<AlarmHistoryRecord>(ALARM_HISTORY_KIND, ctx.scope, input.AlarmName !== undefined ? { prefix: historyPrefix(input.AlarmName) } : {});
      const types = input.AlarmTypes ?? ['MetricAlarm', 'CompositeAlarm'];
      const start = input.StartDate?.getTime() ?? -Infinity;
      const end = input.EndDate?.getTime() ?? Infinity;
      const items = records
        .map((record) => ({ id: record.id, item: record.doc }))
        .filter(({ item }) => types.includes(item.AlarmType))
        .filter(({ item }) => input.HistoryItemType === undefined || item.HistoryItemType === input.HistoryItemType)
        .filter(({ item }) => item.Timestamp >= start && item.Timestamp <= end)
        .sort((a, b) => a.item.Timestamp - b.item.Timestamp || a.id.localeCompare(b.id));
      if ((input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending') items.reverse();
      const page = paged(items, input.NextToken, limit);
      return { AlarmHistoryItems: page.items.map(({ item }) => item), ...(page.NextToken ? { NextToken: page.NextToken } : {}) };
    },

    async DeleteAlarms(input: { AlarmNames: string[] }, ctx: RequestContext) {
      await retryOnStale(async () => {
        const found = await Promise.all(input.AlarmNames.map(async (name) => ({ name, record: await store.get<AlarmRecord>(ALARM_KIND, ctx.scope, name) })));
        const missing = found.filter((entry) => !entry.record).map((entry) => entry.name);
        if (missing.length > 0) throw resourceNotFound(`${missing.length} of the alarms you specified could not be found: [${missing.join(', ')}]`); // unverified wording
        const managed = found.find((entry) => entry.record!.doc.wharf.managedBy);
        if (managed) throw managedAlarmError(managed.name);
        const now = ctx.now.getTime();
        const ops: WriteOp[] = [];
        for (const { name, record } of found) {
          ops.push({ op: 'delete', kind: ALARM_KIND, scope: ctx.scope, id: name, expect: record!.version });
          ops.push(...historyOps(ctx.scope, [configurationItem(record!.doc, 'deleted', now)], `${ctx.requestId}-${ops.length}-`));
        }
        if (ops.length > 0) await store.write(ops);
      });
      return {};
    },

    async SetAlarmState(input: { AlarmName: string; StateValue: AlarmState; StateReason: string; StateReasonData?: string }, ctx: RequestContext) {
      checkStateReasonData(input.StateReasonData);
      await retryOnStale(async () => {
        const existing = await store.get<AlarmRecord>(ALARM_KIND, ctx.scope, input.AlarmName);
        if (!existing) throw alarmNotFound(input.AlarmName);
        const before = existing.doc;
        const now = ctx.now.getTime();
        const changed = before.StateValue !== input.StateValue;
        const { StateReasonData: _old, ...rest } = before;
        const after: AlarmRecord = {
          ...rest,
          StateValue: input.StateValue,
          StateReason: input.StateReason,
          ...(input.StateReasonData !== undefined ? { StateReasonData: input.StateReasonData } : {}),
          StateUpdatedTimestamp: now,
          StateTransitionedTimestamp: changed ? now : before.StateTransitionedTimestamp,
          // The evaluator invokes the actions of the state set here on its next pass.
          wharf: { ...before.wharf, ...(changed && before.ActionsEnabled ? { pendingActions: input.StateValue } : {}) },
        };
        await store.write([
          { op: 'put', kind: ALARM_KIND, scope: ctx.scope, id: input.AlarmName, doc: after, expect: existing.version },
          ...(changed ? historyOps(ctx.scope, [stateUpdateItem(before, after, now)], ctx.requestId) : []),
        ]);
      });
      return {};
    },

    async EnableAlarmActions(input: { AlarmNames: string[] }, ctx: RequestContext) {
      await setActionsEnabled(store, ctx.scope, input.AlarmNames, true);
      return {};
    },

    async DisableAlarmActions(input: { AlarmNames: string[] }, ctx: RequestContext) {
      await setActionsEnabled(store, ctx.scope, input.AlarmNames, false);
      return {};
    },
  };
}

async function setActionsEnabled(store: Store, scope: Scope, names: readonly string[], enabled: boolean): Promise<void> {
  await retryOnStale(async () => {
    const ops: WriteOp[] = [];
    for (const name of names) {
      const record = await store.get<AlarmRecord>(ALARM_KIND, scope, name);
      if (!record || record.doc.ActionsEnabled === enabled) continue;
      ops.push({ op: 'put', kind: ALARM_KIND, scope, id: name, doc: { ...record.doc, ActionsEnabled: enabled }, expect: record.version });
    }
    if (ops.length > 0) await store.write(ops);
  });
}

