import { randomUUID } from 'node:crypto';
import { AwsError } from '../../domain/errors.js';
import { logsInvalidParameter } from '../../domain/logs/errors.js';
import { parseQuery } from '../../domain/logs/insights/query-parser.js';
import { QueryRun, recordOf, formatTimestamp, type ResultField } from '../../domain/logs/insights/query-run.js';
import { checkLogGroupIdentifier, checkLogGroupName, parseLogGroupArn } from '../../domain/logs/names.js';
import { LOG_RESOURCE } from '../../domain/logs/resource-kinds.js';
import { retentionCutoff } from '../../domain/logs/retention.js';
import type { LogStore } from '../../ports/log-store.js';
import type { Scope } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { decodeToken, encodeToken, groupNameOf, requireGroup } from './lookup.js';

/** StartQuery's default result count (its largest is the model's, 100,000). */
const DEFAULT_LIMIT = 10_000;
/** Concurrent queries per account (the Insights user guide's quota; older API reference pages say 30). */
const MAX_CONCURRENT = 100;
/** Log groups one query may name. */
const MAX_GROUPS = 50;
/** How long finished queries are kept for GetQueryResults and DescribeQueries. */
const KEEP_MS = 7 * 86_400_000; // unverified: AWS keeps query results 7 days
const SCAN_BATCH = 2_000;

type Status = 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout';

interface QueryState {
  readonly scope: Scope;
  readonly queryId: string;
  readonly queryString: string;
  readonly groups: readonly string[];
  readonly createTime: number;
  status: Status;
  endedAt?: number;
  durationMs: number;
  recordsScanned: number;
  recordsMatched: number;
  bytesScanned: number;
  results: ResultField[][];
}

/** A pointer to one event for @ptr (GetLogRecord): its group, timestamp and id. */
const pointerOf = (group: string, timestamp: number, id: number) => Buffer.from(JSON.stringify([group, timestamp, id]), 'utf8').toString('base64url');

function decodePointer(pointer: string): [string, number, number] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(pointer, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && typeof value[0] === 'string' && Number.isSafeInteger(value[1]) && Number.isSafeInteger(value[2])) return value as [string, number, number];
  } catch {
    // answered by the caller
  }
  return undefined;
}

/** GetLogGroupFields looks at the events of this window before the given time. */
const FIELDS_WINDOW_MS = 15 * 60_000;
const FIELDS_SAMPLE = 10_000;

interface StoredQueryDefinition {
  readonly queryDefinitionId: string;
  readonly name: string;
  readonly queryString: string;
  readonly logGroupNames?: readonly string[];
  readonly lastModified: number;
  readonly queryLanguage: 'CWLI';
}

/**
 * CloudWatch Logs Insights: StartQuery schedules a run over the stored events
 * (domain/logs/insights parses and evaluates), GetQueryResults reads its
 * status, statistics and rows, StopQuery cancels it, DescribeQueries lists
 * recent ones. Runs happen in this process, batch by batch between requests,
 * so a long query never holds up the API; queries are kept for a week.
 */
export function insightsHandlers(store: LogStore) {
  const queries = new Map<string, QueryState>();

  function prune(now: number): void {
    for (const [id, query] of queries) if (query.endedAt !== undefined && now - query.endedAt > KEEP_MS) queries.delete(id);
  }

  async function run(query: QueryState, parsed: ReturnType<typeof parseQuery>, range: { start: number; end: number }, limit: number, now: number): Promise<void> {
    const began = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    if (query.status !== 'Scheduled') return;
    query.status = 'Running';
    const evaluation = new QueryRun(parsed, limit);
    try {
      for (const group of query.groups) {
        const record = await store.getGroup(query.scope, group);
        if (!record) continue;
        const cutoff = retentionCutoff(now, record.retentionInDays);
        let after: { timestamp: number; id: number } | undefined;
        while (true) {
          const batch = await store.readGroup(query.scope, group, { startTime: Math.max(range.start, cutoff ?? range.start), endTime: range.end, ...(after ? { after } : {}), limit: SCAN_BATCH });
          for (const event of batch) {
            query.recordsScanned++;
            query.bytesScanned += Buffer.byteLength(event.message, 'utf8');
            evaluation.add({ account: query.scope.account, group, stream: event.stream, timestamp: event.timestamp, ingestionTime: event.ingestionTime, message: event.message, ptr: pointerOf(group, event.timestamp, event.id) });
          }
          if (batch.length < SCAN_BATCH) break;
          after = batch[batch.length - 1]!;
          await new Promise((resolve) => setImmediate(resolve));
          if ((query.status as Status) === 'Cancelled') return;
        }
      }
      const outcome = evaluation.finish();
      if ((query.status as Status) === 'Cancelled') return;
      query.results = outcome.rows;
      query.recordsMatched = outcome.recordsMatched;
      query.status = 'Complete';
    } catch {
      query.status = 'Failed';
    } finally {
      query.durationMs = Math.round(performance.now() - began);
      query.endedAt = now + query.durationMs;
    }
  }

  function groupsOf(input: { logGroupName?: string; logGroupNames?: string[]; logGroupIdentifiers?: string[] }, ctx: RequestContext): string[] {
    const given = [input.logGroupName !== undefined, input.logGroupNames !== undefined, input.logGroupIdentifiers !== undefined].filter(Boolean).length;
    if (given !== 1) throw logsInvalidParameter('Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.'); // unverified wording
    if (input.logGroupName !== undefined) {
      checkLogGroupName(input.logGroupName);
      return [input.logGroupName];
    }
    const names = input.logGroupNames ?? [];
    names.forEach((name, i) => checkLogGroupName(name, `logGroupNames.${i + 1}.member`));
    const identifiers = input.logGroupIdentifiers ?? [];
    const fromIdentifiers = identifiers.map((id, i) => {
      checkLogGroupIdentifier(id, `logGroupIdentifiers.${i + 1}.member`);
      if (!id.startsWith('arn:')) return id;
      const arn = parseLogGroupArn(id);
      if (!arn) throw logsInvalidParameter(`Invalid log group ARN: ${id}`);
      return arn.account === ctx.scope.account && arn.region === ctx.scope.region ? arn.name : `\0${id}`;
    });
    const all = [...new Set([...names, ...fromIdentifiers])];
    if (all.length === 0 || all.length > MAX_GROUPS) throw logsInvalidParameter(`A query names between 1 and ${MAX_GROUPS} log groups.`); // unverified wording
    return all;
  }

  function requireQuery(ctx: RequestContext, queryId: string): QueryState {
    const query = queries.get(queryId);
    if (!query || query.scope.account !== ctx.scope.account || query.scope.region !== ctx.scope.region) {
      throw new AwsError('ResourceNotFoundException', `Query ${queryId} does not exist.`); // unverified wording
    }
    return query;
  }

  return {
    async StartQuery(
      input: { logGroupName?: string; logGroupNames?: string[]; logGroupIdentifiers?: string[]; startTime: number; endTime: number; queryString: string; limit?: number; queryLanguage?: string },
      ctx: RequestContext,
    ) {
      if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') {
        throw logsInvalidParameter(`Wharf answers Logs Insights queries (queryLanguage CWLI) only; ${input.queryLanguage} is not supported.`);
      }
      const groups = groupsOf(input, ctx);
      if (input.endTime < input.startTime) throw logsInvalidParameter('End time should not be before the start time.'); // unverified wording
      const parsed = parseQuery(input.queryString);
      for (const group of groups) {
        const name = group.startsWith('\0') ? group.slice(1) : group;
        if (group.startsWith('\0') || !(await store.getGroup(ctx.scope, name))) {
          throw new AwsError('ResourceNotFoundException', `Log group '${name}' does not exist for account ID '${ctx.scope.account}'`); // unverified wording
        }
      }
      const now = ctx.now.getTime();
      prune(now);
      const active = [...queries.values()].filter((q) => q.scope.account === ctx.scope.account && q.scope.region === ctx.scope.region && (q.status === 'Scheduled' || q.status === 'Running'));
      if (active.length >= MAX_CONCURRENT) throw new AwsError('LimitExceededException', `Account maximum query concurrency limit of [${MAX_CONCURRENT}] reached.`); // unverified wording
      const query: QueryState = {
        scope: ctx.scope,
        queryId: randomUUID(),
        queryString: input.queryString,
        groups,
        createTime: now,
        status: 'Scheduled',
        durationMs: 0,
        recordsScanned: 0,
        recordsMatched: 0,
        bytesScanned: 0,
        results: [],
      };
      queries.set(query.queryId, query);
      // startTime and endTime are epoch seconds, both inclusive.
      void run(query, parsed, { start: input.startTime * 1000, end: input.endTime * 1000 + 1000 }, input.limit ?? DEFAULT_LIMIT, now);
      return { queryId: query.queryId };
    },

    async GetQueryResults(input: { queryId: string; maxItems?: number; nextToken?: string }, ctx: RequestContext) {
      const query = requireQuery(ctx, input.queryId);
      const offset = decodeToken(input.nextToken, (v): v is { offset: number } => typeof v === 'object' && v !== null && Number.isSafeInteger((v as { offset?: unknown }).offset))?.offset ?? 0;
      const size = input.maxItems ?? query.results.length;
      const results = query.status === 'Complete' ? query.results.slice(offset, offset + size) : [];
      return {
        queryLanguage: 'CWLI',
        results,
        statistics: { recordsMatched: query.recordsMatched, recordsScanned: query.recordsScanned, bytesScanned: query.bytesScanned, logGroupsScanned: query.groups.length },
        status: query.status,
        ...(query.status === 'Complete' && offset + size < query.results.length ? { nextToken: encodeToken({ offset: offset + size }) } : {}),
      };
    },

    async StopQuery(input: { queryId: string }, ctx: RequestContext) {
      const query = requireQuery(ctx, input.queryId);
      if (query.status !== 'Scheduled' && query.status !== 'Running') return { success: false };
      query.status = 'Cancelled';
      query.endedAt = ctx.now.getTime();
      return { success: true };
    },

    async DescribeQueries(input: { logGroupName?: string; status?: Status; maxResults?: number; nextToken?: string; queryLanguage?: string }, ctx: RequestContext) {
      prune(ctx.now.getTime());
      const mine = [...queries.values()]
        .filter((q) => q.scope.account === ctx.scope.account && q.scope.region === ctx.scope.region)
        .filter((q) => input.logGroupName === undefined || q.groups.includes(input.logGroupName))
        .filter((q) => input.status === undefined || q.status === input.status)
        .sort((a, b) => b.createTime - a.createTime);
      const offset = decodeToken(input.nextToken, (v): v is { offset: number } => typeof v === 'object' && v !== null && Number.isSafeInteger((v as { offset?: unknown }).offset))?.offset ?? 0;
      const size = input.maxResults ?? 1000;
      return {
        queries: mine.slice(offset, offset + size).map((q) => ({
          queryLanguage: 'CWLI',
          queryId: q.queryId,
          queryString: q.queryString,
          status: q.status,
          createTime: q.createTime,
          ...(q.groups.length > 0 ? { logGroupName: q.groups[0] } : {}),
          queryDuration: q.durationMs,
          bytesScanned: q.bytesScanned,
        })),
        ...(offset + size < mine.length ? { nextToken: encodeToken({ offset: offset + size }) } : {}),
      };
    },

    async GetLogRecord(input: { logRecordPointer: string }, ctx: RequestContext) {
      const pointer = decodePointer(input.logRecordPointer);
      if (!pointer) throw logsInvalidParameter('The specified logRecordPointer is invalid.'); // unverified wording
      const [group, timestamp, id] = pointer;
      const [event] = await store.readGroup(ctx.scope, group, { startTime: timestamp, endTime: timestamp + 1, after: { timestamp, id: id - 1 }, limit: 1 });
      if (!event || event.id !== id) throw new AwsError('ResourceNotFoundException', 'The specified log record does not exist.'); // unverified wording
      const record = recordOf({ account: ctx.scope.account, group, stream: event.stream, timestamp: event.timestamp, ingestionTime: event.ingestionTime, message: event.message, ptr: input.logRecordPointer });
      const logRecord: Record<string, string> = {};
      for (const [field, value] of record) {
        if (field === '@ptr' || value === undefined || value === null) continue;
        logRecord[field] = field === '@timestamp' || field === '@ingestionTime' ? formatTimestamp(value as number) : String(value);
      }
      return { logRecord };
    },

    async GetLogGroupFields(input: { logGroupName?: string; logGroupIdentifier?: string; time?: number }, ctx: RequestContext) {
      const group = groupNameOf(input, ctx);
      await requireGroup(store, ctx, group);
      const end = (input.time ?? Math.floor(ctx.now.getTime() / 1000)) * 1000 + 1000;
      const events = await store.readGroup(ctx.scope, group, { startTime: end - FIELDS_WINDOW_MS, endTime: end, limit: FIELDS_SAMPLE });
      const seen = new Map<string, number>();
      for (const event of events) {
        for (const field of recordOf({ account: ctx.scope.account, group, stream: event.stream, timestamp: event.timestamp, ingestionTime: event.ingestionTime, message: event.message, ptr: '' }).keys()) {
          if (field !== '@ptr') seen.set(field, (seen.get(field) ?? 0) + 1);
        }
      }
      return { logGroupFields: [...seen].map(([name, count]) => ({ name, percent: Math.round((100 * count) / events.length) })) };
    },

    async PutQueryDefinition(input: { name: string; queryDefinitionId?: string; logGroupNames?: string[]; queryString: string; queryLanguage?: string }, ctx: RequestContext) {
      if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') throw logsInvalidParameter(`Wharf keeps Logs Insights query definitions (CWLI) only; ${input.queryLanguage} is not supported.`);
      input.logGroupNames?.forEach((name, i) => checkLogGroupName(name, `logGroupNames.${i + 1}.member`));
      if (input.queryDefinitionId !== undefined && !(await store.getResource(ctx.scope, { kind: LOG_RESOURCE.queryDefinition, name: input.queryDefinitionId }))) {
        throw new AwsError('ResourceNotFoundException', 'The specified query definition does not exist.'); // unverified wording
      }
      const definition: StoredQueryDefinition = {
        queryDefinitionId: input.queryDefinitionId ?? randomUUID(),
        name: input.name,
        queryString: input.queryString,
        ...(input.logGroupNames ? { logGroupNames: input.logGroupNames } : {}),
        lastModified: ctx.now.getTime(),
        queryLanguage: 'CWLI',
      };
      await store.putResource(ctx.scope, { kind: LOG_RESOURCE.queryDefinition, name: definition.queryDefinitionId }, definition);
      return { queryDefinitionId: definition.queryDefinitionId };
    },

    async DescribeQueryDefinitions(input: { queryDefinitionNamePrefix?: string; maxResults?: number; nextToken?: string }, ctx: RequestContext) {
      const all = (await store.listResources(ctx.scope, LOG_RESOURCE.queryDefinition))
        .map((record) => record.body as StoredQueryDefinition)
        .filter((definition) => input.queryDefinitionNamePrefix === undefined || definition.name.startsWith(input.queryDefinitionNamePrefix))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const offset = decodeToken(input.nextToken, (v): v is { offset: number } => typeof v === 'object' && v !== null && Number.isSafeInteger((v as { offset?: unknown }).offset))?.offset ?? 0;
      const size = input.maxResults ?? 1000;
      return {
        queryDefinitions: all.slice(offset, offset + size),
        ...(offset + size < all.length ? { nextToken: encodeToken({ offset: offset + size }) } : {}),
      };
    },

    async DeleteQueryDefinition(input: { queryDefinitionId: string }, ctx: RequestContext) {
      if (!(await store.deleteResource(ctx.scope, { kind: LOG_RESOURCE.queryDefinition, name: input.queryDefinitionId }))) {
        throw new AwsError('ResourceNotFoundException', 'The specified query definition does not exist.'); // unverified wording
      }
      return { success: true };
    },
  };
}
