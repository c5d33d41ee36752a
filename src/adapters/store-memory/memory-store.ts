import { StaleWriteError, type IndexQuery, type ListQuery, type RecordIndex, type Scope, type ScopedRecord, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';

type Change = { kind: string; scope: Scope; id: string };

interface Entry {
  readonly kind: string;
  readonly scope: Scope;
  readonly id: string;
  readonly version: number;
  /** The document as JSON text, as the SQLite store keeps it: every read is a fresh copy. */
  readonly json: string;
}

/**
 * A Store in memory, for unit tests of controllers and handlers. It passes
 * the same contract suite as the SQLite store (store.contract.ts), so a test
 * that uses it sees the real store's behaviour: versions, all-or-nothing
 * batches, id order, watches after commit. It also keeps a journal of every
 * committed batch, so a test can assert what a controller wrote.
 */
export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Map<string, Set<(change: Change) => void>>();
  private readonly committed: (readonly WriteOp[])[] = [];

  /** Every committed write batch, oldest first (refused batches are not in it). */
  get journal(): readonly (readonly WriteOp[])[] {
    return this.committed;
  }

  async get<T>(kind: string, scope: Scope, id: string): Promise<StoredRecord<T> | undefined> {
    const entry = this.entries.get(keyOf(kind, scope, id));
    return entry && toRecord<T>(entry);
  }

  async list<T>(kind: string, scope: Scope, query: ListQuery = {}): Promise<StoredRecord<T>[]> {
    const { prefix, after, reverse } = query;
    const rows = [...this.entries.values()]
      .filter((entry) => entry.kind === kind && entry.scope.account === scope.account && entry.scope.region === scope.region)
      .filter((entry) => prefix === undefined || entry.id.startsWith(prefix))
      .filter((entry) => after === undefined || (reverse ? compareIds(entry.id, after) < 0 : compareIds(entry.id, after) > 0))
      .sort((a, b) => (reverse ? compareIds(b.id, a.id) : compareIds(a.id, b.id)));
    const limited = query.limit !== undefined ? rows.slice(0, Math.max(0, Math.floor(query.limit))) : rows;
    return limited.map((entry) => toRecord<T>(entry));
  }

  async listAll<T>(kind: string): Promise<ScopedRecord<T>[]> {
    return [...this.entries.values()]
      .filter((entry) => entry.kind === kind)
      .sort((a, b) => compareIds(a.scope.account, b.scope.account) || compareIds(a.scope.region, b.scope.region) || compareIds(a.id, b.id))
      .map((entry) => ({ ...toRecord<T>(entry), scope: { ...entry.scope } }));
  }

  // Indexes are answered by filtering on the index's keys: a test store holds few records, and the
  // answer is by definition the scanned one the SQLite store's maintained index must equal.
  async listByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string, query: IndexQuery = {}): Promise<StoredRecord<T>[]> {
    const filed = (await this.list<T>(index.kind, scope, { ...(query.after !== undefined ? { after: query.after } : {}), ...(query.reverse !== undefined ? { reverse: query.reverse } : {}) }))
      .filter((record) => index.keys(record.id, record.doc).includes(key));
    return query.limit !== undefined ? filed.slice(0, Math.max(0, Math.floor(query.limit))) : filed;
  }

  async listIdsByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string, query: IndexQuery = {}): Promise<string[]> {
    return (await this.listByIndex(index, scope, key, query)).map((record) => record.id);
  }

  async listAllByIndex<T>(index: RecordIndex<T>, key: string): Promise<ScopedRecord<T>[]> {
    return (await this.listAll<T>(index.kind)).filter((record) => index.keys(record.id, record.doc).includes(key));
  }

  async countByIndex<T>(index: RecordIndex<T>, scope: Scope, key: string): Promise<number> {
    return (await this.listByIndex(index, scope, key)).length;
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    // Staged on the side and committed only when every expectation held: all or nothing.
    const staged = new Map<string, Entry | undefined>();
    const current = (key: string): Entry | undefined => (staged.has(key) ? staged.get(key) : this.entries.get(key));
    for (const op of ops) {
      const key = keyOf(op.kind, op.scope, op.id);
      const existing = current(key)?.version;
      if (op.expect === 'absent' ? existing !== undefined : op.expect !== undefined && existing !== op.expect) {
        throw new StaleWriteError(op.kind, op.id);
      }
      staged.set(
        key,
        op.op === 'delete'
          ? undefined
          : { kind: op.kind, scope: { account: op.scope.account, region: op.scope.region }, id: op.id, version: (existing ?? 0) + 1, json: JSON.stringify(op.doc) },
      );
    }
    for (const [key, entry] of staged) {
      if (entry) this.entries.set(key, entry);
      else this.entries.delete(key);
    }
    this.committed.push(ops.map((op) => JSON.parse(JSON.stringify(op)) as WriteOp));
    for (const op of ops) {
      for (const listener of this.watchers.get(op.kind) ?? []) {
        // A watcher's failure is its own; it must not undo or hide a committed write.
        try {
          listener({ kind: op.kind, scope: op.scope, id: op.id });
        } catch {
          // ignored on purpose
        }
      }
    }
  }

  watch(kind: string, listener: (change: Change) => void): () => void {
    let listeners = this.watchers.get(kind);
    if (!listeners) this.watchers.set(kind, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners!.delete(listener);
  }

  async wipe(): Promise<void> {
    this.entries.clear();
  }

  async close(): Promise<void> {}
}

function keyOf(kind: string, scope: Scope, id: string): string {
  return JSON.stringify([kind, scope.account, scope.region, id]);
}

function toRecord<T>(entry: Entry): StoredRecord<T> {
  return { id: entry.id, version: entry.version, doc: JSON.parse(entry.json) as T };
}

/**
 * Ids in the order SQLite's BINARY collation gives them (UTF-8 bytes), which
 * is code point order; JavaScript's `<` compares UTF-16 units and would put
 * characters past U+FFFF before U+E000..U+FFFF.
 */
function compareIds(a: string, b: string): number {
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const left = a.codePointAt(i)!;
    const right = b.codePointAt(j)!;
    if (left !== right) return left - right;
    i += left > 0xffff ? 2 : 1;
    j += right > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
