import type { Scope } from './store.js';

/**
 * CloudWatch metrics storage: data points of custom and AWS metrics, kept
 * apart from the document store (as Logs keeps its events) because they are
 * many, small and read by time range. Points are folded into aggregates as
 * they arrive (per second for high-resolution metrics, per minute for the
 * rest) and rolled up as they age, the way CloudWatch keeps them: 1-second
 * data for 3 hours, 1-minute data for 15 days, 5-minute data for 63 days,
 * 1-hour data for 455 days. So a month of per-minute data for hundreds of
 * tasks stays a bounded number of rows, and a query reads only the rows of
 * its range at the coarsest resolution that serves its period.
 *
 * Writers: the CloudWatch API (PutMetricData), the task metrics sampler
 * (AWS/ECS and ECS/ContainerInsights), the load balancer (AWS/ApplicationELB)
 * and Logs metric filters. Readers: the CloudWatch API and the alarm
 * evaluator.
 */

export interface MetricDimension {
  readonly name: string;
  readonly value: string;
}

/** Identifies one metric: namespace, name and the exact set of dimensions (order does not matter). */
export interface MetricKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly MetricDimension[];
}

/** What one PutMetricData datum (or one sample of Wharf's own) adds. */
export interface MetricPoint extends MetricKey {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** CloudWatch's unit name (`Percent`, `Count`, `Bytes`, ... or `None`). */
  readonly unit: string;
  /** 1 (high resolution) or 60 (standard). */
  readonly storageResolution: 1 | 60;
  /**
   * Either values (each with a count, as PutMetricData's Values/Counts or one
   * Value with count 1) or a statistic set; percentiles can only be computed
   * from values.
   */
  readonly values?: readonly { readonly value: number; readonly count: number }[];
  readonly statistics?: { readonly sampleCount: number; readonly sum: number; readonly minimum: number; readonly maximum: number };
}

/** One period's aggregate of one metric (and one unit), as GetMetricStatistics works from. */
export interface MetricAggregate {
  /** Start of the period, epoch milliseconds. */
  readonly timestamp: number;
  readonly unit: string;
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
  /**
   * The values that make up the period with their counts, for percentiles and
   * trimmed statistics; absent when (some of) the period came as statistic sets,
   * which is when CloudWatch cannot answer percentiles either. May be an
   * approximation (a bounded histogram) for periods with very many values.
   */
  readonly distribution?: readonly { readonly value: number; readonly count: number }[];
}

export interface MetricQuery extends MetricKey {
  /** Inclusive start, epoch milliseconds. */
  readonly startTime: number;
  /** Exclusive end, epoch milliseconds. */
  readonly endTime: number;
  /** Seconds: 1, 5, 10, 30 or a multiple of 60. */
  readonly period: number;
  /** Only points stored with this unit (GetMetricStatistics' Unit); absent: every unit, each its own series. */
  readonly unit?: string;
  /**
   * Whether the answers carry their distributions (absent: yes). False when
   * no percentile or trimmed statistic is asked for: the store then reads
   * only the exact statistics, from summaries kept at write time where the
   * period allows, and the answers have no `distribution`.
   */
  readonly withDistribution?: boolean;
}

export interface ListMetricsQuery {
  readonly namespace?: string;
  readonly metricName?: string;
  /** Each must be present; a filter without a value matches any value of that name. */
  readonly dimensions?: readonly { readonly name: string; readonly value?: string }[];
  /** Epoch milliseconds: only metrics with a point at or after this (RecentlyActive=PT3H). */
  readonly activeSince?: number;
  /** Opaque cursor from the previous page. */
  readonly after?: string;
  readonly limit: number;
}

export interface ListedMetric extends MetricKey {
  /** Cursor for the page after this metric. */
  readonly cursor: string;
}

export interface MetricStore {
  /** Adds points (all or none). */
  put(scope: Scope, points: readonly MetricPoint[]): Promise<void>;
  /**
   * The aggregates of one metric per period in [startTime, endTime), oldest
   * first, only for periods that have data; the rows read are those of the
   * coarsest stored resolution that divides the period (without
   * distributions, of the coarsest write-time summary that does). Either way
   * the exact statistics are the same.
   */
  query(scope: Scope, query: MetricQuery): Promise<MetricAggregate[]>;
  /** Metrics that have stored data, in a stable order (namespace, name, dimensions). */
  listMetrics(scope: Scope, query: ListMetricsQuery): Promise<ListedMetric[]>;
  /**
   * Rolls data past each resolution's retention into the next coarser one
   * and deletes what is past the last (called by a controller, with the clock's time).
   */
  compact(now: number): Promise<void>;
  /** Buckets (data rows) and bytes held (summaries included), for the benchmark and the README's disk figure. */
  stats(): Promise<{ readonly rows: number; readonly bytes: number }>;
  wipe(): Promise<void>;
  close(): Promise<void>;
}
