import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRetentionInDays, isExpired, retentionCutoff, RETENTION_DAYS } from './retention.js';

const DAY = 86_400_000;

test('only CloudWatch retention values are accepted', () => {
  for (const days of RETENTION_DAYS) checkRetentionInDays(days);
  assert.throws(() => checkRetentionInDays(2), (error: Error & { code?: string }) =>
    error.code === 'InvalidParameterException' && error.message.startsWith("1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14,"));
  assert.throws(() => checkRetentionInDays(0));
});

test('events expire once older than the retention at the (fake) clock', () => {
  const written = Date.UTC(2024, 0, 1);
  let now = written;
  const clock = { now: () => now };
  assert.equal(isExpired(written, clock.now(), 1), false);
  now = written + DAY;
  assert.equal(isExpired(written, clock.now(), 1), false, 'exactly one day old is kept');
  now = written + DAY + 1;
  assert.equal(isExpired(written, clock.now(), 1), true);
  assert.equal(isExpired(written, clock.now(), undefined), false, 'no policy: kept forever');
  assert.equal(isExpired(written, written + 30 * DAY, 30), false);
  assert.equal(isExpired(written, written + 30 * DAY + 1, 30), true);
  assert.equal(retentionCutoff(now, undefined), undefined);
  assert.equal(retentionCutoff(10 * DAY, 3), 7 * DAY);
});
