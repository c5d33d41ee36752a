import { ALARM_KIND, type AlarmRecord } from '../../domain/cloudwatch/alarm-record.js';
import { parseAlarmArn } from '../../domain/cloudwatch/alarm-rules.js';
import { invalidParameterValue } from '../../domain/cloudwatch/errors.js';
import { AwsError } from '../../domain/errors.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

const MAX_TAGS = 50;

/** Tags of alarms, addressed by their ARN (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`). */
export function tagHandlers(store: Store) {
  async function locate(arn: string, ctx: RequestContext) {
    const parsed = parseAlarmArn(arn);
    if (!parsed) throw invalidParameterValue(`The value ${arn} for parameter ResourceARN is invalid.`); // unverified wording
    const record = parsed.account === ctx.scope.account && parsed.region === ctx.scope.region ? await store.get<AlarmRecord>(ALARM_KIND, ctx.scope, parsed.name) : undefined;
    if (!record) {
      throw new AwsError('ResourceNotFoundException', `Alarm ${parsed.name} does not exist.`, { status: 404, extra: { ResourceType: 'alarm', ResourceId: arn } }); // unverified wording
    }
    return record;
  }

  return {
    async ListTagsForResource(input: { ResourceARN: string }, ctx: RequestContext) {
      const record = await locate(input.ResourceARN, ctx);
      return { Tags: record.doc.Tags };
    },

    async TagResource(input: { ResourceARN: string; Tags: { Key: string; Value: string }[] }, ctx: RequestContext) {
      await retryOnStale(async () => {
        const record = await locate(input.ResourceARN, ctx);
        const tags = new Map(record.doc.Tags.map((tag) => [tag.Key, tag.Value]));
        for (const tag of input.Tags) tags.set(tag.Key, tag.Value);
        if (tags.size > MAX_TAGS) throw new AwsError('LimitExceededException', `The maximum number of tags per resource is ${MAX_TAGS}.`); // unverified wording
        const Tags = [...tags].map(([Key, Value]) => ({ Key, Value }));
        await store.write([{ op: 'put', kind: ALARM_KIND, scope: ctx.scope, id: record.id, doc: { ...record.doc, Tags }, expect: record.version }]);
      });
      return {};
    },

    async UntagResource(input: { ResourceARN: string; TagKeys: string[] }, ctx: RequestContext) {
      await retryOnStale(async () => {
        const record = await locate(input.ResourceARN, ctx);
        const drop = new Set(input.TagKeys);
        const Tags = record.doc.Tags.filter((tag) => !drop.has(tag.Key));
        await store.write([{ op: 'put', kind: ALARM_KIND, scope: ctx.scope, id: record.id, doc: { ...record.doc, Tags }, expect: record.version }]);
      });
      return {};
    },
  };
}
