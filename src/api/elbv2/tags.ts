import { AwsError } from '../../domain/errors.js';
import { isDefaultRuleId, parentId, parseElbArn, type ElbResourceType } from '../../domain/elbv2/arns.js';
import { listenerNotFound, loadBalancerNotFound, rulesNotFound, targetGroupNotFound, validationError } from '../../domain/elbv2/errors.js';
import { ELBV2_KIND, type ListenerRecord } from '../../domain/elbv2/records.js';
import { tagList, withoutTags, withTags, type TagInput } from '../../domain/elbv2/tags.js';
import { retryOnStale, type Store, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

const KIND: Record<ElbResourceType, string> = {
  loadbalancer: ELBV2_KIND.loadBalancer,
  targetgroup: ELBV2_KIND.targetGroup,
  listener: ELBV2_KIND.listener,
  'listener-rule': ELBV2_KIND.rule,
};

const NOT_FOUND: Record<ElbResourceType, (arn: string) => AwsError> = {
  loadbalancer: loadBalancerNotFound,
  targetgroup: targetGroupNotFound,
  listener: listenerNotFound,
  'listener-rule': () => rulesNotFound(),
};

type Tagged = { tags: Record<string, string> };

/** Where a resource's tags live: its own record, or for a default rule its listener's `defaultRuleTags`. */
interface TagHolder {
  readonly kind: string;
  readonly id: string;
  readonly version: number;
  readonly doc: Tagged;
  readonly defaultRule: boolean;
}

export function tagHandlers(store: Store) {
  async function locate(ctx: RequestContext, arn: string): Promise<TagHolder> {
    const parsed = parseElbArn(arn);
    if (!parsed) throw validationError(`'${arn}' is not a valid resource ARN`); // unverified wording
    const mine = parsed.account === ctx.scope.account && parsed.region === ctx.scope.region;
    const defaultRule = parsed.type === 'listener-rule' && isDefaultRuleId(parsed.id);
    const kind = defaultRule ? ELBV2_KIND.listener : KIND[parsed.type];
    const id = defaultRule ? parentId(parsed.id) : parsed.id;
    const record = mine ? await store.get<Tagged>(kind, ctx.scope, id) : undefined;
    if (!record) throw NOT_FOUND[parsed.type](arn);
    return { kind, id, version: record.version, doc: record.doc, defaultRule };
  }

  const tagsOf = (holder: TagHolder) => (holder.defaultRule ? ((holder.doc as ListenerRecord).defaultRuleTags ?? {}) : holder.doc.tags);

  /** One write for every resource named, each expecting the version read. */
  function edit(ctx: RequestContext, arns: readonly string[], change: (tags: Record<string, string>) => Record<string, string>) {
    return retryOnStale(async () => {
      const holders = new Map<string, TagHolder>();
      for (const arn of arns) {
        const holder = await locate(ctx, arn);
        const key = `${holder.kind}|${holder.id}`;
        const previous = holders.get(key);
        // Two ARNs on one record (a listener and its default rule): apply both to the same document.
        const base = previous ? { ...holder, doc: previous.doc, version: previous.version } : holder;
        const next = change(tagsOf(base));
        const doc = holder.defaultRule ? { ...base.doc, defaultRuleTags: next } : { ...base.doc, tags: next };
        holders.set(key, { ...base, doc });
      }
      const ops: WriteOp[] = [...holders.values()].map((holder) => ({ op: 'put', kind: holder.kind, scope: ctx.scope, id: holder.id, doc: holder.doc, expect: holder.version }));
      await store.write(ops);
      return {};
    });
  }

  return {
    AddTags(input: { ResourceArns: string[]; Tags: TagInput[] }, ctx: RequestContext) {
      return edit(ctx, input.ResourceArns, (tags) => withTags(tags, input.Tags));
    },

    RemoveTags(input: { ResourceArns: string[]; TagKeys: string[] }, ctx: RequestContext) {
      return edit(ctx, input.ResourceArns, (tags) => withoutTags(tags, input.TagKeys));
    },

    async DescribeTags(input: { ResourceArns: string[] }, ctx: RequestContext) {
      const descriptions = [];
      for (const arn of input.ResourceArns) descriptions.push({ ResourceArn: arn, Tags: tagList(tagsOf(await locate(ctx, arn))) });
      return { TagDescriptions: descriptions };
    },
  };
}
