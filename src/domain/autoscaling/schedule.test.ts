import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTimezone, nextOccurrence, parseSchedule, zonedToInstant } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const next = (schedule: string, after: string, window: { timezone?: string; startTime?: number; endTime?: number; createdAt?: number } = {}) => {
  const result = nextOccurrence(parseSchedule(schedule), { createdAt: window.createdAt ?? at(after), ...window }, at(after));
  return result === undefined ? undefined : new Date(result).toISOString();
};

test('at() runs once at its wall-clock time, in UTC or the given zone', () => {
  assert.equal(next('at(2026-03-01T09:30:00)', '2026-02-01T00:00:00Z'), '2026-03-01T09:30:00.000Z');
  assert.equal(next('at(2026-03-01T09:30:00)', '2026-02-01T00:00:00Z', { timezone: 'America/New_York' }), '2026-03-01T14:30:00.000Z');
  assert.equal(next('at(2026-07-01T09:30:00)', '2026-02-01T00:00:00Z', { timezone: 'America/New_York' }), '2026-07-01T13:30:00.000Z'); // daylight time
  assert.equal(next('at(2026-03-01T09:30:00)', '2026-03-01T09:30:00Z'), undefined); // already past
});

test('rate() counts from the start time, or from when the action was put', () => {
  assert.equal(next('rate(5 minutes)', '2026-01-01T00:02:00Z', { createdAt: at('2026-01-01T00:00:00Z') }), '2026-01-01T00:05:00.000Z');
  assert.equal(next('rate(1 hour)', '2026-01-01T00:00:00Z', { startTime: at('2026-01-01T06:00:00Z') }), '2026-01-01T06:00:00.000Z');
  assert.equal(next('rate(2 days)', '2026-01-02T00:00:00Z', { createdAt: at('2026-01-01T00:00:00Z') }), '2026-01-03T00:00:00.000Z');
  assert.equal(next('rate(1 day)', '2026-01-02T00:00:00Z', { createdAt: at('2026-01-01T00:00:00Z'), endTime: at('2026-01-02T12:00:00Z') }), undefined);
});

test('cron() with six fields, EventBridge style', () => {
  assert.equal(next('cron(0 18 ? * MON-FRI *)', '2026-01-02T19:00:00Z'), '2026-01-05T18:00:00.000Z'); // Friday evening -> Monday
  assert.equal(next('cron(15 10 * * ? *)', '2026-01-01T10:15:00Z'), '2026-01-02T10:15:00.000Z');
  assert.equal(next('cron(0/15 * * * ? *)', '2026-01-01T10:16:00Z'), '2026-01-01T10:30:00.000Z');
  assert.equal(next('cron(0 12 L * ? *)', '2026-02-01T00:00:00Z'), '2026-02-28T12:00:00.000Z');
  assert.equal(next('cron(0 9 ? * 6#3 *)', '2026-01-01T00:00:00Z'), '2026-01-16T09:00:00.000Z'); // third Friday
  assert.equal(next('cron(0 9 ? * 2L *)', '2026-01-01T00:00:00Z'), '2026-01-26T09:00:00.000Z'); // last Monday
  assert.equal(next('cron(0 9 15W * ? *)', '2026-03-01T00:00:00Z'), '2026-03-16T09:00:00.000Z'); // the 15th is a Sunday
  assert.equal(next('cron(0 0 1 JAN ? 2027)', '2026-06-01T00:00:00Z'), '2027-01-01T00:00:00.000Z');
  assert.equal(next('cron(0 8 * * ? *)', '2026-01-01T00:00:00Z', { timezone: 'Asia/Tokyo' }), '2026-01-01T23:00:00.000Z');
  assert.equal(next('cron(0 0 1 JAN ? 2020)', '2026-06-01T00:00:00Z'), undefined);
});

test('across a DST change: a skipped time moves forward, a repeated one runs the first time', () => {
  // 2026-03-08 02:30 does not exist in New York.
  assert.equal(new Date(zonedToInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 }, 'America/New_York')).toISOString(), '2026-03-08T07:30:00.000Z');
  // 2026-11-01 01:30 happens twice; the first is in daylight time.
  assert.equal(new Date(zonedToInstant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0 }, 'America/New_York')).toISOString(), '2026-11-01T05:30:00.000Z');
});

test('bad schedules and zones are ValidationExceptions', () => {
  for (const bad of ['at(2026-13-01T00:00:00)', 'at(2026-02-30T00:00:00)', 'rate(0 minutes)', 'rate(5 minute)', 'rate(1 minutes)', 'rate(5 weeks)', 'cron(0 18 * * *)', 'cron(0 18 * * MON-FRI *)', 'cron(61 * * * ? *)', 'every day']) {
    assert.throws(() => parseSchedule(bad), (error: Error & { code?: string }) => error.code === 'ValidationException', bad);
  }
  assert.throws(() => checkTimezone('Mars/Olympus'), (error: Error & { code?: string }) => error.code === 'ValidationException');
  assert.doesNotThrow(() => checkTimezone('Europe/Berlin'));
});
