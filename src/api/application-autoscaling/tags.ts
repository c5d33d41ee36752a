import { resourceNotFound } from '../../domain/autoscaling/errors.js';
import { AUTOSCALING_KIND, type ScalableTargetRecord } from '../../domain/autoscaling/records.js';
import { checkTagMap } from '../../domain/autoscaling/tags.js';
import { type Scope, type Store, type StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { retrying } from './lookup.js';

/** Only scalable targets take tags, as in AWS. */
async function targetByArn(store: Store, scope: Scope, arn: string): Promise<StoredRecord<ScalableTargetRecord>> {
  const targets = await store.list<ScalableTargetRecord>(AUTOSCALING_KIND.scalableTarget, scope);
  const found = targets.find((record) => record.doc.ScalableTargetARN === arn);
  if (!found) throw resourceNotFound(arn);
  return found;
}

export function tagHandlers(store: Store) {
  async function editTags(ctx: RequestContext, arn: string, change: (tags: Record<string, string>) => Record<string, string>) {
    return retrying(async () => {
      const record = await targetByArn(store, ctx.scope, arn);
      const tags = change({ ...record.doc.Tags });
      checkTagMap(tags, arn);
      await store.write([{ op: 'put', kind: AUTOSCALING_KIND.scalableTarget, scope: ctx.scope, id: record.id, doc: { ...record.doc, Tags: tags }, expect: record.version }]);
      return {};
    });
  }

  return {
    async TagResource(input: { ResourceARN: string; Tags: Record<string, string> }, ctx: RequestContext) {
      return editTags(ctx, input.ResourceARN, (tags) => ({ ...tags, ...input.Tags }));
    },
    async UntagResource(input: { ResourceARN: string; TagKeys: string[] }, ctx: RequestContext) {
      return editTags(ctx, input.ResourceARN, (tags) => Object.fromEntries(Object.entries(tags).filter(([key]) => !input.TagKeys.includes(key))));
    },
    async ListTagsForResource(input: { ResourceARN: string }, ctx: RequestContext) {
      return { Tags: (await targetByArn(store, ctx.scope, input.ResourceARN)).doc.Tags };
    },
  };
}
