import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from './sqlite-database.js';
import { createFileOnce, securePrivateTree } from './private-files.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

test('SQLite files are created owner-only, with their -wal and -shm', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'wharf-modes-')), 'data');
  const db = openDatabase(join(dir, 'wharf.db'));
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
  assert.equal(modeOf(dir), 0o700);
  // Exclusive locking keeps the WAL index in memory, so there is no -shm file to check.
  for (const file of ['wharf.db', 'wharf.db-wal', 'wharf.db-shm'].filter((name) => existsSync(join(dir, name)))) assert.equal(modeOf(join(dir, file)), 0o600, file);
  assert.ok(existsSync(join(dir, 'wharf.db-wal')));
  db.close();
});

test('start-up tightens a loosened data directory: directories 0700, files 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-modes-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'wharf.db'), '', { mode: 0o644 });
  writeFileSync(join(dir, 'logs.db-wal'), '', { mode: 0o666 });
  writeFileSync(join(dir, 'instance-id'), 'x\n', { mode: 0o600 });
  mkdirSync(join(dir, 'registry', 'blobs', 'sha256'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'registry', 'blobs', 'sha256', 'abc'), 'blob', { mode: 0o644 });
  chmodSync(join(dir, 'wharf.db'), 0o644);
  chmodSync(join(dir, 'logs.db-wal'), 0o666);
  assert.equal(securePrivateTree(dir), 6);
  assert.equal(modeOf(dir), 0o700);
  for (const file of ['wharf.db', 'logs.db-wal', 'instance-id', 'registry/blobs/sha256/abc']) assert.equal(modeOf(join(dir, file)), 0o600, file);
  for (const sub of ['registry', 'registry/blobs', 'registry/blobs/sha256']) assert.equal(modeOf(join(dir, sub)), 0o700, sub);
  assert.equal(securePrivateTree(dir), 0);
});

test('createFileOnce: of several processes creating one key file at once, every one reads the same whole content, and no draft is left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-once-'));
  try {
    const file = join(dir, 'shared', 'key');
    const module = new URL('./private-files.js', import.meta.url).href;
    const script = `const { createFileOnce } = await import(${JSON.stringify(module)}); const { readFileSync } = await import('node:fs');
      const mine = 'k'.repeat(4096) + process.pid; createFileOnce(${JSON.stringify(file)}, mine); process.stdout.write(readFileSync(${JSON.stringify(file)}, 'utf8'));`;
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () => new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout) => (error ? reject(error) : resolve(stdout)));
      })),
    );
    assert.equal(new Set(outputs).size, 1, 'every process read the same content');
    assert.match(outputs[0]!, /^k{4096}\d+$/);
    assert.deepEqual(readdirSync(join(dir, 'shared')), ['key']);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    createFileOnce(file, 'other');
    assert.equal(readFileSync(file, 'utf8'), outputs[0], 'an existing file is kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
