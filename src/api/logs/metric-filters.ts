import { AwsError } from '../../domain/errors.js';
import { logGroupNotFound, logsInvalidParameter } from '../../domain/logs/errors.js';
import { compileMetricFilter, testMetricFilter, type MetricFilterSpec, type MetricTransformationSpec } from '../../domain/logs/metric-filter.js';
import { checkLogGroupName, checkLogStreamName } from '../../domain/logs/names.js';
import { LOG_RESOURCE } from '../../domain/logs/resource-kinds.js';
import type { LogStore } from '../../ports/log-store.js';
import type { RequestContext } from '../service.js';
import { decodeToken, encodeToken, requireGroup } from './lookup.js';

/** CloudWatch Logs' quota of metric filters per log group. */
const MAX_METRIC_FILTERS = 100;

interface StoredMetricFilter extends MetricFilterSpec {
  readonly logGroupName: string;
  readonly creationTime: number;
}

const isOffset = (value: unknown): value is { offset: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { offset?: unknown }).offset) && (value as { offset: number }).offset >= 0;

export const limitExceeded = () => new AwsError('LimitExceededException', 'Resource limit exceeded.');

/** A filter name: the FilterName shape's pattern ([^:*]*), anchored, as stream names are checked. */
export function checkFilterName(name: string, field = 'filterName'): void {
  checkLogStreamName(name, field);
}

function refuseUnsupportedOptions(input: { applyOnTransformedLogs?: boolean; fieldSelectionCriteria?: string; emitSystemFieldDimensions?: string[]; emitSystemFields?: string[] }): void {
  if (input.applyOnTransformedLogs) throw logsInvalidParameter('applyOnTransformedLogs needs a log transformer, and Wharf has no log transformers (PutTransformer).'); // unverified wording
  if (input.fieldSelectionCriteria) throw logsInvalidParameter('fieldSelectionCriteria is not supported by Wharf.');
  if (input.emitSystemFieldDimensions?.length || input.emitSystemFields?.length) throw logsInvalidParameter('System field dimensions are not supported by Wharf.');
}

/** PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter, TestMetricFilter. */
export function metricFilterHandlers(store: LogStore) {
  return {
    async PutMetricFilter(
      input: { logGroupName: string; filterName: string; filterPattern: string; metricTransformations: MetricTransformationSpec[]; applyOnTransformedLogs?: boolean; fieldSelectionCriteria?: string; emitSystemFieldDimensions?: string[] },
      ctx: RequestContext,
    ) {
      checkLogGroupName(input.logGroupName);
      checkFilterName(input.filterName);
      refuseUnsupportedOptions(input);
      const spec: MetricFilterSpec = {
        filterName: input.filterName,
        filterPattern: input.filterPattern,
        metricTransformations: input.metricTransformations.map((t) => ({
          metricName: t.metricName,
          metricNamespace: t.metricNamespace,
          metricValue: t.metricValue,
          ...(t.defaultValue !== undefined && t.defaultValue !== null ? { defaultValue: t.defaultValue } : {}),
          ...(t.dimensions && Object.keys(t.dimensions).length > 0 ? { dimensions: t.dimensions } : {}),
          ...(t.unit !== undefined ? { unit: t.unit } : {}),
        })),
      };
      compileMetricFilter(spec);
      await requireGroup(store, ctx, input.logGroupName);
      const existing = await store.listResources(ctx.scope, LOG_RESOURCE.metricFilter, input.logGroupName);
      if (existing.length >= MAX_METRIC_FILTERS && !existing.some((record) => record.name === input.filterName)) throw limitExceeded();
      const stored: StoredMetricFilter = { ...spec, logGroupName: input.logGroupName, creationTime: ctx.now.getTime() };
      if (!(await store.putResource(ctx.scope, { kind: LOG_RESOURCE.metricFilter, group: input.logGroupName, name: input.filterName }, stored))) throw logGroupNotFound();
      return {};
    },

    async DescribeMetricFilters(
      input: { logGroupName?: string; filterNamePrefix?: string; metricName?: string; metricNamespace?: string; limit?: number; nextToken?: string },
      ctx: RequestContext,
    ) {
      if (input.logGroupName !== undefined) checkLogGroupName(input.logGroupName);
      if (input.filterNamePrefix !== undefined && input.logGroupName === undefined) {
        throw logsInvalidParameter('If you are using filterNamePrefix, you must also specify logGroupName.'); // unverified wording
      }
      if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
        throw logsInvalidParameter('metricName and metricNamespace must be specified together.'); // unverified wording
      }
      const groups = input.logGroupName !== undefined ? [(await requireGroup(store, ctx, input.logGroupName)).name] : (await store.listGroups(ctx.scope, { limit: Number.MAX_SAFE_INTEGER })).map((g) => g.name);
      const found: StoredMetricFilter[] = [];
      for (const group of groups) {
        for (const record of await store.listResources(ctx.scope, LOG_RESOURCE.metricFilter, group)) {
          const filter = record.body as StoredMetricFilter;
          if (input.filterNamePrefix !== undefined && !filter.filterName.startsWith(input.filterNamePrefix)) continue;
          const t = filter.metricTransformations[0];
          if (input.metricName !== undefined && (t?.metricName !== input.metricName || t.metricNamespace !== input.metricNamespace)) continue;
          found.push(filter);
        }
      }
      const limit = input.limit ?? 50;
      const offset = decodeToken(input.nextToken, isOffset)?.offset ?? 0;
      const page = found.slice(offset, offset + limit);
      return {
        metricFilters: page.map((filter) => ({ ...filter, applyOnTransformedLogs: false })),
        ...(offset + limit < found.length ? { nextToken: encodeToken({ offset: offset + limit }) } : {}),
      };
    },

    async DeleteMetricFilter(input: { logGroupName: string; filterName: string }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      checkFilterName(input.filterName);
      await requireGroup(store, ctx, input.logGroupName);
      if (!(await store.deleteResource(ctx.scope, { kind: LOG_RESOURCE.metricFilter, group: input.logGroupName, name: input.filterName }))) {
        throw new AwsError('ResourceNotFoundException', 'The specified metric filter does not exist.'); // unverified wording
      }
      return {};
    },

    async TestMetricFilter(input: { filterPattern: string; logEventMessages: string[] }) {
      return { matches: testMetricFilter(input.filterPattern, input.logEventMessages) };
    },
  };
}
