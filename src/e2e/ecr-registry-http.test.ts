/**
 * The registry's wire behaviour through raw HTTP, for what the docker CLI
 * never shows: headers, error bodies, chunked uploads with Content-Range,
 * monolithic uploads past the API's body limit, mounts, every manifest media
 * type, tag moves, immutability, listings, deletes, scopes, and an upload
 * interrupted mid-body.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, utimesSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_ACCOUNT } from '../cli/config.js';
import { waitFor } from './harness.js';
import { startRegistryWharf, type RegistryWharf } from './registry-helpers.js';

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const PULL_ACCEPT = `${DOCKER_MANIFEST}, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, ${OCI_INDEX}`;

describe('registry over raw HTTP', () => {
  let wharf: RegistryWharf;
  let auth: string;

  const call = async (method: string, path: string, options: { headers?: Record<string, string>; body?: Uint8Array | string; auth?: string | null } = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const credential = options.auth === undefined ? auth : options.auth;
    if (credential) headers.authorization = credential;
    const response = await fetch(`${wharf.endpoint}${path}`, { method, headers, ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : new Uint8Array(options.body) } : {}) });
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body.toString('utf8')) };
  };
  const errorCode = (response: { json: () => any }) => response.json().errors[0].code;

  /** Uploads `bytes` monolithically into `repo`. */
  const pushBlob = async (repo: string, bytes: Uint8Array) => {
    const response = await call('POST', `/v2/${repo}/blobs/uploads/?digest=${digestOf(bytes)}`, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(response.status, 201, response.body.toString());
    return digestOf(bytes);
  };

  /** A schema2 manifest over a fresh config and layer pushed to `repo`. */
  const makeImage = async (repo: string) => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }));
    const layer = randomBytes(2048);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: await pushBlob(repo, config) },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: await pushBlob(repo, layer) }],
      }),
    );
    return { manifest, digest: digestOf(manifest) };
  };
  const putManifest = (repo: string, reference: string, manifest: Uint8Array, mediaType = DOCKER_MANIFEST) =>
    call('PUT', `/v2/${repo}/manifests/${reference}`, { body: manifest, headers: { 'content-type': mediaType } });

  before(async () => {
    wharf = await startRegistryWharf();
    await wharf.createRepositories({ app: 'MUTABLE', 'team/tools': 'MUTABLE', fixed: 'IMMUTABLE' });
    auth = wharf.auth(await wharf.password());
  });
  after(async () => wharf?.stop());

  test('GET /v2/ challenges with Basic until AWS and a valid password are sent', async () => {
    const anonymous = await call('GET', '/v2/', { auth: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), `Basic realm="${wharf.endpoint}/v2/",service="ecr.amazonaws.com"`);
    assert.equal(anonymous.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal(errorCode(anonymous), 'UNAUTHORIZED');
    for (const bad of [wharf.auth('wharf1.bm90.dmFsaWQ'), `Basic ${Buffer.from(`someone:${(await wharf.password())}`).toString('base64')}`, 'Bearer abc']) {
      const refused = await call('GET', '/v2/', { auth: bad });
      assert.equal(refused.status, 401, bad);
      assert.ok(refused.headers.get('www-authenticate')?.startsWith('Basic realm='));
    }
    const refusedUpload = await call('POST', '/v2/app/blobs/uploads/', { auth: null });
    assert.equal(refusedUpload.status, 401);
    const ok = await call('GET', '/v2/');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  test('a chunked upload honours Content-Range, reports its Range, verifies on PUT and serves ranges', async () => {
    const bytes = randomBytes(100_000);
    const digest = digestOf(bytes);
    assert.equal((await call('HEAD', `/v2/app/blobs/${digest}`)).status, 404);
    const started = await call('POST', '/v2/app/blobs/uploads/');
    assert.equal(started.status, 202);
    assert.equal(started.headers.get('range'), '0-0');
    const id = started.headers.get('docker-upload-uuid')!;
    const location = started.headers.get('location')!;
    assert.equal(location, `/v2/app/blobs/uploads/${id}`);

    const first = await call('PATCH', location, { body: bytes.subarray(0, 40_000), headers: { 'content-range': '0-39999', 'content-type': 'application/octet-stream' } });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-39999');
    const skipped = await call('PATCH', location, { body: bytes.subarray(50_000, 60_000), headers: { 'content-range': '50000-59999' } });
    assert.equal(skipped.status, 416);
    assert.equal(skipped.headers.get('range'), '0-39999');
    const status = await call('GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-39999');
    const second = await call('PATCH', location, { body: bytes.subarray(40_000, 90_000), headers: { 'content-range': '40000-89999' } });
    assert.equal(second.headers.get('range'), '0-89999');
    // The last chunk rides on the PUT.
    const done = await call('PUT', `${location}?digest=${encodeURIComponent(digest)}`, { body: bytes.subarray(90_000), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(done.status, 201, done.body.toString());
    assert.equal(done.headers.get('docker-content-digest'), digest);
    assert.equal(done.headers.get('location'), `/v2/app/blobs/${digest}`);
    assert.equal((await call('GET', location)).status, 404, 'the session is over');

    const head = await call('HEAD', `/v2/app/blobs/${digest}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '100000');
    assert.equal(head.headers.get('docker-content-digest'), digest);
    const whole = await call('GET', `/v2/app/blobs/${digest}`);
    assert.ok(whole.body.equals(bytes));
    const part = await call('GET', `/v2/app/blobs/${digest}`, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 1000-1999/100000');
    assert.ok(part.body.equals(bytes.subarray(1000, 2000)));
    assert.equal((await call('GET', `/v2/app/blobs/${digest}`, { headers: { range: 'bytes=200000-' } })).status, 416);
  });

  test('a wrong digest is DIGEST_INVALID and leaves nothing; a monolithic upload past 8 MiB streams in', async () => {
    const bytes = randomBytes(10_000);
    const wrong = digestOf(Buffer.from('not these bytes'));
    const started = await call('POST', '/v2/app/blobs/uploads/');
    const location = started.headers.get('location')!;
    await call('PATCH', location, { body: bytes });
    const refused = await call('PUT', `${location}?digest=${wrong}`);
    assert.equal(refused.status, 400);
    assert.equal(errorCode(refused), 'DIGEST_INVALID');
    assert.equal((await call('HEAD', `/v2/app/blobs/${wrong}`)).status, 404);
    assert.equal((await call('HEAD', `/v2/app/blobs/${digestOf(bytes)}`)).status, 404);
    const monolithicWrong = await call('POST', `/v2/app/blobs/uploads/?digest=${wrong}`, { body: bytes });
    assert.equal(errorCode(monolithicWrong), 'DIGEST_INVALID');
    assert.equal((await call('GET', '/v2/app/blobs/sha256:123')).status, 400);

    const big = randomBytes(12 * 1024 * 1024);
    const digest = await pushBlob('app', big);
    const head = await call('HEAD', `/v2/app/blobs/${digest}`);
    assert.equal(head.headers.get('content-length'), String(big.length));
  });

  test('mounting a blob from a repository that has it links it; otherwise a normal upload starts', async () => {
    const bytes = randomBytes(5000);
    const digest = await pushBlob('app', bytes);
    assert.equal((await call('HEAD', `/v2/team/tools/blobs/${digest}`)).status, 404, 'blobs are per repository');
    const mounted = await call('POST', `/v2/team/tools/blobs/uploads/?mount=${digest}&from=app`);
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('docker-content-digest'), digest);
    assert.equal((await call('HEAD', `/v2/team/tools/blobs/${digest}`)).status, 200);
    const other = digestOf(randomBytes(10));
    const fallback = await call('POST', `/v2/team/tools/blobs/uploads/?mount=${other}&from=app`);
    assert.equal(fallback.status, 202);
    assert.ok(fallback.headers.get('location')?.startsWith('/v2/team/tools/blobs/uploads/'));
    await call('DELETE', fallback.headers.get('location')!);
  });

  test('manifests: blobs must exist, the digest is over the exact bytes, Accept and HEAD, and a tag moves off the older image', async () => {
    const missing = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 3, digest: digestOf(randomBytes(3)) },
      layers: [],
    }));
    assert.equal(errorCode(await putManifest('app', 'v1', missing)), 'MANIFEST_INVALID', 'a docker manifest needs layers');
    const { manifest: first, digest: firstDigest } = await makeImage('app');
    const unknownLayer = Buffer.from(first.toString().replace(/"layers":\[\{[^}]*"digest":"sha256:[0-9a-f]+"/, `"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1,"digest":"${digestOf(randomBytes(4))}"`));
    const blobUnknown = await putManifest('app', 'v1', unknownLayer);
    assert.equal(blobUnknown.status, 400);
    assert.equal(errorCode(blobUnknown), 'MANIFEST_BLOB_UNKNOWN');

    const pushed = await putManifest('app', 'v1', first);
    assert.equal(pushed.status, 201, pushed.body.toString());
    assert.equal(pushed.headers.get('docker-content-digest'), firstDigest);
    assert.equal(pushed.headers.get('location'), `/v2/app/manifests/${firstDigest}`);
    const byTag = await call('GET', '/v2/app/manifests/v1', { headers: { accept: PULL_ACCEPT } });
    assert.equal(byTag.status, 200);
    assert.ok(byTag.body.equals(first));
    assert.equal(byTag.headers.get('content-type'), DOCKER_MANIFEST);
    assert.equal(byTag.headers.get('docker-content-digest'), firstDigest);
    const head = await call('HEAD', `/v2/app/manifests/${firstDigest}`, { headers: { accept: PULL_ACCEPT } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(first.length));
    assert.equal(errorCode(await putManifest('app', firstDigest.replace(/.$/, (c) => (c === '0' ? '1' : '0')), first)), 'DIGEST_INVALID');

    const { manifest: second, digest: secondDigest } = await makeImage('app');
    assert.equal((await putManifest('app', 'v1', second)).status, 201);
    assert.equal((await call('HEAD', '/v2/app/manifests/v1')).headers.get('docker-content-digest'), secondDigest);
    assert.equal((await call('GET', `/v2/app/manifests/${firstDigest}`)).status, 200, 'the older image stays, untagged');
    assert.deepEqual((await call('GET', '/v2/app/tags/list')).json(), { name: 'app', tags: ['v1'] });

    const missingTag = await call('GET', '/v2/app/manifests/nope');
    assert.equal(missingTag.status, 404);
    assert.equal(errorCode(missingTag), 'MANIFEST_UNKNOWN');
  });

  test('an OCI index needs its child manifests and is served only to clients that accept indexes', async () => {
    const a = await makeImage('team/tools');
    const b = await makeImage('team/tools');
    const child = (image: { manifest: Buffer; digest: string }, arch: string) => ({ mediaType: DOCKER_MANIFEST, size: image.manifest.length, digest: image.digest, platform: { architecture: arch, os: 'linux' } });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child(a, 'amd64'), child(b, 'arm64')] }));
    assert.equal(errorCode(await putManifest('team/tools', 'multi', index, OCI_INDEX)), 'MANIFEST_BLOB_UNKNOWN');
    assert.equal((await putManifest('team/tools', a.digest, a.manifest)).status, 201);
    assert.equal((await putManifest('team/tools', b.digest, b.manifest)).status, 201);
    const pushed = await putManifest('team/tools', 'multi', index, OCI_INDEX);
    assert.equal(pushed.status, 201, pushed.body.toString());
    const got = await call('GET', '/v2/team/tools/manifests/multi', { headers: { accept: PULL_ACCEPT } });
    assert.equal(got.headers.get('content-type'), OCI_INDEX);
    assert.ok(got.body.equals(index));
    assert.equal((await call('GET', '/v2/team/tools/manifests/multi', { headers: { accept: DOCKER_MANIFEST } })).status, 404);
    assert.equal(errorCode(await putManifest('team/tools', 'bad', Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}'), OCI_INDEX)), 'MANIFEST_INVALID');
  });

  test('an IMMUTABLE repository takes the same image again but refuses to move a tag', async () => {
    const one = await makeImage('fixed');
    const two = await makeImage('fixed');
    assert.equal((await putManifest('fixed', 'release', one.manifest)).status, 201);
    assert.equal((await putManifest('fixed', 'release', one.manifest)).status, 201);
    const refused = await putManifest('fixed', 'release', two.manifest);
    assert.equal(refused.status, 400);
    assert.equal(errorCode(refused), 'TAG_INVALID');
    assert.equal(refused.json().errors[0].message, "The image tag 'release' already exists in the 'fixed' repository and cannot be overwritten because the repository is immutable.");
    assert.equal((await call('HEAD', '/v2/fixed/manifests/release')).headers.get('docker-content-digest'), one.digest);
    assert.equal((await putManifest('fixed', 'other', two.manifest)).status, 201, 'a new tag is fine');
  });

  test('concurrent pushes of one tag: it ends on exactly one image, and an immutable one is taken once', async () => {
    const candidates = await Promise.all([1, 2, 3, 4].map(() => makeImage('app')));
    const mutable = await Promise.all(candidates.map((image) => putManifest('app', 'race', image.manifest)));
    assert.deepEqual(mutable.map((response) => response.status), [201, 201, 201, 201]);
    // tags/list gathers the tags of every image: a tag left on two images would show twice.
    const tags = (await call('GET', '/v2/app/tags/list')).json().tags as string[];
    assert.equal(tags.filter((tag) => tag === 'race').length, 1);
    const holder = (await call('HEAD', '/v2/app/manifests/race')).headers.get('docker-content-digest');
    assert.ok(candidates.some((image) => image.digest === holder));
    for (const image of candidates) assert.equal((await call('HEAD', `/v2/app/manifests/${image.digest}`)).status, 200, 'the others stay, untagged');

    const contenders = await Promise.all([1, 2, 3].map(() => makeImage('fixed')));
    const immutable = await Promise.all(contenders.map((image) => putManifest('fixed', 'once', image.manifest)));
    assert.deepEqual(immutable.map((response) => response.status).sort(), [201, 400, 400]);
    const winner = contenders[immutable.findIndex((response) => response.status === 201)]!;
    assert.equal((await call('HEAD', '/v2/fixed/manifests/once')).headers.get('docker-content-digest'), winner.digest);
  });

  test('tags/list pages with n and last; _catalog lists the scope\'s repositories', async () => {
    for (const tag of ['d', 'a', 'c', 'b']) assert.equal((await putManifest('team/tools', tag, (await makeImage('team/tools')).manifest)).status, 201);
    const firstPage = await call('GET', '/v2/team/tools/tags/list?n=2');
    assert.deepEqual(firstPage.json(), { name: 'team/tools', tags: ['a', 'b'] });
    assert.equal(firstPage.headers.get('link'), '</v2/team/tools/tags/list?n=2&last=b>; rel="next"');
    const secondPage = await call('GET', '/v2/team/tools/tags/list?n=2&last=b');
    assert.deepEqual(secondPage.json().tags, ['c', 'd']);
    assert.equal((await call('GET', '/v2/team/tools/tags/list?n=10&last=d')).json().tags.length, 1, 'only multi sorts after d');
    assert.deepEqual((await call('GET', '/v2/_catalog')).json(), { repositories: ['app', 'fixed', 'team/tools'] });
    const paged = await call('GET', '/v2/_catalog?n=1&last=app');
    assert.deepEqual(paged.json(), { repositories: ['fixed'] });
    assert.ok(paged.headers.get('link')?.includes('last=fixed'));
  });

  test('deletes: a manifest by digest, a tag alone, a blob link', async () => {
    const image = await makeImage('app');
    await putManifest('app', 'gone', image.manifest);
    await putManifest('app', 'kept', image.manifest);
    assert.equal((await call('DELETE', '/v2/app/manifests/gone')).status, 202);
    assert.equal((await call('GET', '/v2/app/manifests/gone')).status, 404);
    assert.equal((await call('GET', '/v2/app/manifests/kept')).status, 200);
    assert.equal((await call('DELETE', `/v2/app/manifests/${image.digest}`)).status, 202);
    assert.equal((await call('GET', '/v2/app/manifests/kept')).status, 404);
    assert.equal((await call('DELETE', `/v2/app/manifests/${image.digest}`)).status, 404);
    const blob = await pushBlob('app', randomBytes(100));
    assert.equal((await call('DELETE', `/v2/app/blobs/${blob}`)).status, 202);
    const gone = await call('GET', `/v2/app/blobs/${blob}`);
    assert.equal(gone.status, 404);
    assert.equal(errorCode(gone), 'BLOB_UNKNOWN');
  });

  test('unknown repositories are NAME_UNKNOWN (nothing is created on push), and scopes do not see each other', async () => {
    const upload = await call('POST', '/v2/nope/blobs/uploads/');
    assert.equal(upload.status, 404);
    assert.equal(errorCode(upload), 'NAME_UNKNOWN');
    assert.equal(upload.json().errors[0].message, `The repository with name 'nope' does not exist in the registry with id '${DEFAULT_ACCOUNT}'`);
    assert.equal(errorCode(await call('GET', '/v2/nope/tags/list')), 'NAME_UNKNOWN');
    assert.equal(errorCode(await call('GET', '/v2/Bad_Name/tags/list')), 'NAME_INVALID');
    const west = wharf.auth(await wharf.password('us-west-2'));
    assert.equal(errorCode(await call('GET', '/v2/app/tags/list', { auth: west })), 'NAME_UNKNOWN');
    assert.deepEqual((await call('GET', '/v2/_catalog', { auth: west })).json(), { repositories: [] });
    // An upload session belongs to its repository and scope.
    const started = await call('POST', '/v2/app/blobs/uploads/');
    const id = started.headers.get('docker-upload-uuid')!;
    assert.equal(errorCode(await call('GET', `/v2/team/tools/blobs/uploads/${id}`)), 'BLOB_UPLOAD_UNKNOWN');
    assert.equal((await call('DELETE', `/v2/app/blobs/uploads/${id}`)).status, 204);
  });

  test('an upload cut off mid-body leaves nothing visible, and its session is swept on restart', async () => {
    const bytes = randomBytes(400_000);
    const digest = digestOf(bytes);
    const started = await call('POST', '/v2/app/blobs/uploads/');
    const location = started.headers.get('location')!;
    await new Promise<void>((resolve) => {
      const url = new URL(wharf.endpoint + location);
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PATCH', headers: { authorization: auth, 'content-length': bytes.length } });
      req.on('error', () => resolve());
      req.write(bytes.subarray(0, 200_000), () => setTimeout(() => {
        req.destroy();
        resolve();
      }, 100));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await call('HEAD', `/v2/app/blobs/${digest}`)).status, 404);
    assert.equal(errorCode(await call('PUT', `${location}?digest=${digest}`)), 'DIGEST_INVALID', 'half a blob never verifies');
    const uploads = join(wharf.dataDir, 'registry', 'uploads');
    const session = await call('POST', '/v2/app/blobs/uploads/');
    await call('PATCH', session.headers.get('location')!, { body: bytes.subarray(0, 1000) });
    const id = session.headers.get('docker-upload-uuid')!;
    assert.deepEqual(readdirSync(uploads), [id], 'the failed upload above is gone, this one is still there');
    // Abandoned for two hours (sessions untouched for one are swept): the sweep at start-up removes it.
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(join(uploads, id), twoHoursAgo, twoHoursAgo);
    await wharf.restart();
    assert.deepEqual(readdirSync(uploads), []);
    assert.equal(errorCode(await call('GET', session.headers.get('location')!)), 'BLOB_UPLOAD_UNKNOWN');
    assert.equal((await call('HEAD', `/v2/app/blobs/${digest}`)).status, 404);
  });

  test('a pull records lastRecordedPullTime on the image, which DescribeImages shows', async () => {
    const image = await makeImage('app');
    await putManifest('app', 'pulled', image.manifest);
    const describe = async () => (await wharf.aws(['ecr', 'describe-images', '--repository-name', 'app', '--image-ids', `imageDigest=${image.digest}`])).imageDetails[0];
    assert.equal((await describe()).lastRecordedPullTime, undefined);
    assert.equal((await call('HEAD', '/v2/app/manifests/pulled', { headers: { accept: PULL_ACCEPT } })).status, 200);
    assert.equal((await describe()).lastRecordedPullTime, undefined, 'a HEAD is not a pull');
    assert.equal((await call('GET', '/v2/app/manifests/pulled', { headers: { accept: PULL_ACCEPT } })).status, 200);
    const detail = await waitFor(describe, (value) => value.lastRecordedPullTime !== undefined, 5000, 'lastRecordedPullTime');
    assert.deepEqual(detail.imageTags, ['pulled']);
    assert.equal(detail.imageManifestMediaType, DOCKER_MANIFEST);
  });
});
