import { logsInvalidParameter } from './errors.js';
import { retentionCutoff } from './retention.js';

/** PutLogEvents' batch limits (CloudWatch Logs quotas). */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;
export const MAX_PAST_MS = 14 * 24 * 60 * 60 * 1000;
export const MAX_FUTURE_MS = 2 * 60 * 60 * 1000;

export interface BatchEvent {
  readonly timestamp: number;
  readonly message: string;
}

export interface RejectedLogEventsInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

export interface BatchPlan {
  /** Indexes [first, end) of the events to store. */
  readonly first: number;
  readonly end: number;
  readonly rejected?: RejectedLogEventsInfo;
}

/** UTF-8 length without Node's Buffer (domain code is pure). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Checks a PutLogEvents batch as CloudWatch Logs does: broken batches are
 * refused whole (InvalidParameterException); events too old (14 days, or past
 * the group's retention) or too far in the future (2 h) are left out and
 * reported in rejectedLogEventsInfo. Events are chronological, so the stored
 * ones are one contiguous run.
 */
export function planPutLogEvents(events: readonly BatchEvent[], now: number, retentionInDays: number | undefined): BatchPlan {
  if (events.length > MAX_BATCH_EVENTS) throw logsInvalidParameter(`The batch of log events exceeds the maximum of ${MAX_BATCH_EVENTS} events.`);
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (i > 0 && event.timestamp < events[i - 1]!.timestamp) {
      throw logsInvalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
    }
    bytes += utf8Length(event.message) + EVENT_OVERHEAD_BYTES;
  }
  if (bytes > MAX_BATCH_BYTES) throw logsInvalidParameter(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  if (events.length > 1 && events[events.length - 1]!.timestamp - events[0]!.timestamp > MAX_BATCH_SPAN_MS) {
    throw logsInvalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
  const tooOldBefore = now - MAX_PAST_MS;
  const expiredBefore = retentionCutoff(now, retentionInDays);
  const tooNewAfter = now + MAX_FUTURE_MS;
  let first = 0;
  let tooOldEnd: number | undefined;
  let expiredEnd: number | undefined;
  while (first < events.length) {
    const ts = events[first]!.timestamp;
    if (expiredBefore !== undefined && ts < expiredBefore) expiredEnd = first;
    else if (ts < tooOldBefore) tooOldEnd = first;
    else break;
    first++;
  }
  let end = events.length;
  while (end > first && events[end - 1]!.timestamp > tooNewAfter) end--;
  const rejected: RejectedLogEventsInfo = {
    ...(end < events.length ? { tooNewLogEventStartIndex: end } : {}),
    ...(tooOldEnd !== undefined ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
    ...(expiredEnd !== undefined ? { expiredLogEventEndIndex: expiredEnd } : {}),
  };
  return { first, end, ...(Object.keys(rejected).length ? { rejected } : {}) };
}
