import type pg from 'pg';
import type {
  GroupListQuery,
  GroupReadQuery,
  IngestCursor,
  InputLogEvent,
  LogGroupRecord,
  LogResourceKey,
  LogResourceRecord,
  LogStore,
  LogStreamRecord,
  StoredLogEvent,
  StreamReadQuery,
} from '../../ports/log-store.js';
import type { Scope } from '../../ports/store.js';
import { openMigratedPool, type PostgresOptions } from '../postgres/postgres-database.js';
import { inRetriedTransaction, retryingConflicts } from '../postgres/retried-transaction.js';
import { logMigrations } from './migrations.js';

/** BIGINT columns come back as strings (pg keeps 64-bit integers exact); Wharf's values fit a number. */
type Int8 = string;

interface GroupRow {
  name: string;
  created_at: Int8;
  retention_days: number | null;
  kms_key_id: string | null;
  tags: string;
  stored_bytes: Int8;
}

interface StreamRow {
  name: string;
  created_at: Int8;
  first_ts: Int8 | null;
  last_ts: Int8 | null;
  last_ingestion: Int8 | null;
  stored_bytes: Int8;
}

interface EventRow {
  id: Int8;
  stream: string;
  timestamp: Int8;
  ingestion: Int8;
  message: Buffer;
}

const LOW = Number.MIN_SAFE_INTEGER;
const HIGH = Number.MAX_SAFE_INTEGER;
const GROUP_COLUMNS = `g.name, g.created_at, g.retention_days, g.kms_key_id, g.tags,
  (SELECT COALESCE(SUM(s.stored_bytes), 0) FROM log_streams s WHERE s.gid = g.gid) AS stored_bytes`;
const STREAM_COLUMNS = 'name, created_at, first_ts, last_ts, last_ingestion, stored_bytes';
const EVENT_COLUMNS = 'id, timestamp, ingestion, message';
/**
 * The group's row (scope in $1 and $2, name in `nameParam`), share-locked: a
 * concurrent deleteGroup waits for this transaction, so nothing is left behind it.
 */
const lockedGroup = (nameParam: string) => `SELECT gid FROM log_groups WHERE account = $1 AND region = $2 AND name = ${nameParam} FOR SHARE`;

/**
 * CloudWatch Logs storage on PostgreSQL, for several Wharf processes on one
 * database; the same tables and answers as SqliteLogStore. Every read is an
 * index range with a LIMIT; an append is one transaction of a few statements
 * whatever its size (the events go in as arrays, one INSERT).
 *
 * Where SQLite serialises writers, here the rows do: a write into a group
 * share-locks the group's row (deleteGroup, which takes it exclusively, waits
 * for it and then sees its events), and stream statistics change in the same
 * statement that locks the stream's row. Deadlocks between writers are
 * retried (retried-transaction.ts).
 */
export class PostgresLogStore implements LogStore {
  private closing: Promise<void> | undefined;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(options: PostgresOptions): Promise<PostgresLogStore> {
    return new PostgresLogStore(await openMigratedPool(options, 'logs', logMigrations));
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(sql, params as unknown[])).rows;
  }

  /** One statement on its own (autocommit), run again if it lost a deadlock. */
  private write(sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    return retryingConflicts(() => this.pool.query(sql, params as unknown[]));
  }

  private async gidOf(scope: Scope, group: string): Promise<string | undefined> {
    const [row] = await this.rows<{ gid: Int8 }>('SELECT gid FROM log_groups WHERE account = $1 AND region = $2 AND name = $3', [scope.account, scope.region, group]);
    return row?.gid;
  }

  private async sidOf(scope: Scope, group: string, stream: string): Promise<string | undefined> {
    const [row] = await this.rows<{ sid: Int8 }>(
      'SELECT s.sid FROM log_streams s JOIN log_groups g ON g.gid = s.gid WHERE g.account = $1 AND g.region = $2 AND g.name = $3 AND s.name = $4',
      [scope.account, scope.region, group, stream]);
    return row?.sid;
  }

  /** Creates the stream if missing; 'no-group', or whether it was created. */
  private async insertStream(scope: Scope, group: string, stream: string, now: number): Promise<'created' | 'exists' | 'no-group'> {
    const result = await this.write(
      `WITH g AS (${lockedGroup('$3')}),
         created AS (INSERT INTO log_streams (gid, name, created_at) SELECT gid, $4::text, $5::bigint FROM g ON CONFLICT (gid, name) DO NOTHING RETURNING sid)
       SELECT (SELECT gid FROM g) AS gid, (SELECT COUNT(*) FROM created) AS created`,
      [scope.account, scope.region, group, stream, now]);
    const row = result.rows[0] as { gid: Int8 | null; created: Int8 };
    if (row.gid === null) return 'no-group';
    return row.created === '1' ? 'created' : 'exists';
  }

  /**
   * Inserts events into stream `sid` as one statement (arrays, in order, so
   * ids grow with arrival); the stream's row is already locked and updated.
   */
  private async insertEvents(client: pg.PoolClient, gid: Int8, sid: Int8, events: readonly InputLogEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    await client.query(
      `INSERT INTO log_events (gid, sid, timestamp, ingestion, message)
       SELECT $1::bigint, $2::bigint, e.timestamp, $3::bigint, e.message FROM unnest($4::bigint[], $5::bytea[]) WITH ORDINALITY AS e(timestamp, message, n) ORDER BY e.n`,
      [gid, sid, now, events.map((event) => event.timestamp), events.map((event) => Buffer.from(event.message, 'utf8'))]);
  }

  // --- LogSink ---

  async groupExists(scope: Scope, group: string): Promise<boolean> {
    return (await this.gidOf(scope, group)) !== undefined;
  }

  async createGroupIfMissing(scope: Scope, group: string, now: number): Promise<void> {
    await this.write(
      "INSERT INTO log_groups (account, region, name, created_at, tags) VALUES ($1, $2, $3, $4, '{}') ON CONFLICT (account, region, name) DO NOTHING",
      [scope.account, scope.region, group, now]);
  }

  async ensureStream(scope: Scope, group: string, stream: string, now: number): Promise<void> {
    if ((await this.insertStream(scope, group, stream, now)) === 'no-group') throw new Error(`log group ${group} does not exist`);
  }

  async append(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], cursor: IngestCursor, now: number): Promise<void> {
    const stats = statisticsOf(events, now);
    await inRetriedTransaction(this.pool, async (client) => {
      // Creates the stream or adds to its statistics, locking its row either way.
      const { rows } = await client.query<{ gid: Int8; sid: Int8 }>(
        `WITH g AS (${lockedGroup('$3')})
         INSERT INTO log_streams AS s (gid, name, created_at, first_ts, last_ts, last_ingestion, stored_bytes)
         SELECT gid, $4::text, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint FROM g
         ON CONFLICT (gid, name) DO UPDATE SET first_ts = LEAST(s.first_ts, excluded.first_ts), last_ts = GREATEST(s.last_ts, excluded.last_ts),
           last_ingestion = COALESCE(excluded.last_ingestion, s.last_ingestion), stored_bytes = s.stored_bytes + excluded.stored_bytes
         RETURNING gid, sid`,
        [scope.account, scope.region, group, stream, now, stats.first, stats.last, stats.ingestion, stats.bytes]);
      const target = rows[0];
      if (!target) throw new Error(`log group ${group} does not exist`);
      await this.insertEvents(client, target.gid, target.sid, events, now);
      await client.query('INSERT INTO log_ingest_cursors (source, position) VALUES ($1, $2) ON CONFLICT (source) DO UPDATE SET position = excluded.position', [cursor.source, cursor.position]);
    });
  }

  async cursor(source: string): Promise<string | undefined> {
    const [row] = await this.rows<{ position: string }>('SELECT position FROM log_ingest_cursors WHERE source = $1', [source]);
    return row?.position;
  }

  // --- groups ---

  async createGroup(scope: Scope, group: { name: string; createdAt: number; retentionInDays?: number; kmsKeyId?: string; tags?: Record<string, string> }): Promise<boolean> {
    const result = await this.write(
      `INSERT INTO log_groups (account, region, name, created_at, retention_days, kms_key_id, tags) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (account, region, name) DO NOTHING`,
      [scope.account, scope.region, group.name, group.createdAt, group.retentionInDays ?? null, group.kmsKeyId ?? null, JSON.stringify(group.tags ?? {})]);
    return result.rowCount === 1;
  }

  async getGroup(scope: Scope, name: string): Promise<LogGroupRecord | undefined> {
    const [row] = await this.rows<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM log_groups g WHERE g.account = $1 AND g.region = $2 AND g.name = $3`, [scope.account, scope.region, name]);
    return row && toGroup(row);
  }

  async listGroups(scope: Scope, query: GroupListQuery): Promise<LogGroupRecord[]> {
    const params: unknown[] = [scope.account, scope.region];
    const where = ['g.account = $1', 'g.region = $2'];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (query.prefix) where.push(`g.name >= ${param(query.prefix)}`, `g.name < ${param(query.prefix + '\uffff')}`);
    if (query.contains) where.push(`strpos(g.name, ${param(query.contains)}) > 0`);
    if (query.after !== undefined) where.push(`g.name > ${param(query.after)}`);
    const rows = await this.rows<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM log_groups g WHERE ${where.join(' AND ')} ORDER BY g.name LIMIT ${param(query.limit)}`, params);
    return rows.map(toGroup);
  }

  async deleteGroup(scope: Scope, name: string): Promise<boolean> {
    return inRetriedTransaction(this.pool, async (client) => {
      // Deleting the row first waits out writers holding it shared; the statements after it see what they wrote.
      const { rows } = await client.query<{ gid: Int8 }>('DELETE FROM log_groups WHERE account = $1 AND region = $2 AND name = $3 RETURNING gid', [scope.account, scope.region, name]);
      const gid = rows[0]?.gid;
      if (gid === undefined) return false;
      await client.query('DELETE FROM log_streams WHERE gid = $1', [gid]);
      await client.query('DELETE FROM log_events WHERE gid = $1', [gid]);
      await client.query("DELETE FROM log_resources WHERE account = $1 AND region = $2 AND grp = $3 AND grp <> ''", [scope.account, scope.region, name]);
      return true;
    });
  }

  async setRetention(scope: Scope, name: string, retentionInDays: number | null): Promise<boolean> {
    const result = await this.write('UPDATE log_groups SET retention_days = $4 WHERE account = $1 AND region = $2 AND name = $3', [scope.account, scope.region, name, retentionInDays]);
    return result.rowCount === 1;
  }

  async setTags(scope: Scope, name: string, tags: Record<string, string>): Promise<boolean> {
    const result = await this.write('UPDATE log_groups SET tags = $4 WHERE account = $1 AND region = $2 AND name = $3', [scope.account, scope.region, name, JSON.stringify(tags)]);
    return result.rowCount === 1;
  }

  // --- streams ---

  async createStream(scope: Scope, group: string, name: string, now: number): Promise<'created' | 'exists' | 'no-group'> {
    return this.insertStream(scope, group, name, now);
  }

  async getStream(scope: Scope, group: string, name: string): Promise<LogStreamRecord | undefined> {
    const [row] = await this.rows<StreamRow>(
      `SELECT s.name, s.created_at, s.first_ts, s.last_ts, s.last_ingestion, s.stored_bytes FROM log_streams s JOIN log_groups g ON g.gid = s.gid
       WHERE g.account = $1 AND g.region = $2 AND g.name = $3 AND s.name = $4`,
      [scope.account, scope.region, group, name]);
    return row && toStream(row);
  }

  async listStreams(scope: Scope, group: string, prefix = ''): Promise<LogStreamRecord[]> {
    const gid = await this.gidOf(scope, group);
    if (gid === undefined) return [];
    const rows = await this.rows<StreamRow>(`SELECT ${STREAM_COLUMNS} FROM log_streams WHERE gid = $1 AND name >= $2 AND name < $3 ORDER BY name`, [gid, prefix, prefix + '\uffff']);
    return rows.map(toStream);
  }

  async deleteStream(scope: Scope, group: string, name: string): Promise<boolean> {
    return inRetriedTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ sid: Int8 }>(
        'DELETE FROM log_streams s USING log_groups g WHERE g.gid = s.gid AND g.account = $1 AND g.region = $2 AND g.name = $3 AND s.name = $4 RETURNING s.sid',
        [scope.account, scope.region, group, name]);
      const sid = rows[0]?.sid;
      if (sid === undefined) return false;
      // After the stream's row: a writer holding it has committed, and its events are seen here.
      await client.query('DELETE FROM log_events WHERE sid = $1', [sid]);
      return true;
    });
  }

  async putEvents(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], now: number): Promise<void> {
    const stats = statisticsOf(events, now);
    await inRetriedTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ gid: Int8; sid: Int8 }>(
        `WITH g AS (${lockedGroup('$3')})
         UPDATE log_streams s SET first_ts = LEAST(s.first_ts, $5::bigint), last_ts = GREATEST(s.last_ts, $6::bigint),
           last_ingestion = COALESCE($7::bigint, s.last_ingestion), stored_bytes = s.stored_bytes + $8::bigint
         FROM g WHERE s.gid = g.gid AND s.name = $4 RETURNING s.gid, s.sid`,
        [scope.account, scope.region, group, stream, stats.first, stats.last, stats.ingestion, stats.bytes]);
      const target = rows[0];
      if (!target) throw new Error(`log stream ${group}/${stream} does not exist`);
      await this.insertEvents(client, target.gid, target.sid, events, now);
    });
  }

  // --- events ---

  async readStream(scope: Scope, group: string, stream: string, query: StreamReadQuery): Promise<StoredLogEvent[]> {
    const sid = await this.sidOf(scope, group, stream);
    if (sid === undefined) return [];
    const start = query.startTime ?? LOW;
    const end = query.endTime ?? HIGH;
    const rows =
      query.direction === 'forward'
        ? await this.rows<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM log_events WHERE sid = $1 AND timestamp >= $2 AND timestamp < $3 AND (timestamp, id) > ($4, $5)
           ORDER BY timestamp, id LIMIT $6`,
          [sid, start, end, query.from?.timestamp ?? LOW, query.from?.id ?? 0, query.limit])
        : await this.rows<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM log_events WHERE sid = $1 AND timestamp >= $2 AND timestamp < $3 AND (timestamp, id) < ($4, $5)
           ORDER BY timestamp DESC, id DESC LIMIT $6`,
          [sid, start, end, query.from?.timestamp ?? HIGH, query.from?.id ?? HIGH, query.limit]);
    return rows.map((row) => toEvent(row, stream));
  }

  async readGroup(scope: Scope, group: string, query: GroupReadQuery): Promise<StoredLogEvent[]> {
    if (query.streams?.length === 0) return [];
    const gid = await this.gidOf(scope, group);
    if (gid === undefined) return [];
    const params: unknown[] = [gid, query.startTime ?? LOW, query.endTime ?? HIGH, query.after?.timestamp ?? LOW, query.after?.id ?? 0];
    const where = ['e.gid = $1', 'e.timestamp >= $2', 'e.timestamp < $3', '(e.timestamp, e.id) > ($4, $5)'];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (query.streams) where.push(`s.name = ANY(${param(query.streams)}::text[])`);
    if (query.streamPrefix) where.push(`s.name >= ${param(query.streamPrefix)}`, `s.name < ${param(query.streamPrefix + '\uffff')}`);
    // The ORDER BY follows the (gid, timestamp, id) index, so the scan stops at LIMIT.
    const rows = await this.rows<EventRow>(
      `SELECT e.id, s.name AS stream, e.timestamp, e.ingestion, e.message FROM log_events e JOIN log_streams s ON s.sid = e.sid
       WHERE ${where.join(' AND ')} ORDER BY e.timestamp, e.id LIMIT ${param(query.limit)}`,
      params);
    return rows.map((row) => toEvent(row, row.stream));
  }

  // --- retention ---

  async groupsWithRetention(): Promise<{ scope: Scope; name: string; retentionInDays: number }[]> {
    const rows = await this.rows<{ account: string; region: string; name: string; retention_days: number }>(
      'SELECT account, region, name, retention_days FROM log_groups WHERE retention_days IS NOT NULL ORDER BY gid', []);
    return rows.map((row) => ({ scope: { account: row.account, region: row.region }, name: row.name, retentionInDays: row.retention_days }));
  }

  async deleteEventsBefore(scope: Scope, group: string, cutoff: number): Promise<number> {
    // One statement: the bytes taken off each stream are those of the rows this statement itself
    // deleted, so two sweeps at once never take the same bytes off twice.
    const result = await this.write(
      `WITH gone AS (
         DELETE FROM log_events e USING log_groups g
         WHERE g.account = $1 AND g.region = $2 AND g.name = $3 AND e.gid = g.gid AND e.timestamp < $4
         RETURNING e.sid, octet_length(e.message) AS bytes),
       per_stream AS (SELECT sid, SUM(bytes) AS bytes, COUNT(*) AS events FROM gone GROUP BY sid),
       reclaimed AS (UPDATE log_streams s SET stored_bytes = GREATEST(0, s.stored_bytes - p.bytes) FROM per_stream p WHERE s.sid = p.sid)
       SELECT COALESCE(SUM(events), 0) AS deleted FROM per_stream`,
      [scope.account, scope.region, group, cutoff]);
    return Number((result.rows[0] as { deleted: string }).deleted);
  }

  // --- configuration resources ---

  async putResource(scope: Scope, key: LogResourceKey, body: unknown): Promise<boolean> {
    const params = [scope.account, scope.region, key.kind, key.group ?? '', key.name, JSON.stringify(body)];
    const upsert = 'ON CONFLICT (account, region, kind, grp, name) DO UPDATE SET body = excluded.body';
    if (key.group === undefined) {
      await this.write(`INSERT INTO log_resources (account, region, kind, grp, name, body) VALUES ($1, $2, $3, $4, $5, $6) ${upsert}`, params);
      return true;
    }
    // A group's resource goes in only with its group, share-locked so it cannot be deleted meanwhile.
    const result = await this.write(
      `WITH g AS (${lockedGroup('$4')})
       INSERT INTO log_resources (account, region, kind, grp, name, body) SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text FROM g ${upsert}`,
      params);
    return result.rowCount === 1;
  }

  async getResource(scope: Scope, key: LogResourceKey): Promise<LogResourceRecord | undefined> {
    const [row] = await this.rows<{ body: string }>(
      'SELECT body FROM log_resources WHERE account = $1 AND region = $2 AND kind = $3 AND grp = $4 AND name = $5',
      [scope.account, scope.region, key.kind, key.group ?? '', key.name]);
    return row && { kind: key.kind, ...(key.group !== undefined ? { group: key.group } : {}), name: key.name, body: JSON.parse(row.body) as unknown };
  }

  async listResources(scope: Scope, kind: string, group?: string): Promise<LogResourceRecord[]> {
    const rows = await this.rows<{ name: string; body: string }>(
      'SELECT name, body FROM log_resources WHERE account = $1 AND region = $2 AND kind = $3 AND grp = $4 ORDER BY name',
      [scope.account, scope.region, kind, group ?? '']);
    return rows.map((row) => ({ kind, ...(group !== undefined ? { group } : {}), name: row.name, body: JSON.parse(row.body) as unknown }));
  }

  async deleteResource(scope: Scope, key: LogResourceKey): Promise<boolean> {
    const result = await this.write('DELETE FROM log_resources WHERE account = $1 AND region = $2 AND kind = $3 AND grp = $4 AND name = $5', [scope.account, scope.region, key.kind, key.group ?? '', key.name]);
    return result.rowCount === 1;
  }

  async wipe(): Promise<void> {
    // Identities are not restarted: ids keep growing, as SQLite's AUTOINCREMENT does, so no old paging token matches a new event.
    await this.write('TRUNCATE log_events, log_streams, log_groups, log_ingest_cursors, log_resources', []);
  }

  async close(): Promise<void> {
    this.closing ??= this.pool.end();
    await this.closing;
  }
}

/** What a batch adds to its stream's statistics (nulls for an empty batch, which changes none of them). */
function statisticsOf(events: readonly InputLogEvent[], now: number): { first: number | null; last: number | null; ingestion: number | null; bytes: number } {
  if (events.length === 0) return { first: null, last: null, ingestion: null, bytes: 0 };
  let bytes = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const event of events) {
    bytes += Buffer.byteLength(event.message, 'utf8');
    if (event.timestamp < first) first = event.timestamp;
    if (event.timestamp > last) last = event.timestamp;
  }
  return { first, last, ingestion: now, bytes };
}

function optionalNumber(value: Int8 | null): number | undefined {
  return value === null ? undefined : Number(value);
}

function toGroup(row: GroupRow): LogGroupRecord {
  return {
    name: row.name,
    createdAt: Number(row.created_at),
    ...(row.retention_days !== null ? { retentionInDays: row.retention_days } : {}),
    ...(row.kms_key_id !== null ? { kmsKeyId: row.kms_key_id } : {}),
    tags: JSON.parse(row.tags) as Record<string, string>,
    storedBytes: Number(row.stored_bytes),
  };
}

function toStream(row: StreamRow): LogStreamRecord {
  const first = optionalNumber(row.first_ts);
  const last = optionalNumber(row.last_ts);
  const ingestion = optionalNumber(row.last_ingestion);
  return {
    name: row.name,
    createdAt: Number(row.created_at),
    ...(first !== undefined ? { firstEventTimestamp: first } : {}),
    ...(last !== undefined ? { lastEventTimestamp: last } : {}),
    ...(ingestion !== undefined ? { lastIngestionTime: ingestion } : {}),
    storedBytes: Number(row.stored_bytes),
  };
}

function toEvent(row: EventRow, stream: string): StoredLogEvent {
  return { id: Number(row.id), stream, timestamp: Number(row.timestamp), ingestionTime: Number(row.ingestion), message: row.message.toString('utf8') };
}
