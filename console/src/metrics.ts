/** The CloudWatch reads behind the charts: one GetMetricData per chart refresh, whatever data exists. */
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Clients } from './aws';

export interface MetricSeries {
  readonly id: string;
  readonly points: { t: number; v: number }[];
}

export interface MetricRequest {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly stat?: string;
}

/** The last `minutes` of each metric at `periodSeconds` (high-resolution periods when Wharf publishes them). */
export async function readMetrics(clients: Clients, requests: readonly MetricRequest[], minutes: number, periodSeconds: number): Promise<Map<string, MetricSeries>> {
  const end = new Date();
  const start = new Date(end.getTime() - minutes * 60_000);
  const queries: MetricDataQuery[] = requests.map((r) => ({
    Id: r.id,
    ReturnData: true,
    MetricStat: {
      Metric: { Namespace: r.namespace, MetricName: r.metricName, Dimensions: Object.entries(r.dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: periodSeconds,
      Stat: r.stat ?? 'Average',
    },
  }));
  const out = new Map<string, MetricSeries>();
  let nextToken: string | undefined;
  do {
    const answer = await clients.cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, NextToken: nextToken, ScanBy: 'TimestampAscending' }));
    for (const result of answer.MetricDataResults ?? []) {
      const series = out.get(result.Id!) ?? { id: result.Id!, points: [] };
      (result.Timestamps ?? []).forEach((t, i) => series.points.push({ t: new Date(t).getTime(), v: result.Values?.[i] ?? 0 }));
      out.set(result.Id!, series);
    }
    nextToken = answer.NextToken;
  } while (nextToken);
  for (const series of out.values()) series.points.sort((a, b) => a.t - b.t);
  return out;
}
