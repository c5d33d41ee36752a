import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../ports/logger.js';
import type { MetricStore } from '../ports/metric-store.js';
import { MetricCompactionController } from './metric-compaction.js';

function recordingStore(calls: number[], fail = false): MetricStore {
  return {
    compact: async (now: number) => {
      calls.push(now);
      if (fail) throw new Error('disk full');
    },
  } as unknown as MetricStore;
}

test('a compaction pass runs at the clock\'s time', async () => {
  const calls: number[] = [];
  const controller = new MetricCompactionController(recordingStore(calls), { now: () => new Date(1_700_000_000_000) }, silentLogger);
  await controller.compactOnce();
  assert.deepEqual(calls, [1_700_000_000_000]);
});

test('started, it compacts every interval divided by the time scale, survives failures and stops', async () => {
  const calls: number[] = [];
  const warnings: unknown[] = [];
  const logger = { ...silentLogger, warn: (obj: object) => void warnings.push(obj) };
  // 5 minutes at scale 6000: every 50 ms.
  const controller = new MetricCompactionController(recordingStore(calls, true), { now: () => new Date(5) }, logger, { timeScale: 6000 });
  controller.start();
  controller.start();
  const deadline = Date.now() + 5000;
  while (calls.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await controller.stop();
  const seen = calls.length;
  assert.ok(seen >= 3, `compacted ${seen} times`);
  assert.ok(warnings.length >= 2, 'a failed pass is a warning, and the next pass still runs');
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(calls.length, seen, 'no pass after stop');
});
