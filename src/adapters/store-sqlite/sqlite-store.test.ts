import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Store } from '../../ports/store.js';
import { runStoreContract } from '../store.contract.js';
import { SqliteStore } from './sqlite-store.js';

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
