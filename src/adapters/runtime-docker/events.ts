/**
 * The engine's event stream, narrowed to what a task supervisor reacts to:
 * start, die (with exit code), oom and health transitions of Wharf's containers.
 *
 * `GET /events` is a long-lived response that ends when the engine restarts or
 * the connection drops. The subscription reconnects with a short back-off and
 * resumes with `since` a little before the newest event seen (the engine keeps
 * a short backlog), dropping the replayed duplicates, so a blip loses nothing.
 * The first connection also starts from the moment subscribe() was called, so
 * an event that happens while the stream is still connecting is not lost either.
 *
 * The engine stamps an event before it takes the lock that orders publication,
 * so under load an event can arrive stamped a little earlier than one already
 * delivered (a container's `oom` after its `die`). Duplicates are therefore
 * recognised by their exact identity (time, container, action), never by being
 * older than the newest event: that would drop such an event.
 */
import type Docker from 'dockerode';
import type { Logger } from '../../ports/logger.js';
import { WHARF_LABELS, type RuntimeEvent } from '../../ports/runtime.js';
import { jsonLineSplitter } from './json-lines.js';

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 5_000;
/** How far before the newest event a reconnect resumes: wider than any out-of-order stamping. */
const REPLAY_MARGIN_NS = 2_000_000_000n;
/** Delivered events remembered to recognise replays: far more than a replay margin's worth. */
const REMEMBERED_EVENTS = 4_096;

/** Attributes the engine puts beside the labels in Actor.Attributes. */
const NON_LABEL_ATTRIBUTES = new Set(['name', 'image', 'exitCode', 'signal', 'execDuration']);

interface EngineEvent {
  Type?: string;
  Action?: string;
  id?: string;
  timeNano?: number;
  time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export const EVENT_FILTERS: NonNullable<Exclude<Docker.GetEventsOptions['filters'], string>> = {
  type: ['container'],
  // health_status matches every "health_status: <status>" action.
  event: ['start', 'die', 'oom', 'health_status'],
  label: [`${WHARF_LABELS.managed}=true`],
};

export function subscribeEvents(docker: Docker, onEvent: (event: RuntimeEvent) => void, logger: Logger): () => void {
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff = BACKOFF_MIN_MS;
  // The first connection starts now; later ones a margin before the newest event delivered.
  const subscribedAt = BigInt(Date.now()) * 1_000_000n;
  let newest = subscribedAt;
  const resumeFrom = (): bigint => (newest === subscribedAt ? subscribedAt : newest - REPLAY_MARGIN_NS);
  const delivered = new RecentKeys(REMEMBERED_EVENTS);

  const deliver = (raw: unknown): void => {
    const event = raw as EngineEvent;
    const time = eventTime(event);
    if (!delivered.add(`${time}|${event.Actor?.ID ?? event.id}|${event.Action}`)) return; // replayed after a reconnect
    if (time > newest) newest = time;
    const mapped = toRuntimeEvent(event);
    if (!mapped) return;
    try {
      onEvent(mapped);
    } catch (err) {
      // A throwing handler must not tear down the stream for everyone after it.
      logger.error({ err, event: mapped }, 'runtime event handler threw');
    }
  };

  const reconnectLater = (why: unknown): void => {
    stream = undefined;
    if (stopped || timer) return;
    logger.warn({ err: why, retryInMs: backoff }, 'docker event stream ended; reconnecting');
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, backoff);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  };

  const connect = async (): Promise<void> => {
    let s: NodeJS.ReadableStream;
    try {
      s = await docker.getEvents({
        // The engine takes "seconds.nanoseconds"; the typings only know numbers.
        since: formatSince(resumeFrom()) as unknown as number,
        filters: EVENT_FILTERS,
      });
    } catch (err) {
      reconnectLater(err);
      return;
    }
    if (stopped) {
      destroy(s);
      return;
    }
    stream = s;
    backoff = BACKOFF_MIN_MS;
    let ended = false;
    const onEnd = (why: unknown): void => {
      if (ended) return;
      ended = true;
      reconnectLater(why);
    };
    s.on('data', jsonLineSplitter(deliver, (line) => logger.warn({ line }, 'unparsable docker event')));
    s.on('error', onEnd);
    s.on('end', () => onEnd('end of stream'));
    s.on('close', () => onEnd('stream closed'));
  };

  void connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stream) destroy(stream);
    stream = undefined;
  };
}

export function toRuntimeEvent(event: EngineEvent): RuntimeEvent | undefined {
  if (event.Type !== undefined && event.Type !== 'container') return undefined;
  const containerId = event.Actor?.ID ?? event.id;
  const action = event.Action ?? '';
  if (!containerId) return undefined;
  const labels = labelsOf(event.Actor?.Attributes ?? {});
  if (action === 'start' || action === 'oom') return { kind: action, containerId, labels };
  if (action === 'die') {
    const exitCode = Number(event.Actor?.Attributes?.exitCode);
    return { kind: 'die', containerId, labels, ...(Number.isInteger(exitCode) ? { exitCode } : {}) };
  }
  // "health_status: healthy" (the status rides in the action string).
  const health = /^health_status:\s*(healthy|unhealthy|starting)$/.exec(action)?.[1];
  if (health === 'healthy' || health === 'unhealthy' || health === 'starting') return { kind: 'health', containerId, labels, health };
  return undefined;
}

function labelsOf(attributes: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) if (!NON_LABEL_ATTRIBUTES.has(k)) labels[k] = v;
  return labels;
}

/** A bounded set of keys in arrival order: `add` answers false for a key already present. */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly limit: number) {}

  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }
}

function eventTime(event: EngineEvent): bigint {
  if (typeof event.timeNano === 'number') return BigInt(Math.trunc(event.timeNano));
  return BigInt(Math.trunc(event.time ?? 0)) * 1_000_000_000n;
}

function formatSince(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}`;
}

function destroy(stream: NodeJS.ReadableStream): void {
  const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
  s.removeAllListeners('data');
  s.destroy?.();
}
