import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLogStoreContract } from '../log-store.contract.js';
import { SqliteLogStore } from './sqlite-log-store.js';

runLogStoreContract('sqlite (memory)', async () => new SqliteLogStore(':memory:'));

const scope = { account: '123456789012', region: 'us-east-1' };

test('sqlite log store keeps events and cursors across a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-logs-'));
  try {
    const file = join(dir, 'logs.db');
    const first = new SqliteLogStore(file);
    await first.createGroupIfMissing(scope, 'g', 1);
    await first.append(scope, 'g', 's', [{ timestamp: 1, message: 'kept' }], { source: 'c1', position: '42' }, 2);
    await first.close();
    const second = new SqliteLogStore(file);
    assert.equal(await second.cursor('c1'), '42');
    assert.deepEqual((await second.readStream(scope, 'g', 's', { direction: 'forward', limit: 5 })).map((e) => e.message), ['kept']);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite log store stays index-driven with many events (200k: appends, range reads, filters)', async () => {
  const store = new SqliteLogStore(':memory:');
  await store.createGroup(scope, { name: 'big', createdAt: 0 });
  for (const s of ['a', 'b']) await store.createStream(scope, 'big', s, 0);
  const batch = 10_000;
  let started = Date.now();
  for (let b = 0; b < 20; b++) {
    const events = Array.from({ length: batch }, (_, i) => ({ timestamp: b * batch + i, message: `event ${b * batch + i}` }));
    await store.putEvents(scope, 'big', b % 2 ? 'a' : 'b', events, 1);
  }
  const appendMs = Date.now() - started;
  started = Date.now();
  for (let i = 0; i < 200; i++) {
    const at = Math.floor(Math.random() * 190_000);
    const forward = await store.readStream(scope, 'big', 'a', { direction: 'forward', startTime: at, limit: 100 });
    const group = await store.readGroup(scope, 'big', { after: { timestamp: at, id: 0 }, limit: 100 });
    assert.ok(forward.length > 0 && group.length === 100);
  }
  const tail = await store.readStream(scope, 'big', 'b', { direction: 'backward', limit: 1 });
  assert.equal(tail[0]!.message, 'event 189999');
  const readMs = Date.now() - started;
  // Generous bounds: a table scan per read would take seconds here.
  assert.ok(appendMs < 10_000, `appends took ${appendMs} ms`);
  assert.ok(readMs < 2_000, `400 range reads took ${readMs} ms`);
  await store.close();
});
