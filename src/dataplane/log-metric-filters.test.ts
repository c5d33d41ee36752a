import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_RESOURCE } from '../domain/logs/resource-kinds.js';
import type { LogResourceKey, LogResourceRecord, LogStore } from '../ports/log-store.js';
import { silentLogger } from '../ports/logger.js';
import type { MetricPoint, MetricStore } from '../ports/metric-store.js';
import type { Scope } from '../ports/store.js';
import { withMetricFilters } from './log-metric-filters.js';

const scope: Scope = { account: '123456789012', region: 'us-east-1' };

/** The parts of a log store the wrapper touches: writes recorded, resources in a map, listings counted. */
function fakeLogStore() {
  const resources = new Map<string, LogResourceRecord>();
  const keyOf = (key: LogResourceKey) => `${key.kind}|${key.group ?? ''}|${key.name}`;
  const calls = { append: 0, putEvents: 0, listResources: 0 };
  const store = {
    async append() {
      calls.append++;
    },
    async putEvents() {
      calls.putEvents++;
    },
    async putResource(_scope: Scope, key: LogResourceKey, body: unknown) {
      resources.set(keyOf(key), { kind: key.kind, ...(key.group !== undefined ? { group: key.group } : {}), name: key.name, body });
      return true;
    },
    async deleteResource(_scope: Scope, key: LogResourceKey) {
      return resources.delete(keyOf(key));
    },
    async listResources(_scope: Scope, kind: string, group?: string) {
      calls.listResources++;
      return [...resources.values()].filter((r) => r.kind === kind && r.group === group);
    },
    async deleteGroup(_scope: Scope, name: string) {
      for (const [key, record] of resources) if (record.group === name) resources.delete(key);
      return true;
    },
    async wipe() {
      resources.clear();
    },
  };
  return { store: store as unknown as LogStore, calls };
}

function fakeMetricStore(failing = false) {
  const points: MetricPoint[] = [];
  const metrics = {
    async put(_scope: Scope, batch: readonly MetricPoint[]) {
      if (failing) throw new Error('metric store down');
      points.push(...batch);
    },
  };
  return { metrics: metrics as unknown as MetricStore, points };
}

const filter = (name: string, pattern: string, metricName = 'Errors') => ({
  filterName: name,
  filterPattern: pattern,
  metricTransformations: [{ metricName, metricNamespace: 'App', metricValue: '1', unit: 'Count' }],
  logGroupName: 'g',
  creationTime: 0,
});

test('both write paths publish what the group metric filters match; filters compile once per group until they change', async () => {
  const { store, calls } = fakeLogStore();
  const { metrics, points } = fakeMetricStore();
  const logs = withMetricFilters(store, metrics, silentLogger, { storageResolution: 1 });
  await logs.putResource(scope, { kind: LOG_RESOURCE.metricFilter, group: 'g', name: 'errors' }, filter('errors', 'ERROR'));

  await logs.append(scope, 'g', 's', [{ timestamp: 5_000, message: 'ERROR a' }, { timestamp: 5_100, message: 'ok' }], { source: 'c', position: '1' }, 6_000);
  await logs.putEvents(scope, 'g', 's', [{ timestamp: 7_000, message: 'ERROR b' }], 8_000);
  await logs.putEvents(scope, 'other', 's', [{ timestamp: 7_000, message: 'ERROR elsewhere' }], 8_000);
  assert.equal(calls.append, 1);
  assert.equal(calls.putEvents, 2);
  assert.deepEqual(points, [
    { namespace: 'App', metricName: 'Errors', dimensions: [], timestamp: 5_000, unit: 'Count', values: [{ value: 1, count: 1 }], storageResolution: 1 },
    { namespace: 'App', metricName: 'Errors', dimensions: [], timestamp: 7_000, unit: 'Count', values: [{ value: 1, count: 1 }], storageResolution: 1 },
  ]);
  assert.equal(calls.listResources, 2, 'one listing per group, then the cache');

  // A new filter is seen by the next batch.
  await logs.putResource(scope, { kind: LOG_RESOURCE.metricFilter, group: 'g', name: 'oks' }, filter('oks', 'ok', 'Oks'));
  await logs.putEvents(scope, 'g', 's', [{ timestamp: 9_000, message: 'ok' }], 9_500);
  assert.deepEqual(points.slice(2).map((p) => p.metricName), ['Oks']);
  // A deleted one is not.
  await logs.deleteResource(scope, { kind: LOG_RESOURCE.metricFilter, group: 'g', name: 'oks' });
  await logs.putEvents(scope, 'g', 's', [{ timestamp: 10_000, message: 'ok' }], 10_500);
  assert.equal(points.length, 3);
  // Nor are those of a deleted group.
  await logs.deleteGroup(scope, 'g');
  await logs.putEvents(scope, 'g', 's', [{ timestamp: 11_000, message: 'ERROR c' }], 11_500);
  assert.equal(points.length, 3);
});

test('a failing metric store never fails the append', async () => {
  const { store, calls } = fakeLogStore();
  const { metrics } = fakeMetricStore(true);
  const logs = withMetricFilters(store, metrics, silentLogger);
  await logs.putResource(scope, { kind: LOG_RESOURCE.metricFilter, group: 'g', name: 'errors' }, filter('errors', 'ERROR'));
  await logs.append(scope, 'g', 's', [{ timestamp: 1, message: 'ERROR' }], { source: 'c', position: '1' }, 2);
  assert.equal(calls.append, 1);
});
