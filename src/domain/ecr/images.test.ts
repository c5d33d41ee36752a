import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { imageDetail, isTagImmutable, listImageIds, planBatchDelete, planImagePush, resolveImageId, type ImagePush } from './images.js';
import { parseManifest, type ParsedManifest } from './manifest.js';
import type { ImageRecord } from './records.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function img(n: number, tags: string[], extra: Partial<ImageRecord> = {}): ImageRecord {
  return {
    repositoryName: 'app',
    imageDigest: d(n),
    imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    manifestBase64: '',
    references: [],
    imageSizeInBytes: 100 * n,
    imageTags: tags,
    imagePushedAt: 1000 * n,
    ...extra,
  };
}

const manifest = parseManifest(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 10, digest: d(7) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 90, digest: d(8) }],
  }),
) as ParsedManifest;

const repository = { repositoryName: 'app', registryId: '123456789012', imageTagMutability: 'MUTABLE' as const };

function push(overrides: Partial<ImagePush>) {
  return planImagePush({ repository, images: [], digest: d(5), manifest, manifestBase64: 'eyJ9', now: 9000, ...overrides });
}

function awsError(code: string, message?: string) {
  return (error: unknown) => error instanceof AwsError && error.code === code && (message === undefined || error.message === message);
}

describe('image pushes', () => {
  test('a new digest under a new tag is a new image with the manifest\'s facts', () => {
    const plan = push({ tag: 'v1' });
    assert.equal(plan.created, true);
    assert.deepEqual(plan.retagged, []);
    assert.deepEqual(plan.image, {
      repositoryName: 'app',
      imageDigest: d(5),
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      manifestBase64: 'eyJ9',
      references: [d(7), d(8)],
      imageSizeInBytes: 100,
      imageTags: ['v1'],
      imagePushedAt: 9000,
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
    });
  });

  test('a mutable tag moves: the old image keeps existing, untagged', () => {
    const plan = push({ images: [img(1, ['latest'])], tag: 'latest' });
    assert.deepEqual(plan.retagged.map((image) => [image.imageDigest, image.imageTags]), [[d(1), []]]);
    assert.deepEqual(plan.image.imageTags, ['latest']);
  });

  test('an immutable tag does not move', () => {
    assert.throws(
      () => push({ repository: { ...repository, imageTagMutability: 'IMMUTABLE' }, images: [img(1, ['v1'])], tag: 'v1' }),
      awsError('ImageTagAlreadyExistsException', "The image tag 'v1' already exists in the 'app' repository and cannot be overwritten because the repository is immutable."),
    );
    // A new tag on an immutable repository is fine.
    assert.equal(push({ repository: { ...repository, imageTagMutability: 'IMMUTABLE' }, images: [img(1, ['v1'])], tag: 'v2' }).created, true);
  });

  test('the same digest under the tag it has is ImageAlreadyExistsException', () => {
    assert.throws(
      () => push({ images: [img(5, ['v1'])], tag: 'v1' }),
      awsError('ImageAlreadyExistsException', `Image with digest '${d(5)}' and tag 'v1' already exists in the repository with name 'app' in registry with id '123456789012'`),
    );
  });

  test('an existing digest gains a tag and keeps its push time; without a tag nothing changes', () => {
    const existing = img(5, ['v1']);
    const plan = push({ images: [existing, img(2, ['v2'])], tag: 'v2' });
    assert.equal(plan.created, false);
    assert.deepEqual(plan.image.imageTags, ['v1', 'v2']);
    assert.equal(plan.image.imagePushedAt, existing.imagePushedAt);
    assert.deepEqual(plan.retagged.map((image) => image.imageTags), [[]]);
    const again = push({ images: [existing] });
    assert.equal(again.unchanged, true);
    assert.equal(again.image, existing);
  });

  test('an index references its children and sums their known sizes', () => {
    const index = parseManifest(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ digest: d(1), size: 1 }, { digest: d(2), size: 1 }, { digest: d(3), size: 1 }] }),
    ) as ParsedManifest;
    const plan = push({ manifest: index, images: [img(1, []), img(2, [])], tag: 'multi' });
    assert.deepEqual(plan.image.references, [d(1), d(2), d(3)]);
    assert.equal(plan.image.imageSizeInBytes, 300);
  });

  test('mutability with exclusions', () => {
    const immutableExcept = { imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' as const, imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD' as const, filter: 'latest*' }] };
    assert.equal(isTagImmutable(immutableExcept, 'latest'), false);
    assert.equal(isTagImmutable(immutableExcept, 'latest-dev'), false);
    assert.equal(isTagImmutable(immutableExcept, 'v1'), true);
    const mutableExcept = { imageTagMutability: 'MUTABLE_WITH_EXCLUSION' as const, imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD' as const, filter: 'release-*' }] };
    assert.equal(isTagImmutable(mutableExcept, 'release-1'), true);
    assert.equal(isTagImmutable(mutableExcept, 'dev'), false);
    assert.equal(isTagImmutable({ imageTagMutability: 'MUTABLE' }, 'x'), false);
    assert.equal(isTagImmutable({ imageTagMutability: 'IMMUTABLE' }, 'x'), true);
  });
});

describe('image identifiers', () => {
  const images = [img(1, ['a', 'b']), img(2, [])];

  test('by tag, by digest, by both', () => {
    assert.equal((resolveImageId(images, { imageTag: 'b' }) as { image: ImageRecord }).image.imageDigest, d(1));
    assert.equal((resolveImageId(images, { imageDigest: d(2) }) as { image: ImageRecord }).image.imageDigest, d(2));
    assert.equal((resolveImageId(images, { imageDigest: d(1), imageTag: 'a' }) as { image: ImageRecord }).image.imageDigest, d(1));
  });

  test('failures with ECR\'s codes and reasons', () => {
    assert.deepEqual(resolveImageId(images, {}), { failure: { imageId: {}, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' } });
    assert.deepEqual(resolveImageId(images, { imageTag: 'zzz' }), { failure: { imageId: { imageTag: 'zzz' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } });
    assert.equal((resolveImageId(images, { imageDigest: 'nope' }) as { failure: { failureCode: string } }).failure.failureCode, 'InvalidImageDigest');
    assert.equal((resolveImageId(images, { imageDigest: d(2), imageTag: 'a' }) as { failure: { failureCode: string } }).failure.failureCode, 'ImageTagDoesNotMatchDigest');
  });

  test('list entries: one per tag, a bare digest when untagged, filtered by tag status', () => {
    assert.deepEqual(listImageIds(images, 'ANY').map((entry) => entry.imageId), [
      { imageDigest: d(1), imageTag: 'a' },
      { imageDigest: d(1), imageTag: 'b' },
      { imageDigest: d(2) },
    ]);
    assert.deepEqual(listImageIds(images, 'UNTAGGED').map((entry) => entry.imageId), [{ imageDigest: d(2) }]);
    assert.equal(listImageIds(images, 'TAGGED').length, 2);
  });

  test('image detail: untagged images have no imageTags member', () => {
    const detail = imageDetail(img(2, [], { lastRecordedPullTime: 5, artifactMediaType: 'x' }), '123456789012');
    assert.equal('imageTags' in detail, false);
    assert.equal(detail.lastRecordedPullTime, 5);
    assert.equal(detail.registryId, '123456789012');
    assert.equal(detail.imageSizeInBytes, 200);
  });
});

describe('BatchDeleteImage', () => {
  test('a tag of several removes the tag only; the last tag removes the image', () => {
    const plan = planBatchDelete([img(1, ['a', 'b']), img(2, ['c'])], [{ imageTag: 'a' }, { imageTag: 'c' }]);
    assert.deepEqual(plan.imageIds, [{ imageDigest: d(1), imageTag: 'a' }, { imageDigest: d(2), imageTag: 'c' }]);
    assert.deepEqual(plan.updated.map((image) => image.imageTags), [['b']]);
    assert.deepEqual(plan.deleted, [d(2)]);
    assert.deepEqual(plan.failures, []);
  });

  test('removing both tags of one image in one call deletes it', () => {
    const plan = planBatchDelete([img(1, ['a', 'b'])], [{ imageTag: 'a' }, { imageTag: 'b' }]);
    assert.deepEqual(plan.deleted, [d(1)]);
    assert.deepEqual(plan.updated, []);
  });

  test('a digest removes the image with all its tags', () => {
    const plan = planBatchDelete([img(1, ['a', 'b']), img(2, [])], [{ imageDigest: d(1) }, { imageDigest: d(2) }]);
    assert.deepEqual(plan.imageIds, [{ imageDigest: d(1), imageTag: 'a' }, { imageDigest: d(1), imageTag: 'b' }, { imageDigest: d(2) }]);
    assert.deepEqual(plan.deleted, [d(1), d(2)]);
  });

  test('missing images are failures; the rest still goes', () => {
    const plan = planBatchDelete([img(1, ['a'])], [{ imageTag: 'nope' }, { imageTag: 'a' }]);
    assert.deepEqual(plan.failures, [{ imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
    assert.deepEqual(plan.deleted, [d(1)]);
  });

  test('an image a remaining index references is refused; deleting the index first frees it', () => {
    const index = img(9, ['multi'], { imageManifestMediaType: 'application/vnd.oci.image.index.v1+json', references: [d(1)] });
    const refused = planBatchDelete([index, img(1, [])], [{ imageDigest: d(1) }]);
    assert.equal(refused.failures[0]!.failureCode, 'ImageReferencedByManifestList');
    assert.deepEqual(refused.deleted, []);
    const both = planBatchDelete([index, img(1, [])], [{ imageTag: 'multi' }, { imageDigest: d(1) }]);
    assert.deepEqual(both.deleted, [d(9), d(1)]);
  });
});
