import { BYTE_ORDER } from '../postgres/postgres-database.js';

/**
 * The log store's tables on PostgreSQL, versioned in wharf_schema under
 * 'logs' (migrate() in ../postgres). Never edit a shipped migration: add one.
 *
 * The shape is the SQLite store's: groups and streams get integer keys so the
 * event rows and their two indexes stay small; (sid, timestamp, id) serves
 * GetLogEvents, (gid, timestamp, id) serves FilterLogEvents and retention.
 * Names and keys sort by bytes (COLLATE "C"), as SQLite's BINARY does, so
 * listings and paging tokens come out in the same order on either store.
 *
 * Messages are bytea (their UTF-8 bytes): a container may print a NUL, which
 * PostgreSQL's text cannot hold, and a log pump must never stall on a line.
 * Tags and resource bodies are JSON text rather than jsonb, which would
 * reorder their keys: callers get back what they stored, as from SQLite.
 * log_events has no primary key: every read and delete goes through its two
 * indexes, and an index on id alone would cost every insert.
 */
export const logMigrations: readonly string[] = [
  `CREATE TABLE log_groups (
     gid            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     account        TEXT ${BYTE_ORDER} NOT NULL,
     region         TEXT ${BYTE_ORDER} NOT NULL,
     name           TEXT ${BYTE_ORDER} NOT NULL,
     created_at     BIGINT NOT NULL,
     retention_days INTEGER,
     kms_key_id     TEXT,
     tags           TEXT NOT NULL DEFAULT '{}',
     UNIQUE (account, region, name)
   );
   CREATE TABLE log_streams (
     sid            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     gid            BIGINT NOT NULL,
     name           TEXT ${BYTE_ORDER} NOT NULL,
     created_at     BIGINT NOT NULL,
     first_ts       BIGINT,
     last_ts        BIGINT,
     last_ingestion BIGINT,
     stored_bytes   BIGINT NOT NULL DEFAULT 0,
     UNIQUE (gid, name)
   );
   CREATE TABLE log_events (
     id        BIGINT GENERATED ALWAYS AS IDENTITY,
     gid       BIGINT NOT NULL,
     sid       BIGINT NOT NULL,
     timestamp BIGINT NOT NULL,
     ingestion BIGINT NOT NULL,
     message   BYTEA NOT NULL
   );
   CREATE INDEX log_events_by_stream ON log_events (sid, timestamp, id);
   CREATE INDEX log_events_by_group ON log_events (gid, timestamp, id);
   CREATE TABLE log_ingest_cursors (
     source   TEXT ${BYTE_ORDER} PRIMARY KEY,
     position TEXT NOT NULL
   );
   -- Configuration resources (metric and subscription filters, destinations,
   -- policies, deliveries) as JSON text; grp is '' for those of the region.
   CREATE TABLE log_resources (
     account TEXT ${BYTE_ORDER} NOT NULL,
     region  TEXT ${BYTE_ORDER} NOT NULL,
     kind    TEXT ${BYTE_ORDER} NOT NULL,
     grp     TEXT ${BYTE_ORDER} NOT NULL,
     name    TEXT ${BYTE_ORDER} NOT NULL,
     body    TEXT NOT NULL,
     PRIMARY KEY (account, region, kind, grp, name)
   );`,
];
