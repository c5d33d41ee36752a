import { invalidParameterValue, validationError } from '../../domain/cloudwatch/errors.js';
import { planPutMetricData, type MetricDatumInput } from '../../domain/cloudwatch/metric-data.js';
import { runMetricQueries, type MetricQueryInput } from '../../domain/cloudwatch/metric-queries.js';
import { datapointsOf, planGetMetricStatistics, type GetMetricStatisticsInput } from '../../domain/cloudwatch/metric-statistics.js';
import { bucketAggregates, storePeriodFor } from '../../domain/cloudwatch/statistics.js';
import type { MetricStore } from '../../ports/metric-store.js';
import type { RequestContext } from '../service.js';

const LIST_PAGE = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const THREE_HOURS_MS = 3 * 3_600_000;

function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeToken<T>(token: string | undefined, check: (value: unknown) => value is T): T | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // answered below
  }
  throw invalidNextToken();
}

function invalidNextToken() {
  return invalidParameterValue('The NextToken is invalid.'); // unverified wording
}

interface GetMetricDataInput {
  readonly MetricDataQueries: MetricQueryInput[];
  readonly StartTime: Date;
  readonly EndTime: Date;
  readonly NextToken?: string;
  readonly ScanBy?: 'TimestampDescending' | 'TimestampAscending';
  readonly MaxDatapoints?: number;
  readonly LabelOptions?: { Timezone?: string };
}

export function metricHandlers(metrics: MetricStore) {
  return {
    async PutMetricData(input: { Namespace: string; MetricData?: MetricDatumInput[] }, ctx: RequestContext) {
      const points = planPutMetricData(input.Namespace, input.MetricData ?? [], ctx.now.getTime());
      await metrics.put(ctx.scope, points);
      return {};
    },

    async GetMetricStatistics(input: GetMetricStatisticsInput, ctx: RequestContext) {
      const plan = planGetMetricStatistics(input);
      const aggregates = await metrics.query(ctx.scope, {
        namespace: input.Namespace,
        metricName: input.MetricName,
        dimensions: (input.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value })),
        startTime: plan.startTime,
        endTime: plan.endTime,
        period: storePeriodFor(plan.periodMs / 1000),
        ...(input.Unit ? { unit: input.Unit } : {}),
        withDistribution: plan.extended.length > 0,
      });
      const buckets = bucketAggregates(aggregates, plan.periodMs, true);
      return { Label: input.MetricName, Datapoints: datapointsOf(plan, buckets, ctx.now.getTime()) };
    },

    async GetMetricData(input: GetMetricDataInput, ctx: RequestContext) {
      const startTime = input.StartTime.getTime();
      const endTime = input.EndTime.getTime();
      if (startTime >= endTime) throw validationError('The parameter StartTime must be less than the parameter EndTime.');
      const timezone = input.LabelOptions?.Timezone;
      if (timezone !== undefined && !/^[+-](0\d|1[0-4])[0-5]\d$/.test(timezone)) {
        throw validationError(`The value ${timezone} for parameter LabelOptions.Timezone is invalid.`); // unverified wording
      }
      const max = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
      if (max < 1) throw validationError(`The value ${max} for parameter MaxDatapoints is invalid.`); // unverified wording
      const offset = decodeToken(input.NextToken, (value): value is { offset: number } => typeof (value as { offset?: unknown })?.offset === 'number')?.offset ?? 0;
      const results = await runMetricQueries(input.MetricDataQueries, startTime, endTime, (request) => metrics.query(ctx.scope, request));
      const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
      let position = 0;
      let more = false;
      const out = results.map((result) => {
        const points = descending ? [...result.points].reverse() : result.points;
        // One page holds the datapoints at positions [offset, offset + max) of all results in order.
        const page = points.slice(Math.max(0, offset - position), Math.max(0, offset + max - position));
        const cut = position + points.length > offset + max;
        more ||= cut;
        position += points.length;
        return {
          Id: result.id,
          Label: result.label,
          Timestamps: page.map(([t]) => t),
          Values: page.map(([, v]) => v),
          StatusCode: cut ? 'PartialData' : 'Complete',
          Messages: [],
        };
      });
      return { MetricDataResults: out, Messages: [], ...(more ? { NextToken: encodeToken({ offset: offset + max }) } : {}) };
    },

    async ListMetrics(
      input: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value?: string }[]; NextToken?: string; RecentlyActive?: string },
      ctx: RequestContext,
    ) {
      const after = decodeToken(input.NextToken, (value): value is { after: string } => typeof (value as { after?: unknown })?.after === 'string')?.after;
      if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H') {
        throw invalidParameterValue(`The value ${input.RecentlyActive} for parameter RecentlyActive is invalid.`); // unverified wording
      }
      const listed = await metrics.listMetrics(ctx.scope, {
        ...(input.Namespace !== undefined ? { namespace: input.Namespace } : {}),
        ...(input.MetricName !== undefined ? { metricName: input.MetricName } : {}),
        ...(input.Dimensions ? { dimensions: input.Dimensions.map((d) => ({ name: d.Name, ...(d.Value !== undefined ? { value: d.Value } : {}) })) } : {}),
        ...(input.RecentlyActive ? { activeSince: ctx.now.getTime() - THREE_HOURS_MS } : {}),
        ...(after !== undefined ? { after } : {}),
        limit: LIST_PAGE + 1,
      });
      const page = listed.slice(0, LIST_PAGE);
      return {
        Metrics: page.map((metric) => ({ Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: metric.dimensions.map((d) => ({ Name: d.name, Value: d.value })) })),
        ...(listed.length > LIST_PAGE ? { NextToken: encodeToken({ after: page[page.length - 1]!.cursor }) } : {}),
      };
    },
  };
}
