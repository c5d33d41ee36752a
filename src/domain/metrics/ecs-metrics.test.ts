import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerInsightsData, ecsUtilizationData, reservedOf, serviceNameOfGroup, type TaskSample } from './ecs-metrics.js';
import { insightsPeriodMs, sampleIntervalMs, statisticsOf, storageResolutionFor } from './metric-datum.js';
import { networkTotals, taskInterval, utilizationPercent, type TaskInterval, type UsageCounters } from './task-interval.js';

const reading = (timestamp: number, over: Partial<UsageCounters> = {}): UsageCounters => ({
  timestamp,
  cpuNanos: 0,
  memoryBytes: 0,
  networkRxBytes: 0,
  networkTxBytes: 0,
  storageReadBytes: 0,
  storageWriteBytes: 0,
  ...over,
});

const use = (over: Partial<TaskInterval>): TaskInterval => ({
  seconds: 10,
  cpuUnits: 0,
  memoryMiB: 0,
  networkRxBytesPerSecond: 0,
  networkTxBytesPerSecond: 0,
  storageReadBytes: 0,
  storageWriteBytes: 0,
  ...over,
});

const sample = (over: Partial<TaskSample> & { use: TaskInterval }): TaskSample => ({ clusterName: 'c', family: 'web', cpuReserved: 256, memoryReservedMiB: 512, ...over });
const at = { timestamp: 60_000, storageResolution: 60 as const };

describe('task interval', () => {
  test('a quarter vCPU busy for 10 s is 256 CPU units; rates are per second; memory is the latest gauge', () => {
    const use = taskInterval(
      reading(0, { cpuNanos: 1e9, memoryBytes: 10 * 1024 * 1024, networkRxBytes: 100, networkTxBytes: 50, storageReadBytes: 7 }),
      reading(10_000, { cpuNanos: 1e9 + 2.5e9, memoryBytes: 64 * 1024 * 1024, networkRxBytes: 10_100, networkTxBytes: 2_050, storageReadBytes: 4103, storageWriteBytes: 8192 }),
    )!;
    assert.equal(use.seconds, 10);
    assert.equal(use.cpuUnits, 256);
    assert.equal(use.memoryMiB, 64);
    assert.equal(use.networkRxBytesPerSecond, 1000);
    assert.equal(use.networkTxBytesPerSecond, 200);
    assert.equal(use.storageReadBytes, 4096);
    assert.equal(use.storageWriteBytes, 8192);
  });

  test('no time passed: no interval; counters that went backwards count as nothing used', () => {
    assert.equal(taskInterval(reading(5), reading(5)), undefined);
    assert.equal(taskInterval(reading(6), reading(5)), undefined);
    const use = taskInterval(reading(0, { cpuNanos: 5e9, networkRxBytes: 1000 }), reading(1000, { cpuNanos: 1e9, networkRxBytes: 10 }))!;
    assert.equal(use.cpuUnits, 0);
    assert.equal(use.networkRxBytesPerSecond, 0);
  });

  test('utilization is used over reserved and may exceed 100; nothing reserved is 0', () => {
    assert.equal(utilizationPercent(256, 256), 100);
    assert.equal(utilizationPercent(512, 256), 200);
    assert.equal(utilizationPercent(10, 0), 0);
  });

  test('network totals add the interfaces', () => {
    assert.deepEqual(networkTotals({ eth0: { rxBytes: 5, txBytes: 7 }, eth1: { rxBytes: 1, txBytes: 2 } }), { rx: 6, tx: 9 });
  });
});

describe('sampling cadence', () => {
  test('10 s at scale 1, divided by the scale, at least 1 s; per-second storage only when scaled', () => {
    assert.equal(sampleIntervalMs(1), 10_000);
    assert.equal(sampleIntervalMs(5), 2_000);
    assert.equal(sampleIntervalMs(100), 1_000);
    assert.equal(insightsPeriodMs(1), 60_000);
    assert.equal(insightsPeriodMs(60), 1_000);
    assert.equal(storageResolutionFor(1), 60);
    assert.equal(storageResolutionFor(2), 1);
  });

  test('statistic sets count their values', () => {
    assert.deepEqual(statisticsOf([3, 1, 2]), { sampleCount: 3, sum: 6, minimum: 1, maximum: 3 });
    assert.equal(statisticsOf([]), undefined);
  });

  test('service groups and reservations', () => {
    assert.equal(serviceNameOfGroup('service:web'), 'web');
    assert.equal(serviceNameOfGroup('family:web'), undefined);
    assert.deepEqual(reservedOf({ cpu: '256', memory: '512' }), { cpu: 256, memoryMiB: 512 });
    assert.deepEqual(reservedOf({}), { cpu: 0, memoryMiB: 0 });
  });
});

describe('AWS/ECS utilization', () => {
  test("a service's Average is used over reserved, Minimum and Maximum the extreme tasks, SampleCount the tasks", () => {
    const data = ecsUtilizationData(
      [
        sample({ serviceName: 'web', use: use({ cpuUnits: 256, memoryMiB: 128 }) }),
        sample({ serviceName: 'web', cpuReserved: 1024, memoryReservedMiB: 2048, use: use({ cpuUnits: 0, memoryMiB: 512 }) }),
        sample({ use: use({ cpuUnits: 128, memoryMiB: 256 }) }),
      ],
      at,
    );
    const find = (name: string, dims: number) => data.find((d) => d.metricName === name && d.dimensions.length === dims)!;
    const serviceCpu = find('CPUUtilization', 2);
    assert.deepEqual(serviceCpu.dimensions, [
      { name: 'ClusterName', value: 'c' },
      { name: 'ServiceName', value: 'web' },
    ]);
    assert.equal(serviceCpu.unit, 'Percent');
    assert.equal(serviceCpu.statistics.sampleCount, 2);
    // (256 + 0) x 100 / (256 + 1024) = 20 %, the least task 0 %, the most 100 %.
    assert.equal(serviceCpu.statistics.sum / serviceCpu.statistics.sampleCount, 20);
    assert.equal(serviceCpu.statistics.minimum, 0);
    assert.equal(serviceCpu.statistics.maximum, 100);
    const serviceMemory = find('MemoryUtilization', 2);
    assert.equal(serviceMemory.statistics.sum / 2, (640 * 100) / 2560);
    // The cluster counts every running task, services or not.
    const clusterCpu = find('CPUUtilization', 1);
    assert.equal(clusterCpu.statistics.sampleCount, 3);
    assert.equal(clusterCpu.statistics.sum / 3, (384 * 100) / 1536);
    assert.equal(data.length, 4);
    assert.ok(data.every((d) => d.timestamp === 60_000 && d.storageResolution === 60 && d.namespace === 'AWS/ECS'));
  });

  test("a sample's share of the minute weighs its sample count; the Average stays the group's utilization", () => {
    const [cpu] = ecsUtilizationData([sample({ use: use({ cpuUnits: 128 }) }), sample({ use: use({ cpuUnits: 256 }) })], at, 1 / 6);
    assert.equal(cpu!.statistics.sampleCount, 2 / 6);
    assert.equal(cpu!.statistics.sum / cpu!.statistics.sampleCount, 75);
    // Six such samples make a minute whose SampleCount is the two tasks.
    assert.ok(Math.abs(cpu!.statistics.sampleCount * 6 - 2) < 1e-9);
  });

  test('nothing running publishes nothing', () => {
    assert.deepEqual(ecsUtilizationData([], at), []);
  });
});

describe('Container Insights', () => {
  test('only clusters that have it on; per cluster, service and family; task counts from the services', () => {
    const data = containerInsightsData(
      [
        sample({ serviceName: 'web', use: use({ cpuUnits: 100, memoryMiB: 50, networkRxBytesPerSecond: 10, storageWriteBytes: 4096 }) }),
        sample({ serviceName: 'web', use: use({ cpuUnits: 300, memoryMiB: 150, networkRxBytesPerSecond: 30 }) }),
        sample({ clusterName: 'off', use: use({ cpuUnits: 1 }) }),
      ],
      [
        { clusterName: 'c', serviceName: 'web', desiredCount: 3, runningCount: 2, pendingCount: 1 },
        { clusterName: 'off', serviceName: 'x', desiredCount: 1, runningCount: 1, pendingCount: 0 },
      ],
      new Set(['c']),
      at,
    );
    assert.ok(data.every((d) => d.namespace === 'ECS/ContainerInsights'));
    assert.ok(!data.some((d) => d.dimensions.some((dim) => dim.value === 'off')), 'a cluster without Container Insights has none');
    const of = (name: string, dimName: string) => data.find((d) => d.metricName === name && d.dimensions.some((dim) => dim.name === dimName) && (dimName !== 'ClusterName' || d.dimensions.length === 1))!;
    const cpu = of('CpuUtilized', 'ServiceName');
    assert.deepEqual(cpu.statistics, { sampleCount: 2, sum: 400, minimum: 100, maximum: 300 });
    assert.equal(cpu.unit, 'None');
    assert.equal(of('MemoryUtilized', 'TaskDefinitionFamily').unit, 'Megabytes');
    assert.equal(of('MemoryUtilized', 'TaskDefinitionFamily').statistics.sum, 200);
    assert.equal(of('NetworkRxBytes', 'ClusterName').unit, 'Bytes/Second');
    assert.equal(of('NetworkRxBytes', 'ClusterName').statistics.sum, 40);
    assert.equal(of('StorageWriteBytes', 'ClusterName').statistics.sum, 4096);
    assert.equal(of('CpuReserved', 'ClusterName').statistics.sum, 512);
    assert.equal(of('DesiredTaskCount', 'ServiceName').statistics.sum, 3);
    assert.equal(of('RunningTaskCount', 'ServiceName').statistics.sum, 2);
    assert.equal(of('PendingTaskCount', 'ServiceName').statistics.sum, 1);
    assert.equal(of('TaskCount', 'ClusterName').statistics.sum, 2);
    assert.equal(of('ServiceCount', 'ClusterName').statistics.sum, 1);
  });
});
