import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SqliteStore } from '../adapters/store-sqlite/sqlite-store.js';
import { EcrLifecycleController } from '../controllers/ecr-lifecycle.js';
import { againAfter, done } from '../controllers/work-queue.js';
import { ECR_KIND, imageRecordId, type ImageRecord, type RepositoryRecord, type UploadRecord } from '../domain/ecr/records.js';
import { newRepository } from '../domain/ecr/repository.js';
import type { BlobStore } from '../ports/blob-store.js';
import { silentLogger } from '../ports/logger.js';
import type { Store, WriteOp } from '../ports/store.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2024, 0, 10);
const scope = { account: '123456789012', region: 'us-east-1' };
const clock = { now: () => new Date(NOW) };

function image(repositoryName: string, n: number, tags: string[], ageMs: number): ImageRecord {
  return {
    repositoryName,
    imageDigest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
    imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    manifestBase64: '',
    references: [],
    imageSizeInBytes: 1,
    imageTags: tags,
    imagePushedAt: NOW - ageMs,
  };
}

const untaggedOlderThanOneDay = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } }],
});

async function seed(store: Store, name: string, policy: string | undefined, images: ImageRecord[]) {
  const repository: RepositoryRecord = {
    ...newRepository({ repositoryName: name }, { ...scope, now: new Date(NOW - 10 * DAY), registryHost: '127.0.0.1:1' }),
    ...(policy ? { lifecyclePolicyText: policy } : {}),
  };
  await store.write([
    { op: 'put', kind: ECR_KIND.repository, scope, id: name, doc: repository },
    ...images.map((item): WriteOp => ({ op: 'put', kind: ECR_KIND.image, scope, id: imageRecordId(name, item.imageDigest), doc: item })),
  ]);
}

async function digests(store: Store, name: string): Promise<string[]> {
  return (await store.list<ImageRecord>(ECR_KIND.image, scope, { prefix: `${name}@` })).map((record) => record.doc.imageDigest);
}

describe('the ECR lifecycle controller (on the SQLite store)', () => {
  let dir: string;
  let store: SqliteStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-ecr-lifecycle-'));
    store = new SqliteStore(join(dir, 'wharf.db'));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('deletes what the policy expires, records when, keeps the rest, and rechecks when the next image ages out', async () => {
    const old = image('aged', 1, [], 2 * DAY);
    const soon = image('aged', 2, [], DAY - 60_000);
    const tagged = image('aged', 3, ['v1'], 30 * DAY);
    await seed(store, 'aged', untaggedOlderThanOneDay, [old, soon, tagged]);
    const controller = new EcrLifecycleController(store, clock, silentLogger, { resyncMs: 10 * 60_000 });
    const result = await controller.reconcile(`${scope.account}|${scope.region}|aged`);
    assert.deepEqual((await digests(store, 'aged')).sort(), [soon.imageDigest, tagged.imageDigest].sort());
    // The second image turns a day old in a minute: sooner than the resync, so the controller comes back then.
    assert.deepEqual(result, againAfter(60_001));
    const repository = await store.get<RepositoryRecord>(ECR_KIND.repository, scope, 'aged');
    assert.equal(repository!.doc.lifecyclePolicyLastEvaluatedAt, NOW);
  });

  test('without a policy nothing is touched', async () => {
    await seed(store, 'no-policy', undefined, [image('no-policy', 1, [], 100 * DAY)]);
    const controller = new EcrLifecycleController(store, clock, silentLogger);
    assert.deepEqual(await controller.reconcile(`${scope.account}|${scope.region}|no-policy`), done);
    assert.equal((await digests(store, 'no-policy')).length, 1);
    assert.deepEqual(await controller.reconcile(`${scope.account}|${scope.region}|never-was`), done);
  });

  test('an image retagged between the read and the write is judged again, not lost', async () => {
    const old = image('raced', 1, [], 5 * DAY);
    await seed(store, 'raced', untaggedOlderThanOneDay, [old]);
    let raced = false;
    // A push gives the image a tag just before the controller writes.
    const racing: Store = Object.create(store, {
      write: {
        value: async (ops: readonly WriteOp[]) => {
          if (!raced) {
            raced = true;
            const current = await store.get<ImageRecord>(ECR_KIND.image, scope, imageRecordId('raced', old.imageDigest));
            await store.write([{ op: 'put', kind: ECR_KIND.image, scope, id: imageRecordId('raced', old.imageDigest), doc: { ...current!.doc, imageTags: ['v2'] }, expect: current!.version }]);
          }
          return store.write(ops);
        },
      },
    });
    const controller = new EcrLifecycleController(racing, clock, silentLogger);
    assert.deepEqual(await controller.reconcile(`${scope.account}|${scope.region}|raced`), againAfter(0));
    assert.deepEqual(await digests(store, 'raced'), [old.imageDigest]);
    // Judged again: it is tagged now, so the untagged rule leaves it.
    assert.deepEqual(await controller.reconcile(`${scope.account}|${scope.region}|raced`), done);
    assert.deepEqual(await digests(store, 'raced'), [old.imageDigest]);
  });

  test('started, it applies a policy as soon as one is put, and drops upload records whose bytes were swept', async () => {
    await seed(store, 'watched', undefined, [image('watched', 1, [], 3 * DAY), image('watched', 2, ['v1'], 3 * DAY)]);
    const upload: UploadRecord = { uploadId: '00000000-0000-4000-8000-000000000001', repositoryName: 'watched', blobUploadId: 'gone', initiatedAt: NOW - DAY };
    await store.write([{ op: 'put', kind: ECR_KIND.upload, scope, id: upload.uploadId, doc: upload }]);
    const blobs = { uploadSize: async () => undefined } as unknown as BlobStore;
    const controller = new EcrLifecycleController(store, clock, silentLogger, { blobs });
    controller.start();
    try {
      const repository = await store.get<RepositoryRecord>(ECR_KIND.repository, scope, 'watched');
      await store.write([{ op: 'put', kind: ECR_KIND.repository, scope, id: 'watched', doc: { ...repository!.doc, lifecyclePolicyText: untaggedOlderThanOneDay }, expect: repository!.version }]);
      const deadline = Date.now() + 5000;
      while ((await digests(store, 'watched')).length !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((await digests(store, 'watched')).length, 1);
      while ((await store.get(ECR_KIND.upload, scope, upload.uploadId)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await store.get(ECR_KIND.upload, scope, upload.uploadId), undefined);
    } finally {
      await controller.stop();
    }
  });
});
