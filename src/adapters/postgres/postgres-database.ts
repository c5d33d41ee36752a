import pg from 'pg';

/**
 * What every PostgreSQL adapter of Wharf shares: one pool per database URL
 * and process, migrations run once under an advisory lock (several Wharf
 * processes may start together on one database), and transactions that
 * always end (COMMIT, or ROLLBACK on any error) before their client goes back.
 */

/** Text collation by bytes, so ids list in the order SQLite's BINARY collation gives. */
export const BYTE_ORDER = 'COLLATE "C"';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (libpq's URL form). */
  readonly url: string;
  /** Connections in the pool; a listening or lock-holding connection is extra. */
  readonly poolSize?: number;
}

export function openPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, application_name: 'wharf' });
  // An idle client's connection can drop (a restarted server): the pool discards it; without a
  // listener the error would end the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `step` in one transaction on one client of `pool`: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, step: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await step(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A 64-bit advisory lock key from a name, the same in every process (FNV-1a). */
export function advisoryKey(name: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(name, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  // PostgreSQL's advisory keys are signed bigints.
  return hash >= 1n << 63n ? hash - (1n << 64n) : hash;
}

/**
 * Brings `component`'s tables up to the newest of `migrations` (statements in
 * order; the `wharf_schema` row counts how many have run), all under one
 * transaction-scoped advisory lock, so of several processes starting at once
 * one migrates and the others then find nothing to do. Refuses a database a
 * newer Wharf migrated, as the SQLite files do.
 */
export async function migrate(pool: pg.Pool, component: string, migrations: readonly string[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [advisoryKey('wharf:migrations').toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS wharf_schema (component TEXT COLLATE "C" PRIMARY KEY, version INTEGER NOT NULL)');
    const row = await client.query<{ version: number }>('SELECT version FROM wharf_schema WHERE component = $1', [component]);
    const current = row.rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(`the PostgreSQL database's ${component} tables were written by a newer Wharf (schema ${current}, this one knows ${migrations.length}); upgrade Wharf or use another database`);
    }
    for (let version = current; version < migrations.length; version++) await client.query(migrations[version]!);
    if (current < migrations.length) {
      await client.query('INSERT INTO wharf_schema (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version', [component, migrations.length]);
    }
  });
}

/** A pool whose `component` tables are migrated (see `migrate`); the pool is ended again if migrating fails. */
export async function openMigratedPool(options: PostgresOptions, component: string, migrations: readonly string[]): Promise<pg.Pool> {
  const pool = openPool(options);
  try {
    await migrate(pool, component, migrations);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}
