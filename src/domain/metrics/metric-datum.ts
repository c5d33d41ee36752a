/**
 * The points Wharf's own samplers publish, in the shape the metric store port
 * takes (ports/metric-store.ts MetricPoint; domain cannot import ports, the
 * shapes are kept equal so a datum is a point).
 */
export interface Dimension {
  readonly name: string;
  readonly value: string;
}

export interface StatisticSet {
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

export interface MetricDatum {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly unit: string;
  readonly storageResolution: 1 | 60;
  readonly statistics: StatisticSet;
}

/** Where and how often a sampler publishes. */
export interface PublishAt {
  readonly timestamp: number;
  readonly storageResolution: 1 | 60;
}

/** The statistic set of several values (one per task): CloudWatch's SampleCount is then the number of tasks. */
export function statisticsOf(values: readonly number[]): StatisticSet | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  let minimum = Infinity;
  let maximum = -Infinity;
  for (const value of values) {
    sum += value;
    if (value < minimum) minimum = value;
    if (value > maximum) maximum = value;
  }
  return { sampleCount: values.length, sum, minimum, maximum };
}

/** One value as a statistic set. */
export function single(value: number): StatisticSet {
  return { sampleCount: 1, sum: value, minimum: value, maximum: value };
}

/**
 * How often Wharf's samplers read (10 s, as the ECS agent samples) and the
 * resolution they store at: under time scale S a period is 1/S as long, so
 * samples come S times as often (at least a second apart) and are stored per
 * second when S > 1, so sub-minute periods have data.
 */
export function sampleIntervalMs(timeScale: number): number {
  return Math.max(1000, 10_000 / Math.max(1, timeScale));
}

/** The minute Container Insights aggregates over, scaled the same way. */
export function insightsPeriodMs(timeScale: number): number {
  return Math.max(1000, 60_000 / Math.max(1, timeScale));
}

export function storageResolutionFor(timeScale: number): 1 | 60 {
  return timeScale > 1 ? 1 : 60;
}
