import Database from 'better-sqlite3';
import { createPrivateFile } from './private-files.js';

/**
 * Opens one of Wharf's SQLite files as every store wants it: WAL, NORMAL
 * sync, a busy timeout, and exclusive locking, because one Wharf owns a data
 * directory: it refuses a second process on the same file and spares every
 * read the shared-memory locks.
 */
export function openDatabase(file: string): Database.Database {
  // Owner-only before SQLite opens it: the -wal and -shm files take the database file's mode.
  if (file !== ':memory:') createPrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  if (file !== ':memory:') db.pragma('locking_mode = EXCLUSIVE');
  return db;
}

/**
 * Brings a database up to the newest of `migrations` (statements in order;
 * PRAGMA user_version counts how many have run), each in its own
 * transaction, and refuses a file a newer Wharf wrote. `what` names the file
 * in that error ("the data directory", "logs.db").
 */
export function migrateDatabase(db: Database.Database, migrations: readonly string[], what: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`${what} was written by a newer Wharf (schema ${current}, this one knows ${migrations.length}); upgrade Wharf or use another --data-dir`);
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
