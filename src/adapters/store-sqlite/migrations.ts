/**
 * Versioned schema migrations, applied in order inside one transaction each and
 * recorded in PRAGMA user_version. Never edit a shipped migration: add one.
 */
export const migrations: readonly string[] = [
  // 1: the document table behind the Store port.
  `CREATE TABLE records (
     kind    TEXT NOT NULL,
     account TEXT NOT NULL,
     region  TEXT NOT NULL,
     id      TEXT NOT NULL,
     version INTEGER NOT NULL,
     doc     TEXT NOT NULL,
     PRIMARY KEY (kind, account, region, id)
   ) WITHOUT ROWID;`,
];
