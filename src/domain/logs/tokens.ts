import { invalidLogsToken } from './errors.js';

/**
 * Positions in a log stream or group: an event's (timestamp, id), ids
 * growing with every stored event. GetLogEvents' tokens look like
 * CloudWatch's: `f/` or `b/` and 56 digits (timestamp, then id, zero padded).
 */
export interface EventPosition {
  readonly timestamp: number;
  readonly id: number;
}

export const START_POSITION: EventPosition = { timestamp: 0, id: 0 };

export function encodeStreamToken(direction: 'f' | 'b', at: EventPosition): string {
  return `${direction}/${String(at.timestamp).padStart(20, '0')}${String(at.id).padStart(20, '0')}${'0'.repeat(16)}`;
}

export function decodeStreamToken(token: string): { direction: 'f' | 'b'; at: EventPosition } {
  const match = /^([fb])\/(\d{20})(\d{20})\d{16}$/.exec(token);
  if (!match) throw invalidLogsToken();
  const timestamp = Number(match[2]);
  const id = Number(match[3]);
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(id)) throw invalidLogsToken();
  return { direction: match[1] as 'f' | 'b', at: { timestamp, id } };
}
