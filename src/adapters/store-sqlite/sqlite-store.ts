import type Database from 'better-sqlite3';
import { openDatabase, migrateDatabase } from '../sqlite-database.js';
import { StaleWriteError, type ListQuery, type Scope, type ScopedRecord, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import { migrations } from './migrations.js';

interface Row {
  account: string;
  region: string;
  id: string;
  version: number;
  doc: string;
}

/**
 * The embedded default store: one SQLite file in WAL mode. better-sqlite3 is
 * synchronous, so every write batch runs as one immediate transaction without
 * interleaving; readers never see a half-applied batch.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly listStatements = new Map<string, Database.Statement>();
  private readonly watchers = new Map<string, Set<(change: { kind: string; scope: Scope; id: string }) => void>>();

  constructor(file: string) {
    this.db = openDatabase(file);
    migrateDatabase(this.db, migrations, 'the data directory');
    this.statements = {
      get: this.db.prepare<[string, string, string, string], Row>(
        'SELECT account, region, id, version, doc FROM records WHERE kind = ? AND account = ? AND region = ? AND id = ?'),
      version: this.db.prepare<[string, string, string, string], { version: number }>(
        'SELECT version FROM records WHERE kind = ? AND account = ? AND region = ? AND id = ?'),
      insert: this.db.prepare('INSERT INTO records (kind, account, region, id, version, doc) VALUES (?, ?, ?, ?, 1, ?)'),
      update: this.db.prepare('UPDATE records SET version = version + 1, doc = ? WHERE kind = ? AND account = ? AND region = ? AND id = ?'),
      delete: this.db.prepare('DELETE FROM records WHERE kind = ? AND account = ? AND region = ? AND id = ?'),
      listAll: this.db.prepare<[string], Row>('SELECT account, region, id, version, doc FROM records WHERE kind = ? ORDER BY account, region, id'),
    };
  }


  async get<T>(kind: string, scope: Scope, id: string): Promise<StoredRecord<T> | undefined> {
    const row = this.statements.get.get(kind, scope.account, scope.region, id);
    return row && toRecord<T>(row);
  }

  async list<T>(kind: string, scope: Scope, query: ListQuery = {}): Promise<StoredRecord<T>[]> {
    const where = ['kind = ?', 'account = ?', 'region = ?'];
    const params: unknown[] = [kind, scope.account, scope.region];
    if (query.prefix) {
      // A range on the primary key instead of LIKE, which would ignore the index.
      where.push('id >= ?', 'id < ?');
      params.push(query.prefix, query.prefix + '\uffff');
    }
    if (query.after !== undefined) {
      where.push(query.reverse ? 'id < ?' : 'id > ?');
      params.push(query.after);
    }
    const order = query.reverse ? 'DESC' : 'ASC';
    params.push(query.limit !== undefined ? Math.max(0, Math.floor(query.limit)) : -1);
    const sql = `SELECT account, region, id, version, doc FROM records WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT ?`;
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    const rows = statement.all(...params) as Row[];
    return rows.map((row) => toRecord<T>(row));
  }

  async listAll<T>(kind: string): Promise<ScopedRecord<T>[]> {
    return this.statements.listAll.all(kind).map((row) => ({ ...toRecord<T>(row), scope: { account: row.account, region: row.region } }));
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    this.db.transaction(() => {
      for (const op of ops) this.apply(op);
    }).immediate();
    for (const op of ops) {
      for (const listener of this.watchers.get(op.kind) ?? []) {
        // A watcher's failure is its own; it must not undo or hide a committed write.
        try {
          listener({ kind: op.kind, scope: op.scope, id: op.id });
        } catch {
          // ignored on purpose
        }
      }
    }
  }

  watch(kind: string, listener: (change: { kind: string; scope: Scope; id: string }) => void): () => void {
    let listeners = this.watchers.get(kind);
    if (!listeners) this.watchers.set(kind, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners!.delete(listener);
  }

  private apply(op: WriteOp): void {
    const key = [op.kind, op.scope.account, op.scope.region, op.id] as const;
    const existing = this.statements.version.get(...key)?.version;
    if (op.expect === 'absent' ? existing !== undefined : op.expect !== undefined && existing !== op.expect) {
      throw new StaleWriteError(op.kind, op.id);
    }
    if (op.op === 'delete') {
      this.statements.delete.run(...key);
    } else if (existing === undefined) {
      this.statements.insert.run(...key, JSON.stringify(op.doc));
    } else {
      this.statements.update.run(JSON.stringify(op.doc), ...key);
    }
  }

  async wipe(): Promise<void> {
    this.db.exec('DELETE FROM records');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toRecord<T>(row: Row): StoredRecord<T> {
  return { id: row.id, version: row.version, doc: JSON.parse(row.doc) as T };
}
