import { BYTE_ORDER } from '../postgres/postgres-database.js';

/**
 * The metric store's tables on PostgreSQL, versioned in wharf_schema under
 * 'metrics' (migrate() in ../postgres). Never edit a shipped migration: add one.
 *
 * The shape is the SQLite store's (see ../metric-store-sqlite/migrations.ts):
 * a series is one metric in one unit; buckets are keyed (series, resolution,
 * start) so a query reads one index range per resolution; rollups are the
 * write-time summaries (exact statistics only) per 5 minutes and per hour.
 * Text keys sort by bytes (COLLATE "C") as SQLite's BINARY does, so
 * ListMetrics lists, and pages, in the same order on either store.
 *
 * A series' row is also its writers' lock: a put upserts it (locking it) before
 * it reads and rewrites the series' buckets, and compaction locks it before it
 * moves or deletes them, so writers in several processes never lose an update.
 */
export const metricMigrations: readonly string[] = [
  `CREATE TABLE metric_series (
     sid         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     account     TEXT ${BYTE_ORDER} NOT NULL,
     region      TEXT ${BYTE_ORDER} NOT NULL,
     namespace   TEXT ${BYTE_ORDER} NOT NULL,
     metric_name TEXT ${BYTE_ORDER} NOT NULL,
     dims        TEXT ${BYTE_ORDER} NOT NULL,
     unit        TEXT ${BYTE_ORDER} NOT NULL,
     last_ts     BIGINT NOT NULL,
     UNIQUE (account, region, namespace, metric_name, dims, unit)
   );
   CREATE TABLE metric_buckets (
     sid        BIGINT NOT NULL,
     resolution INTEGER NOT NULL,
     start      BIGINT NOT NULL,
     count      DOUBLE PRECISION NOT NULL,
     sum        DOUBLE PRECISION NOT NULL,
     min        DOUBLE PRECISION NOT NULL,
     max        DOUBLE PRECISION NOT NULL,
     kind       SMALLINT NOT NULL,
     dist       BYTEA,
     PRIMARY KEY (sid, resolution, start)
   );
   CREATE TABLE metric_rollups (
     sid        BIGINT NOT NULL,
     resolution INTEGER NOT NULL,
     start      BIGINT NOT NULL,
     count      DOUBLE PRECISION NOT NULL,
     sum        DOUBLE PRECISION NOT NULL,
     min        DOUBLE PRECISION NOT NULL,
     max        DOUBLE PRECISION NOT NULL,
     PRIMARY KEY (sid, resolution, start)
   );`,
];
