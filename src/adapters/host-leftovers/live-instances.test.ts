import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { liveInstances } from './live-instances.js';

function fakeProc(): { proc: string; dataDir: (id: string) => string; holds: (pid: number, fd: number, target: string) => void } {
  const root = mkdtempSync(join(tmpdir(), 'wharf-live-'));
  const proc = join(root, 'proc');
  mkdirSync(proc);
  return {
    proc,
    dataDir(id) {
      const dir = join(root, `data-${id}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'instance-id'), `${id}\n`);
      writeFileSync(join(dir, 'wharf.db'), '');
      return dir;
    },
    holds(pid, fd, target) {
      mkdirSync(join(proc, String(pid), 'fd'), { recursive: true });
      symlinkSync(target, join(proc, String(pid), 'fd', String(fd)));
    },
  };
}

test('an instance is live while a process holds its wharf.db open', async () => {
  const host = fakeProc();
  const running = host.dataDir('11111111-1111-1111-1111-111111111111');
  host.dataDir('22222222-2222-2222-2222-222222222222'); // its Wharf was killed: no process holds it
  host.holds(100, 3, join(running, 'wharf.db'));
  host.holds(100, 4, join(running, 'wharf.db-wal'));
  host.holds(200, 3, '/dev/null');
  mkdirSync(join(host.proc, 'self'));
  const live = await liveInstances(host.proc);
  assert.deepEqual([...live.ids], ['11111111-1111-1111-1111-111111111111']);
  assert.equal(live.complete, true);
});

test('a Wharf whose data directory was deleted under it makes the answer incomplete', async () => {
  const host = fakeProc();
  host.holds(300, 3, '/tmp/gone/wharf.db (deleted)');
  assert.equal((await liveInstances(host.proc)).complete, false);
});

test('this process is seen live on the real /proc when it holds a wharf.db', async () => {
  const { openDatabase } = await import('../sqlite-database.js');
  const dir = mkdtempSync(join(tmpdir(), 'wharf-live-real-'));
  writeFileSync(join(dir, 'instance-id'), '33333333-3333-3333-3333-333333333333\n');
  const db = openDatabase(join(dir, 'wharf.db'));
  db.exec('CREATE TABLE t (x)');
  try {
    assert.ok((await liveInstances()).ids.has('33333333-3333-3333-3333-333333333333'));
  } finally {
    db.close();
  }
  assert.ok(!(await liveInstances()).ids.has('33333333-3333-3333-3333-333333333333'));
});
