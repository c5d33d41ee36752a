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
