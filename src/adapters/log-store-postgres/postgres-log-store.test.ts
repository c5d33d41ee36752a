import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { runLogStoreContract } from '../log-store.contract.js';
import { testDatabasesDroppedAfter } from '../postgres/test-database.js';
import { PostgresLogStore } from './postgres-log-store.js';

const freshDatabase = testDatabasesDroppedAfter();

runLogStoreContract('postgres', async () => PostgresLogStore.open({ url: (await freshDatabase()).url, poolSize: 4 }));

const scope = { account: '123456789012', region: 'us-east-1' };

test('postgres log store keeps events and cursors across a close and reopen', async () => {
  const { url } = await freshDatabase();
  const first = await PostgresLogStore.open({ url });
  await first.createGroupIfMissing(scope, 'g', 1);
  await first.append(scope, 'g', 's', [{ timestamp: 1, message: 'kept' }], { source: 'c1', position: '42' }, 2);
  await first.close();
  await first.close();
  const second = await PostgresLogStore.open({ url });
  assert.equal(await second.cursor('c1'), '42');
  assert.deepEqual((await second.readStream(scope, 'g', 's', { direction: 'forward', limit: 5 })).map((e) => e.message), ['kept']);
  await second.close();
});

test('postgres log store: two stores on one database (two processes) see each other and stay consistent', async () => {
  const { url } = await freshDatabase();
  // Opened at once, as processes starting together would: one migrates, the other waits and finds nothing to do.
  const [a, b] = await Promise.all([PostgresLogStore.open({ url }), PostgresLogStore.open({ url })]);
  await a.createGroup(scope, { name: 'shared', createdAt: 0, retentionInDays: 3 });
  assert.equal(await b.groupExists(scope, 'shared'), true);
  assert.equal(await b.createGroup(scope, { name: 'shared', createdAt: 1 }), false);

  // Two log pumps appending to the same stream and to their own, at once.
  const batches = 20;
  const perBatch = 50;
  const pump = (store: PostgresLogStore, name: string) => (async () => {
    for (let i = 0; i < batches; i++) {
      const events = Array.from({ length: perBatch }, (_, j) => ({ timestamp: 1000 + i * perBatch + j, message: `${name} ${i}/${j}` }));
      await store.append(scope, 'shared', i % 2 ? 'common' : `own-${name}`, events, { source: name, position: String(i) }, 5000 + i);
    }
  })();
  await Promise.all([pump(a, 'a'), pump(b, 'b')]);
  assert.equal(await a.cursor('b'), String(batches - 1));
  assert.equal(await b.cursor('a'), String(batches - 1));
  const streams = await a.listStreams(scope, 'shared');
  assert.deepEqual(streams.map((s) => s.name), ['common', 'own-a', 'own-b']);
  const everything = await b.readGroup(scope, 'shared', { limit: 10_000 });
  assert.equal(everything.length, 2 * batches * perBatch);
  assert.equal(new Set(everything.map((e) => e.id)).size, everything.length, 'ids are unique');
  const bytes = everything.reduce((sum, e) => sum + Buffer.byteLength(e.message), 0);
  assert.equal((await a.getGroup(scope, 'shared'))?.storedBytes, bytes, 'stream statistics add up across writers');
  const common = streams.find((s) => s.name === 'common')!;
  assert.equal(common.lastIngestionTime, 5000 + batches - 1);

  // Retention sweeps from both processes at once delete each event once and take its bytes off once.
  const [deletedByA, deletedByB] = await Promise.all([a.deleteEventsBefore(scope, 'shared', 1500), b.deleteEventsBefore(scope, 'shared', 1500)]);
  const expired = everything.filter((e) => e.timestamp < 1500);
  assert.equal(deletedByA + deletedByB, expired.length);
  const kept = everything.filter((e) => e.timestamp >= 1500).reduce((sum, e) => sum + Buffer.byteLength(e.message), 0);
  assert.equal((await b.getGroup(scope, 'shared'))?.storedBytes, kept);

  // A group deleted by one while the other appends leaves no stream or event behind.
  await Promise.all([
    (async () => {
      for (let i = 0; i < 10; i++) await a.append(scope, 'shared', 'late', [{ timestamp: 9000 + i, message: 'late' }], { source: 'late', position: String(i) }, 9000).catch(() => undefined);
    })(),
    b.deleteGroup(scope, 'shared'),
  ]);
  await Promise.all([a.close(), b.close()]);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const orphans = await client.query(`SELECT (SELECT COUNT(*) FROM log_streams WHERE gid NOT IN (SELECT gid FROM log_groups)) AS streams,
      (SELECT COUNT(*) FROM log_events WHERE sid NOT IN (SELECT sid FROM log_streams)) AS events`);
    assert.deepEqual(orphans.rows[0], { streams: '0', events: '0' });
  } finally {
    await client.end();
  }
});

test('postgres log store keeps any message as it came, NUL and non-ASCII included', async () => {
  const store = await PostgresLogStore.open({ url: (await freshDatabase()).url });
  await store.createGroup(scope, { name: 'g', createdAt: 0 });
  await store.createStream(scope, 'g', 's', 0);
  const messages = ['nul \u0000 inside', 'héllo wörld ✓ 🚢', "quotes ' \" and \\ backslash {a,b}", ''];
  await store.putEvents(scope, 'g', 's', messages.map((message, i) => ({ timestamp: i, message })), 1);
  assert.deepEqual((await store.readStream(scope, 'g', 's', { direction: 'forward', limit: 10 })).map((e) => e.message), messages);
  assert.equal((await store.getStream(scope, 'g', 's'))?.storedBytes, messages.reduce((sum, m) => sum + Buffer.byteLength(m), 0));
  await store.close();
});

test('postgres log store orders names by bytes, as the SQLite store does', async () => {
  const store = await PostgresLogStore.open({ url: (await freshDatabase()).url });
  const names = ['b', 'B', 'a-z', 'a_z', 'aZ', 'é', 'z'];
  for (const name of names) await store.createGroup(scope, { name, createdAt: 0 });
  const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual((await store.listGroups(scope, { limit: 100 })).map((g) => g.name), byBytes);
  await store.close();
});
