import { repositoryAlreadyExists, repositoryNotEmpty, repositoryNotFound, invalidParameter } from '../../domain/ecr/errors.js';
import { ECR_KIND, type ImageTagMutability, type ImageTagMutabilityExclusionFilter, type RepositoryRecord, type UploadRecord } from '../../domain/ecr/records.js';
import { checkMutability, checkRepositoryName, describeRepository, newRepository, type NewRepositoryInput } from '../../domain/ecr/repository.js';
import { retryOnStale, StaleWriteError, type Scope, type Store, type WriteOp } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { imagesOf, layersOf, registryOf, requireRepository, type RepositoryInput } from './records.js';

export function repositoryHandlers(store: Store, registryHost: (scope: Scope) => string) {
  /** Read-modify-write of one repository's settings, retried on a concurrent change. */
  function updateRepository(ctx: RequestContext, input: RepositoryInput, change: (repository: RepositoryRecord) => RepositoryRecord) {
    return retryOnStale(async () => {
      const record = await requireRepository(store, ctx, input);
      const updated = change(record.doc);
      await store.write([{ op: 'put', kind: ECR_KIND.repository, scope: ctx.scope, id: record.id, doc: updated, expect: record.version }]);
      return updated;
    });
  }

  return {
    async CreateRepository(input: NewRepositoryInput & { registryId?: string }, ctx: RequestContext) {
      const registryId = registryOf(input, ctx);
      // (unverified) wording: a repository is created in the caller's own registry.
      if (registryId !== ctx.scope.account) throw invalidParameter(`Invalid parameter at 'registryId': repositories can only be created in the registry with id '${ctx.scope.account}'`);
      const repository = newRepository(input, { region: ctx.scope.region, account: ctx.scope.account, now: ctx.now, registryHost: registryHost(ctx.scope) });
      const existing = await store.get<RepositoryRecord>(ECR_KIND.repository, ctx.scope, repository.repositoryName);
      if (existing) throw repositoryAlreadyExists(repository.repositoryName, registryId);
      try {
        await store.write([{ op: 'put', kind: ECR_KIND.repository, scope: ctx.scope, id: repository.repositoryName, doc: repository, expect: 'absent' }]);
      } catch (error) {
        if (error instanceof StaleWriteError) throw repositoryAlreadyExists(repository.repositoryName, registryId);
        throw error;
      }
      return { repository: describeRepository(repository, registryHost(ctx.scope)) };
    },

    async DescribeRepositories(input: { registryId?: string; repositoryNames?: string[]; nextToken?: string; maxResults?: number }, ctx: RequestContext) {
      const registryId = registryOf(input, ctx);
      if (input.repositoryNames && input.repositoryNames.length > 0) {
        // (unverified) wording; ECR documents that names and paging do not go together.
        if (input.nextToken !== undefined || input.maxResults !== undefined) throw invalidParameter('nextToken and maxResults cannot be used when repositoryNames are specified.');
        const repositories = [];
        for (const name of input.repositoryNames) {
          checkRepositoryName(name);
          const record = registryId === ctx.scope.account ? await store.get<RepositoryRecord>(ECR_KIND.repository, ctx.scope, name) : undefined;
          if (!record) throw repositoryNotFound(name, registryId);
          repositories.push(describeRepository(record.doc, registryHost(ctx.scope)));
        }
        return { repositories };
      }
      const limit = checkMaxResults(input.maxResults, 1000, 100);
      const all = registryId === ctx.scope.account ? await store.list<RepositoryRecord>(ECR_KIND.repository, ctx.scope) : [];
      const result = page(all, (record) => record.id, decodePageToken(input.nextToken), limit);
      return { repositories: result.items.map((record) => describeRepository(record.doc, registryHost(ctx.scope))), nextToken: result.nextToken };
    },

    async DeleteRepository(input: RepositoryInput & { force?: boolean }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await requireRepository(store, ctx, input);
        const images = await imagesOf(store, ctx.scope, record.id);
        if (images.length > 0 && !input.force) throw repositoryNotEmpty(record.id, registryOf(input, ctx));
        const layers = await layersOf(store, ctx.scope, record.id);
        const uploads = (await store.list<UploadRecord>(ECR_KIND.upload, ctx.scope)).filter((upload) => upload.doc.repositoryName === record.id);
        const ops: WriteOp[] = [
          { op: 'delete', kind: ECR_KIND.repository, scope: ctx.scope, id: record.id, expect: record.version },
          ...images.map((image): WriteOp => ({ op: 'delete', kind: ECR_KIND.image, scope: ctx.scope, id: image.id, expect: image.version })),
          ...layers.map((layer): WriteOp => ({ op: 'delete', kind: ECR_KIND.layer, scope: ctx.scope, id: layer.id, expect: layer.version })),
          ...uploads.map((upload): WriteOp => ({ op: 'delete', kind: ECR_KIND.upload, scope: ctx.scope, id: upload.id, expect: upload.version })),
        ];
        await store.write(ops);
        return { repository: describeRepository(record.doc, registryHost(ctx.scope)) };
      });
    },

    async PutImageTagMutability(
      input: RepositoryInput & { imageTagMutability: ImageTagMutability; imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilter[] },
      ctx: RequestContext,
    ) {
      const setting = checkMutability(input);
      const updated = await updateRepository(ctx, input, (repository) => {
        const { imageTagMutabilityExclusionFilters: _dropped, ...rest } = repository;
        return { ...rest, ...setting };
      });
      return { registryId: updated.registryId, repositoryName: updated.repositoryName, ...setting };
    },

    async PutImageScanningConfiguration(input: RepositoryInput & { imageScanningConfiguration: { scanOnPush?: boolean } }, ctx: RequestContext) {
      const updated = await updateRepository(ctx, input, (repository) => ({ ...repository, imageScanningConfiguration: { scanOnPush: input.imageScanningConfiguration.scanOnPush ?? false } }));
      return { registryId: updated.registryId, repositoryName: updated.repositoryName, imageScanningConfiguration: updated.imageScanningConfiguration };
    },
  };
}
