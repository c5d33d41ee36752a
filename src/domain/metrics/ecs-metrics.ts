/**
 * The metrics ECS publishes for tasks, from the use each running task made
 * over the last interval.
 *
 * AWS/ECS CPUUtilization and MemoryUtilization per {ClusterName, ServiceName}
 * and per {ClusterName}: ECS's service utilization is (units used by the
 * service's tasks) x 100 / (units reserved by them), its Minimum and Maximum
 * the least and most utilized task. One statistic set per group per sample
 * carries all three: Sum / SampleCount = the group's utilization, Minimum
 * and Maximum the extreme tasks'. ECS sends one data point per task per
 * minute (it folds its samples first), so a minute's SampleCount is the
 * number of tasks: each sample's set weighs the tasks by the sample's share
 * of the minute (`weight`, 10 s / 60 s = 1/6), and the minute's Average is
 * the mean of its samples.
 *
 * ECS/ContainerInsights (clusters with containerInsights enabled or enhanced):
 * one statistic set per dimension set per period (a minute, as Container
 * Insights aggregates) whose samples are the tasks: Sum over tasks is the
 * resource's total, Average the per-task figure.
 */
import { single, statisticsOf, type Dimension, type MetricDatum, type PublishAt } from './metric-datum.js';
import { utilizationPercent, type TaskInterval } from './task-interval.js';

export const ECS_NAMESPACE = 'AWS/ECS';
export const CONTAINER_INSIGHTS_NAMESPACE = 'ECS/ContainerInsights';

/** One running task's use over an interval, with what it reserved. */
export interface TaskSample {
  readonly clusterName: string;
  /** For service tasks (group `service:<name>`). */
  readonly serviceName?: string;
  readonly family: string;
  /** Task-level cpu units and memory MiB. */
  readonly cpuReserved: number;
  readonly memoryReservedMiB: number;
  readonly use: TaskInterval;
}

/** A service's counts as its record holds them. */
export interface ServiceCounts {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
}

/** The ECS service's task group -> its name (`service:<name>`); other groups are not services. */
export function serviceNameOfGroup(group: string | undefined): string | undefined {
  return group?.startsWith('service:') ? group.slice('service:'.length) : undefined;
}

/** Task-level cpu and memory as stored (strings of numbers); 0 when absent. */
export function reservedOf(task: { readonly cpu?: string; readonly memory?: string }): { cpu: number; memoryMiB: number } {
  const cpu = Number(task.cpu);
  const memory = Number(task.memory);
  return { cpu: Number.isFinite(cpu) && cpu > 0 ? cpu : 0, memoryMiB: Number.isFinite(memory) && memory > 0 ? memory : 0 };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const clusterDims = (clusterName: string): Dimension[] => [{ name: 'ClusterName', value: clusterName }];
const serviceDims = (clusterName: string, serviceName: string): Dimension[] => [
  { name: 'ClusterName', value: clusterName },
  { name: 'ServiceName', value: serviceName },
];
const familyDims = (clusterName: string, family: string): Dimension[] => [
  { name: 'ClusterName', value: clusterName },
  { name: 'TaskDefinitionFamily', value: family },
];

/** Utilization of a group of tasks as one statistic set (see the file comment). */
function utilization(samples: readonly TaskSample[], used: (s: TaskSample) => number, reserved: (s: TaskSample) => number, weight: number) {
  let totalUsed = 0;
  let totalReserved = 0;
  const perTask: number[] = [];
  for (const sample of samples) {
    totalUsed += used(sample);
    totalReserved += reserved(sample);
    perTask.push(utilizationPercent(used(sample), reserved(sample)));
  }
  const stats = statisticsOf(perTask)!;
  const sampleCount = stats.sampleCount * weight;
  return { ...stats, sampleCount, sum: utilizationPercent(totalUsed, totalReserved) * sampleCount };
}

/**
 * AWS/ECS CPUUtilization and MemoryUtilization for every service and cluster
 * with a running task; `weight` is the sample's share of a minute.
 */
export function ecsUtilizationData(samples: readonly TaskSample[], at: PublishAt, weight = 1): MetricDatum[] {
  const data: MetricDatum[] = [];
  const push = (dimensions: Dimension[], group: readonly TaskSample[]) => {
    const cpu = utilization(group, (s) => s.use.cpuUnits, (s) => s.cpuReserved, weight);
    const memory = utilization(group, (s) => s.use.memoryMiB, (s) => s.memoryReservedMiB, weight);
    data.push({ namespace: ECS_NAMESPACE, metricName: 'CPUUtilization', dimensions, unit: 'Percent', ...at, statistics: cpu });
    data.push({ namespace: ECS_NAMESPACE, metricName: 'MemoryUtilization', dimensions, unit: 'Percent', ...at, statistics: memory });
  };
  for (const [clusterName, group] of groupBy(samples, (s) => s.clusterName)) {
    push(clusterDims(clusterName), group);
    for (const [serviceName, tasks] of groupBy(group, (s) => s.serviceName)) push(serviceDims(clusterName, serviceName), tasks);
  }
  return data;
}

/** Container Insights' per-task figures: name, unit and the value of one task. */
const INSIGHTS_TASK_METRICS: readonly { readonly name: string; readonly unit: string; readonly value: (s: TaskSample) => number }[] = [
  { name: 'CpuUtilized', unit: 'None', value: (s) => s.use.cpuUnits },
  { name: 'CpuReserved', unit: 'None', value: (s) => s.cpuReserved },
  { name: 'MemoryUtilized', unit: 'Megabytes', value: (s) => s.use.memoryMiB },
  { name: 'MemoryReserved', unit: 'Megabytes', value: (s) => s.memoryReservedMiB },
  { name: 'NetworkRxBytes', unit: 'Bytes/Second', value: (s) => s.use.networkRxBytesPerSecond },
  { name: 'NetworkTxBytes', unit: 'Bytes/Second', value: (s) => s.use.networkTxBytesPerSecond },
  { name: 'StorageReadBytes', unit: 'Bytes', value: (s) => s.use.storageReadBytes },
  { name: 'StorageWriteBytes', unit: 'Bytes', value: (s) => s.use.storageWriteBytes },
];

/**
 * ECS/ContainerInsights for the clusters that have it on: the per-task
 * figures per cluster, service and task definition family, the services'
 * task counts, and the cluster's task and service counts.
 */
export function containerInsightsData(samples: readonly TaskSample[], services: readonly ServiceCounts[], clusters: ReadonlySet<string>, at: PublishAt): MetricDatum[] {
  const data: MetricDatum[] = [];
  const push = (metricName: string, unit: string, dimensions: Dimension[], statistics: MetricDatum['statistics'] | undefined) => {
    if (statistics) data.push({ namespace: CONTAINER_INSIGHTS_NAMESPACE, metricName, dimensions, unit, ...at, statistics });
  };
  const perTask = (dimensions: Dimension[], group: readonly TaskSample[]) => {
    for (const metric of INSIGHTS_TASK_METRICS) push(metric.name, metric.unit, dimensions, statisticsOf(group.map(metric.value)));
  };
  const enabled = samples.filter((s) => clusters.has(s.clusterName));
  const byCluster = groupBy(enabled, (s) => s.clusterName);
  for (const [clusterName, group] of byCluster) {
    perTask(clusterDims(clusterName), group);
    for (const [serviceName, tasks] of groupBy(group, (s) => s.serviceName)) perTask(serviceDims(clusterName, serviceName), tasks);
    for (const [family, tasks] of groupBy(group, (s) => s.family)) perTask(familyDims(clusterName, family), tasks);
  }
  const servicesByCluster = groupBy(
    services.filter((s) => clusters.has(s.clusterName)),
    (s) => s.clusterName,
  );
  for (const clusterName of [...clusters].sort()) {
    const own = servicesByCluster.get(clusterName) ?? [];
    const tasks = byCluster.get(clusterName)?.length ?? 0;
    push('TaskCount', 'Count', clusterDims(clusterName), single(tasks));
    push('ServiceCount', 'Count', clusterDims(clusterName), single(own.length));
    for (const service of own) {
      const dims = serviceDims(clusterName, service.serviceName);
      push('DesiredTaskCount', 'Count', dims, single(service.desiredCount));
      push('RunningTaskCount', 'Count', dims, single(service.runningCount));
      push('PendingTaskCount', 'Count', dims, single(service.pendingCount));
    }
  }
  return data;
}
