import { BYTE_ORDER } from '../postgres/postgres-database.js';

/**
 * The store's tables, in order; `migrate` runs those a database has not seen
 * yet. Never edit a shipped migration: add one.
 *
 * Every text column sorts by bytes, so ids list in the order the SQLite store
 * gives. Documents stay TEXT, not JSONB: JSONB reorders keys and drops
 * duplicates, and a read must give back the JSON exactly as written.
 */
const text = `TEXT ${BYTE_ORDER} NOT NULL`;

export const migrations: readonly string[] = [
  // 1: the document table behind the Store port.
  `CREATE TABLE store_records (
     kind    ${text},
     account ${text},
     region  ${text},
     id      ${text},
     version INTEGER NOT NULL,
     doc     TEXT NOT NULL,
     PRIMARY KEY (kind, account, region, id)
   )`,
  // 2: record indexes, shared by every process on the database. A definition
  // row says which keys function filed the entries (its fingerprint); entries
  // and counts of an index without a matching definition are never read.
  `CREATE TABLE store_index_definitions (
     kind        ${text},
     idx         ${text},
     fingerprint ${text},
     PRIMARY KEY (kind, idx)
   );
   CREATE TABLE store_index_entries (
     kind    ${text},
     idx     ${text},
     key     ${text},
     account ${text},
     region  ${text},
     id      ${text},
     PRIMARY KEY (kind, idx, key, account, region, id)
   );
   CREATE INDEX store_index_entries_of_record ON store_index_entries (kind, account, region, id);
   CREATE TABLE store_index_counts (
     kind    ${text},
     idx     ${text},
     key     ${text},
     account ${text},
     region  ${text},
     n       INTEGER NOT NULL,
     PRIMARY KEY (kind, idx, key, account, region)
   )`,
];
