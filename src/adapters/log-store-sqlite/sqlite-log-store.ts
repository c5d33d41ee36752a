import type Database from 'better-sqlite3';
import { openDatabase, migrateDatabase } from '../sqlite-database.js';
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
import { logMigrations } from './migrations.js';

interface GroupRow {
  gid: number;
  account: string;
  region: string;
  name: string;
  created_at: number;
  retention_days: number | null;
  kms_key_id: string | null;
  tags: string;
  stored_bytes: number;
}

interface StreamRow {
  sid: number;
  name: string;
  created_at: number;
  first_ts: number | null;
  last_ts: number | null;
  last_ingestion: number | null;
  stored_bytes: number;
}

interface EventRow {
  id: number;
  stream: string;
  timestamp: number;
  ingestion: number;
  message: string;
}

const LOW = Number.MIN_SAFE_INTEGER;
const HIGH = Number.MAX_SAFE_INTEGER;
const GROUP_COLUMNS = `g.gid, g.account, g.region, g.name, g.created_at, g.retention_days, g.kms_key_id, g.tags,
  (SELECT COALESCE(SUM(s.stored_bytes), 0) FROM log_streams s WHERE s.gid = g.gid) AS stored_bytes`;

/**
 * CloudWatch Logs storage on its own SQLite file (WAL), apart from the
 * document store: events are many and small and read by ranges. Every read
 * is an index range with a LIMIT; appends are one transaction per batch.
 */
export class SqliteLogStore implements LogStore {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly dynamic = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = openDatabase(file);
    migrateDatabase(this.db, logMigrations, 'logs.db');
    const db = this.db;
    this.sql = {
      gid: db.prepare<[string, string, string], { gid: number; retention_days: number | null }>('SELECT gid, retention_days FROM log_groups WHERE account = ? AND region = ? AND name = ?'),
      group: db.prepare<[string, string, string], GroupRow>(`SELECT ${GROUP_COLUMNS} FROM log_groups g WHERE g.account = ? AND g.region = ? AND g.name = ?`),
      insertGroup: db.prepare('INSERT OR IGNORE INTO log_groups (account, region, name, created_at, retention_days, kms_key_id, tags) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      deleteGroup: db.prepare('DELETE FROM log_groups WHERE gid = ?'),
      deleteGroupStreams: db.prepare('DELETE FROM log_streams WHERE gid = ?'),
      deleteGroupEvents: db.prepare('DELETE FROM log_events WHERE gid = ?'),
      setRetention: db.prepare('UPDATE log_groups SET retention_days = ? WHERE account = ? AND region = ? AND name = ?'),
      setTags: db.prepare('UPDATE log_groups SET tags = ? WHERE account = ? AND region = ? AND name = ?'),
      withRetention: db.prepare<[], { account: string; region: string; name: string; retention_days: number }>(
        'SELECT account, region, name, retention_days FROM log_groups WHERE retention_days IS NOT NULL'),
      sid: db.prepare<[number, string], { sid: number }>('SELECT sid FROM log_streams WHERE gid = ? AND name = ?'),
      stream: db.prepare<[number, string], StreamRow>('SELECT sid, name, created_at, first_ts, last_ts, last_ingestion, stored_bytes FROM log_streams WHERE gid = ? AND name = ?'),
      streams: db.prepare<[number, string, string], StreamRow>(
        'SELECT sid, name, created_at, first_ts, last_ts, last_ingestion, stored_bytes FROM log_streams WHERE gid = ? AND name >= ? AND name < ? ORDER BY name'),
      insertStream: db.prepare('INSERT OR IGNORE INTO log_streams (gid, name, created_at) VALUES (?, ?, ?)'),
      deleteStream: db.prepare('DELETE FROM log_streams WHERE sid = ?'),
      deleteStreamEvents: db.prepare('DELETE FROM log_events WHERE sid = ?'),
      insertEvent: db.prepare('INSERT INTO log_events (gid, sid, timestamp, ingestion, message) VALUES (?, ?, ?, ?, ?)'),
      updateStream: db.prepare(
        `UPDATE log_streams SET first_ts = MIN(COALESCE(first_ts, @first), @first), last_ts = MAX(COALESCE(last_ts, @last), @last),
           last_ingestion = @now, stored_bytes = stored_bytes + @bytes WHERE sid = @sid`),
      forward: db.prepare<[number, number, number, number, number, number], EventRow>(
        `SELECT id, '' AS stream, timestamp, ingestion, message FROM log_events
         WHERE sid = ? AND timestamp >= ? AND timestamp < ? AND (timestamp, id) > (?, ?) ORDER BY timestamp, id LIMIT ?`),
      backward: db.prepare<[number, number, number, number, number, number], EventRow>(
        `SELECT id, '' AS stream, timestamp, ingestion, message FROM log_events
         WHERE sid = ? AND timestamp >= ? AND timestamp < ? AND (timestamp, id) < (?, ?) ORDER BY timestamp DESC, id DESC LIMIT ?`),
      expiredBytes: db.prepare<[number, number], { sid: number; bytes: number }>(
        'SELECT sid, SUM(length(CAST(message AS BLOB))) AS bytes FROM log_events WHERE gid = ? AND timestamp < ? GROUP BY sid'),
      deleteBefore: db.prepare('DELETE FROM log_events WHERE gid = ? AND timestamp < ?'),
      lessBytes: db.prepare('UPDATE log_streams SET stored_bytes = MAX(0, stored_bytes - ?) WHERE sid = ?'),
      cursor: db.prepare<[string], { position: string }>('SELECT position FROM log_ingest_cursors WHERE source = ?'),
      putResource: db.prepare(
        'INSERT INTO log_resources (account, region, kind, grp, name, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, region, kind, grp, name) DO UPDATE SET body = excluded.body'),
      getResource: db.prepare<[string, string, string, string, string], { body: string }>(
        'SELECT body FROM log_resources WHERE account = ? AND region = ? AND kind = ? AND grp = ? AND name = ?'),
      listResources: db.prepare<[string, string, string, string], { name: string; body: string }>(
        'SELECT name, body FROM log_resources WHERE account = ? AND region = ? AND kind = ? AND grp = ? ORDER BY name'),
      deleteResource: db.prepare('DELETE FROM log_resources WHERE account = ? AND region = ? AND kind = ? AND grp = ? AND name = ?'),
      deleteGroupResources: db.prepare("DELETE FROM log_resources WHERE account = ? AND region = ? AND grp = ? AND grp != ''"),
      saveCursor: db.prepare('INSERT INTO log_ingest_cursors (source, position) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET position = excluded.position'),
    };
  }


  private gidOf(scope: Scope, group: string): number | undefined {
    return this.sql.gid.get(scope.account, scope.region, group)?.gid;
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.dynamic.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.dynamic.set(sql, statement);
    }
    return statement;
  }

  /** Inserts events into stream `sid` and updates its statistics; call inside a transaction. */
  private insertEvents(gid: number, sid: number, events: readonly InputLogEvent[], now: number): void {
    if (events.length === 0) return;
    let bytes = 0;
    let first = Infinity;
    let last = -Infinity;
    for (const event of events) {
      this.sql.insertEvent.run(gid, sid, event.timestamp, now, event.message);
      bytes += Buffer.byteLength(event.message, 'utf8');
      if (event.timestamp < first) first = event.timestamp;
      if (event.timestamp > last) last = event.timestamp;
    }
    this.sql.updateStream.run({ first, last, now, bytes, sid });
  }

  // --- LogSink ---

  async groupExists(scope: Scope, group: string): Promise<boolean> {
    return this.gidOf(scope, group) !== undefined;
  }

  async createGroupIfMissing(scope: Scope, group: string, now: number): Promise<void> {
    this.sql.insertGroup.run(scope.account, scope.region, group, now, null, null, '{}');
  }

  async ensureStream(scope: Scope, group: string, stream: string, now: number): Promise<void> {
    const gid = this.gidOf(scope, group);
    if (gid === undefined) throw new Error(`log group ${group} does not exist`);
    this.sql.insertStream.run(gid, stream, now);
  }

  async append(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], cursor: IngestCursor, now: number): Promise<void> {
    this.db.transaction(() => {
      const gid = this.gidOf(scope, group);
      if (gid === undefined) throw new Error(`log group ${group} does not exist`);
      this.sql.insertStream.run(gid, stream, now);
      const sid = this.sql.sid.get(gid, stream)!.sid;
      this.insertEvents(gid, sid, events, now);
      this.sql.saveCursor.run(cursor.source, cursor.position);
    })();
  }

  async cursor(source: string): Promise<string | undefined> {
    return this.sql.cursor.get(source)?.position;
  }

  // --- groups ---

  async createGroup(scope: Scope, group: { name: string; createdAt: number; retentionInDays?: number; kmsKeyId?: string; tags?: Record<string, string> }): Promise<boolean> {
    const result = this.sql.insertGroup.run(scope.account, scope.region, group.name, group.createdAt, group.retentionInDays ?? null, group.kmsKeyId ?? null, JSON.stringify(group.tags ?? {}));
    return result.changes === 1;
  }

  async getGroup(scope: Scope, name: string): Promise<LogGroupRecord | undefined> {
    const row = this.sql.group.get(scope.account, scope.region, name);
    return row && toGroup(row);
  }

  async listGroups(scope: Scope, query: GroupListQuery): Promise<LogGroupRecord[]> {
    const where = ['g.account = ?', 'g.region = ?'];
    const params: unknown[] = [scope.account, scope.region];
    if (query.prefix) {
      where.push('g.name >= ?', 'g.name < ?');
      params.push(query.prefix, query.prefix + '\uffff');
    }
    if (query.contains) {
      where.push('instr(g.name, ?) > 0');
      params.push(query.contains);
    }
    if (query.after !== undefined) {
      where.push('g.name > ?');
      params.push(query.after);
    }
    params.push(query.limit);
    const rows = this.prepared(`SELECT ${GROUP_COLUMNS} FROM log_groups g WHERE ${where.join(' AND ')} ORDER BY g.name LIMIT ?`).all(...params) as GroupRow[];
    return rows.map(toGroup);
  }

  async deleteGroup(scope: Scope, name: string): Promise<boolean> {
    return this.db.transaction(() => {
      const gid = this.gidOf(scope, name);
      if (gid === undefined) return false;
      this.sql.deleteGroupEvents.run(gid);
      this.sql.deleteGroupStreams.run(gid);
      this.sql.deleteGroup.run(gid);
      this.sql.deleteGroupResources.run(scope.account, scope.region, name);
      return true;
    })();
  }

  async setRetention(scope: Scope, name: string, retentionInDays: number | null): Promise<boolean> {
    return this.sql.setRetention.run(retentionInDays, scope.account, scope.region, name).changes === 1;
  }

  async setTags(scope: Scope, name: string, tags: Record<string, string>): Promise<boolean> {
    return this.sql.setTags.run(JSON.stringify(tags), scope.account, scope.region, name).changes === 1;
  }

  // --- streams ---

  async createStream(scope: Scope, group: string, name: string, now: number): Promise<'created' | 'exists' | 'no-group'> {
    const gid = this.gidOf(scope, group);
    if (gid === undefined) return 'no-group';
    return this.sql.insertStream.run(gid, name, now).changes === 1 ? 'created' : 'exists';
  }

  async getStream(scope: Scope, group: string, name: string): Promise<LogStreamRecord | undefined> {
    const gid = this.gidOf(scope, group);
    const row = gid === undefined ? undefined : this.sql.stream.get(gid, name);
    return row && toStream(row);
  }

  async listStreams(scope: Scope, group: string, prefix = ''): Promise<LogStreamRecord[]> {
    const gid = this.gidOf(scope, group);
    if (gid === undefined) return [];
    return this.sql.streams.all(gid, prefix, prefix + '\uffff').map(toStream);
  }

  async deleteStream(scope: Scope, group: string, name: string): Promise<boolean> {
    return this.db.transaction(() => {
      const gid = this.gidOf(scope, group);
      const sid = gid === undefined ? undefined : this.sql.sid.get(gid, name)?.sid;
      if (sid === undefined) return false;
      this.sql.deleteStreamEvents.run(sid);
      this.sql.deleteStream.run(sid);
      return true;
    })();
  }

  async putEvents(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], now: number): Promise<void> {
    this.db.transaction(() => {
      const gid = this.gidOf(scope, group);
      const sid = gid === undefined ? undefined : this.sql.sid.get(gid, stream)?.sid;
      if (gid === undefined || sid === undefined) throw new Error(`log stream ${group}/${stream} does not exist`);
      this.insertEvents(gid, sid, events, now);
    })();
  }

  // --- events ---

  async readStream(scope: Scope, group: string, stream: string, query: StreamReadQuery): Promise<StoredLogEvent[]> {
    const gid = this.gidOf(scope, group);
    const sid = gid === undefined ? undefined : this.sql.sid.get(gid, stream)?.sid;
    if (sid === undefined) return [];
    const start = query.startTime ?? LOW;
    const end = query.endTime ?? HIGH;
    const rows =
      query.direction === 'forward'
        ? this.sql.forward.all(sid, start, end, query.from?.timestamp ?? LOW, query.from?.id ?? 0, query.limit)
        : this.sql.backward.all(sid, start, end, query.from?.timestamp ?? HIGH, query.from?.id ?? HIGH, query.limit);
    return rows.map((row) => toEvent(row, stream));
  }

  async readGroup(scope: Scope, group: string, query: GroupReadQuery): Promise<StoredLogEvent[]> {
    const gid = this.gidOf(scope, group);
    if (gid === undefined) return [];
    const where = ['e.gid = ?', 'e.timestamp >= ?', 'e.timestamp < ?', '(e.timestamp, e.id) > (?, ?)'];
    const params: unknown[] = [gid, query.startTime ?? LOW, query.endTime ?? HIGH, query.after?.timestamp ?? LOW, query.after?.id ?? 0];
    if (query.streams) {
      if (query.streams.length === 0) return [];
      where.push(`s.name IN (${query.streams.map(() => '?').join(', ')})`);
      params.push(...query.streams);
    }
    if (query.streamPrefix) {
      where.push('s.name >= ?', 's.name < ?');
      params.push(query.streamPrefix, query.streamPrefix + '\uffff');
    }
    params.push(query.limit);
    // The ORDER BY follows the (gid, timestamp, id) index, so the scan stops at LIMIT.
    const sql = `SELECT e.id, s.name AS stream, e.timestamp, e.ingestion, e.message
      FROM log_events e INDEXED BY log_events_by_group JOIN log_streams s ON s.sid = e.sid
      WHERE ${where.join(' AND ')} ORDER BY e.timestamp, e.id LIMIT ?`;
    return (this.prepared(sql).all(...params) as EventRow[]).map((row) => toEvent(row, row.stream));
  }

  // --- retention ---

  async groupsWithRetention(): Promise<{ scope: Scope; name: string; retentionInDays: number }[]> {
    return this.sql.withRetention.all().map((row) => ({ scope: { account: row.account, region: row.region }, name: row.name, retentionInDays: row.retention_days }));
  }

  async deleteEventsBefore(scope: Scope, group: string, cutoff: number): Promise<number> {
    return this.db.transaction(() => {
      const gid = this.gidOf(scope, group);
      if (gid === undefined) return 0;
      for (const { sid, bytes } of this.sql.expiredBytes.all(gid, cutoff)) this.sql.lessBytes.run(bytes, sid);
      return this.sql.deleteBefore.run(gid, cutoff).changes;
    })();
  }

  // --- configuration resources ---

  async putResource(scope: Scope, key: LogResourceKey, body: unknown): Promise<boolean> {
    return this.db.transaction(() => {
      if (key.group !== undefined && this.gidOf(scope, key.group) === undefined) return false;
      this.sql.putResource.run(scope.account, scope.region, key.kind, key.group ?? '', key.name, JSON.stringify(body));
      return true;
    })();
  }

  async getResource(scope: Scope, key: LogResourceKey): Promise<LogResourceRecord | undefined> {
    const row = this.sql.getResource.get(scope.account, scope.region, key.kind, key.group ?? '', key.name);
    return row && { kind: key.kind, ...(key.group !== undefined ? { group: key.group } : {}), name: key.name, body: JSON.parse(row.body) as unknown };
  }

  async listResources(scope: Scope, kind: string, group?: string): Promise<LogResourceRecord[]> {
    return this.sql.listResources
      .all(scope.account, scope.region, kind, group ?? '')
      .map((row) => ({ kind, ...(group !== undefined ? { group } : {}), name: row.name, body: JSON.parse(row.body) as unknown }));
  }

  async deleteResource(scope: Scope, key: LogResourceKey): Promise<boolean> {
    return this.sql.deleteResource.run(scope.account, scope.region, key.kind, key.group ?? '', key.name).changes === 1;
  }

  async wipe(): Promise<void> {
    this.db.exec('DELETE FROM log_events; DELETE FROM log_streams; DELETE FROM log_groups; DELETE FROM log_ingest_cursors; DELETE FROM log_resources;');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toGroup(row: GroupRow): LogGroupRecord {
  return {
    name: row.name,
    createdAt: row.created_at,
    ...(row.retention_days !== null ? { retentionInDays: row.retention_days } : {}),
    ...(row.kms_key_id !== null ? { kmsKeyId: row.kms_key_id } : {}),
    tags: JSON.parse(row.tags) as Record<string, string>,
    storedBytes: row.stored_bytes,
  };
}

function toStream(row: StreamRow): LogStreamRecord {
  return {
    name: row.name,
    createdAt: row.created_at,
    ...(row.first_ts !== null ? { firstEventTimestamp: row.first_ts } : {}),
    ...(row.last_ts !== null ? { lastEventTimestamp: row.last_ts } : {}),
    ...(row.last_ingestion !== null ? { lastIngestionTime: row.last_ingestion } : {}),
    storedBytes: row.stored_bytes,
  };
}

function toEvent(row: EventRow, stream: string): StoredLogEvent {
  return { id: row.id, stream, timestamp: row.timestamp, ingestionTime: row.ingestion, message: row.message };
}
