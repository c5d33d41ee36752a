import { logStreamNotFound, logsInvalidParameter } from '../../domain/logs/errors.js';
import { matchesFilter, parseFilterPattern } from '../../domain/logs/filter-pattern.js';
import { checkLogStreamName } from '../../domain/logs/names.js';
import { planPutLogEvents } from '../../domain/logs/put-batch.js';
import { retentionCutoff } from '../../domain/logs/retention.js';
import { decodeStreamToken, encodeStreamToken, START_POSITION } from '../../domain/logs/tokens.js';
import type { LogPosition, LogStore, StoredLogEvent } from '../../ports/log-store.js';
import type { RequestContext } from '../service.js';
import { decodeToken, encodeToken, groupNameOf, requireGroup } from './lookup.js';
import { sequenceToken } from './streams.js';

/** What one GetLogEvents / FilterLogEvents answer may hold. */
const MAX_EVENTS = 10_000;
const MAX_BYTES = 1_048_576;
/** How many events one FilterLogEvents call looks at before handing back a token. */
const FILTER_SCAN_BUDGET = 200_000;
const SCAN_BATCH = 2_000;

const isPosition = (value: unknown): value is { t: number; i: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { t?: unknown }).t) && Number.isSafeInteger((value as { i?: unknown }).i);

/** Events under the 1 MB answer limit (26 bytes of overhead each, as PutLogEvents counts). */
function withinBytes(events: StoredLogEvent[]): StoredLogEvent[] {
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    bytes += Buffer.byteLength(events[i]!.message, 'utf8') + 26;
    if (bytes > MAX_BYTES) return events.slice(0, Math.max(1, i));
  }
  return events;
}

/** The effective lower time bound: the caller's, raised to the retention cutoff (expired events are never shown). */
function lowerBound(startTime: number | undefined, retentionInDays: number | undefined, now: number): number | undefined {
  const cutoff = retentionCutoff(now, retentionInDays);
  if (cutoff === undefined) return startTime;
  return startTime === undefined ? cutoff : Math.max(startTime, cutoff);
}

export const eventIdOf = (event: StoredLogEvent) => String(event.id).padStart(56, '0');

/** PutLogEvents, GetLogEvents, FilterLogEvents. */
export function eventHandlers(store: LogStore) {
  return {
    async PutLogEvents(input: { logGroupName: string; logStreamName: string; logEvents: { timestamp: number; message: string }[]; sequenceToken?: string }, ctx: RequestContext) {
      const groupName = groupNameOf({ logGroupName: input.logGroupName }, ctx);
      checkLogStreamName(input.logStreamName);
      const group = await requireGroup(store, ctx, groupName);
      if (!(await store.getStream(ctx.scope, groupName, input.logStreamName))) throw logStreamNotFound();
      const now = ctx.now.getTime();
      const plan = planPutLogEvents(input.logEvents, now, group.retentionInDays);
      await store.putEvents(ctx.scope, groupName, input.logStreamName, input.logEvents.slice(plan.first, plan.end), now);
      return { nextSequenceToken: sequenceToken(now), ...(plan.rejected ? { rejectedLogEventsInfo: plan.rejected } : {}) };
    },

    async GetLogEvents(
      input: { logGroupName?: string; logGroupIdentifier?: string; logStreamName: string; startTime?: number; endTime?: number; nextToken?: string; limit?: number; startFromHead?: boolean },
      ctx: RequestContext,
    ) {
      const groupName = groupNameOf(input, ctx);
      checkLogStreamName(input.logStreamName);
      const group = await requireGroup(store, ctx, groupName);
      if (!(await store.getStream(ctx.scope, groupName, input.logStreamName))) throw logStreamNotFound();
      const token = input.nextToken ? decodeStreamToken(input.nextToken) : undefined;
      const direction = token ? (token.direction === 'f' ? 'forward' : 'backward') : input.startFromHead ? 'forward' : 'backward';
      const startTime = lowerBound(input.startTime, group.retentionInDays, ctx.now.getTime());
      const read = await store.readStream(ctx.scope, groupName, input.logStreamName, {
        direction,
        ...(token ? { from: token.at } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
        ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
        limit: input.limit ?? MAX_EVENTS,
      });
      const inOrder = withinBytes(read);
      const events = direction === 'forward' ? inOrder : inOrder.reverse();
      // At the end the caller's own token comes back: that is how clients know to stop.
      const first: LogPosition = events[0] ?? token?.at ?? START_POSITION;
      const last: LogPosition = events[events.length - 1] ?? token?.at ?? START_POSITION;
      return {
        events: events.map((event) => ({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime })),
        nextForwardToken: encodeStreamToken('f', last),
        nextBackwardToken: encodeStreamToken('b', first),
      };
    },

    async FilterLogEvents(
      input: {
        logGroupName?: string;
        logGroupIdentifier?: string;
        logStreamNames?: string[];
        logStreamNamePrefix?: string;
        startTime?: number;
        endTime?: number;
        filterPattern?: string;
        nextToken?: string;
        limit?: number;
      },
      ctx: RequestContext,
    ) {
      const groupName = groupNameOf(input, ctx);
      if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
        throw logsInvalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
      }
      for (const name of input.logStreamNames ?? []) checkLogStreamName(name, 'logStreamNames');
      const pattern = parseFilterPattern(input.filterPattern);
      const group = await requireGroup(store, ctx, groupName);
      const limit = input.limit ?? MAX_EVENTS;
      const startTime = lowerBound(input.startTime, group.retentionInDays, ctx.now.getTime());
      const from = decodeToken(input.nextToken, isPosition);
      let after: LogPosition | undefined = from ? { timestamp: from.t, id: from.i } : undefined;
      const found: StoredLogEvent[] = [];
      let bytes = 0;
      let scanned = 0;
      let more = false;
      scan: while (true) {
        const batch = await store.readGroup(ctx.scope, groupName, {
          ...(input.logStreamNames ? { streams: input.logStreamNames } : {}),
          ...(input.logStreamNamePrefix ? { streamPrefix: input.logStreamNamePrefix } : {}),
          ...(startTime !== undefined ? { startTime } : {}),
          ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
          ...(after ? { after } : {}),
          limit: SCAN_BATCH,
        });
        for (const event of batch) {
          scanned++;
          if (matchesFilter(pattern, event.message)) {
            const size = Buffer.byteLength(event.message, 'utf8') + 26;
            if (found.length > 0 && bytes + size > MAX_BYTES) {
              more = true;
              break scan;
            }
            found.push(event);
            bytes += size;
          }
          after = event;
          if (found.length >= limit || scanned >= FILTER_SCAN_BUDGET) {
            more = true;
            break scan;
          }
        }
        if (batch.length < SCAN_BATCH) break;
      }
      return {
        events: found.map((event) => ({
          logStreamName: event.stream,
          timestamp: event.timestamp,
          message: event.message,
          ingestionTime: event.ingestionTime,
          eventId: eventIdOf(event),
        })),
        ...(more && after ? { nextToken: encodeToken({ t: after.timestamp, i: after.id }) } : {}),
      };
    },
  };
}
