import type { Scope } from './store.js';

/**
 * CloudWatch Logs storage: log groups, streams and their events, kept apart
 * from the document store because events are many, small and read by time
 * ranges (indexed by group, stream and timestamp). The SQLite adapter keeps
 * them in the data directory; the same port can sit on PostgreSQL.
 *
 * Two sides use it: the Logs API (api/logs/) for everything CloudWatch Logs
 * offers, and the log pump (ingesting containers' output for the awslogs
 * driver) through the LogSink subset below.
 */
export interface InputLogEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** Where an ingester got to in one source (a container's output): saved with the events it covers. */
export interface IngestCursor {
  readonly source: string;
  readonly position: string;
}

export interface LogSink {
  groupExists(scope: Scope, group: string): Promise<boolean>;
  /** Creates the group if it does not exist (awslogs-create-group). */
  createGroupIfMissing(scope: Scope, group: string, now: number): Promise<void>;
  /** Creates the stream if it does not exist. */
  ensureStream(scope: Scope, group: string, stream: string, now: number): Promise<void>;
  /**
   * Appends events (in order) to a stream and, in the same transaction, moves
   * the source's cursor: after a crash either both happened or neither, so a
   * restarted ingester resumes without losing or repeating a line.
   */
  append(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], cursor: IngestCursor, now: number): Promise<void>;
  /** The position saved with the last append from `source`, if any. */
  cursor(source: string): Promise<string | undefined>;
}

export interface LogGroupRecord {
  readonly name: string;
  readonly createdAt: number;
  readonly retentionInDays?: number;
  readonly kmsKeyId?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Sum of the group's streams' stored bytes. */
  readonly storedBytes: number;
}

export interface LogStreamRecord {
  readonly name: string;
  readonly createdAt: number;
  readonly firstEventTimestamp?: number;
  readonly lastEventTimestamp?: number;
  readonly lastIngestionTime?: number;
  readonly storedBytes: number;
}

export interface StoredLogEvent {
  /** Grows with every stored event: (timestamp, id) orders events, ties broken by arrival. */
  readonly id: number;
  readonly stream: string;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

/** A position between events: (timestamp, id) of an event, exclusive. */
export interface LogPosition {
  readonly timestamp: number;
  readonly id: number;
}

export interface StreamReadQuery {
  /** Inclusive lower bound on timestamps. */
  readonly startTime?: number;
  /** Exclusive upper bound on timestamps (CloudWatch's endTime). */
  readonly endTime?: number;
  /** 'forward': ascending from `from` (exclusive); 'backward': descending from `from` (exclusive). */
  readonly direction: 'forward' | 'backward';
  readonly from?: LogPosition;
  readonly limit: number;
}

export interface GroupReadQuery {
  readonly streams?: readonly string[];
  readonly streamPrefix?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  /** Ascending from after this position. */
  readonly after?: LogPosition;
  readonly limit: number;
}

export interface GroupListQuery {
  readonly prefix?: string;
  /** Case-sensitive substring of the name (DescribeLogGroups' logGroupNamePattern). */
  readonly contains?: string;
  /** Names strictly after this one. */
  readonly after?: string;
  readonly limit: number;
}

/**
 * A small configuration resource of CloudWatch Logs (a metric filter, a
 * subscription filter, a destination, a resource policy, a delivery ...),
 * kept as a JSON document. Those named with a `group` belong to that log
 * group and are deleted with it; the others belong to the region.
 */
export interface LogResourceKey {
  /** What it is: 'metricFilter', 'subscriptionFilter', 'destination', ... */
  readonly kind: string;
  /** The log group it belongs to, if any. */
  readonly group?: string;
  readonly name: string;
}

export interface LogResourceRecord {
  readonly kind: string;
  readonly group?: string;
  readonly name: string;
  readonly body: unknown;
}

/** Everything the CloudWatch Logs API needs; the log pump uses only the LogSink part. */
export interface LogStore extends LogSink {
  /** False when the group already exists. */
  createGroup(scope: Scope, group: { name: string; createdAt: number; retentionInDays?: number; kmsKeyId?: string; tags?: Record<string, string> }): Promise<boolean>;
  getGroup(scope: Scope, name: string): Promise<LogGroupRecord | undefined>;
  /** Groups by name, ascending. */
  listGroups(scope: Scope, query: GroupListQuery): Promise<LogGroupRecord[]>;
  /** Removes the group, its streams and events; false when it did not exist. */
  deleteGroup(scope: Scope, name: string): Promise<boolean>;
  /** Sets (number) or clears (null) the retention; false when the group does not exist. */
  setRetention(scope: Scope, name: string, retentionInDays: number | null): Promise<boolean>;
  /** Replaces the group's tags; false when the group does not exist. */
  setTags(scope: Scope, name: string, tags: Record<string, string>): Promise<boolean>;

  /** 'created', 'exists', or 'no-group'. */
  createStream(scope: Scope, group: string, name: string, now: number): Promise<'created' | 'exists' | 'no-group'>;
  getStream(scope: Scope, group: string, name: string): Promise<LogStreamRecord | undefined>;
  /** The group's streams (by name ascending), optionally those starting with `prefix`. */
  listStreams(scope: Scope, group: string, prefix?: string): Promise<LogStreamRecord[]>;
  deleteStream(scope: Scope, group: string, name: string): Promise<boolean>;
  /** Appends already-checked events to an existing stream (PutLogEvents); no cursor. */
  putEvents(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], now: number): Promise<void>;

  /** One stream's events in the order of `direction`, index-driven, at most `limit`. */
  readStream(scope: Scope, group: string, stream: string, query: StreamReadQuery): Promise<StoredLogEvent[]>;
  /** A group's events across streams, ascending by (timestamp, id), at most `limit`. */
  readGroup(scope: Scope, group: string, query: GroupReadQuery): Promise<StoredLogEvent[]>;

  /** Groups with a retention policy, in every scope (for the retention sweep). */
  groupsWithRetention(): Promise<{ scope: Scope; name: string; retentionInDays: number }[]>;
  /** Deletes the group's events with a timestamp before `cutoff`; returns how many. */
  deleteEventsBefore(scope: Scope, group: string, cutoff: number): Promise<number>;

  /** Creates or replaces a configuration resource (a group's resources require the group: false when it does not exist). */
  putResource(scope: Scope, key: LogResourceKey, body: unknown): Promise<boolean>;
  getResource(scope: Scope, key: LogResourceKey): Promise<LogResourceRecord | undefined>;
  /** Resources of one kind, by name ascending: those of `group` when given, else those of the region (no group). */
  listResources(scope: Scope, kind: string, group?: string): Promise<LogResourceRecord[]>;
  /** False when it did not exist. */
  deleteResource(scope: Scope, key: LogResourceKey): Promise<boolean>;

  /** Removes everything (the admin reset). */
  wipe(): Promise<void>;
  close(): Promise<void>;
}
