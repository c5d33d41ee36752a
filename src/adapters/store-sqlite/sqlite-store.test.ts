import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Store } from '../../ports/store.js';
import { runStoreContract } from '../store.contract.js';
import { limitClause, SqliteStore, StatementCache } from './sqlite-store.js';

runStoreContract('sqlite (memory)', async () => new SqliteStore(':memory:'));

// On a file, so the contract can close and reopen it as a restarted Wharf does.
const contractDir = mkdtempSync(join(tmpdir(), 'wharf-store-contract-'));
after(() => rmSync(contractDir, { recursive: true, force: true }));
const files = new WeakMap<Store, string>();
let opened = 0;
function openFile(file: string): Store {
  const store = new SqliteStore(file);
  files.set(store, file);
  return store;
}
runStoreContract('sqlite (file)', async () => openFile(join(contractDir, `${++opened}.db`)), {
  reopen: async (store) => {
    await store.close();
    return openFile(files.get(store)!);
  },
});

test('sqlite store keeps its records across a reopen of the same file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-store-'));
  try {
    const file = join(dir, 'nested', 'wharf.db');
    const first = new SqliteStore(file);
    await first.write([{ op: 'put', kind: 'cluster', scope: { account: '1', region: 'r' }, id: 'c', doc: { name: 'c' } }]);
    await first.close();
    const second = new SqliteStore(file);
    assert.deepEqual((await second.get('cluster', { account: '1', region: 'r' }, 'c'))?.doc, { name: 'c' });
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a listing limit is written into the SQL as whole digits, whatever number the caller sends', () => {
  assert.equal(limitClause(undefined), '');
  assert.equal(limitClause(100), ' LIMIT 100');
  assert.equal(limitClause(2.9), ' LIMIT 2');
  assert.equal(limitClause(-5), ' LIMIT 0');
});

test('page sizes from callers cannot grow the prepared statements past the cache bound, and every page is still right', async () => {
  const store = new SqliteStore(':memory:');
  const scope = { account: '123456789012', region: 'us-east-1' };
  await store.write(Array.from({ length: 30 }, (_, i) => ({ op: 'put' as const, kind: 'thing', scope, id: `t${String(i).padStart(2, '0')}`, doc: { i } })));
  const cache = (store as unknown as { listStatements: StatementCache }).listStatements;
  for (let limit = 1; limit <= 300; limit++) {
    const page = await store.list<{ i: number }>('thing', scope, { limit });
    assert.equal(page.length, Math.min(limit, 30));
    assert.ok(cache.size <= 256, `cache held ${cache.size} statements`);
  }
  assert.deepEqual((await store.list<{ i: number }>('thing', scope, { after: 't27' })).map((record) => record.doc.i), [28, 29]);
  await store.close();
});
