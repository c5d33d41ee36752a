import { invalidParameterCombination, invalidParameterValue, missingParameter } from './errors.js';

/**
 * PutMetricData's rules: what CloudWatch refuses and how each datum becomes
 * a stored point (values with counts, or a statistic set).
 */

export interface DimensionInput {
  readonly Name: string;
  readonly Value: string;
}

export interface MetricDatumInput {
  readonly MetricName: string;
  readonly Dimensions?: readonly DimensionInput[];
  readonly Timestamp?: Date;
  readonly Value?: number;
  readonly StatisticValues?: { readonly SampleCount: number; readonly Sum: number; readonly Minimum: number; readonly Maximum: number };
  readonly Values?: readonly number[];
  readonly Counts?: readonly number[];
  readonly Unit?: string;
  readonly StorageResolution?: number;
}

/** Structurally the metric store's MetricPoint. */
export interface NewMetricPoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly name: string; readonly value: string }[];
  readonly timestamp: number;
  readonly unit: string;
  readonly storageResolution: 1 | 60;
  readonly values?: readonly { readonly value: number; readonly count: number }[];
  readonly statistics?: { readonly sampleCount: number; readonly sum: number; readonly minimum: number; readonly maximum: number };
}

export const MAX_METRIC_DATA = 1000;
export const MAX_DIMENSIONS = 30;
export const MAX_VALUES = 150;
const TWO_WEEKS_MS = 14 * 24 * 3600_000;
const TWO_HOURS_MS = 2 * 3600_000;
/** CloudWatch accepts magnitudes up to 2^360 and refuses NaN and infinities. */
const MAX_MAGNITUDE = 2 ** 360;
const MIN_MAGNITUDE = 2 ** -260;

export function checkNamespace(namespace: string, parameter = 'Namespace'): void {
  if (namespace.startsWith('AWS/')) throw invalidParameterValue(`The value ${namespace} for parameter ${parameter} is invalid.`);
  // Printable ASCII only, no control characters.
  if (!/^[\x20-\x7e]+$/.test(namespace) || namespace.startsWith(':')) throw invalidParameterValue(`The value ${namespace} for parameter ${parameter} is invalid.`);
}

function checkValue(value: number, parameter: string): void {
  const magnitude = Math.abs(value);
  if (!Number.isFinite(value) || magnitude > MAX_MAGNITUDE || (magnitude !== 0 && magnitude < MIN_MAGNITUDE)) {
    throw invalidParameterValue(`The value ${value} for parameter ${parameter} is invalid.`);
  }
}

export function checkDimensions(dimensions: readonly DimensionInput[], parameter: string): void {
  if (dimensions.length > MAX_DIMENSIONS) {
    throw invalidParameterValue(`The collection ${parameter} must not have a size greater than ${MAX_DIMENSIONS}.`); // unverified wording
  }
  const names = new Set<string>();
  dimensions.forEach((dimension, index) => {
    if (names.has(dimension.Name)) {
      throw invalidParameterValue(`No metric may have duplicate dimension names. The dimension name ${dimension.Name} for parameter ${parameter}.member.${index + 1}.Name is a duplicate.`); // unverified wording
    }
    names.add(dimension.Name);
  });
}

/** Checks a PutMetricData request and returns the points to store. */
export function planPutMetricData(namespace: string, data: readonly MetricDatumInput[], now: number): NewMetricPoint[] {
  checkNamespace(namespace);
  if (data.length === 0) throw missingParameter('The parameter MetricData is required.');
  if (data.length > MAX_METRIC_DATA) {
    throw invalidParameterValue(`The collection MetricData must not have a size greater than ${MAX_METRIC_DATA}.`);
  }
  return data.map((datum, index) => {
    const at = `MetricData.member.${index + 1}`;
    const dimensions = datum.Dimensions ?? [];
    checkDimensions(dimensions, `${at}.Dimensions`);
    const timestamp = datum.Timestamp ? datum.Timestamp.getTime() : now;
    if (timestamp < now - TWO_WEEKS_MS) {
      throw invalidParameterValue(`The parameter ${at}.Timestamp must specify a time no more than two weeks in the past.`); // unverified wording
    }
    if (timestamp > now + TWO_HOURS_MS) {
      throw invalidParameterValue(`The parameter ${at}.Timestamp must specify a time no more than two hours in the future.`); // unverified wording
    }
    const resolution = datum.StorageResolution ?? 60;
    if (resolution !== 1 && resolution !== 60) {
      throw invalidParameterValue(`The value ${resolution} for parameter ${at}.StorageResolution is invalid.`);
    }
    const given = [datum.Value !== undefined ? 'Value' : undefined, datum.StatisticValues ? 'StatisticValues' : undefined, datum.Values ? 'Values' : undefined].filter((name): name is string => name !== undefined);
    if (given.length > 1) {
      throw invalidParameterCombination(`The parameters ${at}.${given[0]} and ${at}.${given[1]} are mutually exclusive and you have specified both.`);
    }
    if (given.length === 0) throw missingParameter(`The parameter ${at}.Value is required.`); // unverified wording
    if (datum.Counts && !datum.Values) throw invalidParameterCombination(`The parameter ${at}.Counts requires ${at}.Values.`); // unverified wording
    const base = {
      namespace,
      metricName: datum.MetricName,
      dimensions: dimensions.map((dimension) => ({ name: dimension.Name, value: dimension.Value })),
      timestamp,
      unit: datum.Unit ?? 'None',
      storageResolution: resolution as 1 | 60,
    };
    if (datum.Value !== undefined) {
      checkValue(datum.Value, `${at}.Value`);
      return { ...base, values: [{ value: datum.Value, count: 1 }] };
    }
    if (datum.StatisticValues) {
      const set = datum.StatisticValues;
      checkValue(set.Sum, `${at}.StatisticValues.Sum`);
      checkValue(set.Minimum, `${at}.StatisticValues.Minimum`);
      checkValue(set.Maximum, `${at}.StatisticValues.Maximum`);
      if (!(set.SampleCount > 0) || !Number.isFinite(set.SampleCount)) throw invalidParameterValue(`The value ${set.SampleCount} for parameter ${at}.StatisticValues.SampleCount is invalid.`);
      if (set.Minimum > set.Maximum) throw invalidParameterValue(`The parameter ${at}.StatisticValues.Maximum must be greater than ${at}.StatisticValues.Minimum.`); // unverified wording
      return { ...base, statistics: { sampleCount: set.SampleCount, sum: set.Sum, minimum: set.Minimum, maximum: set.Maximum } };
    }
    const values = datum.Values!;
    if (values.length === 0) throw missingParameter(`The parameter ${at}.Values is required.`); // unverified wording
    if (values.length > MAX_VALUES) throw invalidParameterValue(`The collection ${at}.Values must not have a size greater than ${MAX_VALUES}.`);
    const counts = datum.Counts ?? values.map(() => 1);
    if (counts.length !== values.length) {
      throw invalidParameterValue(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`); // unverified wording
    }
    values.forEach((value, i) => checkValue(value, `${at}.Values.member.${i + 1}`));
    counts.forEach((count, i) => {
      if (!(count >= 0) || !Number.isFinite(count)) throw invalidParameterValue(`The value ${count} for parameter ${at}.Counts.member.${i + 1} is invalid.`);
    });
    return { ...base, values: values.map((value, i) => ({ value, count: counts[i]! })).filter((entry) => entry.count > 0) };
  });
}
