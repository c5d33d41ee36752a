import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { liveInstances } from '../host-leftovers/live-instances.js';
import { IptablesTaskEndpoint } from './iptables-task-endpoint.js';

const run = promisify(execFile);
const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } } as never;

async function commentsInNat(): Promise<string[]> {
  const { stdout } = await run('iptables', ['-w', '-t', 'nat', '-S', 'PREROUTING']);
  return [...stdout.matchAll(/--comment "?(wharf:[0-9a-f-]+)"?/g)].map((match) => match[1]!);
}

async function addRule(id: string, source: string): Promise<void> {
  await run('iptables', ['-w', '-t', 'nat', '-I', 'PREROUTING', '-s', `${source}/32`, '-d', '169.254.170.2/32', '-p', 'tcp', '--dport', '80', '-m', 'comment', '--comment', `wharf:${id}`, '-j', 'DNAT', '--to-destination', '169.254.170.2:1']);
}

const haveIptables = await run('iptables', ['-w', '-t', 'nat', '-S', 'PREROUTING']).then(() => true, () => false);

test('the sweep removes the rules of instances that are not live and keeps every live one', { skip: !haveIptables && 'needs root and iptables' }, async () => {
  const dead = randomUUID();
  const self = randomUUID();
  const liveElsewhere = randomUUID();
  // Addresses from TEST-NET-2: no task ever has them.
  await addRule(dead, '198.51.100.1');
  await addRule(dead, '198.51.100.2');
  await addRule(self, '198.51.100.3');
  await addRule(liveElsewhere, '198.51.100.4');
  const before = await commentsInNat();
  const endpoint = new IptablesTaskEndpoint({ instanceId: self, logger: silent });
  try {
    // The real live set (other Wharfs running on this host now) plus the pretend one. Other tests running
    // beside this one may, for a moment, delete a data directory under a Wharf that still holds it open,
    // which makes the answer incomplete (nothing would be swept): wait for a complete one.
    let live = await liveInstances();
    for (const deadline = Date.now() + 60_000; !live.complete && Date.now() < deadline; live = await liveInstances()) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.ok(live.complete, 'a complete view of the live Wharfs on this host within a minute');
    const removed = await endpoint.sweepDeadInstances(new Set([...live.ids, liveElsewhere]));
    const after = await commentsInNat();
    assert.ok(!after.includes(`wharf:${dead}`));
    assert.ok(removed >= 2);
    assert.ok(after.includes(`wharf:${self}`));
    assert.ok(after.includes(`wharf:${liveElsewhere}`));
    // No rule of a Wharf running on this host was touched.
    for (const comment of before.filter((c) => live.ids.has(c.slice('wharf:'.length)))) assert.ok(after.includes(comment), comment);
  } finally {
    await endpoint.sync([], 1);
    await new IptablesTaskEndpoint({ instanceId: liveElsewhere, logger: silent }).sync([], 1);
    await new IptablesTaskEndpoint({ instanceId: dead, logger: silent }).sync([], 1);
  }
});
