import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { SERVICES_BY_STATUS, TASKS_BY_ADDRESS, TASKS_BY_COUNT_BUCKET, TASKS_BY_LISTING } from '../../domain/ecs/record-indexes.js';
import { seededRandom } from '../../domain/seeded-random.js';
import { StaleWriteError, type RecordIndex, type Scope, type Store, type WriteOp } from '../../ports/store.js';
import { runEcsRecordIndexOracle } from '../ecs-record-indexes.contract.js';
import { testDatabasesDroppedAfter } from '../postgres/test-database.js';
import { runStoreContract } from '../store.contract.js';
import { PostgresStore } from './postgres-store.js';

const newDatabase = testDatabasesDroppedAfter();
const freshDatabase = async (): Promise<string> => (await newDatabase()).url;

const urls = new WeakMap<Store, string>();
async function openAt(url: string, indexes?: readonly RecordIndex<any>[]): Promise<PostgresStore> {
  const store = await PostgresStore.open({ url, poolSize: 4, ...(indexes ? { indexes } : {}) });
  urls.set(store, url);
  return store;
}

runStoreContract('postgres', async () => openAt(await freshDatabase()), {
  reopen: async (store) => {
    await store.close();
    return openAt(urls.get(store)!);
  },
});

runEcsRecordIndexOracle('postgres', async () => {
  const url = await freshDatabase();
  return () => openAt(url, [TASKS_BY_COUNT_BUCKET, TASKS_BY_LISTING, TASKS_BY_ADDRESS, SERVICES_BY_STATUS]);
});

const east: Scope = { account: '123456789012', region: 'us-east-1' };
const west: Scope = { account: '123456789012', region: 'us-west-2' };

async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Item {
  readonly status: string;
  readonly tags: readonly string[];
}

const BY_STATUS: RecordIndex<Item> = { name: 'by-status', kind: 'item', keys: (_id, doc) => [doc.status] };
/** The same index name with other keys, as a newer Wharf might define it. */
const BY_STATUS_CHANGED: RecordIndex<Item> = { name: 'by-status', kind: 'item', keys: (_id, doc) => [`status=${doc.status}`, ...doc.tags] };
const BY_TAG: RecordIndex<Item> = { name: 'by-tag', kind: 'item', keys: (_id, doc) => doc.tags };

async function assertIndexMatchesScan(store: Store, index: RecordIndex<Item>, keys: readonly string[], where: string): Promise<void> {
  const everywhere = await store.listAll<Item>('item');
  for (const key of keys) {
    const scanned = everywhere.filter((record) => index.keys(record.id, record.doc).includes(key));
    assert.deepEqual(
      (await store.listAllByIndex<Item>(index, key)).map((record) => `${record.scope.region}/${record.id}@${record.version}`),
      scanned.map((record) => `${record.scope.region}/${record.id}@${record.version}`),
      `${where}: listAllByIndex ${index.name} ${key}`,
    );
    for (const scope of [east, west]) {
      const inScope = scanned.filter((record) => record.scope.region === scope.region).map(({ id, version, doc }) => ({ id, version, doc }));
      assert.deepEqual(await store.listByIndex(index, scope, key), inScope, `${where}: listByIndex ${index.name} ${key}`);
      assert.equal(await store.countByIndex(index, scope, key), inScope.length, `${where}: countByIndex ${index.name} ${key}`);
    }
  }
}

describe('postgres store across processes', () => {
  test('two stores on one database see each other\'s writes, and a watch in one hears writes made in the other', async () => {
    const url = await freshDatabase();
    const first = await openAt(url);
    const second = await openAt(url);
    const heardBySecond: string[] = [];
    const heardByFirst: string[] = [];
    second.watch('task', (change) => heardBySecond.push(`${change.scope.region}/${change.id}`));
    first.watch('task', (change) => heardByFirst.push(`${change.scope.region}/${change.id}`));

    await first.write([{ op: 'put', kind: 'task', scope: east, id: 't1', doc: { n: 1 } }, { op: 'put', kind: 'cluster', scope: east, id: 'c', doc: 1 }]);
    assert.deepEqual(await second.get('task', east, 't1'), { id: 't1', version: 1, doc: { n: 1 } });
    await eventually(() => heardBySecond.length === 1, 'the second store hears the first one\'s write');
    assert.deepEqual(heardBySecond, ['us-east-1/t1']);

    await second.write([{ op: 'put', kind: 'task', scope: west, id: 't2', doc: { n: 2 }, expect: 'absent' }]);
    assert.deepEqual((await first.list('task', west)).map((record) => record.id), ['t2']);
    await eventually(() => heardByFirst.length === 2, 'the first store hears the second one\'s write');
    // Its own write once (when it returned), the other's once (through the database): never twice.
    assert.deepEqual(heardByFirst, ['us-east-1/t1', 'us-west-2/t2']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(heardBySecond, ['us-east-1/t1', 'us-west-2/t2']);
    await first.close();
    await second.close();
  });

  test('a batch too large for one notification reaches the other store in several', async () => {
    const url = await freshDatabase();
    const first = await openAt(url);
    const second = await openAt(url);
    const heard = new Set<string>();
    second.watch('task', (change) => heard.add(change.id));
    const ids = Array.from({ length: 400 }, (_, i) => `task-with-a-rather-long-id-${String(i).padStart(4, '0')}`);
    await first.write(ids.map((id) => ({ op: 'put' as const, kind: 'task', scope: east, id, doc: {} })));
    await eventually(() => heard.size === ids.length, 'every change is heard');
    await first.close();
    await second.close();
  });

  test('20 concurrent writes from two stores expecting one version: exactly one commits', async () => {
    const url = await freshDatabase();
    const stores = [await openAt(url), await openAt(url)];
    await stores[0]!.write([{ op: 'put', kind: 'service', scope: east, id: 's', doc: { by: 'setup' } }]);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => stores[i % 2]!.write([{ op: 'put', kind: 'service', scope: east, id: 's', doc: { by: i }, expect: 1 }])));
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    for (const result of results) {
      if (result.status === 'rejected') assert.ok(result.reason instanceof StaleWriteError, String(result.reason));
    }
    assert.equal((await stores[1]!.get('service', east, 's'))?.version, 2);

    // Creating one record from both sides: one creation wins, the rest are stale.
    const creations = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => stores[i % 2]!.write([{ op: 'put', kind: 'service', scope: east, id: 'new', doc: { by: i }, expect: 'absent' }])));
    assert.equal(creations.filter((result) => result.status === 'fulfilled').length, 1);
    assert.ok(creations.every((result) => result.status === 'fulfilled' || result.reason instanceof StaleWriteError));
    assert.equal((await stores[0]!.get('service', east, 'new'))?.version, 1);
    for (const store of stores) await store.close();
  });

  test('batches writing the same records in opposite orders from two stores all commit (no deadlock)', async () => {
    const url = await freshDatabase();
    const stores = [await openAt(url, [BY_STATUS]), await openAt(url, [BY_STATUS])];
    const ids = ['p', 'q', 'r'];
    await Promise.all(Array.from({ length: 30 }, (_, i) => {
      const order = i % 2 === 0 ? ids : [...ids].reverse();
      return stores[i % 2]!.write(order.map((id) => ({ op: 'put' as const, kind: 'item', scope: east, id, doc: { status: i % 3 === 0 ? 'on' : 'off', tags: [] } })));
    }));
    for (const id of ids) assert.equal((await stores[0]!.get('item', east, id))?.version, 30);
    await assertIndexMatchesScan(stores[1]!, BY_STATUS, ['on', 'off'], 'after concurrent batches');
    for (const store of stores) await store.close();
  });

  test('a withWriteCheck view writes in the check\'s transaction: a throwing check refuses the write and changes nothing', async () => {
    const url = await freshDatabase();
    const store = await openAt(url, [BY_STATUS]);
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    await probe.query('CREATE TABLE fence_probe (note TEXT)');
    const heard: string[] = [];
    store.watch('item', (change) => heard.push(change.id));

    const refusal = new Error('this leader was deposed');
    const fenced = store.withWriteCheck(async (client) => {
      // A write of the check's own, rolled back with the refused write: the same transaction.
      await client.query("INSERT INTO fence_probe VALUES ('refused')");
      throw refusal;
    });
    await assert.rejects(fenced.write([{ op: 'put', kind: 'item', scope: east, id: 'a', doc: { status: 'on', tags: [] } }]), (error) => error === refusal);
    assert.equal(await store.get('item', east, 'a'), undefined);
    assert.equal(await store.countByIndex(BY_STATUS, east, 'on'), 0);
    assert.deepEqual(heard, []);

    let checks = 0;
    const allowed = store.withWriteCheck(async (client) => {
      checks++;
      await client.query("INSERT INTO fence_probe VALUES ('allowed')");
    });
    await allowed.write([{ op: 'put', kind: 'item', scope: east, id: 'a', doc: { status: 'on', tags: [] } }]);
    assert.equal(checks, 1);
    assert.deepEqual((await allowed.get('item', east, 'a'))?.version, 1);
    assert.equal(await store.countByIndex(BY_STATUS, east, 'on'), 1);
    assert.deepEqual(heard, ['a'], 'the view\'s writes reach the store\'s watchers');
    assert.deepEqual((await probe.query('SELECT note FROM fence_probe')).rows, [{ note: 'allowed' }]);
    // A stale write through the view is still a StaleWriteError, and undoes the check's own writes too.
    await assert.rejects(allowed.write([{ op: 'put', kind: 'item', scope: east, id: 'a', doc: { status: 'off', tags: [] }, expect: 7 }]), StaleWriteError);
    assert.equal((await probe.query('SELECT count(*)::int AS n FROM fence_probe')).rows[0].n, 1);

    await allowed.close();
    await fenced.close();
    assert.equal((await store.get('item', east, 'a'))?.version, 1, 'closing a view leaves the store open');
    await probe.end();
    await store.close();
  });

  test('indexes equal a scan after random writes from two stores and restarts; an index whose keys changed is rebuilt', async () => {
    const url = await freshDatabase();
    const statuses = ['on', 'off', 'gone'];
    const tags = ['x', 'y', 'z'];
    const next = seededRandom(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    // The second store knows BY_TAG only once it first reads it: its writes before that leave BY_TAG to be rebuilt.
    const stores: PostgresStore[] = [await openAt(url, [BY_STATUS, BY_TAG]), await openAt(url, [BY_STATUS])];
    for (let step = 0; step < 150; step++) {
      const which = Math.floor(next() * 2);
      const store = stores[which]!;
      const ops: WriteOp[] = [];
      const seen = new Set<string>();
      for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
        const scope = pick([east, west]);
        const id = `i${Math.floor(next() * 10)}`;
        if (seen.has(`${scope.region}/${id}`)) continue;
        seen.add(`${scope.region}/${id}`);
        const current = await store.get<Item>('item', scope, id);
        if (current && next() < 0.25) ops.push({ op: 'delete', kind: 'item', scope, id });
        else ops.push({ op: 'put', kind: 'item', scope, id, doc: { status: pick(statuses), tags: tags.filter(() => next() < 0.4) }, expect: next() < 0.1 ? 99 : current ? current.version : 'absent' });
      }
      await store.write(ops).catch((error: unknown) => {
        if (!(error instanceof StaleWriteError)) throw error;
      });
      if (step === 60) await stores[1]!.countByIndex(BY_TAG, east, 'x');
      if (next() < 0.05) {
        await store.close();
        stores[which] = await openAt(url, which === 0 ? [BY_STATUS, BY_TAG] : [BY_STATUS]);
      }
      if (step % 25 === 24) {
        for (const reader of stores) {
          await assertIndexMatchesScan(reader, BY_STATUS, statuses, `step ${step}`);
          await assertIndexMatchesScan(reader, BY_TAG, tags, `step ${step}`);
        }
      }
    }

    // A newer Wharf's keys under the same name: opening it rebuilds the index.
    const newer = await openAt(url, [BY_STATUS_CHANGED]);
    await assertIndexMatchesScan(newer, BY_STATUS_CHANGED, [...statuses.map((status) => `status=${status}`), ...tags, ...statuses], 'after the rebuild');
    // An older process still writing files by its own keys: it invalidates the newer definition, which is rebuilt on the next read.
    await stores[0]!.write([{ op: 'put', kind: 'item', scope: east, id: 'late', doc: { status: 'on', tags: ['x'] } }]);
    await assertIndexMatchesScan(newer, BY_STATUS_CHANGED, ['status=on', 'x', 'on'], 'after an older writer');
    await assertIndexMatchesScan(stores[0]!, BY_STATUS, statuses, 'the older reader');
    await newer.close();
    for (const store of stores) await store.close();
  });

  test('a write by a process that does not know an index invalidates it, and the next read rebuilds it', async () => {
    const url = await freshDatabase();
    const knowing = await openAt(url, [BY_STATUS]);
    const unaware = await openAt(url);
    const inspect = new pg.Pool({ connectionString: url, max: 1 });
    const stored = async () => (await inspect.query<{ idx: string }>('SELECT idx FROM store_index_definitions')).rows.map((row) => row.idx);
    await knowing.write([{ op: 'put', kind: 'item', scope: east, id: 'a', doc: { status: 'on', tags: [] } }]);
    assert.deepEqual(await stored(), ['by-status']);
    await unaware.write([{ op: 'put', kind: 'item', scope: east, id: 'b', doc: { status: 'on', tags: [] } }]);
    assert.deepEqual(await stored(), [], 'the unaware writer could not file b, so no one may trust the entries');
    assert.equal(await knowing.countByIndex(BY_STATUS, east, 'on'), 2);
    assert.deepEqual(await stored(), ['by-status']);
    // Writes of other kinds leave it alone.
    await unaware.write([{ op: 'put', kind: 'task', scope: east, id: 't', doc: {} }]);
    assert.deepEqual(await stored(), ['by-status']);
    await inspect.end();
    await knowing.close();
    await unaware.close();
  });

  test('a prefix matches `%` and `_` literally, and close is idempotent', async () => {
    const store = await openAt(await freshDatabase());
    const ids = ['a%', 'a%b', 'a_c', 'abc', 'axc'];
    await store.write(ids.map((id) => ({ op: 'put' as const, kind: 'k', scope: east, id, doc: id })));
    assert.deepEqual((await store.list('k', east, { prefix: 'a%' })).map((record) => record.id), ['a%', 'a%b']);
    assert.deepEqual((await store.list('k', east, { prefix: 'a_' })).map((record) => record.id), ['a_c']);
    assert.deepEqual((await store.list('k', east, { prefix: 'a\u{10000}' })).map((record) => record.id), []);
    await store.close();
    await store.close();
  });

  test('a store whose LISTEN connection is cut listens again and goes on hearing the other store', async () => {
    const url = await freshDatabase();
    const first = await openAt(url);
    const second = await openAt(url);
    const heard: string[] = [];
    first.watch('task', (change) => heard.push(change.id));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const cut = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'wharf-store-listener'");
    assert.equal(cut.rowCount, 2);
    await admin.end();
    // Notifications sent before it listens again are lost (controllers resync): write until one is heard.
    let written = 0;
    await eventually(async () => {
      await second.write([{ op: 'put', kind: 'task', scope: east, id: `after-the-cut-${++written}`, doc: 1 }]);
      return heard.some((id) => id.startsWith('after-the-cut-'));
    }, 'a write after the cut is heard');
    assert.ok(first.listening);
    await first.close();
    await second.close();
  });
});
