/**
 * A CloudWatch metric alarm as stored in the document store (kind
 * `ALARM_KIND`, id = the alarm name, scoped to account and region): the
 * MetricAlarm wire shape (the serializer sends only modelled members, so
 * field names are CloudWatch's own), timestamps as epoch milliseconds, plus
 * Wharf's bookkeeping under `wharf`.
 *
 * Two writers: the CloudWatch API (PutMetricAlarm, SetAlarmState, ...) and
 * Application Auto Scaling, which creates and deletes the alarms of target
 * tracking policies (marked by `wharf.managedBy`, and refused to anyone
 * else's PutMetricAlarm / DeleteAlarms, as AWS refuses edits to them). The
 * alarm evaluator (controllers/) is the only writer of state changes after
 * creation, except SetAlarmState.
 */
export const ALARM_KIND = 'cloudwatch.alarm';
/** One history item per record, id `<alarm name>/<zero-padded epoch ms>/<seq>`, so a prefix scan lists an alarm's history in time order. */
export const ALARM_HISTORY_KIND = 'cloudwatch.alarm-history';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold'
  | 'LessThanLowerOrGreaterThanUpperThreshold'
  | 'LessThanLowerThreshold'
  | 'GreaterThanUpperThreshold';

export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface AlarmDimension {
  readonly Name: string;
  readonly Value: string;
}

/** One entry of an alarm's `Metrics` (metric math alarms), as PutMetricAlarm takes it. */
export interface AlarmMetricQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData?: boolean;
  readonly Period?: number;
  readonly AccountId?: string;
  readonly MetricStat?: {
    readonly Metric: { readonly Namespace?: string; readonly MetricName?: string; readonly Dimensions?: readonly AlarmDimension[] };
    readonly Period: number;
    readonly Stat: string;
    readonly Unit?: string;
  };
}

export interface AlarmRecord {
  readonly AlarmName: string;
  readonly AlarmArn: string;
  AlarmDescription?: string;
  AlarmConfigurationUpdatedTimestamp: number;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  StateValue: AlarmState;
  StateReason: string;
  /** JSON text, as CloudWatch returns it. */
  StateReasonData?: string;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
  MetricName?: string;
  Namespace?: string;
  Statistic?: 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
  ExtendedStatistic?: string;
  Dimensions: AlarmDimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator: ComparisonOperator;
  TreatMissingData?: TreatMissingData;
  EvaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
  Metrics?: AlarmMetricQuery[];
  ThresholdMetricId?: string;
  Tags: { Key: string; Value: string }[];
  readonly wharf: {
    /**
     * Set on alarms another service owns: the ARN of the Application Auto
     * Scaling policy whose target tracking made it. Such alarms are refused
     * to PutMetricAlarm and DeleteAlarms with CloudWatch's wording.
     */
    readonly managedBy?: string;
    /** When the evaluator last evaluated it (epoch ms): it evaluates once a period, or once a minute at most. */
    lastEvaluatedAt?: number;
    /** When the evaluator last invoked this alarm's actions (epoch ms), so re-invocations in ALARM come once a period. */
    lastActionsAt?: number;
    /** Set by SetAlarmState: the evaluator invokes the actions of the state it set on its next pass, then clears it. */
    pendingActions?: AlarmState;
  };
}

/** A history item (DescribeAlarmHistory's AlarmHistoryItem), timestamps in epoch ms. */
export interface AlarmHistoryRecord {
  readonly AlarmName: string;
  readonly AlarmType: 'MetricAlarm' | 'CompositeAlarm';
  readonly Timestamp: number;
  readonly HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  readonly HistorySummary: string;
  /** JSON text, as CloudWatch returns it. */
  readonly HistoryData: string;
}
