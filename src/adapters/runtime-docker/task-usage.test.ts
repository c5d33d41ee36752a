import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseBlkioV1, parseIoStatV2, parseKeyValues, parseNetDev, parseProcStat, TaskUsageReader } from './task-usage.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
  eth0:    5000      40    1    2    0     0          0         0     3000      30    3    4    0     0       0          0
`;
const PROC_STAT = `cpu  100 0 50 1000 10 0 5 0 0 0
cpu0 50 0 25 500 5 0 2 0 0 0
cpu1 50 0 25 500 5 0 3 0 0 0
intr 12345
`;

function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

describe('task usage from cgroup and proc files', () => {
  const root = mkdtempSync(join(tmpdir(), 'wharf-usage-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('parsers: memory.stat, blkio, io.stat, net/dev without lo, /proc/stat', () => {
    assert.deepEqual(parseKeyValues('cache 4096\ntotal_cache 8192\nbad line x\n'), { cache: 4096, total_cache: 8192 });
    assert.deepEqual(parseBlkioV1('8:0 Read 4096\n8:0 Write 512\n8:0 Sync 10\n8:16 Read 1\nTotal 4609\n'), { read: 4097, write: 512 });
    assert.deepEqual(parseIoStatV2('8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n8:16 rbytes=1 wbytes=0\n'), { read: 4097, write: 8192 });
    assert.deepEqual(Object.keys(parseNetDev(NET_DEV)), ['eth0']);
    assert.deepEqual(parseNetDev(NET_DEV).eth0, { rxBytes: 5000, rxPackets: 40, rxErrors: 1, rxDropped: 2, txBytes: 3000, txPackets: 30, txErrors: 3, txDropped: 4 });
    // user + nice + system + idle + iowait + irq + softirq, in 10 ms ticks.
    assert.deepEqual(parseProcStat(PROC_STAT), { nanos: 1165 * 10_000_000, cpus: 2 });
  });

  test('cgroup v2: cpu.stat usage, memory.current less inactive_file, io.stat, the pause process namespace, per container', async () => {
    const fs = join(root, 'v2');
    const proc = join(root, 'proc');
    const parent = '/wharf/task-1';
    const task = join(fs, parent);
    write(join(task, 'cpu.stat'), 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n');
    write(join(task, 'memory.current'), String(100 * 1024 * 1024));
    write(join(task, 'memory.max'), String(512 * 1024 * 1024));
    write(join(task, 'memory.stat'), `anon ${60 * 1024 * 1024}\ninactive_file ${30 * 1024 * 1024}\n`);
    write(join(task, 'io.stat'), '8:0 rbytes=4096 wbytes=8192\n');
    write(join(task, 'pause', 'cgroup.procs'), '4242\n');
    write(join(task, 'app', 'cpu.stat'), 'usage_usec 2000000\n');
    write(join(task, 'app', 'memory.current'), '1000');
    write(join(task, 'app', 'memory.max'), 'max\n');
    write(join(proc, '4242', 'net', 'dev'), NET_DEV);
    write(join(proc, 'stat'), PROC_STAT);
    const reader = new TaskUsageReader('v2', fs, proc);
    const usage = (await reader.read({ containerId: 'pause', cgroupParent: parent }, ['app', 'gone']))!;
    assert.equal(usage.cpuNanos, 2_500_000_000);
    assert.equal(usage.memoryUsageBytes, 100 * 1024 * 1024);
    assert.equal(usage.memoryBytes, 70 * 1024 * 1024);
    assert.equal(usage.memoryLimitBytes, 512 * 1024 * 1024);
    assert.equal(usage.storageReadBytes, 4096);
    assert.equal(usage.storageWriteBytes, 8192);
    assert.deepEqual(Object.keys(usage.networks), ['eth0']);
    assert.equal(usage.onlineCpus, 2);
    assert.equal(usage.containers.app!.cpuNanos, 2_000_000_000);
    assert.equal(usage.containers.app!.memoryLimitBytes, undefined, '"max" is no limit');
    assert.equal(usage.containers.gone, undefined);
    assert.equal(await reader.read({ containerId: 'pause', cgroupParent: '/wharf/none' }, []), undefined, 'a removed task has no usage');
  });

  test('cgroup v1: cpuacct.usage, usage less total_cache, the blkio throttle counters', async () => {
    const fs = join(root, 'v1');
    const parent = '/wharf/task-2';
    write(join(fs, 'cpuacct', parent, 'cpuacct.usage'), '123456789\n');
    write(join(fs, 'memory', parent, 'memory.usage_in_bytes'), String(80 * 1024 * 1024));
    write(join(fs, 'memory', parent, 'memory.limit_in_bytes'), String(512 * 1024 * 1024));
    write(join(fs, 'memory', parent, 'memory.stat'), `cache 1\ntotal_cache ${20 * 1024 * 1024}\n`);
    write(join(fs, 'blkio', parent, 'blkio.throttle.io_service_bytes_recursive'), '8:0 Read 100\n8:0 Write 200\nTotal 300\n');
    const reader = new TaskUsageReader('v1', fs, join(root, 'no-proc'));
    const usage = (await reader.read({ containerId: 'pause', cgroupParent: parent }, []))!;
    assert.equal(usage.cpuNanos, 123456789);
    assert.equal(usage.memoryBytes, 60 * 1024 * 1024);
    assert.equal(usage.storageReadBytes, 100);
    assert.equal(usage.storageWriteBytes, 200);
    assert.deepEqual(usage.networks, {}, 'no namespace readable: no interfaces');
  });
});
