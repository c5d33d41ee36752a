import { AwsError } from '../../domain/errors.js';
import { checkDestinationTarget, checkPolicyDocument, checkRoleArn, checkSubscriptionTarget, unreachableTarget } from '../../domain/logs/destinations.js';
import { logsInvalidParameter } from '../../domain/logs/errors.js';
import { parseFilterPattern } from '../../domain/logs/filter-pattern.js';
import { checkLogGroupName } from '../../domain/logs/names.js';
import { LOG_RESOURCE } from '../../domain/logs/resource-kinds.js';
import type { LogStore } from '../../ports/log-store.js';
import type { RequestContext } from '../service.js';
import { decodeToken, encodeToken, requireGroup } from './lookup.js';
import { checkFilterName } from './metric-filters.js';

interface StoredDestination {
  readonly destinationName: string;
  readonly targetArn: string;
  readonly roleArn: string;
  readonly accessPolicy?: string;
  readonly arn: string;
  readonly creationTime: number;
}

const isOffset = (value: unknown): value is { offset: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { offset?: unknown }).offset) && (value as { offset: number }).offset >= 0;

function page<T>(items: T[], limit: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const size = limit ?? 50;
  const offset = decodeToken(nextToken, isOffset)?.offset ?? 0;
  return { items: items.slice(offset, offset + size), ...(offset + size < items.length ? { nextToken: encodeToken({ offset: offset + size }) } : {}) };
}

const destinationNotFound = () => new AwsError('ResourceNotFoundException', 'The specified destination does not exist.');

function checkDestinationName(name: string): void {
  if (!/^[^:*]{1,512}$/.test(name)) {
    throw logsInvalidParameter(`1 validation error detected: Value '${name}' at 'destinationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
  }
}

/**
 * Subscription filters and destinations. Destinations are CloudWatch Logs'
 * own resources and are kept; a subscription filter is saved by AWS only
 * after a test message reaches its target, and no target service (Lambda,
 * Kinesis, Firehose) runs here, so PutSubscriptionFilter answers as AWS
 * does when the target cannot be reached.
 */
export function subscriptionHandlers(store: LogStore) {
  return {
    async PutSubscriptionFilter(
      input: { logGroupName: string; filterName: string; filterPattern: string; destinationArn: string; roleArn?: string; distribution?: string },
      ctx: RequestContext,
    ) {
      checkLogGroupName(input.logGroupName);
      checkFilterName(input.filterName);
      parseFilterPattern(input.filterPattern);
      if (input.roleArn !== undefined) checkRoleArn(input.roleArn);
      await requireGroup(store, ctx, input.logGroupName);
      const service = checkSubscriptionTarget(input.destinationArn, input.roleArn);
      if (service === 'logs') {
        const name = /:destination:([^:]+)$/.exec(input.destinationArn)?.[1];
        const destination = name ? await store.getResource(ctx.scope, { kind: LOG_RESOURCE.destination, name }) : undefined;
        const body = destination?.body as StoredDestination | undefined;
        if (!body || body.arn !== input.destinationArn) throw destinationNotFound();
        unreachableTarget(checkDestinationTarget(body.targetArn));
      }
      else unreachableTarget(service);
    },

    async DescribeSubscriptionFilters(input: { logGroupName: string; filterNamePrefix?: string; limit?: number; nextToken?: string }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      await requireGroup(store, ctx, input.logGroupName);
      const filters = (await store.listResources(ctx.scope, LOG_RESOURCE.subscriptionFilter, input.logGroupName))
        .filter((record) => input.filterNamePrefix === undefined || record.name.startsWith(input.filterNamePrefix))
        .map((record) => record.body);
      const { items, nextToken } = page(filters, input.limit, input.nextToken);
      return { subscriptionFilters: items, ...(nextToken ? { nextToken } : {}) };
    },

    async DeleteSubscriptionFilter(input: { logGroupName: string; filterName: string }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      checkFilterName(input.filterName);
      await requireGroup(store, ctx, input.logGroupName);
      if (!(await store.deleteResource(ctx.scope, { kind: LOG_RESOURCE.subscriptionFilter, group: input.logGroupName, name: input.filterName }))) {
        throw new AwsError('ResourceNotFoundException', 'The specified subscription filter does not exist.'); // unverified wording
      }
      return {};
    },

    async PutDestination(input: { destinationName: string; targetArn: string; roleArn: string; tags?: Record<string, string> }, ctx: RequestContext) {
      checkDestinationName(input.destinationName);
      checkDestinationTarget(input.targetArn);
      checkRoleArn(input.roleArn);
      const key = { kind: LOG_RESOURCE.destination, name: input.destinationName };
      const previous = (await store.getResource(ctx.scope, key))?.body as StoredDestination | undefined;
      const destination: StoredDestination = {
        destinationName: input.destinationName,
        targetArn: input.targetArn,
        roleArn: input.roleArn,
        ...(previous?.accessPolicy !== undefined ? { accessPolicy: previous.accessPolicy } : {}),
        arn: `arn:${ctx.partition}:logs:${ctx.scope.region}:${ctx.scope.account}:destination:${input.destinationName}`,
        creationTime: previous?.creationTime ?? ctx.now.getTime(),
      };
      await store.putResource(ctx.scope, key, destination);
      return { destination };
    },

    async PutDestinationPolicy(input: { destinationName: string; accessPolicy: string; forceUpdate?: boolean }, ctx: RequestContext) {
      checkDestinationName(input.destinationName);
      checkPolicyDocument(input.accessPolicy, 'access policy');
      const key = { kind: LOG_RESOURCE.destination, name: input.destinationName };
      const destination = (await store.getResource(ctx.scope, key))?.body as StoredDestination | undefined;
      if (!destination) throw destinationNotFound();
      await store.putResource(ctx.scope, key, { ...destination, accessPolicy: input.accessPolicy });
      return {};
    },

    async DescribeDestinations(input: { DestinationNamePrefix?: string; limit?: number; nextToken?: string }, ctx: RequestContext) {
      const all = (await store.listResources(ctx.scope, LOG_RESOURCE.destination))
        .filter((record) => input.DestinationNamePrefix === undefined || record.name.startsWith(input.DestinationNamePrefix))
        .map((record) => record.body);
      const { items, nextToken } = page(all, input.limit, input.nextToken);
      return { destinations: items, ...(nextToken ? { nextToken } : {}) };
    },

    async DeleteDestination(input: { destinationName: string }, ctx: RequestContext) {
      checkDestinationName(input.destinationName);
      if (!(await store.deleteResource(ctx.scope, { kind: LOG_RESOURCE.destination, name: input.destinationName }))) throw destinationNotFound();
      return {};
    },
  };
}
