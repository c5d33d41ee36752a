import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StaleWriteError, type RecordIndex, type Scope, type Store, type WriteOp } from '../ports/store.js';
import { seededRandom } from '../domain/seeded-random.js';

interface Item {
  readonly status: string;
  readonly tags: readonly string[];
}

/** Files an item under its status and each of its tags. */
const BY_STATUS_AND_TAG: RecordIndex<Item> = {
  name: 'by-status-and-tag',
  kind: 'item',
  keys: (_id, doc) => [`status:${doc.status}`, ...doc.tags.map((tag) => `tag:${tag}`)],
};

/** A second index of the same kind: only items whose id ends in an even digit, by status. */
const EVEN_BY_STATUS: RecordIndex<Item> = {
  name: 'even-by-status',
  kind: 'item',
  keys: (id, doc) => (Number(id.slice(-1)) % 2 === 0 ? [doc.status] : []),
};

/** A small deterministic generator, so a failing sequence names its seed and comes back. */
const random = seededRandom;

export interface StoreContractOptions {
  /** Closes `store` and opens the same data again, as a restarted Wharf does; without it restarts are not tested. */
  readonly reopen?: (store: Store) => Promise<Store>;
}

/**
 * The behaviour every Store implementation must show, run against each
 * adapter (as Hono runs one router suite against every router).
 */
export function runStoreContract(name: string, newStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  const east = { account: '123456789012', region: 'us-east-1' };
  const west = { account: '123456789012', region: 'us-west-2' };
  const other = { account: '210987654321', region: 'us-east-1' };

  describe(`Store contract: ${name}`, () => {
    test('put then get returns the document at version 1, then 2', async () => {
      const store = await newStore();
      await store.write([{ op: 'put', kind: 'cluster', scope: east, id: 'a', doc: { n: 1 } }]);
      assert.deepEqual(await store.get('cluster', east, 'a'), { id: 'a', version: 1, doc: { n: 1 } });
      await store.write([{ op: 'put', kind: 'cluster', scope: east, id: 'a', doc: { n: 2 }, expect: 1 }]);
      assert.deepEqual(await store.get('cluster', east, 'a'), { id: 'a', version: 2, doc: { n: 2 } });
      await store.close();
    });

    test('scopes and kinds are isolated', async () => {
      const store = await newStore();
      await store.write([{ op: 'put', kind: 'cluster', scope: east, id: 'a', doc: 1 }]);
      assert.equal(await store.get('cluster', west, 'a'), undefined);
      assert.equal(await store.get('cluster', other, 'a'), undefined);
      assert.equal(await store.get('service', east, 'a'), undefined);
      assert.deepEqual(await store.list('cluster', west), []);
      await store.close();
    });

    test('a stale expectation fails the whole batch and changes nothing', async () => {
      const store = await newStore();
      await store.write([{ op: 'put', kind: 'k', scope: east, id: 'a', doc: 'old' }]);
      await assert.rejects(
        store.write([
          { op: 'put', kind: 'k', scope: east, id: 'b', doc: 'new', expect: 'absent' },
          { op: 'put', kind: 'k', scope: east, id: 'a', doc: 'new', expect: 7 },
        ]),
        StaleWriteError,
      );
      assert.equal(await store.get('k', east, 'b'), undefined);
      assert.equal((await store.get('k', east, 'a'))?.doc, 'old');
      await assert.rejects(store.write([{ op: 'put', kind: 'k', scope: east, id: 'a', doc: 'x', expect: 'absent' }]), StaleWriteError);
      await assert.rejects(store.write([{ op: 'delete', kind: 'k', scope: east, id: 'a', expect: 2 }]), StaleWriteError);
      await store.write([{ op: 'delete', kind: 'k', scope: east, id: 'a', expect: 1 }]);
      assert.equal(await store.get('k', east, 'a'), undefined);
      await store.close();
    });

    test('list orders by id, filters by prefix, pages with after, and reverses', async () => {
      const store = await newStore();
      const ids = ['app:0000000002', 'app:0000000001', 'apple:0000000001', 'web:0000000001'];
      await store.write(ids.map((id) => ({ op: 'put' as const, kind: 'td', scope: east, id, doc: id })));
      const all = await store.list<string>('td', east);
      assert.deepEqual(all.map((r) => r.id), ['app:0000000001', 'app:0000000002', 'apple:0000000001', 'web:0000000001']);
      assert.deepEqual((await store.list('td', east, { prefix: 'app:' })).map((r) => r.id), ['app:0000000001', 'app:0000000002']);
      assert.deepEqual((await store.list('td', east, { limit: 2, after: 'app:0000000001' })).map((r) => r.id), ['app:0000000002', 'apple:0000000001']);
      assert.deepEqual((await store.list('td', east, { prefix: 'app:', reverse: true, limit: 1 })).map((r) => r.id), ['app:0000000002']);
      assert.deepEqual((await store.list('td', east, { reverse: true, after: 'apple:0000000001' })).map((r) => r.id), ['app:0000000002', 'app:0000000001']);
      await store.close();
    });

    test('ids order by code point (UTF-8 bytes), not by UTF-16 unit', async () => {
      const store = await newStore();
      // U+FFFF is one UTF-16 unit above a surrogate, yet below U+10000 in UTF-8 and in code points.
      const ids = ['a\u{10000}', 'a\uffff', 'a\ue000', 'ab', 'a'];
      await store.write(ids.map((id) => ({ op: 'put' as const, kind: 'k', scope: east, id, doc: id })));
      assert.deepEqual((await store.list('k', east)).map((r) => r.id), ['a', 'ab', 'a\ue000', 'a\uffff', 'a\u{10000}']);
      assert.deepEqual((await store.listAll('k')).map((r) => r.id), ['a', 'ab', 'a\ue000', 'a\uffff', 'a\u{10000}']);
      await store.close();
    });

    test('watchers hear committed writes of their kind only', async () => {
      const store = await newStore();
      const heard: string[] = [];
      const stop = store.watch('task', (change) => heard.push(`${change.scope.region}/${change.id}`));
      await store.write([{ op: 'put', kind: 'task', scope: east, id: 'a', doc: 1 }, { op: 'put', kind: 'cluster', scope: east, id: 'c', doc: 1 }]);
      await assert.rejects(store.write([{ op: 'put', kind: 'task', scope: west, id: 'b', doc: 1, expect: 3 }]), StaleWriteError);
      await store.write([{ op: 'delete', kind: 'task', scope: east, id: 'a' }]);
      stop();
      await store.write([{ op: 'put', kind: 'task', scope: east, id: 'z', doc: 1 }]);
      assert.deepEqual(heard, ['us-east-1/a', 'us-east-1/a']);
      await store.close();
    });

    test('listAll crosses scopes and wipe empties everything', async () => {
      const store = await newStore();
      await store.write([
        { op: 'put', kind: 'task', scope: east, id: 'a', doc: 1 },
        { op: 'put', kind: 'task', scope: other, id: 'b', doc: 2 },
      ]);
      const all = await store.listAll('task');
      assert.equal(all.length, 2);
      assert.deepEqual(all.find((r) => r.id === 'b')?.scope, other);
      await store.wipe();
      assert.deepEqual(await store.listAll('task'), []);
      await store.close();
    });

    test('an index files records by their keys, pages within a key, and follows updates and deletes', async () => {
      const store = await newStore();
      await store.write([
        { op: 'put', kind: 'item', scope: east, id: 'a1', doc: { status: 'on', tags: ['x', 'y'] } },
        { op: 'put', kind: 'item', scope: east, id: 'a2', doc: { status: 'on', tags: [] } },
        { op: 'put', kind: 'item', scope: east, id: 'a3', doc: { status: 'off', tags: ['x', 'x'] } },
        { op: 'put', kind: 'item', scope: west, id: 'a1', doc: { status: 'on', tags: [] } },
        { op: 'put', kind: 'other', scope: east, id: 'a4', doc: { status: 'on', tags: [] } },
      ]);
      const ids = async (key: string, query = {}) => (await store.listByIndex(BY_STATUS_AND_TAG, east, key, query)).map((record) => record.id);
      assert.deepEqual(await ids('status:on'), ['a1', 'a2']);
      assert.deepEqual(await ids('tag:x'), ['a1', 'a3']);
      assert.deepEqual(await ids('status:on', { after: 'a1' }), ['a2']);
      assert.deepEqual(await ids('status:on', { reverse: true, limit: 1 }), ['a2']);
      assert.deepEqual(await ids('status:on', { reverse: true, after: 'a2' }), ['a1']);
      for (const query of [{}, { after: 'a1' }, { reverse: true, limit: 1 }, { limit: 0 }]) {
        assert.deepEqual(await store.listIdsByIndex(BY_STATUS_AND_TAG, east, 'status:on', query), await ids('status:on', query), `ids only, ${JSON.stringify(query)}`);
      }
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, east, 'status:on'), 2);
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, east, 'tag:x'), 2, 'a key given twice files the record once');
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, other, 'status:on'), 0);
      assert.deepEqual((await store.listAllByIndex(BY_STATUS_AND_TAG, 'status:on')).map((record) => `${record.scope.region}/${record.id}`), ['us-east-1/a1', 'us-east-1/a2', 'us-west-2/a1']);
      const [first] = await store.listByIndex<Item>(BY_STATUS_AND_TAG, east, 'tag:y');
      assert.deepEqual(first, { id: 'a1', version: 1, doc: { status: 'on', tags: ['x', 'y'] } });

      await store.write([
        { op: 'put', kind: 'item', scope: east, id: 'a1', doc: { status: 'off', tags: ['y'] }, expect: 1 },
        { op: 'delete', kind: 'item', scope: east, id: 'a2' },
      ]);
      assert.deepEqual(await ids('status:on'), []);
      assert.deepEqual(await ids('status:off'), ['a1', 'a3']);
      assert.deepEqual(await ids('tag:x'), ['a3']);
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, east, 'status:on'), 0);
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, east, 'status:off'), 2);
      assert.deepEqual((await store.listByIndex(BY_STATUS_AND_TAG, east, 'status:off'))[0]?.version, 2);

      // A stale batch changes no index either.
      await assert.rejects(store.write([
        { op: 'put', kind: 'item', scope: east, id: 'a5', doc: { status: 'on', tags: [] } },
        { op: 'put', kind: 'item', scope: east, id: 'a3', doc: { status: 'on', tags: [] }, expect: 9 },
      ]), StaleWriteError);
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, east, 'status:on'), 0);

      await store.wipe();
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, east, 'status:off'), 0);
      assert.deepEqual(await store.listAllByIndex(BY_STATUS_AND_TAG, 'tag:x'), []);
      await store.write([{ op: 'put', kind: 'item', scope: east, id: 'b1', doc: { status: 'on', tags: [] } }]);
      assert.equal(await store.countByIndex(BY_STATUS_AND_TAG, east, 'status:on'), 1);
      await store.close();
    });

    test('index lookups and counts equal a scan after random writes, whenever the index is first used' + (options.reopen ? ' and across restarts' : ''), async () => {
      const scopes: Scope[] = [east, west, other];
      const statuses = ['on', 'off', 'gone'];
      const tags = ['x', 'y', 'z'];
      for (let seed = 1; seed <= 12; seed++) {
        const next = random(seed);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
        let store = await newStore();
        const steps = 60;
        // Some writes land before the index is ever used, the rest after.
        const firstUse = Math.floor(next() * steps);
        for (let step = 0; step < steps; step++) {
          const ops: WriteOp[] = [];
          for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
            const scope = pick(scopes);
            const id = `i${Math.floor(next() * 8)}`;
            const current = await store.get<Item>('item', scope, id);
            if (current && next() < 0.25) ops.push({ op: 'delete', kind: 'item', scope, id });
            else {
              const doc: Item = { status: pick(statuses), tags: tags.filter(() => next() < 0.4) };
              // Now and then a stale expectation, which must undo the whole batch.
              const expect = next() < 0.1 ? 99 : current ? current.version : 'absent';
              ops.push({ op: 'put', kind: 'item', scope, id, doc, expect });
            }
            // Records of another kind never reach the index.
            if (next() < 0.2) ops.push({ op: 'put', kind: 'item-shadow', scope, id, doc: { status: 'on', tags: ['x'] } });
          }
          // Two puts of one id in one batch: the second's expectation is stale; keep batches to one op per record.
          const unique = ops.filter((op, i) => ops.findIndex((o) => o.kind === op.kind && o.id === op.id && o.scope === op.scope) === i);
          await store.write(unique).catch((error: unknown) => {
            if (!(error instanceof StaleWriteError)) throw error;
          });
          if (step === firstUse) await store.countByIndex(BY_STATUS_AND_TAG, east, 'status:on');
          if (options.reopen && next() < 0.1) store = await options.reopen(store);
          if (step >= firstUse && (step % 10 === 9 || step === steps - 1)) await assertIndexesMatchScan(store, scopes, [...statuses.map((s) => `status:${s}`), ...tags.map((t) => `tag:${t}`)], statuses, seed, step);
        }
        await store.close();
      }
    });
  });
}

async function assertIndexesMatchScan(store: Store, scopes: readonly Scope[], keys: readonly string[], evenKeys: readonly string[], seed: number, step: number): Promise<void> {
  const where = `seed ${seed}, step ${step}`;
  for (const [index, indexKeys] of [[BY_STATUS_AND_TAG, keys], [EVEN_BY_STATUS, evenKeys]] as const) {
    const everywhere = await store.listAll<Item>('item');
    for (const key of indexKeys) {
      const scanned = everywhere.filter((record) => index.keys(record.id, record.doc).includes(key));
      assert.deepEqual(
        (await store.listAllByIndex<Item>(index, key)).map((record) => `${record.scope.account}/${record.scope.region}/${record.id}@${record.version}`).sort(),
        scanned.map((record) => `${record.scope.account}/${record.scope.region}/${record.id}@${record.version}`).sort(),
        `${where}: listAllByIndex ${index.name} ${key}`,
      );
      for (const scope of scopes) {
        const inScope = (await store.list<Item>('item', scope)).filter((record) => index.keys(record.id, record.doc).includes(key));
        assert.deepEqual(await store.listByIndex(index, scope, key), inScope, `${where}: listByIndex ${index.name} ${key}`);
        assert.deepEqual(await store.listIdsByIndex(index, scope, key), inScope.map((record) => record.id), `${where}: listIdsByIndex ${index.name} ${key}`);
        assert.equal(await store.countByIndex(index, scope, key), inScope.length, `${where}: countByIndex ${index.name} ${key}`);
      }
    }
  }
}
