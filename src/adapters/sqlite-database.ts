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
