import { imageAlreadyExists, imageTagAlreadyExists } from './errors.js';
import type { ParsedManifest } from './manifest.js';
import type { ImageRecord, RepositoryRecord } from './records.js';
import type { MutabilitySetting } from './repository.js';
import { scanned } from './scanning.js';
import { matchesWildcard } from './wildcard.js';

/**
 * ECR's image rules, shared by the ECR API and the registry: which image an
 * identifier names, what a push does to tags (one tag names one image per
 * repository; IMMUTABLE refuses to move it), what BatchDeleteImage removes,
 * and the wire shapes of ListImages / DescribeImages. Pure.
 */

export interface ImageIdentifier {
  readonly imageDigest?: string;
  readonly imageTag?: string;
}

export interface ImageFailure {
  readonly imageId: ImageIdentifier;
  readonly failureCode: string;
  readonly failureReason: string;
}

export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';

/** ECR's digest pattern for image ids (the model's LayerDigest one). */
const IMAGE_DIGEST = /^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/;

/** Whether pushing `tag` may not move it off another image. */
export function isTagImmutable(setting: MutabilitySetting, tag: string): boolean {
  const excluded = (setting.imageTagMutabilityExclusionFilters ?? []).some((filter) => matchesWildcard(filter.filter, tag));
  switch (setting.imageTagMutability) {
    case 'MUTABLE':
      return false;
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded;
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded;
  }
}

/** The image an identifier names, or the failure ECR reports for it (BatchGetImage, BatchDeleteImage). */
export function resolveImageId<T extends Pick<ImageRecord, 'imageDigest' | 'imageTags'>>(images: readonly T[], id: ImageIdentifier): { image: T } | { failure: ImageFailure } {
  if (id.imageDigest === undefined && id.imageTag === undefined) {
    return { failure: { imageId: id, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' } };
  }
  if (id.imageDigest !== undefined && !IMAGE_DIGEST.test(id.imageDigest)) {
    return {
      failure: { imageId: id, failureCode: 'InvalidImageDigest', failureReason: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'" },
    };
  }
  const image = id.imageDigest !== undefined ? images.find((item) => item.imageDigest === id.imageDigest) : images.find((item) => item.imageTags.includes(id.imageTag!));
  if (image && id.imageDigest !== undefined && id.imageTag !== undefined && !image.imageTags.includes(id.imageTag)) {
    // (unverified) wording.
    return { failure: { imageId: id, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: image tag does not match digest' } };
  }
  if (!image) return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } };
  return { image };
}

export function matchesTagStatus(image: Pick<ImageRecord, 'imageTags'>, status: TagStatus | undefined): boolean {
  if (status === 'TAGGED') return image.imageTags.length > 0;
  if (status === 'UNTAGGED') return image.imageTags.length === 0;
  return true;
}

/** ListImages' entries: one per tag (with the digest), one bare digest for an untagged image. Sorted for paging. */
export function listImageIds(images: readonly ImageRecord[], status: TagStatus | undefined): { id: string; imageId: ImageIdentifier }[] {
  const entries: { id: string; imageId: ImageIdentifier }[] = [];
  for (const image of images) {
    if (!matchesTagStatus(image, status)) continue;
    if (image.imageTags.length === 0) entries.push({ id: `${image.imageDigest}|`, imageId: { imageDigest: image.imageDigest } });
    for (const tag of image.imageTags) entries.push({ id: `${image.imageDigest}|${tag}`, imageId: { imageDigest: image.imageDigest, imageTag: tag } });
  }
  return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** ECR's ImageDetail. */
export function imageDetail(image: ImageRecord, registryId: string) {
  return {
    registryId,
    repositoryName: image.repositoryName,
    imageDigest: image.imageDigest,
    ...(image.imageTags.length > 0 ? { imageTags: image.imageTags } : {}),
    imageSizeInBytes: image.imageSizeInBytes,
    imagePushedAt: image.imagePushedAt,
    imageManifestMediaType: image.imageManifestMediaType,
    ...(image.artifactMediaType ? { artifactMediaType: image.artifactMediaType } : {}),
    ...(image.lastRecordedPullTime !== undefined ? { lastRecordedPullTime: image.lastRecordedPullTime } : {}),
    ...(image.imageScanStatus !== undefined ? { imageScanStatus: image.imageScanStatus } : {}),
  };
}

export interface ImagePush {
  readonly repository: Pick<RepositoryRecord, 'repositoryName' | 'registryId' | 'imageTagMutability' | 'imageTagMutabilityExclusionFilters'> & { readonly imageScanningConfiguration?: { scanOnPush: boolean } };
  /** The repository's images now. */
  readonly images: readonly ImageRecord[];
  readonly digest: string;
  readonly manifest: ParsedManifest;
  readonly manifestBase64: string;
  readonly tag?: string;
  readonly now: number;
}

export interface ImagePushPlan {
  /** The pushed image as it is to be stored (new, or an existing one with the tag added). */
  readonly image: ImageRecord;
  /** Whether `image` is new (else it replaces the stored record of that digest). */
  readonly created: boolean;
  /** Images the tag moved off (already without it). */
  readonly retagged: readonly ImageRecord[];
  /** Nothing to write: the digest is stored and no tag was asked for. */
  readonly unchanged: boolean;
}

/**
 * What pushing a manifest (PutImage, or docker's PUT /v2/<repo>/manifests/<ref>)
 * does to a repository's images:
 * - the same digest under a tag it already has: ImageAlreadyExistsException;
 * - a tag on another image: moved off it (that image may end untagged), or,
 *   when the tag is immutable, ImageTagAlreadyExistsException;
 * - an existing digest gains the tag and keeps its push time; a new digest is a
 *   new image (an index's size is its known children's sum).
 * Whether referenced blobs and child manifests exist is the caller's check.
 */
export function planImagePush(push: ImagePush): ImagePushPlan {
  const { repository, images, digest, tag } = push;
  const existing = images.find((image) => image.imageDigest === digest);
  const retagged: ImageRecord[] = [];
  if (tag !== undefined) {
    const holder = images.find((image) => image.imageTags.includes(tag));
    if (holder?.imageDigest === digest) throw imageAlreadyExists(digest, tag, repository.repositoryName, repository.registryId);
    if (holder) {
      if (isTagImmutable(repository, tag)) throw imageTagAlreadyExists(tag, repository.repositoryName);
      retagged.push({ ...holder, imageTags: holder.imageTags.filter((item) => item !== tag) });
    }
  }
  if (existing) {
    if (tag === undefined) return { image: existing, created: false, retagged: [], unchanged: true };
    return { image: { ...existing, imageTags: [...existing.imageTags, tag] }, created: false, retagged, unchanged: false };
  }
  const childSize = push.manifest.isIndex
    ? push.manifest.manifests.reduce((sum, child) => sum + (images.find((image) => image.imageDigest === child)?.imageSizeInBytes ?? 0), 0)
    : 0;
  const image: ImageRecord = {
    repositoryName: repository.repositoryName,
    imageDigest: digest,
    imageManifestMediaType: push.manifest.mediaType,
    manifestBase64: push.manifestBase64,
    references: push.manifest.isIndex ? [...push.manifest.manifests] : [...push.manifest.blobs],
    imageSizeInBytes: push.manifest.size + childSize,
    imageTags: tag !== undefined ? [tag] : [],
    imagePushedAt: push.now,
    ...(push.manifest.artifactMediaType ? { artifactMediaType: push.manifest.artifactMediaType } : {}),
  };
  // Scan on push asks for a scan the moment the image lands; here it is answered as every scan is (no scanner).
  const pushed = repository.imageScanningConfiguration?.scanOnPush ? scanned(image) : image;
  return { image: pushed, created: true, retagged, unchanged: false };
}

/** Whether `image` is an index (manifest list) whose references are child manifests. */
export function isIndexImage(image: Pick<ImageRecord, 'imageManifestMediaType'>): boolean {
  return image.imageManifestMediaType === 'application/vnd.docker.distribution.manifest.list.v2+json' || image.imageManifestMediaType === 'application/vnd.oci.image.index.v1+json';
}

export interface BatchDeletePlan {
  /** What BatchDeleteImage answers in imageIds. */
  readonly imageIds: ImageIdentifier[];
  readonly failures: ImageFailure[];
  /** Images that keep existing with fewer tags. */
  readonly updated: ImageRecord[];
  /** Digests of images to remove. */
  readonly deleted: string[];
}

/**
 * BatchDeleteImage: a digest removes the image and all its tags; a tag removes
 * that tag, and the image with it when it was the last one. An image a
 * remaining index references is refused (ImageReferencedByManifestList).
 */
export function planBatchDelete(images: readonly ImageRecord[], ids: readonly ImageIdentifier[]): BatchDeletePlan {
  const current = new Map(images.map((image) => [image.imageDigest, image]));
  const changed = new Set<string>();
  const deleted = new Set<string>();
  const imageIds: ImageIdentifier[] = [];
  const failures: ImageFailure[] = [];

  const referencingIndexes = (digest: string) =>
    [...current.values()].filter((image) => isIndexImage(image) && image.imageDigest !== digest && image.references.includes(digest)).map((image) => image.imageDigest);

  for (const id of ids) {
    const found = resolveImageId([...current.values()], id);
    if ('failure' in found) {
      failures.push(found.failure);
      continue;
    }
    const image = found.image;
    const removesImage = id.imageDigest !== undefined || image.imageTags.length <= 1;
    if (removesImage) {
      const indexes = referencingIndexes(image.imageDigest);
      if (indexes.length > 0) {
        failures.push({ imageId: id, failureCode: 'ImageReferencedByManifestList', failureReason: `Requested image referenced by manifest list: [${indexes.join(', ')}]` });
        continue;
      }
      current.delete(image.imageDigest);
      changed.delete(image.imageDigest);
      deleted.add(image.imageDigest);
      if (image.imageTags.length === 0) imageIds.push({ imageDigest: image.imageDigest });
      for (const tag of image.imageTags) imageIds.push({ imageDigest: image.imageDigest, imageTag: tag });
    } else {
      current.set(image.imageDigest, { ...image, imageTags: image.imageTags.filter((tag) => tag !== id.imageTag) });
      changed.add(image.imageDigest);
      imageIds.push({ imageDigest: image.imageDigest, imageTag: id.imageTag! });
    }
  }
  return { imageIds, failures, updated: [...changed].map((digest) => current.get(digest)!), deleted: [...deleted] };
}
