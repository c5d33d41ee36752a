import { imageNotFound, lifecyclePolicyNotFound, lifecyclePolicyPreviewNotFound, repositoryPolicyNotFound } from '../../domain/ecr/errors.js';
import { evaluateLifecycle, lifecycleImageOf } from '../../domain/ecr/lifecycle.js';
import { parseLifecyclePolicy } from '../../domain/ecr/lifecycle-policy.js';
import { matchesTagStatus, resolveImageId, type ImageIdentifier, type TagStatus } from '../../domain/ecr/images.js';
import { ECR_KIND, type RepositoryRecord } from '../../domain/ecr/records.js';
import { checkRepositoryPolicy } from '../../domain/ecr/repository-policy.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { imagesOf, requireRepository, type RepositoryInput } from './records.js';

/** ECR always answers lastEvaluatedAt; a policy not yet evaluated shows the epoch. (unverified) */
const lastEvaluated = (repository: RepositoryRecord) => new Date(repository.lifecyclePolicyLastEvaluatedAt ?? 0);

/** Lifecycle policies (applied by controllers/ecr-lifecycle.ts), their previews, and repository policies. */
export function policyHandlers(store: Store) {
  function change(ctx: RequestContext, input: RepositoryInput, edit: (repository: RepositoryRecord) => RepositoryRecord) {
    return retryOnStale(async () => {
      const record = await requireRepository(store, ctx, input);
      const updated = edit(record.doc);
      await store.write([{ op: 'put', kind: ECR_KIND.repository, scope: ctx.scope, id: record.id, doc: updated, expect: record.version }]);
      return { before: record.doc, after: updated };
    });
  }

  function without<K extends keyof RepositoryRecord>(repository: RepositoryRecord, ...keys: K[]): RepositoryRecord {
    const copy = { ...repository };
    for (const key of keys) delete copy[key];
    return copy;
  }

  return {
    async PutLifecyclePolicy(input: RepositoryInput & { lifecyclePolicyText: string }, ctx: RequestContext) {
      parseLifecyclePolicy(input.lifecyclePolicyText);
      const { after } = await change(ctx, input, (repository) => ({ ...repository, lifecyclePolicyText: input.lifecyclePolicyText }));
      return { registryId: after.registryId, repositoryName: after.repositoryName, lifecyclePolicyText: input.lifecyclePolicyText };
    },

    async GetLifecyclePolicy(input: RepositoryInput, ctx: RequestContext) {
      const { doc } = await requireRepository(store, ctx, input);
      if (doc.lifecyclePolicyText === undefined) throw lifecyclePolicyNotFound(doc.repositoryName, doc.registryId);
      return { registryId: doc.registryId, repositoryName: doc.repositoryName, lifecyclePolicyText: doc.lifecyclePolicyText, lastEvaluatedAt: lastEvaluated(doc) };
    },

    async DeleteLifecyclePolicy(input: RepositoryInput, ctx: RequestContext) {
      const { before } = await change(ctx, input, (repository) => {
        if (repository.lifecyclePolicyText === undefined) throw lifecyclePolicyNotFound(repository.repositoryName, repository.registryId);
        return without(repository, 'lifecyclePolicyText', 'lifecyclePolicyLastEvaluatedAt');
      });
      return { registryId: before.registryId, repositoryName: before.repositoryName, lifecyclePolicyText: before.lifecyclePolicyText, lastEvaluatedAt: lastEvaluated(before) };
    },

    /** Evaluates at once (Wharf's repositories are small); GetLifecyclePolicyPreview then shows COMPLETE. */
    async StartLifecyclePolicyPreview(input: RepositoryInput & { lifecyclePolicyText?: string }, ctx: RequestContext) {
      const record = await requireRepository(store, ctx, input);
      const text = input.lifecyclePolicyText ?? record.doc.lifecyclePolicyText;
      if (text === undefined) throw lifecyclePolicyNotFound(record.doc.repositoryName, record.doc.registryId);
      const policy = parseLifecyclePolicy(text);
      const images = (await imagesOf(store, ctx.scope, record.id)).map((image) => image.doc);
      const outcome = evaluateLifecycle(policy, images.map(lifecycleImageOf), ctx.now.getTime());
      const byDigest = new Map(images.map((image) => [image.imageDigest, image]));
      const results = outcome.expired.map((item) => {
        const image = byDigest.get(item.imageDigest)!;
        return { imageDigest: item.imageDigest, imageTags: image.imageTags, imagePushedAt: image.imagePushedAt, appliedRulePriority: item.rulePriority };
      });
      const { after } = await change(ctx, input, (repository) => ({ ...repository, lifecyclePolicyPreview: { lifecyclePolicyText: text, status: 'COMPLETE', results } }));
      return { registryId: after.registryId, repositoryName: after.repositoryName, lifecyclePolicyText: text, status: 'IN_PROGRESS' };
    },

    async GetLifecyclePolicyPreview(
      input: RepositoryInput & { imageIds?: ImageIdentifier[]; nextToken?: string; maxResults?: number; filter?: { tagStatus?: TagStatus } },
      ctx: RequestContext,
    ) {
      const { doc } = await requireRepository(store, ctx, input);
      const preview = doc.lifecyclePolicyPreview;
      if (!preview) throw lifecyclePolicyPreviewNotFound(doc.repositoryName, doc.registryId);
      let results = preview.results.filter((result) => matchesTagStatus(result, input.filter?.tagStatus));
      if (input.imageIds && input.imageIds.length > 0) {
        const wanted = new Set<string>();
        for (const id of input.imageIds) {
          const found = resolveImageId(results, id);
          if ('failure' in found) throw imageNotFound(id, doc.repositoryName, doc.registryId);
          wanted.add(found.image.imageDigest);
        }
        results = results.filter((result) => wanted.has(result.imageDigest));
      }
      const limit = checkMaxResults(input.maxResults, 100, 100);
      const paged = page(results, (result) => result.imageDigest, decodePageToken(input.nextToken), limit);
      return {
        registryId: doc.registryId,
        repositoryName: doc.repositoryName,
        lifecyclePolicyText: preview.lifecyclePolicyText,
        status: preview.status,
        previewResults: paged.items.map((result) => ({ ...result, action: { type: 'EXPIRE' } })),
        nextToken: paged.nextToken,
        summary: { expiringImageTotalCount: preview.results.length },
      };
    },

    async SetRepositoryPolicy(input: RepositoryInput & { policyText: string; force?: boolean }, ctx: RequestContext) {
      checkRepositoryPolicy(input.policyText);
      const { after } = await change(ctx, input, (repository) => ({ ...repository, repositoryPolicyText: input.policyText }));
      return { registryId: after.registryId, repositoryName: after.repositoryName, policyText: input.policyText };
    },

    async GetRepositoryPolicy(input: RepositoryInput, ctx: RequestContext) {
      const { doc } = await requireRepository(store, ctx, input);
      if (doc.repositoryPolicyText === undefined) throw repositoryPolicyNotFound(doc.repositoryName, doc.registryId);
      return { registryId: doc.registryId, repositoryName: doc.repositoryName, policyText: doc.repositoryPolicyText };
    },

    async DeleteRepositoryPolicy(input: RepositoryInput, ctx: RequestContext) {
      const { before } = await change(ctx, input, (repository) => {
        if (repository.repositoryPolicyText === undefined) throw repositoryPolicyNotFound(repository.repositoryName, repository.registryId);
        return without(repository, 'repositoryPolicyText');
      });
      return { registryId: before.registryId, repositoryName: before.repositoryName, policyText: before.repositoryPolicyText };
    },
  };
}
