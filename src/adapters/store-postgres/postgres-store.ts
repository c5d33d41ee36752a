import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { migrate, openPool } from '../postgres/postgres-database.js';
import { StaleWriteError, type Expectation, type IndexQuery, type ListQuery, type RecordIndex, type Scope, type ScopedRecord, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import { CHANGE_CHANNEL, ChangeFeed, encodeChanges, Watchers, type Change, type ChangeListener } from './change-feed.js';
import { IndexCatalog, kindLock, type StoredDefinition, type WrittenRecord } from './index-catalog.js';
import { migrations } from './migrations.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly url: string;
  readonly poolSize?: number;
  /** Every record index this process will use, so its writes keep them from the first one (see the class comment). */
  readonly indexes?: readonly RecordIndex<any>[];
}

/** Runs inside a write's transaction before anything is written; throws to refuse the write. */
export type WriteCheck = (client: pg.PoolClient) => Promise<void>;

/** What a store and the views `withWriteCheck` makes of it share. */
interface Shared {
  readonly pool: pg.Pool;
  /** Names this process in change notifications, so it skips its own. */
  readonly token: string;
  readonly catalog: IndexCatalog;
  readonly watchers: Watchers;
  readonly feed: ChangeFeed;
  closing?: Promise<void>;
}

interface Row {
  readonly id: string;
  readonly version: number;
  readonly doc: string;
}

interface ScopedRow extends Row {
  readonly account: string;
  readonly region: string;
}

/** A record one write touches, with what this transaction knows of it. */
interface Target extends WrittenRecord {
  /** The version the transaction locked (undefined: absent when it looked). */
  lockedVersion: number | undefined;
  /** Whether a statement of this transaction changed the row (and so holds its lock). */
  written: boolean;
  json: string | undefined;
}

/** A row of the lock statement: a locked record's version, or an index definition of a kind written. */
interface LockedRow {
  readonly what: 'record' | 'index';
  readonly kind: string;
  readonly account: string | null;
  readonly region: string | null;
  readonly id: string | null;
  readonly version: number | null;
  readonly idx: string | null;
  readonly fingerprint: string | null;
}

/** How often a read rebuilds an index that other processes keep invalidating before it gives up. */
const REBUILD_ATTEMPTS = 4;

/**
 * The Store port on PostgreSQL, for several Wharf processes sharing one
 * database. Records are versioned JSON texts in `store_records`; a write
 * locks the rows it expects versions of (in one order, so writers never
 * deadlock), re-checks every expectation, and commits all or nothing. Record
 * indexes are real tables every process shares, kept in the write
 * transaction (index-catalog.ts).
 *
 * All processes sharing a database must run the same Wharf version and
 * declare the same indexes (`options.indexes`): an index's keys are computed
 * by code, so a process files records only under the indexes it knows. A
 * process that writes a kind whose index it does not know (or knows with
 * other keys) invalidates that index, which the next process to read it then
 * rebuilds from the records: correct, but a rebuild per disagreement.
 *
 * Watchers in this process are called after each committed write, once per
 * op, as the SQLite store calls them; other processes' writes reach them
 * through NOTIFY (change-feed.ts), a little later and best effort.
 */
export class PostgresStore implements Store {
  /** Named prepared statements by SQL text, for the shapes built per query. */
  private static readonly statementNames = new Map<string, string>();

  private constructor(
    private readonly shared: Shared,
    private readonly checks: readonly WriteCheck[],
  ) {}

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = openPool(options);
    let feed: ChangeFeed | undefined;
    try {
      await migrate(pool, 'store', migrations);
      const catalog = new IndexCatalog();
      const declared = (options.indexes ?? []).map((index) => catalog.register(index));
      // Sequential: each rebuild holds off its kind's writers, and one at a time keeps that short.
      for (const index of declared) await catalog.declare(pool, index);
      const watchers = new Watchers();
      const token = randomBytes(12).toString('hex');
      feed = new ChangeFeed(options.url, token, (change) => watchers.emit(change));
      await feed.start();
      return new PostgresStore({ pool, token, catalog, watchers, feed }, []);
    } catch (error) {
      await feed?.close();
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * A view of this store whose every write first awaits `check` in its
   * transaction (how a deposed leader's writes are fenced): a check that
   * throws refuses the write, its error propagates unchanged and nothing is
   * written. Reads, indexes and watchers are the store's own; closing the
   * view leaves the store open.
   */
  withWriteCheck(check: WriteCheck): PostgresStore {
    return new PostgresStore(this.shared, [...this.checks, check]);
  }

  /** Whether the LISTEN connection that brings other processes' changes is up. */
  get listening(): boolean {
    return this.shared.feed.listening;
  }

  async get<T>(kind: string, scope: Scope, id: string): Promise<StoredRecord<T> | undefined> {
    const result = await this.query<Row>(
      'SELECT id, version, doc FROM store_records WHERE kind = $1 AND account = $2 AND region = $3 AND id = $4',
      [kind, scope.account, scope.region, id]);
    const row = result.rows[0];
    return row && toRecord<T>(row);
  }

  async list<T>(kind: string, scope: Scope, query: ListQuery = {}): Promise<StoredRecord<T>[]> {
    const where = ['kind = $1', 'account = $2', 'region = $3'];
    const values: unknown[] = [kind, scope.account, scope.region];
    if (query.prefix) {
      // A range on the primary key: LIKE would read `%` and `_` as patterns. Byte order puts every
      // id starting with the prefix below prefix + U+10FFFF (bar ids with that noncharacter right after it).
      values.push(query.prefix, `${query.prefix}\u{10FFFF}`);
      where.push(`id >= $${values.length - 1}`, `id < $${values.length}`);
    }
    if (query.after !== undefined) {
      values.push(query.after);
      where.push(query.reverse ? `id < $${values.length}` : `id > $${values.length}`);
    }
    values.push(limitOf(query));
    const sql = `SELECT id, version, doc FROM store_records WHERE ${where.join(' AND ')} ORDER BY id ${query.reverse ? 'DESC' : 'ASC'} LIMIT $${values.length}`;
    return (await this.query<Row>(sql, values)).rows.map((row) => toRecord<T>(row));
  }

  async listAll<T>(kind: string): Promise<ScopedRecord<T>[]> {
    const result = await this.query<ScopedRow>('SELECT account, region, id, version, doc FROM store_records WHERE kind = $1 ORDER BY account, region, id', [kind]);
    return result.rows.map((row) => toScopedRecord<T>(row));
  }

  async listByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string, query: IndexQuery = {}): Promise<StoredRecord<T>[]> {
    const rows = await this.indexRows<Partial<Row>>(index, (fingerprint) => {
      const { where, values } = scopedEntries(index, fingerprint, scope, key, query);
      return [
        `SELECT x.id, x.version, x.doc FROM store_index_definitions d
         LEFT JOIN LATERAL (
           SELECT e.id, r.version, r.doc FROM store_index_entries e
           JOIN store_records r ON r.kind = e.kind AND r.account = e.account AND r.region = e.region AND r.id = e.id
           WHERE ${where}
         ) x ON true
         WHERE d.kind = $1 AND d.idx = $2 AND d.fingerprint = $3
         ORDER BY x.id ${query.reverse ? 'DESC' : 'ASC'}`,
        values,
      ];
    });
    return rows.filter((row): row is Row => row.id !== null && row.id !== undefined).map((row) => toRecord<T>(row));
  }

  async listIdsByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string, query: IndexQuery = {}): Promise<string[]> {
    const rows = await this.indexRows<{ id: string | null }>(index, (fingerprint) => {
      const { where, values } = scopedEntries(index, fingerprint, scope, key, query);
      return [
        `SELECT x.id FROM store_index_definitions d
         LEFT JOIN LATERAL (SELECT e.id FROM store_index_entries e WHERE ${where}) x ON true
         WHERE d.kind = $1 AND d.idx = $2 AND d.fingerprint = $3
         ORDER BY x.id ${query.reverse ? 'DESC' : 'ASC'}`,
        values,
      ];
    });
    return rows.flatMap((row) => (row.id === null ? [] : [row.id]));
  }

  async listAllByIndex<T>(index: RecordIndex<T>, key: string): Promise<ScopedRecord<T>[]> {
    const rows = await this.indexRows<Partial<ScopedRow>>(index, (fingerprint) => [
      `SELECT x.account, x.region, x.id, x.version, x.doc FROM store_index_definitions d
       LEFT JOIN LATERAL (
         SELECT e.account, e.region, e.id, r.version, r.doc FROM store_index_entries e
         JOIN store_records r ON r.kind = e.kind AND r.account = e.account AND r.region = e.region AND r.id = e.id
         WHERE e.kind = d.kind AND e.idx = d.idx AND e.key = $4
       ) x ON true
       WHERE d.kind = $1 AND d.idx = $2 AND d.fingerprint = $3
       ORDER BY x.account, x.region, x.id`,
      [index.kind, index.name, fingerprint, key],
    ]);
    return rows.filter((row): row is ScopedRow => row.id !== null && row.id !== undefined).map((row) => toScopedRecord<T>(row));
  }

  async countByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string): Promise<number> {
    const rows = await this.indexRows<{ n: number | null }>(index, (fingerprint) => [
      `SELECT c.n FROM store_index_definitions d
       LEFT JOIN store_index_counts c ON c.kind = d.kind AND c.idx = d.idx AND c.key = $4 AND c.account = $5 AND c.region = $6
       WHERE d.kind = $1 AND d.idx = $2 AND d.fingerprint = $3`,
      [index.kind, index.name, fingerprint, key, scope.account, scope.region],
    ]);
    return rows[0]?.n ?? 0;
  }

  /**
   * Runs an index read whose SQL yields at least one row exactly when the
   * stored definition of `index` is this process's (no row: never built, or
   * invalidated, or built by other keys), rebuilding the index and reading
   * again until it is. The check and the read share one snapshot.
   */
  private async indexRows<R extends object>(index: RecordIndex<any>, sql: (fingerprint: string) => [string, unknown[]]): Promise<R[]> {
    const declared = this.shared.catalog.register(index);
    for (let attempt = 1; ; attempt++) {
      const [text, values] = sql(declared.fingerprint);
      const result = await this.query<R>(text, values);
      if (result.rows.length > 0) return result.rows;
      if (attempt > REBUILD_ATTEMPTS) {
        throw new Error(`record index '${index.name}' of kind '${index.kind}' is rebuilt by other keys as soon as this process builds it: do all Wharf processes on this database run the same version?`);
      }
      await this.shared.catalog.declare(this.shared.pool, declared);
    }
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.commit(ops);
    for (const op of ops) this.shared.watchers.emit({ kind: op.kind, scope: op.scope, id: op.id });
  }

  watch(kind: string, listener: ChangeListener): () => void {
    return this.shared.watchers.add(kind, listener);
  }

  async wipe(): Promise<void> {
    // Index definitions stay: the indexes of no records are empty, and that is what the tables now hold.
    await this.shared.pool.query('TRUNCATE store_records, store_index_entries, store_index_counts');
  }

  async close(): Promise<void> {
    // A view shares its store's pool: closing it must not close the store.
    if (this.checks.length > 0) return;
    this.shared.closing ??= (async () => {
      await this.shared.feed.close();
      await this.shared.pool.end();
    })();
    await this.shared.closing;
  }

  /** One write's transaction: checks, kind locks, row locks, expectations, the rows, the indexes, the notification. */
  private async commit(ops: readonly WriteOp[]): Promise<void> {
    const client = await this.shared.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      for (const check of this.checks) await check(client);
      try {
        await this.apply(client, ops);
        await client.query('COMMIT');
      } catch (error) {
        throw staleOrSame(error, ops);
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      // A connection that could not even roll back is not given to the next caller.
      client.release(broken);
    }
  }

  private async apply(client: pg.PoolClient, ops: readonly WriteOp[]): Promise<void> {
    const targets = new Map<string, Target>();
    for (const op of ops) {
      const at = recordKey(op.kind, op.scope, op.id);
      if (!targets.has(at)) {
        targets.set(at, { kind: op.kind, account: op.scope.account, region: op.scope.region, id: op.id, lockedVersion: undefined, written: false, json: undefined });
      }
    }
    const kinds = [...new Set(ops.map((op) => op.kind))].sort();
    await client.query({
      name: 'wharf-store-lock-kinds',
      text: 'SELECT pg_advisory_xact_lock_shared(k) FROM unnest($1::bigint[]) AS k',
      values: [kinds.map(kindLock)],
    });

    // After the kind locks, so the definitions read are the newest a rebuild left.
    const columns = { kind: [] as string[], account: [] as string[], region: [] as string[], id: [] as string[] };
    for (const target of targets.values()) {
      columns.kind.push(target.kind);
      columns.account.push(target.account);
      columns.region.push(target.region);
      columns.id.push(target.id);
    }
    const locked = await client.query<LockedRow>({
      name: 'wharf-store-lock-records',
      text: `WITH locked AS (
               SELECT r.kind, r.account, r.region, r.id, r.version FROM store_records r
               JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(kind, account, region, id)
                 ON r.kind = t.kind AND r.account = t.account AND r.region = t.region AND r.id = t.id
               ORDER BY r.kind, r.account, r.region, r.id
               FOR UPDATE OF r
             )
             SELECT 'record' AS what, kind, account, region, id, version, NULL AS idx, NULL AS fingerprint FROM locked
             UNION ALL
             SELECT 'index', kind, NULL, NULL, NULL, NULL, idx, fingerprint FROM store_index_definitions WHERE kind = ANY($5::text[])`,
      values: [columns.kind, columns.account, columns.region, columns.id, kinds],
    });
    const definitions: StoredDefinition[] = [];
    for (const row of locked.rows) {
      if (row.what === 'index') definitions.push({ kind: row.kind, idx: row.idx!, fingerprint: row.fingerprint! });
      else targets.get(recordKey(row.kind, { account: row.account!, region: row.region! }, row.id!))!.lockedVersion = row.version!;
    }

    // Every expectation against the locked versions, in the caller's order, so the first stale op is the one named.
    const versions = new Map<string, number | undefined>();
    for (const op of ops) {
      const at = recordKey(op.kind, op.scope, op.id);
      const current = versions.has(at) ? versions.get(at) : targets.get(at)!.lockedVersion;
      if (isStale(op.expect, current)) throw new StaleWriteError(op.kind, op.id);
      versions.set(at, op.op === 'delete' ? undefined : (current ?? 0) + 1);
    }

    // In record order (keeping the order of ops on one record): inserts of absent rows then queue in
    // the same order in every writer too.
    const ordered = ops.map((op, i) => ({ op, i, at: recordKey(op.kind, op.scope, op.id) }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i));
    for (const { op, at } of ordered) await this.applyOne(client, op, targets.get(at)!);

    const written = [...targets.values()].filter((target) => target.written);
    await this.shared.catalog.refile(client, written, definitions);

    const payloads = encodeChanges(this.shared.token, ops.map((op): Change => ({ kind: op.kind, scope: op.scope, id: op.id })));
    await client.query({
      name: 'wharf-store-notify',
      text: 'SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload',
      values: [CHANGE_CHANNEL, payloads],
    });
  }

  /**
   * One op as one statement that re-checks its own expectation: a row absent
   * when locked may have been inserted since by another writer.
   */
  private async applyOne(client: pg.PoolClient, op: WriteOp, target: Target): Promise<void> {
    const key = [op.kind, op.scope.account, op.scope.region, op.id];
    const where = 'kind = $1 AND account = $2 AND region = $3 AND id = $4';
    if (op.op === 'delete') {
      const result = op.expect === undefined
        ? await client.query({ name: 'wharf-store-delete', text: `DELETE FROM store_records WHERE ${where}`, values: key })
        : await client.query({ name: 'wharf-store-delete-at', text: `DELETE FROM store_records WHERE ${where} AND version = $5`, values: [...key, op.expect] });
      if (result.rowCount === 0 && op.expect !== undefined) throw new StaleWriteError(op.kind, op.id);
      if ((result.rowCount ?? 0) > 0) target.written = true;
      target.json = undefined;
      return;
    }
    const json = JSON.stringify(op.doc) as string | undefined;
    const insert = 'INSERT INTO store_records (kind, account, region, id, version, doc) VALUES ($1, $2, $3, $4, 1, $5)';
    const result = op.expect === 'absent'
      ? await client.query({ name: 'wharf-store-insert', text: `${insert} ON CONFLICT DO NOTHING RETURNING version`, values: [...key, json] })
      : op.expect !== undefined
        ? await client.query({
          name: 'wharf-store-update-at',
          text: `UPDATE store_records SET version = version + 1, doc = $5 WHERE ${where} AND version = $6 RETURNING version`,
          values: [...key, json, op.expect],
        })
        : await client.query({
          name: 'wharf-store-put',
          text: `${insert} ON CONFLICT (kind, account, region, id) DO UPDATE SET version = store_records.version + 1, doc = excluded.doc RETURNING version`,
          values: [...key, json],
        });
    if (result.rowCount === 0) throw new StaleWriteError(op.kind, op.id);
    target.written = true;
    target.json = json;
  }

  /** A query through the pool as a named prepared statement: parsed once per connection, one round trip each. */
  private query<R extends object>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    let name = PostgresStore.statementNames.get(text);
    if (!name) {
      name = `wharf-store-${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      PostgresStore.statementNames.set(text, name);
    }
    return this.shared.pool.query<R>({ name, text, values });
  }
}

/** The entry filter of an index read within one scope, paged by `query`; $1..$3 are the definition's. */
function scopedEntries(index: RecordIndex<any>, fingerprint: string, scope: Scope, key: string, query: IndexQuery): { where: string; values: unknown[] } {
  const values: unknown[] = [index.kind, index.name, fingerprint, key, scope.account, scope.region];
  let where = 'e.kind = d.kind AND e.idx = d.idx AND e.key = $4 AND e.account = $5 AND e.region = $6';
  if (query.after !== undefined) {
    values.push(query.after);
    where += query.reverse ? ` AND e.id < $${values.length}` : ` AND e.id > $${values.length}`;
  }
  values.push(limitOf(query));
  where += ` ORDER BY e.id ${query.reverse ? 'DESC' : 'ASC'} LIMIT $${values.length}`;
  return { where, values };
}

/** LIMIT NULL is no limit. */
function limitOf(query: { readonly limit?: number }): number | null {
  return query.limit !== undefined ? Math.max(0, Math.floor(query.limit)) : null;
}

function isStale(expect: Expectation | undefined, current: number | undefined): boolean {
  return expect === 'absent' ? current !== undefined : expect !== undefined && current !== expect;
}

/**
 * Losing a race is a stale write, whichever way PostgreSQL reports it
 * (serialization failure, deadlock, a unique key taken meanwhile), so
 * `retryOnStale` runs the step again.
 */
function staleOrSame(error: unknown, ops: readonly WriteOp[]): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === '40001' || code === '40P01' || code === '23505') return new StaleWriteError(ops[0]!.kind, ops[0]!.id);
  return error;
}

function recordKey(kind: string, scope: Scope, id: string): string {
  return JSON.stringify([kind, scope.account, scope.region, id]);
}

function toRecord<T>(row: Row): StoredRecord<T> {
  return { id: row.id, version: row.version, doc: JSON.parse(row.doc) as T };
}

function toScopedRecord<T>(row: ScopedRow): ScopedRecord<T> {
  return { ...toRecord<T>(row), scope: { account: row.account, region: row.region } };
}
