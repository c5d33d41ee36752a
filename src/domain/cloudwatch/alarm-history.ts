import { ALARM_HISTORY_KIND, type AlarmHistoryRecord, type AlarmRecord, type AlarmState } from './alarm-record.js';
import { actionSummary, configurationSummary, stateUpdateSummary } from './alarm-wording.js';

/** History items of alarms, and their store ids (`<name>/<epoch ms, 15 digits>/<suffix>`: a prefix scan lists one alarm's in time order). */

export { ALARM_HISTORY_KIND };

/** `suffix` tells apart items of one alarm written in the same millisecond (a request id, an evaluator sequence). */
export function historyId(alarmName: string, timestamp: number, suffix: string): string {
  return `${alarmName}/${String(timestamp).padStart(15, '0')}/${suffix}`;
}

export function historyPrefix(alarmName: string): string {
  return `${alarmName}/`;
}

type AlarmView = Pick<AlarmRecord, 'AlarmName' | 'StateValue' | 'StateReason' | 'StateReasonData'>;

export function stateUpdateItem(before: AlarmView, after: AlarmView, timestamp: number): AlarmHistoryRecord {
  const state = (alarm: AlarmView) => ({
    stateValue: alarm.StateValue,
    stateReason: alarm.StateReason,
    ...(alarm.StateReasonData ? { stateReasonData: JSON.parse(alarm.StateReasonData) as unknown } : {}),
  });
  return {
    AlarmName: after.AlarmName,
    AlarmType: 'MetricAlarm',
    Timestamp: timestamp,
    HistoryItemType: 'StateUpdate',
    HistorySummary: stateUpdateSummary(before.StateValue, after.StateValue),
    HistoryData: JSON.stringify({ version: '1.0', oldState: state(before), newState: state(after) }),
  };
}

export function configurationItem(alarm: AlarmRecord, verb: 'created' | 'updated' | 'deleted', timestamp: number): AlarmHistoryRecord {
  const { wharf: _wharf, ...config } = alarm;
  return {
    AlarmName: alarm.AlarmName,
    AlarmType: 'MetricAlarm',
    Timestamp: timestamp,
    HistoryItemType: 'ConfigurationUpdate',
    HistorySummary: configurationSummary(alarm.AlarmName, verb),
    HistoryData: JSON.stringify({ version: '1.0', type: verb === 'created' ? 'Create' : verb === 'updated' ? 'Update' : 'Delete', [verb === 'deleted' ? 'originalUpdatedAlarm' : 'updatedAlarm']: config }),
  };
}

export function actionItem(alarmName: string, arn: string, state: AlarmState, stateUpdatedAt: number, timestamp: number, error?: string): AlarmHistoryRecord {
  return {
    AlarmName: alarmName,
    AlarmType: 'MetricAlarm',
    Timestamp: timestamp,
    HistoryItemType: 'Action',
    HistorySummary: actionSummary(arn, error === undefined),
    HistoryData: JSON.stringify({ actionState: error === undefined ? 'Succeeded' : 'Failed', notificationResource: arn, stateUpdateTimestamp: stateUpdatedAt, state, ...(error === undefined ? {} : { error }) }),
  };
}

/** CloudWatch keeps alarm history for two weeks. */
export const HISTORY_RETENTION_MS = 14 * 86_400_000;

export function historyExpired(item: Pick<AlarmHistoryRecord, 'Timestamp'>, now: number): boolean {
  return item.Timestamp < now - HISTORY_RETENTION_MS;
}
