import { randomUUID } from 'node:crypto';
import { emptyUpload, invalidLayer, invalidLayerPart, invalidParameter, layerNotFoundForDownload, uploadNotFound } from '../../domain/ecr/errors.js';
import { AwsError } from '../../domain/errors.js';
import { ECR_KIND, layerRecordId, type LayerRecord, type UploadRecord } from '../../domain/ecr/records.js';
import { DigestMismatchError, UploadUnknownError, type BlobStore } from '../../ports/blob-store.js';
import type { Store, StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { registryOf, requireRepository, type RepositoryInput } from './records.js';

/** What InitiateLayerUpload asks parts to be: 5 MiB is under 7 MiB of base64, inside the gateway's 8 MiB body limit. */
export const PART_SIZE = 5 * 1024 * 1024;

const LAYER_DIGEST = /^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/;

/**
 * The layer half of ECR's push API: uploads go to the BlobStore (verified
 * against their digest, published whole) and are linked into the repository
 * as the registry links what docker pushes.
 */
export function layerHandlers(store: Store, blobs: BlobStore, registryHost: () => string) {
  async function upload(ctx: RequestContext, input: RepositoryInput & { uploadId: string }): Promise<StoredRecord<UploadRecord>> {
    const repository = await requireRepository(store, ctx, input);
    const record = await store.get<UploadRecord>(ECR_KIND.upload, ctx.scope, input.uploadId);
    if (!record || record.doc.repositoryName !== repository.id) throw uploadNotFound(input.uploadId, repository.id, registryOf(input, ctx));
    return record;
  }

  async function linked(ctx: RequestContext, repositoryName: string, digest: string): Promise<LayerRecord | undefined> {
    return (await store.get<LayerRecord>(ECR_KIND.layer, ctx.scope, layerRecordId(repositoryName, digest)))?.doc;
  }

  return {
    async BatchCheckLayerAvailability(input: RepositoryInput & { layerDigests: string[] }, ctx: RequestContext) {
      const repository = await requireRepository(store, ctx, input);
      const layers = [];
      const failures = [];
      for (const digest of input.layerDigests) {
        if (!LAYER_DIGEST.test(digest)) {
          failures.push({ layerDigest: digest, failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' });
          continue;
        }
        const link = await linked(ctx, repository.id, digest);
        const info = link && (await blobs.stat(digest));
        if (!info) failures.push({ layerDigest: digest, failureCode: 'MissingLayerDigest', failureReason: 'Could not find layer' });
        else layers.push({ layerDigest: digest, layerAvailability: 'AVAILABLE', layerSize: info.size });
      }
      return { layers, failures };
    },

    async GetDownloadUrlForLayer(input: RepositoryInput & { layerDigest: string }, ctx: RequestContext) {
      const repository = await requireRepository(store, ctx, input);
      const link = await linked(ctx, repository.id, input.layerDigest);
      if (!link || !(await blobs.stat(input.layerDigest))) throw layerNotFoundForDownload(input.layerDigest, repository.id, registryOf(input, ctx));
      return { downloadUrl: `http://${registryHost()}/v2/${repository.id}/blobs/${input.layerDigest}`, layerDigest: input.layerDigest };
    },

    async InitiateLayerUpload(input: RepositoryInput, ctx: RequestContext) {
      const repository = await requireRepository(store, ctx, input);
      const record: UploadRecord = { uploadId: randomUUID(), repositoryName: repository.id, blobUploadId: await blobs.startUpload(), initiatedAt: ctx.now.getTime() };
      await store.write([{ op: 'put', kind: ECR_KIND.upload, scope: ctx.scope, id: record.uploadId, doc: record, expect: 'absent' }]);
      return { uploadId: record.uploadId, partSize: PART_SIZE };
    },

    /** layerPartBlob arrives as the model's blob: base64 text on the JSON wire. */
    async UploadLayerPart(input: RepositoryInput & { uploadId: string; partFirstByte: number; partLastByte: number; layerPartBlob: string }, ctx: RequestContext) {
      const record = await upload(ctx, input);
      const registryId = registryOf(input, ctx);
      const bytes = Buffer.from(input.layerPartBlob, 'base64');
      const size = await blobs.uploadSize(record.doc.blobUploadId);
      if (size === undefined) throw uploadNotFound(input.uploadId, record.doc.repositoryName, registryId);
      const details = { uploadId: input.uploadId, repositoryName: record.doc.repositoryName, registryId, lastValidByteReceived: size - 1 };
      // (unverified) wording for both.
      if (input.partFirstByte !== size) throw invalidLayerPart(`The part's first byte ${input.partFirstByte} does not follow the last byte received (${size - 1}).`, details);
      if (bytes.length === 0 || input.partLastByte !== input.partFirstByte + bytes.length - 1) {
        throw invalidLayerPart(`The part holds ${bytes.length} bytes, which does not match partFirstByte ${input.partFirstByte} and partLastByte ${input.partLastByte}.`, details);
      }
      let total: number;
      try {
        total = await blobs.appendUpload(record.doc.blobUploadId, (async function* () {
          yield bytes;
        })());
      } catch (error) {
        if (error instanceof UploadUnknownError) throw uploadNotFound(input.uploadId, record.doc.repositoryName, registryId);
        throw error;
      }
      return { registryId, repositoryName: record.doc.repositoryName, uploadId: input.uploadId, lastByteReceived: total - 1 };
    },

    async CompleteLayerUpload(input: RepositoryInput & { uploadId: string; layerDigests: string[] }, ctx: RequestContext) {
      const record = await upload(ctx, input);
      const registryId = registryOf(input, ctx);
      const repositoryName = record.doc.repositoryName;
      // (unverified) wording: ECR takes the one digest of the one layer uploaded.
      if (input.layerDigests.length !== 1) throw invalidParameter('Invalid parameter at \'layerDigests\' failed to satisfy constraint: \'exactly one layer digest must be specified\'');
      const digest = input.layerDigests[0]!;
      const size = await blobs.uploadSize(record.doc.blobUploadId);
      if (size === undefined) throw uploadNotFound(input.uploadId, repositoryName, registryId);
      if (size === 0) throw emptyUpload(input.uploadId);
      const done = async () => store.write([{ op: 'delete', kind: ECR_KIND.upload, scope: ctx.scope, id: record.id, expect: record.version }]);

      if (await linked(ctx, repositoryName, digest)) {
        await blobs.cancelUpload(record.doc.blobUploadId);
        await done();
        // (unverified) wording.
        throw new AwsError('LayerAlreadyExistsException', `The layer with digest '${digest}' already exists in the repository with name '${repositoryName}' in registry with id '${registryId}'`);
      }
      let info;
      try {
        info = await blobs.finishUpload(record.doc.blobUploadId, digest);
      } catch (error) {
        // (unverified) wording.
        if (error instanceof DigestMismatchError) throw invalidLayer(`The calculated digest '${error.actual}' of the layer does not match the layer digest '${digest}' provided.`);
        if (error instanceof UploadUnknownError) throw uploadNotFound(input.uploadId, repositoryName, registryId);
        throw error;
      }
      const link: LayerRecord = { repositoryName, layerDigest: digest, layerSize: info.size, linkedAt: ctx.now.getTime() };
      await store.write([
        { op: 'delete', kind: ECR_KIND.upload, scope: ctx.scope, id: record.id, expect: record.version },
        { op: 'put', kind: ECR_KIND.layer, scope: ctx.scope, id: layerRecordId(repositoryName, digest), doc: link },
      ]);
      return { registryId, repositoryName, uploadId: input.uploadId, layerDigest: digest };
    },
  };
}
