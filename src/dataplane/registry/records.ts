import { planImagePush } from '../../domain/ecr/images.js';
import type { ParsedManifest as ImageManifest } from '../../domain/ecr/manifest.js';
import { ECR_KIND, imageRecordId, layerRecordId, type ImageRecord, type LayerRecord, type RepositoryRecord } from '../../domain/ecr/records.js';
import { AwsError } from '../../domain/errors.js';
import { retryOnStale, StaleWriteError, type Scope, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import { nameUnknown, tagInvalid } from './errors.js';

/**
 * The registry's reads and writes of ECR records: repositories (read only:
 * the API creates them), images with their tags, and blob links.
 */
export class RegistryRecords {
  constructor(private readonly store: Store) {}

  repository(scope: Scope, name: string): Promise<StoredRecord<RepositoryRecord> | undefined> {
    return this.store.get<RepositoryRecord>(ECR_KIND.repository, scope, name);
  }

  async repositories(scope: Scope, after: string | undefined, limit: number): Promise<string[]> {
    const records = await this.store.list<RepositoryRecord>(ECR_KIND.repository, scope, { ...(after !== undefined ? { after } : {}), limit });
    return records.map((record) => record.id);
  }

  images(scope: Scope, repository: string): Promise<StoredRecord<ImageRecord>[]> {
    return this.store.list<ImageRecord>(ECR_KIND.image, scope, { prefix: `${repository}@` });
  }

  image(scope: Scope, repository: string, digest: string): Promise<StoredRecord<ImageRecord> | undefined> {
    return this.store.get<ImageRecord>(ECR_KIND.image, scope, imageRecordId(repository, digest));
  }

  async imageByTag(scope: Scope, repository: string, tag: string): Promise<StoredRecord<ImageRecord> | undefined> {
    return (await this.images(scope, repository)).find((record) => record.doc.imageTags.includes(tag));
  }

  async layer(scope: Scope, repository: string, digest: string): Promise<LayerRecord | undefined> {
    return (await this.store.get<LayerRecord>(ECR_KIND.layer, scope, layerRecordId(repository, digest)))?.doc;
  }

  /** Makes a blob readable through a repository (idempotent). */
  async link(scope: Scope, repository: string, digest: string, size: number, now: Date): Promise<void> {
    const id = layerRecordId(repository, digest);
    if (await this.store.get(ECR_KIND.layer, scope, id)) return;
    const doc: LayerRecord = { repositoryName: repository, layerDigest: digest, layerSize: size, linkedAt: now.getTime() };
    try {
      await this.store.write([{ op: 'put', kind: ECR_KIND.layer, scope, id, doc, expect: 'absent' }]);
    } catch (error) {
      if (!(error instanceof StaleWriteError)) throw error; // linked by a concurrent push: just as good
    }
  }

  async unlink(scope: Scope, repository: string, digest: string): Promise<boolean> {
    const id = layerRecordId(repository, digest);
    const record = await this.store.get(ECR_KIND.layer, scope, id);
    if (!record) return false;
    await this.store.write([{ op: 'delete', kind: ECR_KIND.layer, scope, id }]);
    return true;
  }

  /**
   * Records a pushed manifest as an image and moves `tag` onto it by ECR's
   * rules (domain/ecr/images.ts planImagePush, as PutImage: a tag names one
   * image, an image that loses its last tag stays untagged, an immutable tag
   * is not moved). Re-pushing what is already there changes nothing, as docker
   * expects. One write, which also puts the repository back unchanged at the
   * version read, as PutImage does: two pushes of one tag are ordered (they
   * cannot both find it free) and a repository deleted meanwhile is noticed.
   * Re-planned from a fresh read when another writer got there first.
   */
  putImage(scope: Scope, name: string, push: { digest: string; manifest: ImageManifest; manifestBase64: string }, tag: string | undefined, now: Date): Promise<void> {
    return retryOnStale(async () => {
      const repository = await this.repository(scope, name);
      if (!repository) throw nameUnknown(name, scope.account);
      const images = await this.images(scope, name);
      let plan;
      try {
        plan = planImagePush({ repository: repository.doc, images: images.map((record) => record.doc), ...push, ...(tag !== undefined ? { tag } : {}), now: now.getTime() });
      } catch (error) {
        if (error instanceof AwsError && error.code === 'ImageAlreadyExistsException') return;
        if (error instanceof AwsError && error.code === 'ImageTagAlreadyExistsException') throw tagInvalid(error.message, { tag, repository: name });
        throw error;
      }
      if (plan.unchanged) return;
      const version = (digest: string) => images.find((record) => record.doc.imageDigest === digest)?.version;
      const ops: WriteOp[] = plan.retagged.map((image) => ({
        op: 'put' as const,
        kind: ECR_KIND.image,
        scope,
        id: imageRecordId(name, image.imageDigest),
        doc: image,
        expect: version(image.imageDigest) ?? 'absent',
      }));
      ops.push({ op: 'put', kind: ECR_KIND.image, scope, id: imageRecordId(name, push.digest), doc: plan.image, expect: plan.created ? 'absent' : (version(push.digest) ?? 'absent') });
      ops.push({ op: 'put', kind: ECR_KIND.repository, scope, id: name, doc: repository.doc, expect: repository.version });
      await this.store.write(ops);
    });
  }

  /** Removes an image and all its tags; false when there is none. */
  async deleteImage(scope: Scope, repository: string, digest: string): Promise<boolean> {
    const record = await this.image(scope, repository, digest);
    if (!record) return false;
    await this.store.write([{ op: 'delete', kind: ECR_KIND.image, scope, id: record.id }]);
    return true;
  }

  /** Removes one tag; its image stays (untagged if that was its last). */
  deleteTag(scope: Scope, repository: string, tag: string): Promise<boolean> {
    return retryOnStale(async () => {
      const record = await this.imageByTag(scope, repository, tag);
      if (!record) return false;
      const doc: ImageRecord = { ...record.doc, imageTags: record.doc.imageTags.filter((t) => t !== tag) };
      await this.store.write([{ op: 'put', kind: ECR_KIND.image, scope, id: record.id, doc, expect: record.version }]);
      return true;
    });
  }

  /**
   * Notes a pull (lastRecordedPullTime) at most once a minute per image, as
   * ECR records pulls approximately; a concurrent pull's write wins silently.
   */
  async recordPull(scope: Scope, record: StoredRecord<ImageRecord>, now: Date): Promise<void> {
    const last = record.doc.lastRecordedPullTime;
    if (last !== undefined && now.getTime() - last < 60_000) return;
    const doc: ImageRecord = { ...record.doc, lastRecordedPullTime: now.getTime() };
    try {
      await this.store.write([{ op: 'put', kind: ECR_KIND.image, scope, id: record.id, doc, expect: record.version }]);
    } catch (error) {
      if (!(error instanceof StaleWriteError)) throw error;
    }
  }
}
