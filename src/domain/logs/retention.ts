import { logsInvalidParameter } from './errors.js';

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy, CreateLogGroup). */
export const RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const DAY_MS = 24 * 60 * 60 * 1000;

export function checkRetentionInDays(days: number): void {
  if (!RETENTION_DAYS.includes(days)) {
    throw logsInvalidParameter(
      `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
    );
  }
}

/**
 * Events with a timestamp before this instant are expired at `now` under a
 * retention of `days` (undefined: kept forever, so no cutoff).
 */
export function retentionCutoff(now: number, days: number | undefined): number | undefined {
  return days === undefined ? undefined : now - days * DAY_MS;
}

export function isExpired(eventTimestamp: number, now: number, days: number | undefined): boolean {
  const cutoff = retentionCutoff(now, days);
  return cutoff !== undefined && eventTimestamp < cutoff;
}
