import { boundsActivity, desiredCountActivity } from './activities.js';
import { targetKeyOf, type ScalableTargetRecord, type ScalingActivityRecord, type ScheduledActionRecord } from './records.js';
import { boundsChange } from './scalable-target.js';
import { nextOccurrence, parseSchedule } from './schedule.js';

/**
 * Running scheduled actions: when each is next due, and what running one
 * changes: the target's min and max (a Successful activity "Setting min
 * capacity to ... and max capacity to ..."), then, if the desired count is
 * outside the new range, the desired count ("minimum capacity was set to N").
 * Occurrences missed while Wharf was down run once, at the next start.
 */

/** The next time the action is due (epoch ms), or undefined when it never is again. */
export function nextRun(action: ScheduledActionRecord): number | undefined {
  const after = Math.max(action.wharf.lastRunAt ?? -Infinity, action.wharf.updatedAt);
  try {
    return nextOccurrence(
      parseSchedule(action.Schedule),
      {
        ...(action.Timezone !== undefined ? { timezone: action.Timezone } : {}),
        ...(action.StartTime !== undefined ? { startTime: action.StartTime } : {}),
        ...(action.EndTime !== undefined ? { endTime: action.EndTime } : {}),
        createdAt: action.wharf.updatedAt,
      },
      after,
    );
  } catch {
    return undefined;
  }
}

export interface ScheduledRunPlan {
  readonly action: ScheduledActionRecord;
  /** Absent when nothing about the target changes (scheduled scaling suspended). */
  readonly target?: ScalableTargetRecord;
  /** The desired count the new bounds force, if any. */
  readonly desiredCount?: number;
  readonly activities: ScalingActivityRecord[];
}

export function planScheduledRun(action: ScheduledActionRecord, target: ScalableTargetRecord, desiredCount: number, due: number, now: number, newId: () => string): ScheduledRunPlan {
  const ran: ScheduledActionRecord = { ...action, wharf: { ...action.wharf, lastRunAt: due } };
  if (target.SuspendedState.ScheduledScalingSuspended) return { action: ran, activities: [] };
  const key = targetKeyOf(target);
  const min = action.ScalableTargetAction.MinCapacity;
  const max = action.ScalableTargetAction.MaxCapacity;
  const nextMin = min ?? target.MinCapacity;
  const nextMax = max ?? target.MaxCapacity;
  if (nextMin > nextMax) {
    const failed: ScalingActivityRecord = {
      ...boundsActivity(key, newId(), now, action.ScheduledActionName, min, max),
      StatusCode: 'Failed',
      StatusMessage: `Failed to set min capacity to ${nextMin} and max capacity to ${nextMax}: the minimum capacity cannot be greater than the maximum capacity.`, // unverified wording
    };
    return { action: ran, activities: [failed] };
  }
  const next: ScalableTargetRecord = { ...target, MinCapacity: nextMin, MaxCapacity: nextMax };
  const activities = [boundsActivity(key, newId(), now, action.ScheduledActionName, min, max)];
  const change = boundsChange(desiredCount, nextMin, nextMax);
  // The desired count activity starts just after the bounds one, so it lists first (newest first).
  if (change) activities.push(desiredCountActivity(key, newId(), now + 1, change.cause, change.desiredCount));
  return { action: ran, target: next, ...(change ? { desiredCount: change.desiredCount } : {}), activities };
}

