import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TaskCgroups } from './task-cgroup.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } } as never;

test('the start-up sweep removes only old, empty task folders no container is named after', async () => {
  // A v2 tree on a plain directory: folders without a cgroup.procs file count as empty.
  const fsRoot = mkdtempSync(join(tmpdir(), 'wharf-cgroups-'));
  const root = join(fsRoot, 'wharf');
  const hourAgo = new Date(Date.now() - 3_600_000);
  const folder = (name: string, old: boolean, procs?: string) => {
    const dir = join(root, name);
    mkdirSync(join(dir, 'child'), { recursive: true });
    if (procs !== undefined) writeFileSync(join(dir, 'child', 'cgroup.procs'), procs);
    if (old) utimesSync(dir, hourAgo, hourAgo);
    return dir;
  };
  const leftover = folder('wharf-dead-pause', true);
  const busy = folder('wharf-busy-pause', true, '4242\n');
  const owned = folder('wharf-stopped-pause', true);
  const fresh = folder('wharf-new-pause', false);
  const cgroups = new TaskCgroups('v2', silent, fsRoot);
  const removed = await cgroups.sweepLeftovers('wharf', new Set(['wharf-stopped-pause']), 10 * 60_000);
  assert.deepEqual(removed, ['wharf-dead-pause']);
  assert.ok(!existsSync(leftover));
  for (const kept of [busy, owned, fresh]) assert.ok(existsSync(kept), kept);
  assert.deepEqual(await new TaskCgroups('unmanaged', silent, fsRoot).sweepLeftovers('wharf', new Set(), 0), []);
});
