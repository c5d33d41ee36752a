/**
 * The metric store's schema (its own file, metrics.db), versioned in PRAGMA
 * user_version. Never edit a shipped migration: add one.
 *
 * A series is one metric (namespace, name, canonical dimension set) in one
 * unit: units are kept apart as CloudWatch keeps them. Buckets are keyed
 * (series, resolution, start), so a query reads one contiguous index range
 * per resolution and compaction walks one series at a time. `kind` 1 means
 * the bucket holds only values (its distribution is in `dist`, or NULL when
 * every value equals `min`); 0 means statistic sets were mixed in and there
 * is no distribution.
 *
 * Rollups (migration 2) are summaries kept at write time, in the same
 * transaction as the buckets: per 5 minutes of the buckets at resolutions
 * 1, 60 and 300, per hour of every bucket. They hold only the exact
 * statistics (no distribution), so a query for a long period that asks no
 * percentile reads one row per 5 minutes or hour instead of one per minute.
 * The migration builds them from the buckets already stored.
 */
export const metricMigrations: readonly string[] = [
  `CREATE TABLE metric_series (
     sid         INTEGER PRIMARY KEY,
     account     TEXT NOT NULL,
     region      TEXT NOT NULL,
     namespace   TEXT NOT NULL,
     metric_name TEXT NOT NULL,
     dims        TEXT NOT NULL,
     unit        TEXT NOT NULL,
     last_ts     INTEGER NOT NULL,
     UNIQUE (account, region, namespace, metric_name, dims, unit)
   );
   CREATE TABLE metric_buckets (
     sid        INTEGER NOT NULL,
     resolution INTEGER NOT NULL,
     start      INTEGER NOT NULL,
     count      REAL NOT NULL,
     sum        REAL NOT NULL,
     min        REAL NOT NULL,
     max        REAL NOT NULL,
     kind       INTEGER NOT NULL,
     dist       BLOB,
     PRIMARY KEY (sid, resolution, start)
   ) WITHOUT ROWID;`,
  `CREATE TABLE metric_rollups (
     sid        INTEGER NOT NULL,
     resolution INTEGER NOT NULL,
     start      INTEGER NOT NULL,
     count      REAL NOT NULL,
     sum        REAL NOT NULL,
     min        REAL NOT NULL,
     max        REAL NOT NULL,
     PRIMARY KEY (sid, resolution, start)
   ) WITHOUT ROWID;
   INSERT INTO metric_rollups (sid, resolution, start, count, sum, min, max)
     SELECT sid, 300, start - ((start % 300000) + 300000) % 300000 AS at, SUM(count), SUM(sum), MIN(min), MAX(max)
     FROM metric_buckets WHERE resolution IN (1, 60, 300) GROUP BY sid, at;
   INSERT INTO metric_rollups (sid, resolution, start, count, sum, min, max)
     SELECT sid, 3600, start - ((start % 3600000) + 3600000) % 3600000 AS at, SUM(count), SUM(sum), MIN(min), MAX(max)
     FROM metric_buckets GROUP BY sid, at;`,
];
