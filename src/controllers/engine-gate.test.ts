import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger, type Logger } from '../ports/logger.js';
import { EngineGate } from './engine-gate.js';

/** A ping the test answers or silences; `pings` counts the calls, `after(n)` resolves once n have been made. */
function scriptedPing() {
  let mode: 'answer' | 'fail' | 'hang' = 'answer';
  let pings = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    set mode(next: 'answer' | 'fail' | 'hang') {
      mode = next;
    },
    get pings() {
      return pings;
    },
    after: (n: number) => new Promise<void>((resolve) => (pings >= n ? resolve() : waiters.push({ n, resolve }))),
    ping: (): Promise<void> => {
      pings++;
      for (const waiter of waiters.splice(0)) if (pings >= waiter.n) waiter.resolve();
      else waiters.push(waiter);
      if (mode === 'answer') return Promise.resolve();
      if (mode === 'fail') return Promise.reject(new Error('connect ECONNREFUSED'));
      return new Promise(() => undefined);
    },
  };
}

function recordingLogger(lines: string[]): Logger {
  return { ...silentLogger, warn: (_obj, msg) => void lines.push(`warn: ${msg}`), info: (_obj, msg) => void lines.push(`info: ${msg}`) };
}

test('a failure of an engine that answers is the caller’s to retry: nothing waits', async () => {
  const engine = scriptedPing();
  const gate = new EngineGate(engine.ping, () => assert.fail('nothing waited'), silentLogger, { probeMs: 5 });
  assert.equal(await gate.holdsAfterFailure('a', new Error('conflict')), false);
  assert.equal(gate.holds('a'), false);
  assert.equal(gate.waitingCount, 0);
  gate.stop();
});

test('while the engine is silent every item waits, one warning says so, and all come back together when it answers', async () => {
  const engine = scriptedPing();
  const lines: string[] = [];
  const resumed: string[][] = [];
  const gate = new EngineGate(engine.ping, (keys) => resumed.push([...keys]), recordingLogger(lines), { probeMs: 5 });
  engine.mode = 'fail';
  assert.equal(await gate.holdsAfterFailure('a', new Error('ECONNREFUSED')), true);
  assert.equal(await gate.holdsAfterFailure('b', new Error('ECONNREFUSED')), true);
  assert.equal(gate.holds('c'), true, 'known silent: work is held without trying');
  assert.equal(gate.holds('a'), true);
  const pingsSoFar = engine.pings;
  await engine.after(pingsSoFar + 3); // three probes, all silent
  assert.deepEqual(resumed, [], 'nothing is handed back while the engine is silent');
  assert.deepEqual(lines, ['warn: the Docker engine does not answer: its tasks wait for it (check that dockerd runs and its socket or address is reachable)']);
  engine.mode = 'answer';
  await engine.after(engine.pings + 1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(resumed.map((keys) => [...keys].sort()), [['a', 'b', 'c']]);
  assert.equal(gate.holds('d'), false, 'open again');
  assert.equal(lines.at(-1), 'info: the Docker engine answers again: its tasks go on');
  gate.stop();
});

test('a ping that never returns counts as a silent engine', async () => {
  const engine = scriptedPing();
  const gate = new EngineGate(engine.ping, () => undefined, silentLogger, { probeMs: 5, pingTimeoutMs: 20 });
  engine.mode = 'hang';
  assert.equal(await gate.holdsAfterFailure('a', new Error('socket hang up')), true);
  gate.stop();
});

test('a stopped gate probes no more', async () => {
  const engine = scriptedPing();
  const gate = new EngineGate(engine.ping, () => assert.fail('stopped'), silentLogger, { probeMs: 5 });
  engine.mode = 'fail';
  await gate.holdsAfterFailure('a', new Error('ECONNREFUSED'));
  gate.stop();
  const pings = engine.pings;
  engine.mode = 'answer';
  // A later timer of the same length as the probe's: had a probe been left, it would have fired first.
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(engine.pings, pings);
});
