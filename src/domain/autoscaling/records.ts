/**
 * Application Auto Scaling's records in the document store. Each keeps the
 * wire shape (the serializer sends only modelled members, so field names are
 * AWS's own), timestamps as epoch milliseconds, and Wharf's bookkeeping under
 * `wharf`. Ids start with the scalable target's id, so a prefix scan lists
 * one target's policies, scheduled actions or activities.
 */
export const AUTOSCALING_KIND = {
  scalableTarget: 'autoscaling.scalable-target',
  policy: 'autoscaling.policy',
  activity: 'autoscaling.activity',
  scheduledAction: 'autoscaling.scheduled-action',
} as const;

export const ECS_NAMESPACE = 'ecs';
export const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

/** What identifies a scalable target. */
export interface TargetKey {
  readonly ServiceNamespace: string;
  readonly ResourceId: string;
  readonly ScalableDimension: string;
}

export interface SuspendedState {
  DynamicScalingInSuspended: boolean;
  DynamicScalingOutSuspended: boolean;
  ScheduledScalingSuspended: boolean;
}

/** The cooldowns a target is in (epoch ms; already divided by the time scale). */
export interface Cooldowns {
  /** Until when scale-in is blocked, and scale-out counts the last scale-out's added capacity. */
  scaleOutUntil?: number;
  /** The capacity the cooling scale-out started from: a further scale-out during the cooldown is computed from it. */
  scaleOutFrom?: number;
  scaleInUntil?: number;
}

export interface ScalableTargetRecord extends TargetKey {
  readonly ScalableTargetARN: string;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  readonly CreationTime: number;
  SuspendedState: SuspendedState;
  Tags: Record<string, string>;
  readonly wharf: {
    /** The id that policy and scheduled action ARNs of this target carry (AWS shares one per target). */
    readonly arnId: string;
    cooldowns: Cooldowns;
  };
}

export interface StepAdjustment {
  readonly MetricIntervalLowerBound?: number;
  readonly MetricIntervalUpperBound?: number;
  readonly ScalingAdjustment: number;
}

export interface StepScalingConfiguration {
  readonly AdjustmentType?: 'ChangeInCapacity' | 'PercentChangeInCapacity' | 'ExactCapacity';
  readonly StepAdjustments?: StepAdjustment[];
  readonly MinAdjustmentMagnitude?: number;
  readonly Cooldown?: number;
  readonly MetricAggregationType?: 'Average' | 'Minimum' | 'Maximum';
}

export interface MetricDimension {
  readonly Name: string;
  readonly Value: string;
}

export interface TargetTrackingMetricQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData?: boolean;
  readonly MetricStat?: {
    readonly Metric: { readonly Namespace?: string; readonly MetricName?: string; readonly Dimensions?: MetricDimension[] };
    readonly Stat: string;
    readonly Unit?: string;
  };
}

export interface TargetTrackingConfiguration {
  readonly TargetValue: number;
  readonly PredefinedMetricSpecification?: { readonly PredefinedMetricType: string; readonly ResourceLabel?: string };
  readonly CustomizedMetricSpecification?: {
    readonly MetricName?: string;
    readonly Namespace?: string;
    readonly Dimensions?: MetricDimension[];
    readonly Statistic?: string;
    readonly Unit?: string;
    readonly Metrics?: TargetTrackingMetricQuery[];
  };
  readonly ScaleOutCooldown?: number;
  readonly ScaleInCooldown?: number;
  readonly DisableScaleIn?: boolean;
}

export type PolicyType = 'TargetTrackingScaling' | 'StepScaling';

export interface ScalingPolicyRecord extends TargetKey {
  readonly PolicyARN: string;
  readonly PolicyName: string;
  PolicyType: PolicyType;
  StepScalingPolicyConfiguration?: StepScalingConfiguration;
  TargetTrackingScalingPolicyConfiguration?: TargetTrackingConfiguration;
  /** Target tracking only: the alarms it owns (step scaling's are found by their actions). */
  Alarms: { AlarmName: string; AlarmARN: string }[];
  readonly CreationTime: number;
}

export type ActivityStatus = 'Pending' | 'InProgress' | 'Successful' | 'Overridden' | 'Unfulfilled' | 'Failed';

export interface NotScaledReason {
  readonly Code: 'AutoScalingAnticipatedFlapping' | 'TargetServicePutResourceAsUnscalable' | 'AlreadyAtMaxCapacity' | 'AlreadyAtMinCapacity' | 'AlreadyAtDesiredCapacity';
  readonly CurrentCapacity?: number;
  readonly MaxCapacity?: number;
  readonly MinCapacity?: number;
}

export interface ScalingActivityRecord extends TargetKey {
  readonly ActivityId: string;
  readonly Description: string;
  readonly Cause: string;
  readonly StartTime: number;
  EndTime?: number;
  StatusCode: ActivityStatus;
  StatusMessage?: string;
  readonly NotScaledReasons?: NotScaledReason[];
  readonly wharf: {
    /** Shown only to DescribeScalingActivities with IncludeNotScaledActivities. */
    readonly notScaled: boolean;
    /** The desired count this activity set, which the service must reach for it to succeed. */
    readonly desiredCount?: number;
  };
}

export interface ScheduledActionRecord extends TargetKey {
  readonly ScheduledActionName: string;
  readonly ScheduledActionARN: string;
  Schedule: string;
  Timezone?: string;
  StartTime?: number;
  EndTime?: number;
  ScalableTargetAction: { MinCapacity?: number; MaxCapacity?: number };
  readonly CreationTime: number;
  readonly wharf: {
    /** When it last ran (epoch ms): the next run is the schedule's first occurrence after this (or after creation). */
    lastRunAt?: number;
    /** When it was last put: occurrences before this are not run. */
    updatedAt: number;
  };
}

export function targetRecordId(key: TargetKey): string {
  return `${key.ServiceNamespace}|${key.ResourceId}|${key.ScalableDimension}`;
}

export function targetKeyOf(record: TargetKey): TargetKey {
  return { ServiceNamespace: record.ServiceNamespace, ResourceId: record.ResourceId, ScalableDimension: record.ScalableDimension };
}

/** Everything under one target (policies, scheduled actions, activities). */
export function underTarget(key: TargetKey): string {
  return `${targetRecordId(key)}|`;
}

export function policyRecordId(key: TargetKey, policyName: string): string {
  return `${underTarget(key)}${policyName}`;
}

export function scheduledActionRecordId(key: TargetKey, name: string): string {
  return `${underTarget(key)}${name}`;
}

/** Activities sort by start time under their target, so a reversed prefix scan lists the newest first. */
export function activityRecordId(key: TargetKey, startTime: number, activityId: string): string {
  return `${underTarget(key)}${String(startTime).padStart(15, '0')}|${activityId}`;
}

export function scalableTargetArn(partition: string, region: string, account: string, id: string): string {
  return `arn:${partition}:application-autoscaling:${region}:${account}:scalable-target/${id}`;
}

/** AWS's form: `arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/ecs/service/<c>/<s>:policyName/<name>`. */
export function policyArn(partition: string, region: string, account: string, target: TargetKey & { wharf: { arnId: string } }, policyName: string): string {
  return `arn:${partition}:autoscaling:${region}:${account}:scalingPolicy:${target.wharf.arnId}:resource/${target.ServiceNamespace}/${target.ResourceId}:policyName/${policyName}`;
}

export function scheduledActionArn(partition: string, region: string, account: string, target: TargetKey & { wharf: { arnId: string } }, name: string): string {
  return `arn:${partition}:autoscaling:${region}:${account}:scheduledAction:${target.wharf.arnId}:resource/${target.ServiceNamespace}/${target.ResourceId}:scheduledActionName/${name}`;
}

/** A policy ARN -> the record that holds it (its target and name), or undefined when it is not one. */
export function parsePolicyArn(arn: string): { region: string; account: string; key: TargetKey; policyName: string } | undefined {
  const match = /^arn:aws(?:-cn|-us-gov)?:autoscaling:([a-z0-9-]+):(\d{12}):scalingPolicy:[^:]+:resource\/([a-z-]+)\/(.+):policyName\/(.+)$/.exec(arn);
  if (!match) return undefined;
  const [, region, account, namespace, resourceId, policyName] = match as unknown as [string, string, string, string, string, string];
  if (namespace !== ECS_NAMESPACE) return undefined;
  return { region, account, key: { ServiceNamespace: namespace, ResourceId: resourceId, ScalableDimension: ECS_DESIRED_COUNT }, policyName };
}

export const isPolicyArn = (arn: string): boolean => /^arn:aws(?:-cn|-us-gov)?:autoscaling:[^:]*:\d{12}:scalingPolicy:/.test(arn);
