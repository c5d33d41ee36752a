import { createHash } from 'node:crypto';
import type pg from 'pg';
import { advisoryKey, inTransaction } from '../postgres/postgres-database.js';
import type { RecordIndex } from '../../ports/store.js';

/**
 * The record indexes one process knows, and how their shared tables are kept
 * true. An index's keys function is code, so the database cannot file a
 * record by itself: every writer files the records it writes under the
 * indexes it knows, in its write transaction. The definitions table says
 * which keys function filed an index's entries (a fingerprint of its name
 * and source); entries are trusted only while the definition matches the
 * reader's own fingerprint. A writer that meets a definition it cannot
 * maintain (an index it does not know, or knows with other keys) deletes the
 * definition in the same transaction, so no one trusts entries it left
 * behind; the next process to use that index rebuilds it from the records.
 */

/** Indexes of every document type are kept side by side; each sees only its own kind's documents. */
type AnyIndex = RecordIndex<unknown>;

export interface DeclaredIndex {
  readonly index: AnyIndex;
  readonly fingerprint: string;
}

/** A record a write transaction changed, with the JSON it now holds (undefined: deleted). */
export interface WrittenRecord {
  readonly kind: string;
  readonly account: string;
  readonly region: string;
  readonly id: string;
  readonly json: string | undefined;
}

export interface StoredDefinition {
  readonly kind: string;
  readonly idx: string;
  readonly fingerprint: string;
}

/**
 * The lock that orders a kind's writes against rebuilds of its indexes:
 * every write takes it shared for each kind it touches, a rebuild takes it
 * exclusively, so a rebuild reads records no one is changing.
 */
export function kindLock(kind: string): string {
  return advisoryKey(`wharf:store:kind:${kind}`).toString();
}

export function fingerprintOf(index: RecordIndex<any>): string {
  return createHash('sha256').update(`${index.name}\n${index.keys.toString()}`).digest('hex');
}

/** Entries (and counts) written per statement of a rebuild; arrays travel as one parameter each. */
const REBUILD_CHUNK = 5000;

export class IndexCatalog {
  private readonly byName = new Map<string, DeclaredIndex>();
  private readonly ofKind = new Map<string, DeclaredIndex[]>();
  /** Rebuilds under way in this process, so concurrent first uses wait for one. */
  private readonly declaring = new Map<DeclaredIndex, Promise<void>>();

  /** Makes `index` one this process files records under from now on; a second index under a used name must be the same code. */
  register<T>(index: RecordIndex<T>): DeclaredIndex {
    const name = `${index.kind}\0${index.name}`;
    const known = this.byName.get(name);
    if (known && (known.index === (index as unknown) || known.fingerprint === fingerprintOf(index))) return known;
    if (known) throw new Error(`two different record indexes are named '${index.name}' for kind '${index.kind}'`);
    const declared: DeclaredIndex = { index: index as unknown as AnyIndex, fingerprint: fingerprintOf(index) };
    this.byName.set(name, declared);
    const ofKind = this.ofKind.get(index.kind);
    if (ofKind) ofKind.push(declared);
    else this.ofKind.set(index.kind, [declared]);
    return declared;
  }

  /**
   * Makes the database's entries of `declared` ones its keys function filed:
   * nothing to do when the definition already matches, otherwise a rebuild
   * from the records of its kind in one transaction that holds off that
   * kind's writers.
   */
  declare(pool: pg.Pool, declared: DeclaredIndex): Promise<void> {
    let pending = this.declaring.get(declared);
    if (!pending) {
      pending = this.declareNow(pool, declared).finally(() => this.declaring.delete(declared));
      this.declaring.set(declared, pending);
    }
    return pending;
  }

  private async declareNow(pool: pg.Pool, declared: DeclaredIndex): Promise<void> {
    const { kind, name } = declared.index;
    const definition = { name: 'wharf-store-index-definition', text: 'SELECT fingerprint FROM store_index_definitions WHERE kind = $1 AND idx = $2', values: [kind, name] };
    const current = await pool.query<{ fingerprint: string }>(definition);
    if (current.rows[0]?.fingerprint === declared.fingerprint) return;
    await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [kindLock(kind)]);
      // Another process may have rebuilt it while this one waited for the lock.
      const again = await client.query<{ fingerprint: string }>(definition);
      if (again.rows[0]?.fingerprint === declared.fingerprint) return;
      await client.query('DELETE FROM store_index_entries WHERE kind = $1 AND idx = $2', [kind, name]);
      await client.query('DELETE FROM store_index_counts WHERE kind = $1 AND idx = $2', [kind, name]);
      const records = await client.query<{ account: string; region: string; id: string; doc: string }>(
        'SELECT account, region, id, doc FROM store_records WHERE kind = $1', [kind]);
      let batch = emptyColumns(4);
      const flush = async () => {
        if (batch[0]!.length === 0) return;
        await client.query(
          `INSERT INTO store_index_entries (kind, idx, key, account, region, id)
           SELECT $1, $2, key, account, region, id FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS e(key, account, region, id)`,
          [kind, name, ...batch]);
        batch = emptyColumns(4);
      };
      for (const row of records.rows) {
        // Keys come from the document as stored (the JSON), exactly what every writer reads.
        for (const key of new Set(declared.index.keys(row.id, JSON.parse(row.doc) as unknown))) {
          pushRow(batch, key, row.account, row.region, row.id);
          if (batch[0]!.length >= REBUILD_CHUNK) await flush();
        }
      }
      await flush();
      await client.query(
        `INSERT INTO store_index_counts (kind, idx, key, account, region, n)
         SELECT kind, idx, key, account, region, count(*) FROM store_index_entries WHERE kind = $1 AND idx = $2
         GROUP BY kind, idx, key, account, region`,
        [kind, name]);
      await client.query(
        `INSERT INTO store_index_definitions (kind, idx, fingerprint) VALUES ($1, $2, $3)
         ON CONFLICT (kind, idx) DO UPDATE SET fingerprint = excluded.fingerprint`,
        [kind, name, declared.fingerprint]);
    });
  }

  /**
   * Files `records` (already written and row-locked by `client`'s
   * transaction) under the indexes `stored` defines that this process keeps,
   * and deletes the definitions it cannot keep. `stored` must have been read
   * after the transaction took the kind locks.
   */
  async refile(client: pg.PoolClient, records: readonly WrittenRecord[], stored: readonly StoredDefinition[]): Promise<void> {
    const kept = new Map<string, DeclaredIndex[]>();
    const forgotten = emptyColumns(2);
    for (const definition of stored) {
      const declared = this.byName.get(`${definition.kind}\0${definition.idx}`);
      if (declared?.fingerprint === definition.fingerprint) {
        const ofKind = kept.get(definition.kind);
        if (ofKind) ofKind.push(declared);
        else kept.set(definition.kind, [declared]);
      } else {
        pushRow(forgotten, definition.kind, definition.idx);
      }
    }
    if (forgotten[0]!.length > 0) {
      await client.query({
        name: 'wharf-store-forget-indexes',
        text: 'DELETE FROM store_index_definitions WHERE (kind, idx) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
        values: forgotten,
      });
    }
    const filedRecords = records.filter((record) => kept.has(record.kind));
    if (filedRecords.length === 0) return;

    const keys = emptyColumns(4);
    for (const record of filedRecords) pushRow(keys, record.kind, record.account, record.region, record.id);
    const filedRows = await client.query<{ kind: string; account: string; region: string; id: string; idx: string; key: string }>({
      name: 'wharf-store-entries-of-records',
      text: `SELECT e.kind, e.account, e.region, e.id, e.idx, e.key FROM store_index_entries e
             JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(kind, account, region, id)
               ON e.kind = r.kind AND e.account = r.account AND e.region = r.region AND e.id = r.id`,
      values: keys,
    });
    const filed = new Map<string, string[]>();
    for (const row of filedRows.rows) {
      const at = entryOwner(row.kind, row.idx, row.account, row.region, row.id);
      const list = filed.get(at);
      if (list) list.push(row.key);
      else filed.set(at, [row.key]);
    }

    const removed = emptyColumns(6);
    const added = emptyColumns(6);
    const deltas = new Map<string, { readonly cells: string[]; n: number }>();
    const bump = (cells: string[], n: number) => {
      const at = JSON.stringify(cells);
      const delta = deltas.get(at);
      if (delta) delta.n += n;
      else deltas.set(at, { cells, n });
    };
    for (const record of filedRecords) {
      const doc = record.json === undefined ? undefined : (JSON.parse(record.json) as unknown);
      for (const declared of kept.get(record.kind)!) {
        const idx = declared.index.name;
        const before = filed.get(entryOwner(record.kind, idx, record.account, record.region, record.id)) ?? [];
        const after = doc === undefined ? [] : [...new Set(declared.index.keys(record.id, doc))];
        for (const key of before) {
          if (after.includes(key)) continue;
          pushRow(removed, record.kind, idx, key, record.account, record.region, record.id);
          bump([record.kind, idx, key, record.account, record.region], -1);
        }
        for (const key of after) {
          if (before.includes(key)) continue;
          pushRow(added, record.kind, idx, key, record.account, record.region, record.id);
          bump([record.kind, idx, key, record.account, record.region], 1);
        }
      }
    }
    const changes = [...deltas.values()].filter((delta) => delta.n !== 0);
    if (removed[0]!.length === 0 && added[0]!.length === 0) return;
    // Count rows are shared by every writer of a key: update them in one order everywhere, so writers never deadlock.
    changes.sort((a, b) => compareCells(a.cells, b.cells));
    const counts = emptyColumns(5);
    const amounts: number[] = [];
    for (const change of changes) {
      pushRow(counts, ...change.cells);
      amounts.push(change.n);
    }
    // One statement: its parts see one snapshot, and touch disjoint rows.
    await client.query({
      name: 'wharf-store-refile',
      text: `WITH removed AS (
               DELETE FROM store_index_entries e
               USING unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(kind, idx, key, account, region, id)
               WHERE e.kind = x.kind AND e.idx = x.idx AND e.key = x.key AND e.account = x.account AND e.region = x.region AND e.id = x.id
             ), added AS (
               INSERT INTO store_index_entries (kind, idx, key, account, region, id)
               SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
             )
             INSERT INTO store_index_counts (kind, idx, key, account, region, n)
             SELECT * FROM unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::int[])
             ON CONFLICT (kind, idx, key, account, region) DO UPDATE SET n = store_index_counts.n + excluded.n`,
      values: [...removed, ...added, ...counts, amounts],
    });
    if (amounts.some((n) => n < 0)) {
      // A key no record is under any more keeps no count row (a separate statement: the one above cannot see its own result).
      await client.query({
        name: 'wharf-store-drop-empty-counts',
        text: `DELETE FROM store_index_counts c
               USING unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(kind, idx, key, account, region)
               WHERE c.kind = x.kind AND c.idx = x.idx AND c.key = x.key AND c.account = x.account AND c.region = x.region AND c.n = 0`,
        values: counts,
      });
    }
  }
}

function entryOwner(kind: string, idx: string, account: string, region: string, id: string): string {
  return JSON.stringify([kind, idx, account, region, id]);
}

/** Rows to send as one array parameter per column. */
function emptyColumns(width: number): string[][] {
  return Array.from({ length: width }, () => []);
}

function pushRow(columns: string[][], ...cells: string[]): void {
  cells.forEach((cell, i) => columns[i]!.push(cell));
}

function compareCells(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}
