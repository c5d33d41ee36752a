/**
 * The engine's event stream, narrowed to what a task supervisor reacts to:
 * start, die (with exit code), oom and health transitions of Wharf's containers.
 *
 * `GET /events` is a long-lived response that ends when the engine restarts or
 * the connection drops. The subscription reconnects with a short back-off and
 * resumes with `since` from the last event seen (the engine keeps a short
 * backlog), dropping the replayed duplicates, so a blip loses nothing. The
 * first connection also starts from the moment subscribe() was called, so an
 * event that happens while the stream is still connecting is not lost either.
 */
import type Docker from 'dockerode';
import type { Logger } from '../../ports/logger.js';
import { WHARF_LABELS, type RuntimeEvent } from '../../ports/runtime.js';
import { jsonLineSplitter } from './json-lines.js';

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 5_000;

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
  // Resume point, in nanoseconds since the epoch, and the events already seen at exactly that time.
  let resumeFrom = BigInt(Date.now()) * 1_000_000n;
  let seenAtResume = new Set<string>();

  const deliver = (raw: unknown): void => {
    const event = raw as EngineEvent;
    const time = eventTime(event);
    const key = `${event.Actor?.ID ?? event.id}|${event.Action}`;
    if (time < resumeFrom || (time === resumeFrom && seenAtResume.has(key))) return; // replayed after a reconnect
    if (time > resumeFrom) {
      resumeFrom = time;
      seenAtResume = new Set();
    }
    seenAtResume.add(key);
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
        since: formatSince(resumeFrom) as unknown as number,
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
