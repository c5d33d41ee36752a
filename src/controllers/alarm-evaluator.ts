import { actionItem, historyExpired, historyId, stateUpdateItem } from '../domain/cloudwatch/alarm-history.js';
import { ALARM_HISTORY_KIND, ALARM_KIND, type AlarmHistoryRecord, type AlarmRecord } from '../domain/cloudwatch/alarm-record.js';
import { alarmPeriod } from '../domain/cloudwatch/alarm-rules.js';
import { actionsOf, actionsToInvoke, evaluateAlarm, evaluationCadenceMs, evaluationRangePeriods, evaluationWindow, scaledPeriodMs, type EvaluatedPoint } from '../domain/cloudwatch/alarm-evaluation.js';
import { runMetricQueries } from '../domain/cloudwatch/metric-queries.js';
import { bucketAggregates, computeStatistic, parseStatistic, storePeriodFor } from '../domain/cloudwatch/statistics.js';
import type { AlarmActions } from '../ports/alarm-actions.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { MetricStore } from '../ports/metric-store.js';
import { StaleWriteError, type Scope, type Store, type StoredRecord } from '../ports/store.js';

export interface AlarmEvaluatorOptions {
  readonly store: Store;
  readonly metrics: MetricStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Divides periods and the evaluation cadence (WHARF_TIME_SCALE). */
  readonly timeScale?: number;
  /** Where alarm actions go; without it every action is recorded as failed. */
  readonly actions?: AlarmActions;
  /** How often the evaluator looks for due alarms; default min(1 s, 60 s / scale), at least 100 ms. */
  readonly tickMs?: number;
}

/** How often expired alarm history is swept (the two weeks are not scaled: they are a retention, not a wait). */
const HISTORY_SWEEP_MS = 3_600_000;

const NOBODY: AlarmActions = { serves: () => false, invoke: async () => {} };

/**
 * Evaluates every metric alarm once per evaluation cadence (a minute, or the
 * period when shorter, divided by the time scale) over the last complete
 * periods of its evaluation range, read through the MetricStore port, and writes a state change with
 * its history (and the invoked actions' history) in one optimistic write.
 * Only the due times live in memory: after a restart every alarm is simply
 * due at once, and everything else is in the store.
 */
export class AlarmEvaluator {
  private readonly due = new Map<string, number>();
  private readonly timeScale: number;
  private readonly actions: AlarmActions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private seq = 0;
  private nextHistorySweep = 0;

  constructor(private readonly options: AlarmEvaluatorOptions) {
    this.timeScale = options.timeScale ?? 1;
    this.actions = options.actions ?? NOBODY;
  }

  start(): void {
    if (this.timer) return;
    const tick = this.options.tickMs ?? Math.max(100, Math.min(1000, 60_000 / this.timeScale));
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'alarm evaluation pass failed'))
        .finally(() => (this.running = undefined));
    }, tick);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Evaluates the alarms that are due; returns how many it evaluated. */
  async pass(): Promise<number> {
    const now = this.options.clock.now().getTime();
    const alarms = await this.options.store.listAll<AlarmRecord>(ALARM_KIND);
    const seen = new Set<string>();
    let evaluated = 0;
    for (const record of alarms) {
      const key = `${record.scope.account}/${record.scope.region}/${record.id}`;
      seen.add(key);
      const pending = record.doc.wharf.pendingActions !== undefined;
      if (!pending && (this.due.get(key) ?? 0) > now) continue;
      const cadence = evaluationCadenceMs(alarmPeriod(record.doc), this.timeScale);
      this.due.set(key, Math.floor(now / cadence) * cadence + cadence);
      try {
        await this.evaluate(record.scope, record, now);
        evaluated++;
      } catch (error) {
        if (error instanceof StaleWriteError) this.due.delete(key); // changed meanwhile: again on the next tick
        else this.options.logger.warn({ err: error, alarm: record.id }, 'alarm evaluation failed');
      }
    }
    for (const key of this.due.keys()) if (!seen.has(key)) this.due.delete(key);
    if (now >= this.nextHistorySweep) {
      this.nextHistorySweep = now + HISTORY_SWEEP_MS;
      await this.sweepHistory(now);
    }
    return evaluated;
  }

  /** Deletes history items past CloudWatch's two weeks; returns how many. */
  async sweepHistory(now: number): Promise<number> {
    const expired = (await this.options.store.listAll<AlarmHistoryRecord>(ALARM_HISTORY_KIND)).filter((record) => historyExpired(record.doc, now));
    for (let i = 0; i < expired.length; i += 500) {
      await this.options.store.write(expired.slice(i, i + 500).map((record) => ({ op: 'delete' as const, kind: ALARM_HISTORY_KIND, scope: record.scope, id: record.id })));
    }
    return expired.length;
  }

  /** The datapoints of the alarm's evaluation range, oldest first. */
  async datapoints(scope: Scope, alarm: AlarmRecord, now: number): Promise<{ points: EvaluatedPoint[]; periodMs: number }> {
    const period = alarmPeriod(alarm);
    const periodMs = scaledPeriodMs(period, this.timeScale);
    const window = evaluationWindow(now, periodMs, evaluationRangePeriods(alarm.EvaluationPeriods));
    const values = new Map<number, { value: number; sampleCount?: number }>();
    if (alarm.Metrics && alarm.Metrics.length > 0) {
      const results = await runMetricQueries(alarm.Metrics, window.startTime, window.endTime, (request) => this.options.metrics.query(scope, request), {
        periodMs: (p) => scaledPeriodMs(p, this.timeScale),
      });
      for (const [t, v] of results[0]?.points ?? []) values.set(t, { value: v });
    } else {
      const seconds = Math.max(1, Math.round(periodMs / 1000));
      const statistic = parseStatistic(alarm.Statistic ?? alarm.ExtendedStatistic ?? 'Average')!;
      const aggregates = await this.options.metrics.query(scope, {
        namespace: alarm.Namespace!,
        metricName: alarm.MetricName!,
        dimensions: alarm.Dimensions.map((d) => ({ name: d.Name, value: d.Value })),
        startTime: window.startTime,
        endTime: window.endTime,
        period: storePeriodFor(seconds),
        ...(alarm.Unit ? { unit: alarm.Unit } : {}),
        // Simple statistics are served from the summaries; only percentiles and trimmed statistics need values.
        withDistribution: statistic.kind !== 'simple',
      });
      for (const bucket of bucketAggregates(aggregates, periodMs, false)) {
        const value = computeStatistic(bucket, statistic);
        if (value !== undefined) values.set(bucket.timestamp, { value, sampleCount: bucket.sampleCount });
      }
    }
    return { points: window.periodStarts.map((timestamp) => ({ timestamp, ...values.get(timestamp) })), periodMs };
  }

  private async evaluate(scope: Scope, record: StoredRecord<AlarmRecord>, now: number): Promise<void> {
    const alarm = record.doc;
    const { points, periodMs } = await this.datapoints(scope, alarm, now);
    const outcome = evaluateAlarm(alarm, points, now);
    const state = outcome?.state ?? alarm.StateValue;
    const entered = outcome !== undefined && outcome.state !== alarm.StateValue;
    // SetAlarmState asked for the actions of the state it set: they run first, whatever the data say now.
    const pending = alarm.wharf.pendingActions;
    const pendingInvocations = pending !== undefined && pending === alarm.StateValue && alarm.ActionsEnabled ? actionsOf(alarm, pending).map((arn) => ({ arn, state: pending, first: true })) : [];
    const evaluated = actionsToInvoke({ alarm, state, entered, now, periodMs, serves: (arn) => this.actions.serves(arn) }).map((arn) => ({ arn, state, first: entered }));
    const invocations = [...pendingInvocations, ...evaluated];
    if (!entered && invocations.length === 0 && pending === undefined) return;

    const wharf = { ...withoutPending(alarm.wharf), lastEvaluatedAt: now, ...(invocations.length > 0 ? { lastActionsAt: now } : {}) };
    const next: AlarmRecord = entered
      ? { ...alarm, StateValue: outcome.state, StateReason: outcome.reason, StateReasonData: outcome.reasonData, StateUpdatedTimestamp: now, StateTransitionedTimestamp: now, wharf }
      : { ...alarm, wharf };

    const history: AlarmHistoryRecord[] = entered ? [stateUpdateItem(alarm, next, now)] : [];
    // The datapoints the evaluation used: the most recent N real ones of the range, newest last.
    const datapoints = points.filter((p) => p.value !== undefined).map((p) => ({ timestamp: p.timestamp, value: p.value! })).slice(-alarm.EvaluationPeriods);
    for (const { arn, state: actionState, first } of invocations) {
      let error: string | undefined;
      if (!this.actions.serves(arn)) error = `Wharf does not serve the action ${arn}.`;
      else {
        try {
          await this.actions.invoke({
            scope,
            actionArn: arn,
            alarmName: alarm.AlarmName,
            alarmArn: alarm.AlarmArn,
            state: actionState,
            datapoints,
            ...(alarm.Threshold !== undefined ? { threshold: alarm.Threshold } : {}),
            now,
          });
        } catch (failure) {
          error = failure instanceof Error ? failure.message : String(failure);
        }
      }
      // Re-invocations while the alarm stays in ALARM leave history only when they fail.
      if (first || error !== undefined) history.push(actionItem(alarm.AlarmName, arn, actionState, next.StateUpdatedTimestamp, now, error));
    }
    await this.options.store.write([
      { op: 'put', kind: ALARM_KIND, scope, id: record.id, doc: next, expect: record.version },
      ...history.map((item) => ({ op: 'put' as const, kind: ALARM_HISTORY_KIND, scope, id: historyId(item.AlarmName, item.Timestamp, `e${this.seq++}`), doc: item, expect: 'absent' as const })),
    ]);
  }
}

function withoutPending(wharf: AlarmRecord['wharf']): AlarmRecord['wharf'] {
  const { pendingActions: _pending, ...rest } = wharf;
  return rest;
}
