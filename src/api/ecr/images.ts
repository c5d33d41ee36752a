import { createHash } from 'node:crypto';
import { imageDigestDoesNotMatch, imageNotFound, invalidParameter, layersNotFound, referencedImagesNotFound } from '../../domain/ecr/errors.js';
import { imageDetail, listImageIds, matchesTagStatus, planBatchDelete, planImagePush, resolveImageId, type ImageFailure, type ImageIdentifier, type TagStatus } from '../../domain/ecr/images.js';
import { isManifestProblem, parseManifest } from '../../domain/ecr/manifest.js';
import { ECR_KIND, imageRecordId, layerRecordId, type ImageRecord, type LayerRecord } from '../../domain/ecr/records.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { retryOnStale, type Store, type WriteOp } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { imagesOf, registryOf, requireRepository, type RepositoryInput } from './records.js';

/** ListImages, DescribeImages, BatchGetImage, BatchDeleteImage and PutImage over the image records the registry shares. */
export function imageHandlers(store: Store, blobs: BlobStore) {
  return {
    async ListImages(input: RepositoryInput & { filter?: { tagStatus?: TagStatus }; nextToken?: string; maxResults?: number }, ctx: RequestContext) {
      const repository = await requireRepository(store, ctx, input);
      const limit = checkMaxResults(input.maxResults, 1000, 100);
      const entries = listImageIds((await imagesOf(store, ctx.scope, repository.id)).map((image) => image.doc), input.filter?.tagStatus);
      const result = page(entries, (entry) => entry.id, decodePageToken(input.nextToken), limit);
      return { imageIds: result.items.map((entry) => entry.imageId), nextToken: result.nextToken };
    },

    async DescribeImages(
      input: RepositoryInput & { imageIds?: ImageIdentifier[]; filter?: { tagStatus?: TagStatus }; nextToken?: string; maxResults?: number },
      ctx: RequestContext,
    ) {
      const repository = await requireRepository(store, ctx, input);
      const registryId = registryOf(input, ctx);
      const images = (await imagesOf(store, ctx.scope, repository.id)).map((image) => image.doc);
      if (input.imageIds && input.imageIds.length > 0) {
        // (unverified) wording: ECR documents that imageIds and paging do not go together.
        if (input.nextToken !== undefined || input.maxResults !== undefined) throw invalidParameter('nextToken and maxResults cannot be used when imageIds are specified.');
        const details = [];
        const seen = new Set<string>();
        for (const id of input.imageIds) {
          const found = resolveImageId(images, id);
          if ('failure' in found) throw imageNotFound(id, repository.id, registryId);
          if (seen.has(found.image.imageDigest)) continue;
          seen.add(found.image.imageDigest);
          details.push(imageDetail(found.image, registryId));
        }
        return { imageDetails: details };
      }
      const limit = checkMaxResults(input.maxResults, 1000, 100);
      const matching = images.filter((image) => matchesTagStatus(image, input.filter?.tagStatus));
      const result = page(matching, (image) => image.imageDigest, decodePageToken(input.nextToken), limit);
      return { imageDetails: result.items.map((image) => imageDetail(image, registryId)), nextToken: result.nextToken };
    },

    async BatchGetImage(input: RepositoryInput & { imageIds: ImageIdentifier[]; acceptedMediaTypes?: string[] }, ctx: RequestContext) {
      const repository = await requireRepository(store, ctx, input);
      const registryId = registryOf(input, ctx);
      const images = (await imagesOf(store, ctx.scope, repository.id)).map((image) => image.doc);
      const found = [];
      const failures: ImageFailure[] = [];
      for (const id of input.imageIds) {
        const resolved = resolveImageId(images, id);
        if ('failure' in resolved) {
          failures.push(resolved.failure);
          continue;
        }
        const image = resolved.image;
        if (input.acceptedMediaTypes && !input.acceptedMediaTypes.includes(image.imageManifestMediaType)) {
          // ECR would convert a schema 2 manifest to schema 1; Wharf serves manifests as pushed. (unverified) wording.
          failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: `The image's manifest media type '${image.imageManifestMediaType}' is not among the accepted media types` });
          continue;
        }
        found.push({
          registryId,
          repositoryName: repository.id,
          imageId: { imageDigest: image.imageDigest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
          imageManifest: Buffer.from(image.manifestBase64, 'base64').toString('utf8'),
          imageManifestMediaType: image.imageManifestMediaType,
        });
      }
      return { images: found, failures };
    },

    async BatchDeleteImage(input: RepositoryInput & { imageIds: ImageIdentifier[] }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const repository = await requireRepository(store, ctx, input);
        const records = await imagesOf(store, ctx.scope, repository.id);
        const plan = planBatchDelete(
          records.map((record) => record.doc),
          input.imageIds,
        );
        const versionOf = new Map(records.map((record) => [record.doc.imageDigest, record.version]));
        const ops: WriteOp[] = [
          ...plan.updated.map((image): WriteOp => ({ op: 'put', kind: ECR_KIND.image, scope: ctx.scope, id: imageRecordId(repository.id, image.imageDigest), doc: image, expect: versionOf.get(image.imageDigest)! })),
          ...plan.deleted.map((digest): WriteOp => ({ op: 'delete', kind: ECR_KIND.image, scope: ctx.scope, id: imageRecordId(repository.id, digest), expect: versionOf.get(digest)! })),
        ];
        if (ops.length > 0) {
          // The repository's version orders image writes (see PutImage).
          ops.push({ op: 'put', kind: ECR_KIND.repository, scope: ctx.scope, id: repository.id, doc: repository.doc, expect: repository.version });
          await store.write(ops);
        }
        return { imageIds: plan.imageIds, failures: plan.failures };
      });
    },

    async PutImage(input: RepositoryInput & { imageManifest: string; imageManifestMediaType?: string; imageTag?: string; imageDigest?: string }, ctx: RequestContext) {
      const registryId = registryOf(input, ctx);
      const bytes = Buffer.from(input.imageManifest, 'utf8');
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (input.imageDigest !== undefined && input.imageDigest !== digest) throw imageDigestDoesNotMatch(input.imageDigest, digest);
      const manifest = parseManifest(input.imageManifest, input.imageManifestMediaType);
      // (unverified) wording.
      if (isManifestProblem(manifest)) throw invalidParameter(`Invalid parameter at 'imageManifest' failed to satisfy constraint: '${manifest.problem}'`);

      return retryOnStale(async () => {
        const repository = await requireRepository(store, ctx, input);
        const records = await imagesOf(store, ctx.scope, repository.id);
        const images = records.map((record) => record.doc);
        const plan = planImagePush({
          repository: repository.doc,
          images,
          digest,
          manifest,
          manifestBase64: bytes.toString('base64'),
          ...(input.imageTag !== undefined ? { tag: input.imageTag } : {}),
          now: ctx.now.getTime(),
        });
        const answer = {
          image: {
            registryId,
            repositoryName: repository.id,
            imageId: { imageDigest: digest, ...(input.imageTag !== undefined ? { imageTag: input.imageTag } : {}) },
            imageManifest: input.imageManifest,
            imageManifestMediaType: plan.image.imageManifestMediaType,
          },
        };
        if (plan.unchanged) return answer;

        const ops: WriteOp[] = [];
        if (plan.created) {
          const missingChildren = manifest.manifests.filter((child) => !images.some((image) => image.imageDigest === child));
          if (missingChildren.length > 0) throw referencedImagesNotFound(missingChildren, repository.id, registryId);
          // A blob must be in this repository; one pushed to another repository of the same registry (account
          // and region) is linked here, as a mount would. Another account's blobs stay out of reach, digest or not.
          const missing: string[] = [];
          let inRegistry: Set<string> | undefined;
          for (const blob of manifest.blobs) {
            if (await store.get<LayerRecord>(ECR_KIND.layer, ctx.scope, layerRecordId(repository.id, blob))) continue;
            inRegistry ??= new Set((await store.list<LayerRecord>(ECR_KIND.layer, ctx.scope)).map((record) => record.doc.layerDigest));
            const info = inRegistry.has(blob) ? await blobs.stat(blob) : undefined;
            if (!info) {
              missing.push(blob);
              continue;
            }
            const link: LayerRecord = { repositoryName: repository.id, layerDigest: blob, layerSize: info.size, linkedAt: ctx.now.getTime() };
            ops.push({ op: 'put', kind: ECR_KIND.layer, scope: ctx.scope, id: layerRecordId(repository.id, blob), doc: link, expect: 'absent' });
          }
          if (missing.length > 0) throw layersNotFound(missing, repository.id, registryId);
        }
        const versionOf = new Map(records.map((record) => [record.doc.imageDigest, record.version]));
        const put = (image: ImageRecord, expect: number | 'absent'): WriteOp => ({ op: 'put', kind: ECR_KIND.image, scope: ctx.scope, id: imageRecordId(repository.id, image.imageDigest), doc: image, expect });
        ops.push(put(plan.image, plan.created ? 'absent' : versionOf.get(digest)!));
        for (const image of plan.retagged) ops.push(put(image, versionOf.get(image.imageDigest)!));
        // Writing the repository (unchanged) with its version orders concurrent pushes: two pushes of one
        // tag cannot both find it free. It also wakes the lifecycle controller.
        ops.push({ op: 'put', kind: ECR_KIND.repository, scope: ctx.scope, id: repository.id, doc: repository.doc, expect: repository.version });
        await store.write(ops);
        return answer;
      });
    },
  };
}
