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
