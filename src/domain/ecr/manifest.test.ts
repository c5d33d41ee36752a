import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isManifestProblem, MEDIA_TYPE, parseManifest, type ParsedManifest } from './manifest.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('manifests', () => {
  test('docker schema 2: config and layers, sizes, artifact media type; foreign layers are not required', () => {
    const parsed = parseManifest(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE.dockerSchema2,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 5, digest: d('a') },
        layers: [
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 10, digest: d('b') },
          { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', size: 100, digest: d('c'), urls: ['https://example.invalid/x'] },
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 10, digest: d('b') },
        ],
      }),
    ) as ParsedManifest;
    assert.equal(parsed.mediaType, MEDIA_TYPE.dockerSchema2);
    assert.equal(parsed.isIndex, false);
    assert.deepEqual(parsed.blobs, [d('a'), d('b')]);
    assert.equal(parsed.size, 125);
    assert.equal(parsed.artifactMediaType, 'application/vnd.docker.container.image.v1+json');
  });

  test('OCI manifest without a mediaType member takes the declared one, else is guessed from the config', () => {
    const text = JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 1, digest: d('a') }, layers: [] });
    assert.equal((parseManifest(text) as ParsedManifest).mediaType, MEDIA_TYPE.ociManifest);
    assert.equal((parseManifest(text, MEDIA_TYPE.ociManifest) as ParsedManifest).mediaType, MEDIA_TYPE.ociManifest);
    const docker = JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: d('a') }, layers: [] });
    assert.equal((parseManifest(docker) as ParsedManifest).mediaType, MEDIA_TYPE.dockerSchema2);
  });

  test('indexes and manifest lists name child manifests', () => {
    const parsed = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.dockerManifestList, manifests: [{ digest: d('1') }, { digest: d('2') }] })) as ParsedManifest;
    assert.equal(parsed.isIndex, true);
    assert.deepEqual(parsed.manifests, [d('1'), d('2')]);
    assert.deepEqual(parsed.blobs, []);
  });

  test('schema 1 names blobSums', () => {
    const parsed = parseManifest(JSON.stringify({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [{ blobSum: d('a') }, { blobSum: d('a') }] })) as ParsedManifest;
    assert.equal(parsed.mediaType, MEDIA_TYPE.dockerSchema1);
    assert.deepEqual(parsed.blobs, [d('a')]);
  });

  test('problems', () => {
    assert.ok(isManifestProblem(parseManifest('nope')));
    assert.ok(isManifestProblem(parseManifest('[]')));
    assert.ok(isManifestProblem(parseManifest(JSON.stringify({ schemaVersion: 2, layers: [] }))));
    assert.ok(isManifestProblem(parseManifest(JSON.stringify({ schemaVersion: 2, config: { digest: 'bad' }, layers: [] }))));
    assert.ok(isManifestProblem(parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [{}] }))));
    const mismatch = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config: { digest: d('a') }, layers: [] }), MEDIA_TYPE.dockerSchema2);
    assert.ok(isManifestProblem(mismatch) && /does not match/.test(mismatch.problem));
  });

  test('a referrer names its subject', () => {
    const parsed = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config: { mediaType: 'application/vnd.example+json', digest: d('a'), size: 2 }, layers: [], subject: { digest: d('f') } })) as ParsedManifest;
    assert.equal(parsed.subjectDigest, d('f'));
    assert.equal(parsed.artifactMediaType, 'application/vnd.example+json');
  });
});
