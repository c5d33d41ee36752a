import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogStore } from '../ports/log-store.js';
import { silentLogger } from '../ports/logger.js';
import { LogRetentionController } from './log-retention.js';

test('the retention sweep deletes each group\'s events older than its retention at the clock', async () => {
  const DAY = 86_400_000;
  const now = Date.UTC(2024, 0, 10);
  const calls: unknown[] = [];
  const fake = {
    groupsWithRetention: async () => [
      { scope: { account: '1', region: 'r' }, name: 'short', retentionInDays: 1 },
      { scope: { account: '1', region: 'r' }, name: 'week', retentionInDays: 7 },
    ],
    deleteEventsBefore: async (scope: unknown, group: string, cutoff: number) => {
      calls.push([group, cutoff]);
      return 2;
    },
  } as unknown as LogStore;
  const controller = new LogRetentionController(fake, { now: () => new Date(now) }, silentLogger);
  assert.equal(await controller.sweep(), 4);
  assert.deepEqual(calls, [['short', now - DAY], ['week', now - 7 * DAY]]);
});
