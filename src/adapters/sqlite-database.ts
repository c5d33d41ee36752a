import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens one of Wharf's SQLite files as every store wants it: WAL, NORMAL
 * sync, a busy timeout, and exclusive locking, because one Wharf owns a data
 * directory: it refuses a second process on the same file and spares every
 * read the shared-memory locks.
 */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  if (file !== ':memory:') db.pragma('locking_mode = EXCLUSIVE');
  return db;
}
