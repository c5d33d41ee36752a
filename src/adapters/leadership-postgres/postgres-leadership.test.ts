import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { FencedWriteError } from '../../ports/leadership.js';
import { silentLogger } from '../../ports/logger.js';
import { inTransaction, openPool } from '../postgres/postgres-database.js';
import { createTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { PostgresLeadership, checkEpoch } from './postgres-leadership.js';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database.drop();
});

const open = () => PostgresLeadership.open({ url: database.url, logger: silentLogger, heartbeatMs: 100 });

test('one leader at a time: the second waits, and leads with the next epoch the moment the first lets go', async () => {
  const first = await open();
  const second = await open();
  const firstTerm = await first.acquire();
  let secondLeads = false;
  const secondTerm = second.acquire().then((term) => {
    secondLeads = true;
    return term;
  });
  // The second is blocked in the server on the lock: a query on another connection sees it waiting.
  await waitForLockWaiter(database.url);
  assert.equal(secondLeads, false);
  await first.close();
  const term = await secondTerm;
  assert.equal(term.epoch, firstTerm.epoch + 1);
  await second.close();
});

test("a leader whose session is cut is told it lost, and a write checked against its epoch is refused once another leads", async () => {
  const first = await open();
  const term = await first.acquire();
  const pool = openPool({ url: database.url, poolSize: 2 });
  try {
    await inTransaction(pool, checkEpoch(term.epoch));
    // Cut the leader's session from outside, as a network partition or a server restart would.
    await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'wharf-leadership' AND datname = current_database()");
    await term.lost;
    const second = await open();
    const next = await second.acquire();
    assert.equal(next.epoch, term.epoch + 1);
    await assert.rejects(inTransaction(pool, checkEpoch(term.epoch)), (error: unknown) => error instanceof FencedWriteError && error.current === next.epoch);
    await inTransaction(pool, checkEpoch(next.epoch));
    await second.close();
  } finally {
    await first.close();
    await pool.end();
  }
});

test('the fencing check holds a share lock, so a new leader cannot bump the epoch between the check and the write it guards', async () => {
  const first = await open();
  const term = await first.acquire();
  const pool = openPool({ url: database.url, poolSize: 3 });
  try {
    let bumped = false;
    let releaseWrite!: () => void;
    const writeMayCommit = new Promise<void>((resolve) => (releaseWrite = resolve));
    const guardedWrite = inTransaction(pool, async (client) => {
      await checkEpoch(term.epoch)(client);
      await writeMayCommit;
      assert.equal(bumped, false, 'the bump waited for the guarded write');
    });
    // The next leader's epoch bump (as acquire does it), from another connection.
    await waitForRowLockHolder(database.url);
    const bump = pool.query("UPDATE wharf_leader SET epoch = epoch + 1 WHERE name = 'controllers'").then(() => (bumped = true));
    await waitForLockWaiter(database.url);
    releaseWrite();
    await guardedWrite;
    await bump;
    assert.equal(bumped, true);
  } finally {
    await first.close();
    await pool.end();
  }
});

/** Waits until some session of the test database is blocked on a lock. */
async function waitForLockWaiter(url: string): Promise<void> {
  await waitForQuery(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
}

/** Waits until some transaction of the test database holds a row share lock on wharf_leader. */
async function waitForRowLockHolder(url: string): Promise<void> {
  await waitForQuery(url, "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'wharf_leader' AND l.mode = 'RowShareLock' AND l.granted");
}

async function waitForQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let round = 0; round < 500; round++) {
      const row = await client.query<{ n: number }>(sql);
      if (row.rows[0]!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail(`never true: ${sql}`);
  } finally {
    await client.end();
  }
}

test('a leader that hangs with its connection open (SIGSTOP) is deposed once its lease goes stale, and learns it lost when it wakes', { timeout: 60_000 }, async () => {
  const module = new URL('./postgres-leadership.js', import.meta.url).href;
  const logger = "{ debug() {}, info() {}, warn() {}, error() {} }";
  const script = `const { PostgresLeadership } = await import(${JSON.stringify(module)});
    const leadership = await PostgresLeadership.open({ url: ${JSON.stringify(database.url)}, logger: ${logger}, heartbeatMs: 100 });
    const term = await leadership.acquire();
    console.log('leading ' + term.epoch);
    await term.lost;
    console.log('lost');
    await leadership.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const said = (pattern: RegExp) => new Promise<void>((resolve, reject) => {
    const look = () => (pattern.test(output) ? resolve() : undefined);
    child.stdout!.on('data', look);
    child.once('exit', () => (pattern.test(output) ? resolve() : reject(new Error(`the leader process exited: ${output}`))));
    look();
  });
  try {
    await said(/leading \d+/);
    const hungEpoch = Number(/leading (\d+)/.exec(output)![1]);
    child.kill('SIGSTOP');
    const waiter = await PostgresLeadership.open({ url: database.url, logger: silentLogger, heartbeatMs: 100, staleAfterMs: 1_000 });
    try {
      const next = await waiter.acquire();
      assert.equal(next.epoch, hungEpoch + 1, 'the waiter took over from the hung leader');
      child.kill('SIGCONT');
      await said(/lost/);
    } finally {
      await waiter.close();
    }
  } finally {
    child.kill('SIGKILL');
  }
});
