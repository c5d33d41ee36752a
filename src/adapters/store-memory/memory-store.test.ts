import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStoreContract } from '../store.contract.js';
import { MemoryStore } from './memory-store.js';

runStoreContract('memory', async () => new MemoryStore());

const scope = { account: '123456789012', region: 'us-east-1' };

test('a read is a copy: changing what get or list returned changes nothing stored', async () => {
  const store = new MemoryStore();
  await store.write([{ op: 'put', kind: 'k', scope, id: 'a', doc: { n: 1, list: [1] } }]);
  const read = (await store.get<{ n: number; list: number[] }>('k', scope, 'a'))!;
  read.doc.n = 2;
  read.doc.list.push(2);
  (await store.list<{ n: number }>('k', scope))[0]!.doc.n = 3;
  assert.deepEqual((await store.get('k', scope, 'a'))?.doc, { n: 1, list: [1] });
});

test('the journal holds each committed batch once, and no refused one', async () => {
  const store = new MemoryStore();
  await store.write([{ op: 'put', kind: 'k', scope, id: 'a', doc: 1 }, { op: 'put', kind: 'k', scope, id: 'b', doc: 2 }]);
  await assert.rejects(store.write([{ op: 'put', kind: 'k', scope, id: 'a', doc: 3, expect: 'absent' }]));
  await store.write([{ op: 'delete', kind: 'k', scope, id: 'b', expect: 1 }]);
  assert.deepEqual(store.journal.map((batch) => batch.map((op) => `${op.op} ${op.id}`)), [['put a', 'put b'], ['delete b']]);
});
