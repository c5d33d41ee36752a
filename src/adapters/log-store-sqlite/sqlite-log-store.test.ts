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

// Speed is the benchmark's (bench/awslogs-throughput.mjs, a million events); this checks the answers at that kind of size.
test('sqlite log store answers range reads correctly over 200k events in two streams', async () => {
  const store = new SqliteLogStore(':memory:');
  await store.createGroup(scope, { name: 'big', createdAt: 0 });
  for (const s of ['a', 'b']) await store.createStream(scope, 'big', s, 0);
  const batch = 10_000;
  for (let b = 0; b < 20; b++) {
    const events = Array.from({ length: batch }, (_, i) => ({ timestamp: b * batch + i, message: `event ${b * batch + i}` }));
    await store.putEvents(scope, 'big', b % 2 ? 'a' : 'b', events, 1);
  }
  for (const at of [0, 5_000, 99_999, 150_001, 189_950]) {
    const forward = await store.readStream(scope, 'big', 'a', { direction: 'forward', startTime: at, limit: 100 });
    const group = await store.readGroup(scope, 'big', { after: { timestamp: at, id: 0 }, limit: 100 });
    assert.ok(forward.length > 0 && forward.every((event) => event.timestamp >= at), `stream a from ${at}`);
    assert.equal(group.length, 100, `group from ${at}`);
    assert.ok(group.every((event, i) => i === 0 || event.timestamp >= group[i - 1]!.timestamp), `group from ${at} in time order`);
  }
  const tail = await store.readStream(scope, 'big', 'b', { direction: 'backward', limit: 1 });
  assert.equal(tail[0]!.message, 'event 189999');
  await store.close();
});
