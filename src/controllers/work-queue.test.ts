import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../ports/logger.js';
import { againAfter, done, WorkQueue } from './work-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('a key added while it runs runs once more afterwards, never twice at once', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const gate = deferred();
  const queue = new WorkQueue('t', async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs++;
    if (runs === 1) await gate.promise;
    active--;
    return done;
  }, silentLogger);
  queue.start();
  queue.add('k');
  await new Promise((resolve) => setImmediate(resolve));
  queue.add('k');
  queue.add('k');
  gate.resolve();
  await queue.idle();
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
  await queue.stop();
});

test('duplicate adds of a queued key collapse into one run', async () => {
  const seen: string[] = [];
  const queue = new WorkQueue('t', async (key) => {
    seen.push(key);
    return done;
  }, silentLogger);
  queue.add('a', 5);
  queue.add('a', 5);
  queue.add('b', 5);
  await new Promise((resolve) => setTimeout(resolve, 30));
  await queue.idle();
  assert.deepEqual(seen.sort(), ['a', 'b']);
  await queue.stop();
});

test('errors retry with back-off; againAfter requeues', async () => {
  let attempts = 0;
  const finished = deferred();
  const queue = new WorkQueue('t', async () => {
    attempts++;
    if (attempts < 3) throw new Error('transient');
    if (attempts === 3) return againAfter(1);
    finished.resolve();
    return done;
  }, silentLogger, { maxBackoffMs: 5 });
  queue.add('k');
  await finished.promise;
  assert.equal(attempts, 4);
  await queue.stop();
});

test('resync re-adds every listed key', async () => {
  const seen = new Set<string>();
  const both = deferred();
  const queue = new WorkQueue('t', async (key) => {
    seen.add(key);
    if (seen.size === 2) both.resolve();
    return done;
  }, silentLogger, { resyncMs: 60_000, listKeys: async () => ['x', 'y'] });
  queue.start();
  await both.promise;
  assert.deepEqual([...seen].sort(), ['x', 'y']);
  await queue.stop();
});

test("a resync of only the missing keys leaves a key's scheduled run where it is and queues the keys it never had", async () => {
  const runs: string[] = [];
  const queue = new WorkQueue('t', async (key) => {
    runs.push(key);
    // `scheduled` always asks to be looked at again much later, as a supervised task does.
    return key === 'scheduled' ? againAfter(60_000) : done;
  }, silentLogger, { resyncMs: 60_000, listKeys: async () => ['scheduled', 'unheard'], resync: 'missing' });
  try {
    queue.add('scheduled');
    await waitUntil(() => runs.length === 1);
    queue.start();
    await waitUntil(() => runs.includes('unheard'));
    assert.deepEqual(runs, ['scheduled', 'unheard'], 'the resync ran the key it never had, not the one with a timer');
  } finally {
    await queue.stop();
  }
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let round = 0; round < 1000 && !condition(); round++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition());
}
