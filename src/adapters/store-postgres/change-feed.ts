import pg from 'pg';
import type { Scope } from '../../ports/store.js';

/**
 * How a write in one Wharf process reaches the watchers of every other one:
 * the write transaction sends NOTIFY on one channel (PostgreSQL delivers it
 * when, and only if, the transaction commits), and each store keeps one
 * LISTEN connection that hands other processes' changes to its watchers.
 * Notifications are best effort (a dropped connection loses those sent while
 * it was down); controllers resync periodically, so a lost one only delays.
 */

export interface Change {
  readonly kind: string;
  readonly scope: Scope;
  readonly id: string;
}

export type ChangeListener = (change: Change) => void;

export const CHANGE_CHANNEL = 'wharf_store_changes';

/** PostgreSQL refuses a payload of 8000 bytes or more; stay clear of it. */
const PAYLOAD_LIMIT = 7500;

/**
 * The payloads announcing `changes`: `{"t": token, "c": [[kind, account, region, id], ...]}`,
 * as many as keep each under the limit. A single change too large for any
 * payload (ids of kilobytes) is left out rather than failing the write.
 */
export function encodeChanges(token: string, changes: readonly Change[], limit = PAYLOAD_LIMIT): string[] {
  const head = `{"t":${JSON.stringify(token)},"c":[`;
  const tail = ']}';
  const payloads: string[] = [];
  let items: string[] = [];
  let bytes = Buffer.byteLength(head) + tail.length;
  for (const change of changes) {
    const item = JSON.stringify([change.kind, change.scope.account, change.scope.region, change.id]);
    const size = Buffer.byteLength(item) + 1;
    if (Buffer.byteLength(head) + tail.length + size > limit) continue;
    if (bytes + size > limit) {
      payloads.push(head + items.join(',') + tail);
      items = [];
      bytes = Buffer.byteLength(head) + tail.length;
    }
    items.push(item);
    bytes += size;
  }
  if (items.length > 0) payloads.push(head + items.join(',') + tail);
  return payloads;
}

/** The sender's token and changes of a payload, or undefined for one this version cannot read. */
export function decodeChanges(payload: string): { token: string; changes: Change[] } | undefined {
  try {
    const parsed = JSON.parse(payload) as { t?: unknown; c?: unknown };
    if (typeof parsed.t !== 'string' || !Array.isArray(parsed.c)) return undefined;
    const changes: Change[] = [];
    for (const item of parsed.c as unknown[]) {
      if (!Array.isArray(item) || item.length !== 4 || !item.every((part) => typeof part === 'string')) return undefined;
      const [kind, account, region, id] = item as string[];
      changes.push({ kind: kind!, scope: { account: account!, region: region! }, id: id! });
    }
    return { token: parsed.t, changes };
  } catch {
    return undefined;
  }
}

/** This process's watchers, by kind. */
export class Watchers {
  private readonly byKind = new Map<string, Set<ChangeListener>>();

  add(kind: string, listener: ChangeListener): () => void {
    let listeners = this.byKind.get(kind);
    if (!listeners) this.byKind.set(kind, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners!.delete(listener);
  }

  emit(change: Change): void {
    for (const listener of this.byKind.get(change.kind) ?? []) {
      // A watcher's failure is its own; it must not undo or hide a committed write, nor stop the others.
      try {
        listener({ kind: change.kind, scope: change.scope, id: change.id });
      } catch {
        // ignored on purpose
      }
    }
  }
}

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 10_000;

/**
 * The LISTEN connection of one store. Changes sent under `ownToken` are
 * skipped: this process's watchers heard them when the write returned. A lost
 * connection is opened again with growing pauses until `close`; no error of
 * it ever reaches the process.
 */
export class ChangeFeed {
  private client: pg.Client | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly ownToken: string,
    private readonly deliver: (change: Change) => void,
  ) {}

  /** Listens before returning, so a watcher added afterwards hears every later commit; fails if the first connection does. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Whether the LISTEN connection is up now (for tests and health reports). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'wharf-store-listener' });
    client.on('notification', (message) => this.receive(message));
    // 'end' follows every error that loses the connection, and handles it; unhandled, an error would end the process.
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.reconnectLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      // Not awaited: ending a client whose connection never came up must not hold up the next attempt.
      void client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
  }

  private reconnectLater(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch(() => this.reconnectLater());
    }, delay);
    // A store waiting to reconnect must not keep a finished process alive.
    this.retryTimer.unref();
  }

  private receive(message: pg.Notification): void {
    if (message.channel !== CHANGE_CHANNEL || message.payload === undefined) return;
    const decoded = decodeChanges(message.payload);
    if (!decoded || decoded.token === this.ownToken) return;
    for (const change of decoded.changes) this.deliver(change);
  }
}
