import type { AlarmDimension, AlarmMetricQuery, AlarmRecord } from '../cloudwatch/alarm-record.js';
import { validation } from './errors.js';
import type { ScalingPolicyRecord, TargetTrackingConfiguration } from './records.js';
import { parseEcsResourceId } from './scalable-target.js';

/**
 * Target tracking for ECS services: which configurations PutScalingPolicy
 * accepts, the two CloudWatch alarms the policy owns (named and sized as AWS
 * makes them for ECS), and the capacity that brings the metric back to the
 * target.
 */

export const ECS_PREDEFINED_METRICS = ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget'] as const;

/** AWS's cooldown when a target tracking policy gives none, for ECS services. */
export const DEFAULT_COOLDOWN_SECONDS = 300;

/** `app/<lb name>/<lb id>/targetgroup/<tg name>/<tg id>` -> the TargetGroup dimension's value. */
export function parseResourceLabel(label: string): { loadBalancer: string; targetGroup: string } | undefined {
  const match = /^(app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})\/(targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})$/.exec(label);
  return match ? { loadBalancer: match[1]!, targetGroup: match[2]! } : undefined;
}

export function checkTargetTracking(config: TargetTrackingConfiguration | undefined): asserts config is TargetTrackingConfiguration {
  if (!config) throw validation('TargetTrackingScalingPolicyConfiguration is required for TargetTrackingScaling policies.'); // unverified wording
  if (!Number.isFinite(config.TargetValue) || config.TargetValue <= 0) throw validation('The target value must be greater than 0.'); // unverified wording
  const predefined = config.PredefinedMetricSpecification;
  const customized = config.CustomizedMetricSpecification;
  if ((predefined === undefined) === (customized === undefined)) {
    throw validation('Exactly one of PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.'); // unverified wording
  }
  if (predefined) {
    if (!(ECS_PREDEFINED_METRICS as readonly string[]).includes(predefined.PredefinedMetricType)) {
      throw validation(`Unsupported predefined metric type ${predefined.PredefinedMetricType} for service namespace ecs.`); // unverified wording
    }
    if (predefined.PredefinedMetricType === 'ALBRequestCountPerTarget') {
      if (!predefined.ResourceLabel) throw validation('ResourceLabel must be specified for the predefined metric type ALBRequestCountPerTarget.'); // unverified wording
      if (!parseResourceLabel(predefined.ResourceLabel)) {
        throw validation(`Invalid resource label: ${predefined.ResourceLabel}. The form is app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.`); // unverified wording
      }
    } else if (predefined.ResourceLabel !== undefined) {
      throw validation(`ResourceLabel is not supported for the predefined metric type ${predefined.PredefinedMetricType}.`); // unverified wording
    }
  }
  if (customized) {
    if (customized.Metrics !== undefined) {
      if (customized.MetricName !== undefined || customized.Namespace !== undefined || customized.Statistic !== undefined || customized.Dimensions !== undefined) {
        throw validation('Metrics cannot be specified together with MetricName, Namespace, Dimensions or Statistic.'); // unverified wording
      }
      if (customized.Metrics.length === 0) throw validation('Metrics must contain at least one metric data query.'); // unverified wording
      const returning = customized.Metrics.filter((query) => query.ReturnData !== false);
      if (returning.length !== 1) throw validation('Exactly one metric data query must return data (ReturnData true).'); // unverified wording
      for (const query of customized.Metrics) {
        if ((query.Expression === undefined) === (query.MetricStat === undefined)) {
          throw validation(`Metric data query ${query.Id} must have exactly one of Expression or MetricStat.`); // unverified wording
        }
      }
    } else if (!customized.MetricName || !customized.Namespace || !customized.Statistic) {
      throw validation('A customized metric needs MetricName, Namespace and Statistic, or Metrics.'); // unverified wording
    }
  }
  for (const [name, value] of [['ScaleInCooldown', config.ScaleInCooldown], ['ScaleOutCooldown', config.ScaleOutCooldown]] as const) {
    if (value !== undefined && (value < 0 || value > 86_400)) throw validation(`${name} must be between 0 and 86400 seconds.`); // unverified wording
  }
}

/** The metric part of a target tracking alarm. */
type AlarmMetric = Pick<AlarmRecord, 'MetricName' | 'Namespace' | 'Statistic' | 'ExtendedStatistic' | 'Unit' | 'Metrics' | 'Dimensions'>;

const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;

function alarmMetric(resourceId: string, config: TargetTrackingConfiguration): AlarmMetric {
  const predefined = config.PredefinedMetricSpecification;
  if (predefined) {
    if (predefined.PredefinedMetricType === 'ALBRequestCountPerTarget') {
      const label = parseResourceLabel(predefined.ResourceLabel!)!;
      return { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCountPerTarget', Statistic: 'Sum', Dimensions: [{ Name: 'TargetGroup', Value: label.targetGroup }] };
    }
    const parts = parseEcsResourceId(resourceId)!;
    const dimensions: AlarmDimension[] = [
      { Name: 'ClusterName', Value: parts.cluster },
      { Name: 'ServiceName', Value: parts.service },
    ];
    const metricName = predefined.PredefinedMetricType === 'ECSServiceAverageCPUUtilization' ? 'CPUUtilization' : 'MemoryUtilization';
    return { Namespace: 'AWS/ECS', MetricName: metricName, Statistic: 'Average', Dimensions: dimensions };
  }
  const customized = config.CustomizedMetricSpecification!;
  if (customized.Metrics) {
    const metrics: AlarmMetricQuery[] = customized.Metrics.map((query) => ({
      Id: query.Id,
      ...(query.Expression !== undefined ? { Expression: query.Expression } : {}),
      ...(query.Label !== undefined ? { Label: query.Label } : {}),
      ReturnData: query.ReturnData !== false,
      ...(query.MetricStat
        ? { MetricStat: { Metric: { ...query.MetricStat.Metric, Dimensions: query.MetricStat.Metric.Dimensions ?? [] }, Period: 60, Stat: query.MetricStat.Stat, ...(query.MetricStat.Unit ? { Unit: query.MetricStat.Unit } : {}) } }
        : {}),
    }));
    return { Metrics: metrics, Dimensions: [] };
  }
  const statistic = customized.Statistic!;
  return {
    Namespace: customized.Namespace!,
    MetricName: customized.MetricName!,
    ...((STATISTICS as readonly string[]).includes(statistic) ? { Statistic: statistic as AlarmRecord['Statistic'] } : { ExtendedStatistic: statistic }),
    Dimensions: customized.Dimensions ?? [],
    ...(customized.Unit ? { Unit: customized.Unit } : {}),
  };
}

export interface TrackingAlarmIds {
  /** Alarm name -> its ARN (CloudWatch's `arn:...:cloudwatch:<region>:<account>:alarm:<name>`). */
  readonly alarmArn: (name: string) => string;
  /** A fresh uuid for a new alarm's name. */
  readonly uuid: () => string;
}

/**
 * The alarms a target tracking policy owns, as AWS makes them for ECS: a high
 * alarm (metric > target for 3 of 3 one-minute periods) and, unless scale-in
 * is disabled, a low alarm (metric < 90 % of the target for 15 of 15;
 * DatapointsToAlarm is left unset, as AWS leaves it). An update keeps the
 * alarms' names and states and rewrites their settings.
 */
export function trackingAlarms(policy: ScalingPolicyRecord, previous: readonly AlarmRecord[], now: number, ids: TrackingAlarmIds): AlarmRecord[] {
  const config = policy.TargetTrackingScalingPolicyConfiguration!;
  const metric = alarmMetric(policy.ResourceId, config);
  const kinds: { kind: 'AlarmHigh' | 'AlarmLow'; threshold: number; periods: number; operator: AlarmRecord['ComparisonOperator'] }[] = [
    { kind: 'AlarmHigh', threshold: config.TargetValue, periods: 3, operator: 'GreaterThanThreshold' },
  ];
  if (!config.DisableScaleIn) kinds.push({ kind: 'AlarmLow', threshold: roundThreshold(config.TargetValue * 0.9), periods: 15, operator: 'LessThanThreshold' });
  return kinds.map(({ kind, threshold, periods, operator }) => {
    const old = previous.find((alarm) => alarmKind(alarm.AlarmName) === kind);
    const name = old?.AlarmName ?? `TargetTracking-${policy.ResourceId}-${kind}-${ids.uuid()}`;
    const settings = {
      ...metric,
      ...(metric.Metrics ? {} : { Period: 60 }),
      EvaluationPeriods: periods,
      Threshold: threshold,
      ComparisonOperator: operator,
    };
    const record: AlarmRecord = {
      AlarmName: name,
      AlarmArn: old?.AlarmArn ?? ids.alarmArn(name),
      AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policy.PolicyARN}.`,
      AlarmConfigurationUpdatedTimestamp: now,
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: [policy.PolicyARN],
      InsufficientDataActions: [],
      StateValue: old?.StateValue ?? 'INSUFFICIENT_DATA',
      StateReason: old?.StateReason ?? 'Unchecked: Initial alarm creation',
      ...(old?.StateReasonData !== undefined ? { StateReasonData: old.StateReasonData } : {}),
      StateUpdatedTimestamp: old?.StateUpdatedTimestamp ?? now,
      StateTransitionedTimestamp: old?.StateTransitionedTimestamp ?? now,
      ...settings,
      Tags: old?.Tags ?? [],
      wharf: { managedBy: policy.PolicyARN, ...(old?.wharf.lastEvaluatedAt !== undefined ? { lastEvaluatedAt: old.wharf.lastEvaluatedAt } : {}) },
    };
    return record;
  });
}

/** 0.9 x 70 is 62.99999999999999 in floating point; CloudWatch shows 63. */
function roundThreshold(value: number): number {
  return Number(value.toPrecision(12));
}

/** Which of a target tracking policy's alarms a name is. */
export function alarmKind(alarmName: string): 'AlarmHigh' | 'AlarmLow' | undefined {
  if (/-AlarmHigh-[0-9a-f-]+$/.test(alarmName)) return 'AlarmHigh';
  if (/-AlarmLow-[0-9a-f-]+$/.test(alarmName)) return 'AlarmLow';
  return undefined;
}

/**
 * The capacity that brings the metric to the target when load is spread
 * evenly: capacity x metric / target, rounded up. Rounding up adds enough on
 * the way out and removes conservatively on the way in (the metric stays at
 * or under the target afterwards). A scale-out from no tasks starts one.
 */
export function trackingCapacity(capacity: number, metric: number, target: number): number {
  if (capacity === 0) return metric > target ? 1 : 0;
  // A tiny allowance so 3 x 70 / 70 is 3, not 4 after floating-point error.
  return Math.max(0, Math.ceil((capacity * metric) / target - 1e-9));
}
