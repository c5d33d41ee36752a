import { invalidParameterAt, repositoryNotFound } from '../../domain/ecr/errors.js';
import { ECR_KIND, type RepositoryRecord } from '../../domain/ecr/records.js';
import { checkEcrTags, mergeEcrTags, parseRepositoryArn, toEcrTags, type EcrTag } from '../../domain/ecr/repository.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/** Tags on repositories, by repository ARN. */
export function tagHandlers(store: Store) {
  async function locate(ctx: RequestContext, arn: string) {
    const parts = parseRepositoryArn(arn);
    if (!parts) throw invalidParameterAt('resourceArn', 'Invalid ARN');
    const record = parts.account === ctx.scope.account && parts.region === ctx.scope.region ? await store.get<RepositoryRecord>(ECR_KIND.repository, ctx.scope, parts.name) : undefined;
    if (!record) throw repositoryNotFound(parts.name, parts.account);
    return record;
  }

  function edit(ctx: RequestContext, arn: string, change: (repository: RepositoryRecord) => RepositoryRecord) {
    return retryOnStale(async () => {
      const record = await locate(ctx, arn);
      await store.write([{ op: 'put', kind: ECR_KIND.repository, scope: ctx.scope, id: record.id, doc: change(record.doc), expect: record.version }]);
      return {};
    });
  }

  return {
    TagResource(input: { resourceArn: string; tags: EcrTag[] }, ctx: RequestContext) {
      checkEcrTags(input.tags);
      return edit(ctx, input.resourceArn, (repository) => ({ ...repository, tags: mergeEcrTags(repository.tags, input.tags) }));
    },

    UntagResource(input: { resourceArn: string; tagKeys: string[] }, ctx: RequestContext) {
      const drop = new Set(input.tagKeys);
      return edit(ctx, input.resourceArn, (repository) => ({ ...repository, tags: repository.tags.filter((tag) => !drop.has(tag.key ?? '')) }));
    },

    async ListTagsForResource(input: { resourceArn: string }, ctx: RequestContext) {
      const record = await locate(ctx, input.resourceArn);
      return { tags: toEcrTags(record.doc.tags) };
    },
  };
}
