/**
 * The store port: versioned JSON documents grouped by kind, scoped to an
 * account and region as AWS scopes its resources. Handlers and controllers only
 * see this interface; the SQLite adapter fills it today and a PostgreSQL adapter
 * can fill it later, both held to one contract suite.
 *
 * Writes are optimistic, as Nomad applies plans: a caller reads, decides, and
 * submits every change of one decision in a single `write` whose expectations
 * (a version, or absence) are re-checked atomically. A stale expectation fails
 * the whole write with StaleWriteError and nothing is changed.
 */
export interface Scope {
  readonly account: string;
  readonly region: string;
}

export interface StoredRecord<T> {
  readonly id: string;
  /** Starts at 1 and grows by one on every put. */
  readonly version: number;
  readonly doc: T;
}

export interface ScopedRecord<T> extends StoredRecord<T> {
  readonly scope: Scope;
}

export interface ListQuery {
  /** Only ids starting with this. */
  readonly prefix?: string;
  /** Only ids strictly after (or, reversed, before) this one: the page cursor. */
  readonly after?: string;
  readonly limit?: number;
  /** Descending id order instead of ascending. */
  readonly reverse?: boolean;
}

/** `absent`: the record must not exist; a number: it must have this version. */
export type Expectation = number | 'absent';

export type WriteOp =
  | { readonly op: 'put'; readonly kind: string; readonly scope: Scope; readonly id: string; readonly doc: unknown; readonly expect?: Expectation }
  | { readonly op: 'delete'; readonly kind: string; readonly scope: Scope; readonly id: string; readonly expect?: number };

/**
 * A secondary index over one kind's records: the keys each record is filed
 * under, decided by the record alone. The store keeps it in step with the
 * records in the same transaction as every write (an index is built from the
 * records the first time a process uses it), so a count or lookup by key
 * never scans the kind and can never disagree with a scan.
 */
export interface RecordIndex<T = unknown> {
  /** Unique among the indexes of its kind. */
  readonly name: string;
  readonly kind: string;
  /** The keys `doc` is filed under (none leaves it out); pure, the same answer every time. */
  keys(id: string, doc: T): readonly string[];
}

/** Paging within one index key: ids after (or, reversed, before) `after`, in id order. */
export type IndexQuery = Omit<ListQuery, 'prefix'>;

export class StaleWriteError extends Error {
  constructor(readonly kind: string, readonly id: string) {
    super(`stale write to ${kind} ${id}`);
    this.name = 'StaleWriteError';
  }
}

export interface Store {
  get<T>(kind: string, scope: Scope, id: string): Promise<StoredRecord<T> | undefined>;
  list<T>(kind: string, scope: Scope, query?: ListQuery): Promise<StoredRecord<T>[]>;
  /** Every record of a kind in every scope, for controllers that resync the world. */
  listAll<T>(kind: string): Promise<ScopedRecord<T>[]>;
  /** Records of `scope` that `index` files under `key`, in id order (paged as `list` pages). */
  listByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string, query?: IndexQuery): Promise<StoredRecord<T>[]>;
  /** The ids `listByIndex` would list, without reading the records (a listing that shows ids or ARNs only). */
  listIdsByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string, query?: IndexQuery): Promise<string[]>;
  /** Every scope's records under `key`, ordered by account, region, id. */
  listAllByIndex<T>(index: RecordIndex<T>, key: string): Promise<ScopedRecord<T>[]>;
  /** How many records of `scope` are under `key`: kept as writes commit, not counted by a scan. */
  countByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string): Promise<number>;
  /** Applies all ops or none. */
  write(ops: readonly WriteOp[]): Promise<void>;
  /**
   * Calls `listener` after every committed write that touches `kind`, as
   * informers do: controllers watch, handlers only write.
   */
  watch(kind: string, listener: (change: { kind: string; scope: Scope; id: string }) => void): () => void;
  /** Deletes everything (the admin reset). */
  wipe(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs a read-decide-write step again when another writer got there first.
 * The step must re-read what it depends on each time.
 */
export async function retryOnStale<T>(step: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof StaleWriteError) || attempt >= attempts) throw error;
    }
  }
}
