import { logStreamAlreadyExists, logGroupNotFound, logStreamNotFound, logsInvalidParameter } from '../../domain/logs/errors.js';
import { checkLogStreamName, logStreamArn } from '../../domain/logs/names.js';
import type { LogStore, LogStreamRecord } from '../../ports/log-store.js';
import type { RequestContext } from '../service.js';
import { decodeToken, encodeToken, groupNameOf, requireGroup } from './lookup.js';

const isOffset = (value: unknown): value is { offset: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { offset?: unknown }).offset) && (value as { offset: number }).offset >= 0;

/** Log streams: create, delete, describe (by name or by last event time). */
export function streamHandlers(store: LogStore) {
  return {
    async CreateLogStream(input: { logGroupName: string; logStreamName: string }, ctx: RequestContext) {
      const group = groupNameOf({ logGroupName: input.logGroupName }, ctx);
      checkLogStreamName(input.logStreamName);
      const result = await store.createStream(ctx.scope, group, input.logStreamName, ctx.now.getTime());
      if (result === 'no-group') throw logGroupNotFound();
      if (result === 'exists') throw logStreamAlreadyExists();
      return {};
    },

    async DeleteLogStream(input: { logGroupName: string; logStreamName: string }, ctx: RequestContext) {
      const group = groupNameOf({ logGroupName: input.logGroupName }, ctx);
      checkLogStreamName(input.logStreamName);
      await requireGroup(store, ctx, group);
      if (!(await store.deleteStream(ctx.scope, group, input.logStreamName))) throw logStreamNotFound();
      return {};
    },

    async DescribeLogStreams(
      input: { logGroupName?: string; logGroupIdentifier?: string; logStreamNamePrefix?: string; orderBy?: 'LogStreamName' | 'LastEventTime'; descending?: boolean; limit?: number; nextToken?: string },
      ctx: RequestContext,
    ) {
      const group = groupNameOf(input, ctx);
      const orderBy = input.orderBy ?? 'LogStreamName';
      if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
        throw logsInvalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
      }
      if (input.logStreamNamePrefix !== undefined) checkLogStreamName(input.logStreamNamePrefix, 'logStreamNamePrefix');
      await requireGroup(store, ctx, group);
      const limit = input.limit ?? 50;
      const offset = decodeToken(input.nextToken, isOffset)?.offset ?? 0;
      const streams = await store.listStreams(ctx.scope, group, input.logStreamNamePrefix);
      if (orderBy === 'LastEventTime') {
        // Streams without events sort first, as in CloudWatch; ties by name.
        streams.sort((a, b) => (a.lastEventTimestamp ?? -1) - (b.lastEventTimestamp ?? -1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }
      if (input.descending) streams.reverse();
      const pageItems = streams.slice(offset, offset + limit);
      return {
        logStreams: pageItems.map((stream) => describeStream(stream, group, ctx)),
        ...(offset + limit < streams.length ? { nextToken: encodeToken({ offset: offset + limit }) } : {}),
      };
    },
  };
}

function describeStream(stream: LogStreamRecord, group: string, ctx: RequestContext) {
  return {
    logStreamName: stream.name,
    creationTime: stream.createdAt,
    ...(stream.firstEventTimestamp !== undefined ? { firstEventTimestamp: stream.firstEventTimestamp } : {}),
    ...(stream.lastEventTimestamp !== undefined ? { lastEventTimestamp: stream.lastEventTimestamp } : {}),
    ...(stream.lastIngestionTime !== undefined ? { lastIngestionTime: stream.lastIngestionTime } : {}),
    uploadSequenceToken: sequenceToken(stream.lastIngestionTime ?? stream.createdAt),
    arn: logStreamArn(ctx.partition, ctx.scope.region, ctx.scope.account, group, stream.name),
    // Deprecated in CloudWatch Logs and always 0 there.
    storedBytes: 0,
  };
}

/** Sequence tokens are accepted and ignored, as CloudWatch Logs now does; this one only looks like theirs. */
export function sequenceToken(at: number): string {
  return String(at).padStart(56, '4');
}
