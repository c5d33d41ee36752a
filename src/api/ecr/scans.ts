import { imageNotFound } from '../../domain/ecr/errors.js';
import { resolveImageId, type ImageIdentifier } from '../../domain/ecr/images.js';
import { ECR_KIND, imageRecordId } from '../../domain/ecr/records.js';
import { scanned, scanNotFound } from '../../domain/ecr/scanning.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { imagesOf, registryOf, requireRepository, type RepositoryInput } from './records.js';

/** Image scans, answered truthfully: no scanner runs here (see domain/ecr/scanning.ts). */
export function scanHandlers(store: Store) {
  async function findImage(ctx: RequestContext, input: RepositoryInput & { imageId: ImageIdentifier }) {
    const repository = await requireRepository(store, ctx, input);
    const records = await imagesOf(store, ctx.scope, repository.id);
    const found = resolveImageId(
      records.map((record) => record.doc),
      input.imageId,
    );
    if ('failure' in found) throw imageNotFound(input.imageId, repository.id, registryOf(input, ctx));
    const record = records.find((r) => r.doc.imageDigest === found.image.imageDigest)!;
    return { repository, record };
  }

  return {
    async StartImageScan(input: RepositoryInput & { imageId: ImageIdentifier }, ctx: RequestContext) {
      const after = await retryOnStale(async () => {
        const { repository, record } = await findImage(ctx, input);
        const doc = scanned(record.doc);
        await store.write([{ op: 'put', kind: ECR_KIND.image, scope: ctx.scope, id: imageRecordId(repository.id, doc.imageDigest), doc, expect: record.version }]);
        return doc;
      });
      return { registryId: registryOf(input, ctx), repositoryName: after.repositoryName, imageId: { imageDigest: after.imageDigest, ...(input.imageId.imageTag ? { imageTag: input.imageId.imageTag } : {}) }, imageScanStatus: after.imageScanStatus };
    },

    async DescribeImageScanFindings(input: RepositoryInput & { imageId: ImageIdentifier; nextToken?: string; maxResults?: number }, ctx: RequestContext) {
      const { record } = await findImage(ctx, input);
      const image = record.doc;
      if (!image.imageScanStatus) throw scanNotFound(input.imageId, image.repositoryName, registryOf(input, ctx));
      return {
        registryId: registryOf(input, ctx),
        repositoryName: image.repositoryName,
        imageId: { imageDigest: image.imageDigest, ...(input.imageId.imageTag ? { imageTag: input.imageId.imageTag } : {}) },
        imageScanStatus: image.imageScanStatus,
      };
    },
  };
}
