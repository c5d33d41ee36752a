import { limitExceeded, scheduledActionNotFound, validation } from '../../domain/autoscaling/errors.js';
import { AUTOSCALING_KIND, scheduledActionArn, scheduledActionRecordId, underTarget, type ScheduledActionRecord, type TargetKey } from '../../domain/autoscaling/records.js';
import { checkCapacities, checkTargetKey } from '../../domain/autoscaling/scalable-target.js';
import { checkTimezone, parseSchedule } from '../../domain/autoscaling/schedule.js';
import { type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { checkNamespaceFilter, keyOf, maxResults, pageOf, requireTarget, retrying } from './lookup.js';

/** AWS's quota of scheduled actions per scalable target. */
const MAX_ACTIONS_PER_TARGET = 200;

interface PutScheduledActionInput extends TargetKey {
  readonly ScheduledActionName: string;
  readonly Schedule?: string;
  readonly Timezone?: string;
  readonly StartTime?: Date;
  readonly EndTime?: Date;
  readonly ScalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
}

function showAction(action: ScheduledActionRecord) {
  const { wharf: _wharf, ...shown } = action;
  return shown;
}

/** PutScheduledAction, DescribeScheduledActions, DeleteScheduledAction; the autoscaler runs them. */
export function scheduledActionHandlers(store: Store) {
  return {
    async PutScheduledAction(input: PutScheduledActionInput, ctx: RequestContext) {
      const key = keyOf(input);
      checkTargetKey(key);
      return retrying(async () => {
        const target = await requireTarget(store, ctx.scope, key);
        const id = scheduledActionRecordId(key, input.ScheduledActionName);
        const existing = await store.get<ScheduledActionRecord>(AUTOSCALING_KIND.scheduledAction, ctx.scope, id);
        if (!existing) {
          const count = (await store.list(AUTOSCALING_KIND.scheduledAction, ctx.scope, { prefix: underTarget(key) })).length;
          if (count >= MAX_ACTIONS_PER_TARGET) throw limitExceeded(`A scalable target can have at most ${MAX_ACTIONS_PER_TARGET} scheduled actions.`); // unverified wording
        }
        const schedule = input.Schedule ?? existing?.doc.Schedule;
        if (!schedule) throw validation('Schedule is required when creating a scheduled action.'); // unverified wording
        parseSchedule(schedule);
        const timezone = input.Timezone ?? existing?.doc.Timezone;
        if (timezone !== undefined) checkTimezone(timezone);
        const action = { ...(input.ScalableTargetAction ?? existing?.doc.ScalableTargetAction ?? {}) };
        if (action.MinCapacity === undefined && action.MaxCapacity === undefined) {
          throw validation('ScalableTargetAction must specify MinCapacity, MaxCapacity or both.'); // unverified wording
        }
        if (action.MinCapacity !== undefined && action.MaxCapacity !== undefined) checkCapacities(action.MinCapacity, action.MaxCapacity);
        const startTime = input.StartTime?.getTime() ?? existing?.doc.StartTime;
        const endTime = input.EndTime?.getTime() ?? existing?.doc.EndTime;
        if (startTime !== undefined && endTime !== undefined && startTime >= endTime) throw validation('EndTime must be later than StartTime.'); // unverified wording
        const now = ctx.now.getTime();
        const record: ScheduledActionRecord = {
          ...key,
          ScheduledActionName: input.ScheduledActionName,
          ScheduledActionARN: existing?.doc.ScheduledActionARN ?? scheduledActionArn(ctx.partition, ctx.scope.region, ctx.scope.account, target.doc, input.ScheduledActionName),
          Schedule: schedule,
          ...(timezone !== undefined ? { Timezone: timezone } : {}),
          ...(startTime !== undefined ? { StartTime: startTime } : {}),
          ...(endTime !== undefined ? { EndTime: endTime } : {}),
          ScalableTargetAction: action,
          CreationTime: existing?.doc.CreationTime ?? now,
          wharf: { ...(existing?.doc.wharf.lastRunAt !== undefined ? { lastRunAt: existing.doc.wharf.lastRunAt } : {}), updatedAt: now },
        };
        await store.write([{ op: 'put', kind: AUTOSCALING_KIND.scheduledAction, scope: ctx.scope, id, doc: record, expect: existing ? existing.version : 'absent' }]);
        return {};
      });
    },

    async DescribeScheduledActions(input: { ServiceNamespace: string; ResourceId?: string; ScalableDimension?: string; ScheduledActionNames?: string[]; MaxResults?: number; NextToken?: string }, ctx: RequestContext) {
      checkNamespaceFilter(input);
      const limit = maxResults(input.MaxResults);
      const prefix = input.ResourceId !== undefined ? `${input.ServiceNamespace}|${input.ResourceId}|` : `${input.ServiceNamespace}|`;
      const actions = (await store.list<ScheduledActionRecord>(AUTOSCALING_KIND.scheduledAction, ctx.scope, { prefix }))
        .map((record) => record.doc)
        .filter(
          (action) =>
            action.ResourceId === (input.ResourceId ?? action.ResourceId) &&
            (input.ScalableDimension === undefined || action.ScalableDimension === input.ScalableDimension) &&
            (!input.ScheduledActionNames?.length || input.ScheduledActionNames.includes(action.ScheduledActionName)),
        );
      const result = pageOf(actions, input.NextToken, limit);
      return { ScheduledActions: result.items.map(showAction), NextToken: result.NextToken };
    },

    async DeleteScheduledAction(input: TargetKey & { ScheduledActionName: string }, ctx: RequestContext) {
      const key = keyOf(input);
      checkTargetKey(key);
      return retrying(async () => {
        const record = await store.get<ScheduledActionRecord>(AUTOSCALING_KIND.scheduledAction, ctx.scope, scheduledActionRecordId(key, input.ScheduledActionName));
        if (!record) throw scheduledActionNotFound(key, input.ScheduledActionName);
        await store.write([{ op: 'delete', kind: AUTOSCALING_KIND.scheduledAction, scope: ctx.scope, id: record.id, expect: record.version }]);
        return {};
      });
    },
  };
}
