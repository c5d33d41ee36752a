import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestOf, runBlobStoreContract } from '../blob-store.contract.js';
import { FsBlobStore } from './fs-blob-store.js';

const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-blobs-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

runBlobStoreContract('filesystem', async () => new FsBlobStore(newDir()));

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

test('blobs are content-addressed files and uploads live apart until published', async () => {
  const root = newDir();
  const store = new FsBlobStore(root);
  const bytes = randomBytes(4096);
  const digest = digestOf(bytes);
  const hex = digest.slice(7);
  const id = await store.startUpload();
  await store.appendUpload(id, once(bytes));
  assert.deepEqual(readdirSync(join(root, 'uploads')), [id]);
  assert.deepEqual(readdirSync(join(root, 'blobs', 'sha256')), []);
  await store.finishUpload(id, digest);
  assert.deepEqual(readdirSync(join(root, 'uploads')), []);
  assert.ok((await readFile(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex))).equals(bytes));
});

test('a session survives a new store instance on the same directory (the hash is rebuilt from the file)', async () => {
  const root = newDir();
  const bytes = randomBytes(100_000);
  const first = new FsBlobStore(root);
  const id = await first.startUpload();
  await first.appendUpload(id, once(bytes.subarray(0, 60_000)));
  const second = new FsBlobStore(root);
  assert.equal(await second.uploadSize(id), 60_000);
  assert.equal(await second.appendUpload(id, once(bytes.subarray(60_000))), 100_000);
  assert.deepEqual(await second.finishUpload(id, digestOf(bytes)), { digest: digestOf(bytes), size: 100_000 });
});

test('sweeping with age 0 removes every session, as a restart does for sessions nobody can resume', async () => {
  const root = newDir();
  const store = new FsBlobStore(root);
  await store.startUpload();
  await store.startUpload();
  assert.equal(await store.sweepUploads(0), 2);
  assert.deepEqual(readdirSync(join(root, 'uploads')), []);
});
