import { checkKmsKeyArn } from '../../domain/logs/kms-key.js';
import { logGroupAlreadyExists, logGroupNotFound, logsInvalidParameter } from '../../domain/logs/errors.js';
import { checkLogGroupIdentifier, checkLogGroupName, checkNewLogGroupName, logGroupArn } from '../../domain/logs/names.js';
import { LOG_RESOURCE } from '../../domain/logs/resource-kinds.js';
import { checkRetentionInDays } from '../../domain/logs/retention.js';
import type { LogGroupRecord, LogStore } from '../../ports/log-store.js';
import type { RequestContext } from '../service.js';
import { decodeToken, encodeToken, groupByArn, requireGroup } from './lookup.js';

const MAX_TAGS = 50;


function checkTagCount(tags: Record<string, string>): void {
  if (Object.keys(tags).length > MAX_TAGS) throw logsInvalidParameter(`A log group can have at most ${MAX_TAGS} tags.`);
}

function describeGroup(group: LogGroupRecord, ctx: RequestContext, metricFilterCount: number) {
  const arn = logGroupArn(ctx.partition, ctx.scope.region, ctx.scope.account, group.name);
  return {
    logGroupName: group.name,
    creationTime: group.createdAt,
    ...(group.retentionInDays !== undefined ? { retentionInDays: group.retentionInDays } : {}),
    metricFilterCount,
    arn: `${arn}:*`,
    storedBytes: group.storedBytes,
    ...(group.kmsKeyId !== undefined ? { kmsKeyId: group.kmsKeyId } : {}),
    logGroupClass: 'STANDARD',
    logGroupArn: arn,
  };
}

const isAfter = (value: unknown): value is { after: string } => typeof value === 'object' && value !== null && typeof (value as { after?: unknown }).after === 'string';

/** Log groups: create, delete, describe, retention and tags. */
export function groupHandlers(store: LogStore) {
  async function editTags(ctx: RequestContext, group: LogGroupRecord, change: (tags: Record<string, string>) => Record<string, string>) {
    const tags = change({ ...group.tags });
    checkTagCount(tags);
    if (!(await store.setTags(ctx.scope, group.name, tags))) throw logGroupNotFound();
    return {};
  }

  return {
    async CreateLogGroup(input: { logGroupName: string; kmsKeyId?: string; tags?: Record<string, string>; logGroupClass?: string }, ctx: RequestContext) {
      checkKmsKeyArn(input.kmsKeyId);
      checkNewLogGroupName(input.logGroupName);
      if (input.logGroupClass !== undefined && input.logGroupClass !== 'STANDARD') {
        throw logsInvalidParameter(`Wharf keeps every log group in the STANDARD class; ${input.logGroupClass} is not supported.`);
      }
      checkTagCount(input.tags ?? {});
      const created = await store.createGroup(ctx.scope, {
        name: input.logGroupName,
        createdAt: ctx.now.getTime(),
        ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
        tags: input.tags ?? {},
      });
      if (!created) throw logGroupAlreadyExists();
      return {};
    },

    async DeleteLogGroup(input: { logGroupName: string }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      if (!(await store.deleteGroup(ctx.scope, input.logGroupName))) throw logGroupNotFound();
      return {};
    },

    async DescribeLogGroups(input: { logGroupNamePrefix?: string; logGroupNamePattern?: string; limit?: number; nextToken?: string; logGroupIdentifiers?: string[] }, ctx: RequestContext) {
      if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
        throw logsInvalidParameter('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.');
      }
      if (input.logGroupNamePrefix !== undefined) checkLogGroupName(input.logGroupNamePrefix, 'logGroupNamePrefix');
      const limit = input.limit ?? 50;
      const after = decodeToken(input.nextToken, isAfter)?.after;
      input.logGroupIdentifiers?.forEach((id, i) => checkLogGroupIdentifier(id, `logGroupIdentifiers.${i + 1}.member`));
      const wanted = input.logGroupIdentifiers?.map((id) => (id.startsWith('arn:') ? id.replace(/^.*:log-group:/, '').replace(/:\*$/, '') : id));
      // One more than asked tells whether another page exists.
      const groups = await store.listGroups(ctx.scope, {
        ...(input.logGroupNamePrefix ? { prefix: input.logGroupNamePrefix } : {}),
        ...(input.logGroupNamePattern ? { contains: input.logGroupNamePattern } : {}),
        ...(after !== undefined ? { after } : {}),
        limit: wanted ? Number.MAX_SAFE_INTEGER : limit + 1,
      });
      const chosen = wanted ? groups.filter((group) => wanted.includes(group.name)) : groups;
      const pageItems = chosen.slice(0, limit);
      return {
        logGroups: await Promise.all(pageItems.map(async (group) => describeGroup(group, ctx, (await store.listResources(ctx.scope, LOG_RESOURCE.metricFilter, group.name)).length))),
        ...(chosen.length > limit ? { nextToken: encodeToken({ after: pageItems[pageItems.length - 1]!.name }) } : {}),
      };
    },

    async PutRetentionPolicy(input: { logGroupName: string; retentionInDays: number }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      checkRetentionInDays(input.retentionInDays);
      if (!(await store.setRetention(ctx.scope, input.logGroupName, input.retentionInDays))) throw logGroupNotFound();
      return {};
    },

    async DeleteRetentionPolicy(input: { logGroupName: string }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      if (!(await store.setRetention(ctx.scope, input.logGroupName, null))) throw logGroupNotFound();
      return {};
    },

    async TagResource(input: { resourceArn: string; tags: Record<string, string> }, ctx: RequestContext) {
      const group = await groupByArn(store, ctx, input.resourceArn);
      return editTags(ctx, group, (tags) => ({ ...tags, ...input.tags }));
    },

    async UntagResource(input: { resourceArn: string; tagKeys: string[] }, ctx: RequestContext) {
      const group = await groupByArn(store, ctx, input.resourceArn);
      return editTags(ctx, group, (tags) => Object.fromEntries(Object.entries(tags).filter(([key]) => !input.tagKeys.includes(key))));
    },

    async ListTagsForResource(input: { resourceArn: string }, ctx: RequestContext) {
      return { tags: (await groupByArn(store, ctx, input.resourceArn)).tags };
    },

    async TagLogGroup(input: { logGroupName: string; tags: Record<string, string> }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      const group = await requireGroup(store, ctx, input.logGroupName);
      return editTags(ctx, group, (tags) => ({ ...tags, ...input.tags }));
    },

    async UntagLogGroup(input: { logGroupName: string; tags: string[] }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      const group = await requireGroup(store, ctx, input.logGroupName);
      return editTags(ctx, group, (tags) => Object.fromEntries(Object.entries(tags).filter(([key]) => !input.tags.includes(key))));
    },

    async ListTagsLogGroup(input: { logGroupName: string }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      return { tags: (await requireGroup(store, ctx, input.logGroupName)).tags };
    },
  };
}
