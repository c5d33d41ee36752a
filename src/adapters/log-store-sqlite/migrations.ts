/**
 * The log store's schema (its own file, logs.db), versioned in PRAGMA
 * user_version. Never edit a shipped migration: add one.
 *
 * Groups and streams get integer keys so the event rows and their two
 * indexes stay small: (stream, timestamp, id) serves GetLogEvents,
 * (group, timestamp, id) serves FilterLogEvents and retention.
 */
export const logMigrations: readonly string[] = [
  `CREATE TABLE log_groups (
     gid            INTEGER PRIMARY KEY,
     account        TEXT NOT NULL,
     region         TEXT NOT NULL,
     name           TEXT NOT NULL,
     created_at     INTEGER NOT NULL,
     retention_days INTEGER,
     kms_key_id     TEXT,
     tags           TEXT NOT NULL DEFAULT '{}',
     UNIQUE (account, region, name)
   );
   CREATE TABLE log_streams (
     sid            INTEGER PRIMARY KEY,
     gid            INTEGER NOT NULL,
     name           TEXT NOT NULL,
     created_at     INTEGER NOT NULL,
     first_ts       INTEGER,
     last_ts        INTEGER,
     last_ingestion INTEGER,
     stored_bytes   INTEGER NOT NULL DEFAULT 0,
     UNIQUE (gid, name)
   );
   CREATE TABLE log_events (
     id        INTEGER PRIMARY KEY AUTOINCREMENT,
     gid       INTEGER NOT NULL,
     sid       INTEGER NOT NULL,
     timestamp INTEGER NOT NULL,
     ingestion INTEGER NOT NULL,
     message   TEXT NOT NULL
   );
   CREATE INDEX log_events_by_stream ON log_events (sid, timestamp, id);
   CREATE INDEX log_events_by_group ON log_events (gid, timestamp, id);
   CREATE TABLE log_ingest_cursors (
     source   TEXT PRIMARY KEY,
     position TEXT NOT NULL
   ) WITHOUT ROWID;`,
  // Configuration resources (metric and subscription filters, destinations,
  // policies, deliveries) as JSON documents; grp is '' for those of the region.
  `CREATE TABLE log_resources (
     account TEXT NOT NULL,
     region  TEXT NOT NULL,
     kind    TEXT NOT NULL,
     grp     TEXT NOT NULL,
     name    TEXT NOT NULL,
     body    TEXT NOT NULL,
     PRIMARY KEY (account, region, kind, grp, name)
   ) WITHOUT ROWID;`,
];
