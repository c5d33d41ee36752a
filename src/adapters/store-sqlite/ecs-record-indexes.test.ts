import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runEcsRecordIndexOracle } from '../ecs-record-indexes.contract.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'wharf-ecs-indexes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runEcsRecordIndexOracle('sqlite', async () => {
  const file = join(dir, `${++files}.db`);
  return async () => new SqliteStore(file);
});
