import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistryError } from './errors.js';
import { accepts, MEDIA_TYPE, parseManifest } from './manifest.js';
import { matchRoute } from './paths.js';
import { parseRange } from './registry.js';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const schema2 = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPE.dockerManifest,
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 100, digest: d(1) },
  layers: [
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1000, digest: d(2) },
    { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', size: 5000, digest: d(3), urls: ['https://example.invalid/layer'] },
  ],
};

function invalid(run: () => unknown, code = 'MANIFEST_INVALID'): void {
  assert.throws(run, (error: unknown) => error instanceof RegistryError && error.code === code && error.status === 400);
}

test('a docker schema2 manifest: its config and distributable layers are the blobs to check, sizes add up', () => {
  const parsed = parseManifest(bytes(schema2), MEDIA_TYPE.dockerManifest);
  assert.equal(parsed.kind, 'image');
  assert.equal(parsed.mediaType, MEDIA_TYPE.dockerManifest);
  assert.deepEqual(parsed.blobs.map((blob) => blob.digest), [d(1), d(2)], 'the foreign layer is not pushed, so not checked');
  assert.equal(parsed.size, 6100);
  assert.equal(parsed.artifactMediaType, 'application/vnd.docker.container.image.v1+json');
});

test('an OCI manifest without a mediaType field takes the Content-Type, or is recognised by its shape', () => {
  const { mediaType: _drop, ...bare } = { ...schema2, mediaType: undefined };
  const oci = { ...bare, config: { ...schema2.config, mediaType: 'application/vnd.oci.image.config.v1+json' } };
  assert.equal(parseManifest(bytes(oci), MEDIA_TYPE.ociManifest).mediaType, MEDIA_TYPE.ociManifest);
  assert.equal(parseManifest(bytes(oci), undefined).mediaType, MEDIA_TYPE.ociManifest);
  assert.equal(parseManifest(bytes(oci), 'application/octet-stream').mediaType, MEDIA_TYPE.ociManifest);
});

test('manifest lists and OCI indexes reference child manifests, not blobs', () => {
  const list = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.dockerList,
    manifests: [
      { mediaType: MEDIA_TYPE.dockerManifest, size: 500, digest: d(10), platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: MEDIA_TYPE.dockerManifest, size: 500, digest: d(11), platform: { architecture: 'arm64', os: 'linux' } },
    ],
  };
  const parsed = parseManifest(bytes(list), MEDIA_TYPE.dockerList);
  assert.equal(parsed.kind, 'index');
  assert.deepEqual(parsed.children.map((child) => child.digest), [d(10), d(11)]);
  assert.deepEqual(parsed.blobs, []);
  const { mediaType: _m, ...index } = list;
  assert.equal(parseManifest(bytes(index), MEDIA_TYPE.ociIndex).mediaType, MEDIA_TYPE.ociIndex);
  assert.equal(parseManifest(bytes(index), undefined).mediaType, MEDIA_TYPE.ociIndex);
});

test('a Content-Type that contradicts the manifest mediaType is refused', () => {
  invalid(() => parseManifest(bytes(schema2), MEDIA_TYPE.ociManifest));
});

test('malformed manifests are MANIFEST_INVALID', () => {
  invalid(() => parseManifest(new TextEncoder().encode('{not json'), MEDIA_TYPE.dockerManifest));
  invalid(() => parseManifest(bytes([1, 2]), MEDIA_TYPE.dockerManifest));
  invalid(() => parseManifest(bytes({ ...schema2, schemaVersion: 1 }), undefined));
  invalid(() => parseManifest(bytes({ schemaVersion: 1, fsLayers: [] }), 'application/vnd.docker.distribution.manifest.v1+prettyjws'));
  invalid(() => parseManifest(bytes({ ...schema2, config: { ...schema2.config, digest: 'sha256:abc' } }), undefined));
  invalid(() => parseManifest(bytes({ ...schema2, config: { ...schema2.config, digest: `sha512:${'a'.repeat(128)}` } }), undefined));
  invalid(() => parseManifest(bytes({ ...schema2, config: undefined }), undefined));
  invalid(() => parseManifest(bytes({ ...schema2, layers: [{ digest: d(2), size: -1, mediaType: 'x' }] }), undefined));
  invalid(() => parseManifest(bytes({ ...schema2, layers: [] }), undefined), 'MANIFEST_INVALID');
  invalid(() => parseManifest(bytes({ schemaVersion: 2, mediaType: 'application/vnd.example+json' }), undefined));
  invalid(() => parseManifest(bytes({ schemaVersion: 2 }), undefined));
  invalid(() => parseManifest(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), undefined));
});

test('Accept: image manifests go to every client, indexes only to clients that list them', () => {
  const dockerPull = `${MEDIA_TYPE.dockerManifest}, ${MEDIA_TYPE.dockerList}, ${MEDIA_TYPE.ociManifest}, ${MEDIA_TYPE.ociIndex}`;
  assert.ok(accepts(dockerPull, MEDIA_TYPE.ociIndex));
  assert.ok(accepts(undefined, MEDIA_TYPE.dockerList));
  assert.ok(accepts('*/*', MEDIA_TYPE.ociIndex));
  assert.ok(accepts(MEDIA_TYPE.dockerManifest, MEDIA_TYPE.ociManifest));
  assert.ok(!accepts(MEDIA_TYPE.dockerManifest, MEDIA_TYPE.ociIndex));
  assert.ok(accepts([MEDIA_TYPE.dockerManifest, `${MEDIA_TYPE.dockerList};q=0.5`], MEDIA_TYPE.dockerList));
});

test('routes: names with slashes, uploads before blobs, encoded digests', () => {
  assert.deepEqual(matchRoute('/v2/'), { kind: 'base' });
  assert.deepEqual(matchRoute('/v2'), { kind: 'base' });
  assert.deepEqual(matchRoute('/v2/_catalog'), { kind: 'catalog' });
  assert.deepEqual(matchRoute('/v2/team/app/tags/list'), { kind: 'tags', name: 'team/app' });
  assert.deepEqual(matchRoute('/v2/team/app/manifests/v1.2'), { kind: 'manifest', name: 'team/app', reference: 'v1.2' });
  assert.deepEqual(matchRoute('/v2/a/b/c/blobs/uploads/'), { kind: 'uploads', name: 'a/b/c' });
  assert.deepEqual(matchRoute('/v2/a/blobs/uploads/1234'), { kind: 'upload', name: 'a', uploadId: '1234' });
  assert.deepEqual(matchRoute(`/v2/a/blobs/${encodeURIComponent(d(5))}`), { kind: 'blob', name: 'a', digest: d(5) });
  assert.deepEqual(matchRoute('/v2/x/blobs/blobs/abc'), { kind: 'blob', name: 'x/blobs', digest: 'abc' });
  assert.equal(matchRoute('/v2/a/other'), undefined);
  assert.equal(matchRoute('/v2/a/blobs/%zz'), undefined);
});

test('byte ranges: first-last, open-ended, suffix, clamped, unsatisfiable, ignored', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined);
  assert.equal(parseRange(undefined, 100), undefined);
});
