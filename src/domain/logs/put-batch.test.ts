import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, planPutLogEvents, utf8Length } from './put-batch.js';

const NOW = Date.UTC(2024, 5, 1, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ev = (timestamp: number, message = 'm') => ({ timestamp, message });
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
};

test('a normal batch is stored whole', () => {
  assert.deepEqual(planPutLogEvents([ev(NOW - 1000), ev(NOW - 1000), ev(NOW)], NOW, undefined), { first: 0, end: 3 });
});

test('events must be chronological', () => {
  assert.equal(
    codeOf(() => planPutLogEvents([ev(NOW), ev(NOW - 1)], NOW, undefined)),
    'InvalidParameterException: Log events in a single PutLogEvents request must be in chronological order.',
  );
});

test('a batch may not span more than 24 hours', () => {
  assert.equal(planPutLogEvents([ev(NOW - DAY), ev(NOW)], NOW, undefined).end, 2);
  assert.match(codeOf(() => planPutLogEvents([ev(NOW - DAY - 1), ev(NOW)], NOW, undefined)), /cannot span more than 24 hours/);
});

test('count and size limits: 10,000 events, 1,048,576 bytes with 26 bytes per event', () => {
  assert.match(codeOf(() => planPutLogEvents(Array.from({ length: 10_001 }, () => ev(NOW)), NOW, undefined)), /maximum of 10000 events/);
  const fits = MAX_BATCH_BYTES - EVENT_OVERHEAD_BYTES;
  assert.equal(codeOf(() => planPutLogEvents([ev(NOW, 'x'.repeat(fits))], NOW, undefined)), 'ok');
  assert.match(codeOf(() => planPutLogEvents([ev(NOW, 'x'.repeat(fits + 1))], NOW, undefined)), /Upload too large/);
  assert.equal(utf8Length('é€😀'), 2 + 3 + 4);
});

test('too old, expired and too new events are left out and reported', () => {
  const old = [ev(NOW - 14 * DAY - 2 * HOUR), ev(NOW - 14 * DAY - 1), ev(NOW - 14 * DAY + HOUR)];
  assert.deepEqual(planPutLogEvents(old, NOW, undefined), { first: 2, end: 3, rejected: { tooOldLogEventEndIndex: 1 } });
  const future = [ev(NOW - HOUR), ev(NOW + 2 * HOUR), ev(NOW + 2 * HOUR + 1), ev(NOW + 3 * HOUR)];
  assert.deepEqual(planPutLogEvents(future, NOW, undefined), { first: 0, end: 2, rejected: { tooNewLogEventStartIndex: 2 } });
  // A 1-day retention: older events are expired.
  assert.deepEqual(planPutLogEvents([ev(NOW - DAY - 1), ev(NOW - 2 * HOUR)], NOW, 1), { first: 1, end: 2, rejected: { expiredLogEventEndIndex: 0 } });
  // All rejected: nothing stored.
  const plan = planPutLogEvents([ev(NOW + 3 * HOUR)], NOW, undefined);
  assert.equal(plan.end - plan.first, 0);
});
