import type { ActivityStatus, NotScaledReason, ScalingActivityRecord, TargetKey } from './records.js';

/** Scaling activities in AWS's words, and when one is fulfilled. */

export const alarmCause = (alarmName: string, policyName: string) => `monitor alarm ${alarmName} in state ALARM triggered policy ${policyName}`;
export const scheduledCause = (actionName: string) => `scheduled action name ${actionName} was triggered`;

export const settingDesiredCount = (count: number) => `Setting desired count to ${count}.`;
// unverified wording (AWS shows it while ECS has not yet reached the count)
export const waitingForFulfilment = (count: number) => `Successfully set desired count to ${count}. Waiting for change to be fulfilled by ecs.`;
export const fulfilled = (count: number) => `Successfully set desired count to ${count}. Change successfully fulfilled by ecs.`;

function boundsWords(verb: string, min: number | undefined, max: number | undefined): string {
  const parts = [...(min !== undefined ? [`min capacity to ${min}`] : []), ...(max !== undefined ? [`max capacity to ${max}`] : [])];
  return `${verb} ${parts.join(' and ')}`;
}

export function desiredCountActivity(key: TargetKey, id: string, now: number, cause: string, count: number): ScalingActivityRecord {
  return {
    ...key,
    ActivityId: id,
    Description: settingDesiredCount(count),
    Cause: cause,
    StartTime: now,
    StatusCode: 'InProgress',
    StatusMessage: waitingForFulfilment(count),
    wharf: { notScaled: false, desiredCount: count },
  };
}

/** A scheduled action's change of the bounds: done at once. */
export function boundsActivity(key: TargetKey, id: string, now: number, actionName: string, min: number | undefined, max: number | undefined): ScalingActivityRecord {
  return {
    ...key,
    ActivityId: id,
    Description: boundsWords('Setting', min, max),
    Cause: scheduledCause(actionName),
    StartTime: now,
    EndTime: now,
    StatusCode: 'Successful',
    StatusMessage: boundsWords('Successfully set', min, max),
    wharf: { notScaled: false },
  };
}

export function notScaledActivity(key: TargetKey, id: string, now: number, cause: string, reason: NotScaledReason): ScalingActivityRecord {
  return {
    ...key,
    ActivityId: id,
    Description: 'Attempting to scale due to alarm triggered',
    Cause: cause,
    StartTime: now,
    EndTime: now,
    StatusCode: 'Failed',
    NotScaledReasons: [reason],
    wharf: { notScaled: true },
  };
}

/** Whether a not-scaled activity repeats the newest one (the alarm stays in ALARM each period): then it is not recorded again. */
export function repeatsNotScaled(newest: ScalingActivityRecord | undefined, cause: string, reason: NotScaledReason): boolean {
  return newest !== undefined && newest.wharf.notScaled && newest.Cause === cause && JSON.stringify(newest.NotScaledReasons?.[0]) === JSON.stringify(reason);
}

/**
 * An in-progress activity once the service has moved on: Successful when the
 * service runs the count it set (and still wants it), Overridden when a newer
 * change replaced the desired count; otherwise unchanged.
 */
export function settleActivity(activity: ScalingActivityRecord, service: { desiredCount: number; runningCount: number } | undefined, now: number): ScalingActivityRecord {
  if (activity.StatusCode !== 'InProgress' || activity.wharf.desiredCount === undefined) return activity;
  const count = activity.wharf.desiredCount;
  let status: ActivityStatus | undefined;
  let message = activity.StatusMessage;
  if (!service) status = 'Failed';
  else if (service.desiredCount !== count) status = 'Overridden';
  else if (service.runningCount === count) {
    status = 'Successful';
    message = fulfilled(count);
  }
  if (!status) return activity;
  return { ...activity, StatusCode: status, ...(message !== undefined ? { StatusMessage: message } : {}), EndTime: now };
}
