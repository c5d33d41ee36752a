import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerStatsDocument, type StatsSide } from './docker-stats.js';

const side = (timestamp: number, cpuNanos: number, hostCpuNanos: number, rxBytes: number): StatsSide => ({
  context: {
    timestamp,
    hostCpuNanos,
    onlineCpus: 2,
    networks: { eth0: { rxBytes, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 10, txPackets: 1, txErrors: 0, txDropped: 0 } },
  },
  cgroup: { cpuNanos, memoryUsageBytes: 4096, memoryMaxUsageBytes: 8192, memoryLimitBytes: 1 << 20, memoryStats: { cache: 1024 }, storageReadBytes: 5, storageWriteBytes: 7 },
});

test('the Docker stats shape from two readings: cpu_stats from the latest, precpu_stats from the one before, v4 network rates', () => {
  const doc = dockerStatsDocument('abc', 'wharf-1-app', side(2_000, 3e9, 40e9, 3000), side(1_000, 2e9, 38e9, 1000), { networkRates: true }) as any;
  assert.equal(doc.read, '1970-01-01T00:00:02.000Z');
  assert.equal(doc.preread, '1970-01-01T00:00:01.000Z');
  assert.equal(doc.id, 'abc');
  assert.equal(doc.name, '/wharf-1-app');
  assert.equal(doc.cpu_stats.cpu_usage.total_usage, 3e9);
  assert.equal(doc.precpu_stats.cpu_usage.total_usage, 2e9);
  assert.equal(doc.cpu_stats.system_cpu_usage, 40e9);
  assert.equal(doc.cpu_stats.online_cpus, 2);
  // docker's CPU % from the pair: (1e9 / 2e9) x 2 CPUs x 100 = 100 %.
  const cpuDelta = doc.cpu_stats.cpu_usage.total_usage - doc.precpu_stats.cpu_usage.total_usage;
  const systemDelta = doc.cpu_stats.system_cpu_usage - doc.precpu_stats.system_cpu_usage;
  assert.equal((cpuDelta / systemDelta) * doc.cpu_stats.online_cpus * 100, 100);
  assert.deepEqual(doc.memory_stats, { usage: 4096, max_usage: 8192, stats: { cache: 1024 }, limit: 1 << 20 });
  assert.equal(doc.networks.eth0.rx_bytes, 3000);
  assert.deepEqual(doc.network_rate_stats, { rx_bytes_per_sec: 2000, tx_bytes_per_sec: 0 });
  assert.deepEqual(
    doc.blkio_stats.io_service_bytes_recursive.map((e: any) => [e.op, e.value]),
    [['Read', 5], ['Write', 7], ['Total', 12]],
  );
});

test('a single reading: an empty precpu_stats and the zero preread, as docker sends a first sample; v3 has no rates', () => {
  const doc = dockerStatsDocument('abc', '/x', side(2_000, 3e9, 40e9, 3000), undefined) as any;
  assert.equal(doc.preread, '0001-01-01T00:00:00Z');
  assert.equal(doc.precpu_stats.cpu_usage.total_usage, 0);
  assert.equal(doc.name, '/x');
  assert.equal(doc.network_rate_stats, undefined);
});
