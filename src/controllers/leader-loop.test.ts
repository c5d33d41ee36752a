import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaderTerm, Leadership } from '../ports/leadership.js';
import { silentLogger } from '../ports/logger.js';
import { ControllerGroup } from './controller-group.js';
import { LeaderLoop } from './leader-loop.js';

/** Leadership handed out by the test: each acquire waits for `grant()`, each term ends on `lose()`. */
class ScriptedLeadership implements Leadership {
  private waiting: ((term: LeaderTerm) => void) | undefined;
  private rejectWaiting: ((error: Error) => void) | undefined;
  private loseCurrent: (() => void) | undefined;
  private epoch = 0;
  acquires = 0;
  closed = false;
  private acquired: (() => void) | undefined;

  acquire(): Promise<LeaderTerm> {
    this.acquires++;
    this.acquired?.();
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.rejectWaiting = reject;
    });
  }
  /** Resolves once the loop has asked for leadership `count` times in all. */
  asked(count: number): Promise<void> {
    if (this.acquires >= count) return Promise.resolve();
    return new Promise((resolve) => {
      this.acquired = () => {
        if (this.acquires >= count) resolve();
      };
    });
  }
  grant(): void {
    const lost = new Promise<void>((resolve) => (this.loseCurrent = resolve));
    this.waiting!({ epoch: ++this.epoch, lost });
  }
  lose(): void {
    this.loseCurrent!();
  }
  async close(): Promise<void> {
    this.closed = true;
    this.rejectWaiting?.(new Error('closed'));
  }
}

function group(log: string[]): ControllerGroup {
  return new ControllerGroup(silentLogger, [{ name: 'scheduler', start: () => log.push('start'), stop: () => log.push('stop') }]);
}

test('a follower starts the controllers when it is granted leadership, stops them when it loses it, and asks again', async () => {
  const log: string[] = [];
  const leadership = new ScriptedLeadership();
  const loop = new LeaderLoop(leadership, group(log), silentLogger);
  loop.runInBackground();
  await leadership.asked(1);
  assert.deepEqual(log, []);
  leadership.grant();
  await leadership.asked(1);
  await waitFor(() => log.length === 1);
  leadership.lose();
  // The loop asks again only after stopping the controllers.
  await leadership.asked(2);
  assert.deepEqual(log, ['start', 'stop']);
  leadership.grant();
  await waitFor(() => log.length === 3);
  await loop.close();
  assert.deepEqual(log, ['start', 'stop', 'start', 'stop']);
  assert.equal(leadership.closed, true);
});

test('closing while waiting for leadership ends the wait and starts nothing', async () => {
  const log: string[] = [];
  const leadership = new ScriptedLeadership();
  const loop = new LeaderLoop(leadership, group(log), silentLogger);
  loop.runInBackground();
  await leadership.asked(1);
  await loop.close();
  assert.deepEqual(log, []);
});

test('a pause (the admin reset) stops and restarts running controllers, and only runs the work on a follower', async () => {
  const log: string[] = [];
  const leadership = new ScriptedLeadership();
  const loop = new LeaderLoop(leadership, group(log), silentLogger);
  loop.runInBackground();
  await leadership.asked(1);
  await loop.whilePaused(async () => void log.push('wipe'));
  leadership.grant();
  await waitFor(() => log.length === 2);
  await loop.whilePaused(async () => void log.push('wipe'));
  await loop.close();
  assert.deepEqual(log, ['wipe', 'start', 'stop', 'wipe', 'start', 'stop']);
});

/** Polls a condition the loop's next microtasks make true (no timers involved beyond a yield). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let round = 0; round < 1000 && !condition(); round++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition never became true');
}
