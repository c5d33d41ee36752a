import { desiredCountActivity } from '../../domain/autoscaling/activities.js';
import { targetNotFound, validation } from '../../domain/autoscaling/errors.js';
import {
  activityRecordId,
  AUTOSCALING_KIND,
  scalableTargetArn,
  targetRecordId,
  underTarget,
  type ScalableTargetRecord,
  type ScalingPolicyRecord,
  type ScheduledActionRecord,
} from '../../domain/autoscaling/records.js';
import { boundsChange, checkTargetKey, ecsServiceLinkedRole, ecsServiceMissing, registerTarget, type RegisterInput } from '../../domain/autoscaling/scalable-target.js';
import { isScalable, withDesiredCount } from '../../domain/autoscaling/service-scaling.js';
import { checkTagMap } from '../../domain/autoscaling/tags.js';
import { ALARM_KIND, type AlarmRecord } from '../../domain/cloudwatch/alarm-record.js';
import { KIND } from '../../domain/ecs/record-keys.js';
import { type Store, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { findEcsService, findTarget, keyOf, maxResults, newId, pageOf, retrying } from './lookup.js';

export function showTarget(target: ScalableTargetRecord) {
  const { Tags: _tags, wharf: _wharf, ...shown } = target;
  return shown;
}

/** RegisterScalableTarget, DeregisterScalableTarget, DescribeScalableTargets. */
export function targetHandlers(store: Store) {
  return {
    async RegisterScalableTarget(input: RegisterInput, ctx: RequestContext) {
      const key = keyOf(input);
      checkTargetKey(key);
      if (input.Tags) checkTagMap(input.Tags, 'arn');
      return retrying(async () => {
        const [existing, service] = await Promise.all([findTarget(store, ctx.scope, key), findEcsService(store, ctx.scope, key)]);
        if (!isScalable(service?.doc)) throw ecsServiceMissing(key.ResourceId);
        const id = newId().replace(/-/g, '') + newId().slice(0, 4);
        const target = registerTarget(existing?.doc, input, {
          arn: scalableTargetArn(ctx.partition, ctx.scope.region, ctx.scope.account, id),
          arnId: newId(),
          roleArn: ecsServiceLinkedRole(ctx.partition, ctx.scope.account),
          now: ctx.now.getTime(),
        });
        const ops: WriteOp[] = [
          { op: 'put', kind: AUTOSCALING_KIND.scalableTarget, scope: ctx.scope, id: targetRecordId(key), doc: target, expect: existing ? existing.version : 'absent' },
        ];
        // New bounds move the desired count into them at once, as an activity.
        const change = boundsChange(service!.doc.desiredCount, target.MinCapacity, target.MaxCapacity);
        if (change) {
          const now = ctx.now.getTime();
          const activity = desiredCountActivity(key, newId(), now, change.cause, change.desiredCount);
          ops.push({ op: 'put', kind: KIND.service, scope: ctx.scope, id: service!.id, doc: withDesiredCount(service!.doc, change.desiredCount, now, ctx.principalArn), expect: service!.version });
          ops.push({ op: 'put', kind: AUTOSCALING_KIND.activity, scope: ctx.scope, id: activityRecordId(key, now, activity.ActivityId), doc: activity, expect: 'absent' });
        }
        await store.write(ops);
        return { ScalableTargetARN: target.ScalableTargetARN };
      });
    },

    async DeregisterScalableTarget(input: RegisterInput, ctx: RequestContext) {
      const key = keyOf(input);
      checkTargetKey(key);
      return retrying(async () => {
        const target = await findTarget(store, ctx.scope, key);
        if (!target) throw targetNotFound(key);
        const [policies, actions] = await Promise.all([
          store.list<ScalingPolicyRecord>(AUTOSCALING_KIND.policy, ctx.scope, { prefix: underTarget(key) }),
          store.list<ScheduledActionRecord>(AUTOSCALING_KIND.scheduledAction, ctx.scope, { prefix: underTarget(key) }),
        ]);
        const ops: WriteOp[] = [{ op: 'delete', kind: AUTOSCALING_KIND.scalableTarget, scope: ctx.scope, id: target.id, expect: target.version }];
        // Its policies go with it, and the alarms target tracking made for them; so do its scheduled actions.
        for (const policy of policies) {
          ops.push({ op: 'delete', kind: AUTOSCALING_KIND.policy, scope: ctx.scope, id: policy.id, expect: policy.version });
          for (const alarm of policy.doc.Alarms) {
            const record = await store.get<AlarmRecord>(ALARM_KIND, ctx.scope, alarm.AlarmName);
            if (record && record.doc.wharf.managedBy === policy.doc.PolicyARN) ops.push({ op: 'delete', kind: ALARM_KIND, scope: ctx.scope, id: record.id, expect: record.version });
          }
        }
        for (const action of actions) ops.push({ op: 'delete', kind: AUTOSCALING_KIND.scheduledAction, scope: ctx.scope, id: action.id, expect: action.version });
        await store.write(ops);
        return {};
      });
    },

    async DescribeScalableTargets(input: { ServiceNamespace: string; ResourceIds?: string[]; ScalableDimension?: string; MaxResults?: number; NextToken?: string }, ctx: RequestContext) {
      const limit = maxResults(input.MaxResults);
      if (input.ResourceIds && input.ResourceIds.length > 50) throw validation('ResourceIds can contain at most 50 resource IDs.'); // unverified wording
      const all = await store.list<ScalableTargetRecord>(AUTOSCALING_KIND.scalableTarget, ctx.scope, { prefix: `${input.ServiceNamespace}|` });
      const matching = all
        .map((record) => record.doc)
        .filter((target) => (!input.ResourceIds?.length || input.ResourceIds.includes(target.ResourceId)) && (input.ScalableDimension === undefined || target.ScalableDimension === input.ScalableDimension));
      const result = pageOf(matching, input.NextToken, limit);
      return { ScalableTargets: result.items.map(showTarget), NextToken: result.NextToken };
    },
  };
}

