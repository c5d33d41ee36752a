import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { DigestMismatchError, UploadUnknownError, type BlobStore } from '../ports/blob-store.js';

/**
 * The behaviour every BlobStore implementation must show, run against each
 * adapter as the store contract is.
 */
export function runBlobStoreContract(name: string, newStore: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    test('an upload in chunks is published under its digest and reads back whole or by range', async () => {
      const store = await newStore();
      const bytes = randomBytes(300_000);
      const digest = digestOf(bytes);
      const id = await store.startUpload();
      assert.equal(await store.uploadSize(id), 0);
      assert.equal(await store.appendUpload(id, chunks(bytes.subarray(0, 100_000))), 100_000);
      assert.equal(await store.appendUpload(id, chunks(bytes.subarray(100_000))), 300_000);
      assert.equal(await store.uploadSize(id), 300_000);
      assert.equal(await store.stat(digest), undefined, 'not visible before it is finished');
      assert.deepEqual(await store.finishUpload(id, digest), { digest, size: 300_000 });
      assert.deepEqual(await store.stat(digest), { digest, size: 300_000 });
      assert.equal(await store.uploadSize(id), undefined, 'the session is gone once finished');
      assert.ok(Buffer.concat(await collect(store.read(digest))).equals(bytes));
      assert.ok(Buffer.concat(await collect(store.read(digest, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20)));
    });

    test('a digest mismatch publishes nothing and keeps the session', async () => {
      const store = await newStore();
      const bytes = randomBytes(1000);
      const wrong = digestOf(Buffer.from('something else'));
      const id = await store.startUpload();
      await store.appendUpload(id, chunks(bytes));
      await assert.rejects(store.finishUpload(id, wrong), (error: unknown) => error instanceof DigestMismatchError && error.actual === digestOf(bytes));
      assert.equal(await store.stat(wrong), undefined);
      assert.equal(await store.stat(digestOf(bytes)), undefined);
      assert.equal(await store.uploadSize(id), 1000);
      await store.cancelUpload(id);
      assert.equal(await store.uploadSize(id), undefined);
    });

    test('an abandoned or failed upload is never visible and is swept', async () => {
      const store = await newStore();
      const bytes = randomBytes(50_000);
      const id = await store.startUpload();
      await assert.rejects(store.appendUpload(id, failingAfter(bytes.subarray(0, 20_000))));
      assert.equal(await store.stat(digestOf(bytes)), undefined);
      assert.equal(await store.sweepUploads(60 * 60 * 1000), 0, 'a fresh session is not swept');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await store.sweepUploads(1), 1);
      assert.equal(await store.uploadSize(id), undefined);
      await assert.rejects(store.appendUpload(id, chunks(bytes)), UploadUnknownError);
      await assert.rejects(store.finishUpload(id, digestOf(bytes)), UploadUnknownError);
      assert.equal(await store.stat(digestOf(bytes)), undefined);
    });

    test('an append that fails midway can be resumed from the size the store reports', async () => {
      const store = await newStore();
      const bytes = randomBytes(80_000);
      const id = await store.startUpload();
      await store.appendUpload(id, chunks(bytes.subarray(0, 30_000)));
      await assert.rejects(store.appendUpload(id, failingAfter(bytes.subarray(30_000, 50_000))));
      const size = (await store.uploadSize(id))!;
      assert.ok(size >= 30_000 && size <= 50_000, `size ${size}`);
      await store.appendUpload(id, chunks(bytes.subarray(size)));
      assert.deepEqual(await store.finishUpload(id, digestOf(bytes)), { digest: digestOf(bytes), size: bytes.length });
    });

    test('concurrent uploads of the same blob both succeed and leave one blob', async () => {
      const store = await newStore();
      const bytes = randomBytes(200_000);
      const digest = digestOf(bytes);
      const ids = await Promise.all([store.startUpload(), store.startUpload(), store.startUpload()]);
      const results = await Promise.all(ids.map(async (id) => {
        await store.appendUpload(id, chunks(bytes));
        return store.finishUpload(id, digest);
      }));
      for (const result of results) assert.deepEqual(result, { digest, size: bytes.length });
      assert.ok(Buffer.concat(await collect(store.read(digest))).equals(bytes));
      for (const id of ids) assert.equal(await store.uploadSize(id), undefined);
    });

    test('put verifies, is idempotent, and delete removes', async () => {
      const store = await newStore();
      const bytes = Buffer.from('{"config":true}');
      const digest = digestOf(bytes);
      await assert.rejects(store.put(digestOf(Buffer.from('x')), bytes), DigestMismatchError);
      assert.deepEqual(await store.put(digest, bytes), { digest, size: bytes.length });
      assert.deepEqual(await store.put(digest, bytes), { digest, size: bytes.length });
      await store.delete(digest);
      await store.delete(digest);
      assert.equal(await store.stat(digest), undefined);
    });

    test('the empty blob and odd ids are handled', async () => {
      const store = await newStore();
      const empty = digestOf(Buffer.alloc(0));
      const id = await store.startUpload();
      assert.deepEqual(await store.finishUpload(id, empty), { digest: empty, size: 0 });
      assert.deepEqual(await collect(store.read(empty)), []);
      assert.equal(await store.stat('sha256:../../etc/passwd'), undefined);
      assert.equal(await store.uploadSize('../../etc/passwd'), undefined);
      await assert.rejects(store.appendUpload('../x', chunks(Buffer.from('a'))), UploadUnknownError);
    });
  });
}

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function* chunks(bytes: Uint8Array, size = 16_384): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** Yields the bytes, then fails as a dropped connection does. */
async function* failingAfter(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield* chunks(bytes);
  throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(Buffer.from(chunk));
  return out;
}
