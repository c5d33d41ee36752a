import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StaleWriteError, type Store } from '../ports/store.js';

/**
 * The behaviour every Store implementation must show, run against each
 * adapter (as Hono runs one router suite against every router).
 */
export function runStoreContract(name: string, newStore: () => Promise<Store>): void {
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
  });
}
