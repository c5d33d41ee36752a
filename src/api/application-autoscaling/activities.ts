import { AUTOSCALING_KIND, type ScalingActivityRecord } from '../../domain/autoscaling/records.js';
import type { Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { checkNamespaceFilter, maxResults, pageOf } from './lookup.js';

function showActivity(activity: ScalingActivityRecord, withReasons: boolean) {
  const { wharf: _wharf, NotScaledReasons, ...shown } = activity;
  return withReasons && NotScaledReasons ? { ...shown, NotScaledReasons } : shown;
}

/** DescribeScalingActivities: newest first; not scaled activities only when asked for. */
export function activityHandlers(store: Store) {
  return {
    async DescribeScalingActivities(
      input: { ServiceNamespace: string; ResourceId?: string; ScalableDimension?: string; IncludeNotScaledActivities?: boolean; MaxResults?: number; NextToken?: string },
      ctx: RequestContext,
    ) {
      checkNamespaceFilter(input);
      const limit = maxResults(input.MaxResults);
      const prefix = input.ResourceId !== undefined ? `${input.ServiceNamespace}|${input.ResourceId}|` : `${input.ServiceNamespace}|`;
      const include = input.IncludeNotScaledActivities === true;
      const activities = (await store.list<ScalingActivityRecord>(AUTOSCALING_KIND.activity, ctx.scope, { prefix }))
        .map((record) => record.doc)
        .filter(
          (activity) =>
            activity.ResourceId === (input.ResourceId ?? activity.ResourceId) &&
            (input.ScalableDimension === undefined || activity.ScalableDimension === input.ScalableDimension) &&
            (include || !activity.wharf.notScaled),
        )
        .sort((a, b) => b.StartTime - a.StartTime || (a.ActivityId < b.ActivityId ? -1 : 1));
      const result = pageOf(activities, input.NextToken, limit);
      return { ScalingActivities: result.items.map((activity) => showActivity(activity, include)), NextToken: result.NextToken };
    },
  };
}
