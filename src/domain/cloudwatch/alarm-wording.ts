import type { AlarmState, ComparisonOperator } from './alarm-record.js';

/** CloudWatch's own wording and formats for alarm reasons and history. */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `dd/MM/yy HH:mm:ss` in UTC, as state reasons show datapoint times. */
export function reasonTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `2026-12-02T05:10:00.000+0000`, as reason data and history data carry times. */
export function dataTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}

/** A number as Java prints a double (70 -> 70.0), which is how CloudWatch writes thresholds and values. */
export function javaDouble(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return `${value}.0`;
  return String(value);
}

export const OPERATOR_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  LessThanLowerThreshold: 'less than the lower band',
  GreaterThanUpperThreshold: 'greater than the upper band',
};

export interface ReasonPoint {
  readonly timestamp: number;
  readonly value: number;
}

/**
 * "Threshold Crossed: 3 datapoints [75.2 (02/12/26 05:10:00), ...] were greater than the threshold (70.0)."
 * With M out of N: "2 out of the last 3 datapoints [...] were ... (minimum 2 datapoints for OK -> ALARM transition)."
 */
export function thresholdCrossedReason(input: {
  readonly points: readonly ReasonPoint[];
  readonly countShown: number;
  readonly outOf?: number;
  readonly operator: ComparisonOperator;
  readonly negated: boolean;
  readonly threshold: number;
  readonly minimum?: { readonly count: number; readonly from: AlarmState; readonly to: AlarmState };
}): string {
  const list = input.points.map((point) => `${javaDouble(point.value)} (${reasonTime(point.timestamp)})`).join(', ');
  const n = input.countShown;
  const subject = input.outOf !== undefined ? `${n} out of the last ${input.outOf} datapoints` : `${n} datapoint${n === 1 ? '' : 's'}`;
  const verb = n === 1 ? 'was' : 'were';
  const words = `${input.negated ? 'not ' : ''}${OPERATOR_WORDS[input.operator]}`;
  const minimum = input.minimum ? ` (minimum ${input.minimum.count} datapoint${input.minimum.count === 1 ? '' : 's'} for ${input.minimum.from} -> ${input.minimum.to} transition)` : '';
  return `Threshold Crossed: ${subject} [${list}] ${verb} ${words} the threshold (${javaDouble(input.threshold)})${minimum}.`;
}

export function insufficientDataReason(missing: number): string {
  return `Insufficient Data: ${missing} datapoint${missing === 1 ? ' was' : 's were'} unknown.`;
}

export const CREATED_REASON = 'Unchecked: Initial alarm creation';

export function stateUpdateSummary(from: AlarmState, to: AlarmState): string {
  return `Alarm updated from ${from} to ${to}`;
}

export function configurationSummary(name: string, verb: 'created' | 'updated' | 'deleted'): string {
  return `Alarm "${name}" ${verb}`;
}

export function actionSummary(arn: string, ok: boolean): string {
  return ok ? `Successfully executed action ${arn}` : `Failed to execute action ${arn}`;
}
