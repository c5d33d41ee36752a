import { compileMetricFilter, metricDataFor, type CompiledMetricFilter, type MetricFilterSpec } from '../domain/logs/metric-filter.js';
import { LOG_RESOURCE } from '../domain/logs/resource-kinds.js';
import type { IngestCursor, InputLogEvent, LogResourceKey, LogStore } from '../ports/log-store.js';
import type { Logger } from '../ports/logger.js';
import type { MetricPoint, MetricStore } from '../ports/metric-store.js';
import type { Scope } from '../ports/store.js';

export interface MetricFilterOptions {
  /** 1 when metrics are kept per second (time scale above 1), else 60. */
  readonly storageResolution?: 1 | 60;
}

/**
 * Metric filters at the one place every ingested event passes: the log
 * store's two write paths, the log pump's append (awslogs) and PutLogEvents'
 * putEvents. This wraps the store: after a batch is stored, the group's
 * metric filters (compiled once and cached per group, dropped when a filter
 * or the group changes) turn it into metric points for the metric store.
 * A group without filters costs one map lookup per batch.
 *
 * Publishing follows storing and never fails it: a metric store error is
 * logged and the events stay stored, as CloudWatch Logs keeps events whose
 * metrics could not be published.
 */
export function withMetricFilters(store: LogStore, metrics: MetricStore, logger: Logger, options: MetricFilterOptions = {}): LogStore {
  const cache = new Map<string, Promise<CompiledMetricFilter[]>>();
  const keyOf = (scope: Scope, group: string) => `${scope.account}\n${scope.region}\n${group}`;
  const resolution = options.storageResolution ?? 60;

  function filtersOf(scope: Scope, group: string): Promise<CompiledMetricFilter[]> {
    const key = keyOf(scope, group);
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = store.listResources(scope, LOG_RESOURCE.metricFilter, group).then((records) =>
        records.flatMap((record) => {
          try {
            return [compileMetricFilter(record.body as MetricFilterSpec)];
          } catch (error) {
            logger.warn({ err: error, group, filter: record.name }, 'metric filter no longer compiles; skipped');
            return [];
          }
        }),
      );
      compiled.catch(() => cache.delete(key));
      cache.set(key, compiled);
    }
    return compiled;
  }

  async function publish(scope: Scope, group: string, events: readonly InputLogEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      const filters = await filtersOf(scope, group);
      if (filters.length === 0) return;
      const points: MetricPoint[] = metricDataFor(filters, events).map((datum) => ({ ...datum, storageResolution: resolution }));
      if (points.length > 0) await metrics.put(scope, points);
    } catch (error) {
      logger.warn({ err: error, group }, 'metric filters: publishing failed; the events are stored');
    }
  }

  const forget = (scope: Scope, key: LogResourceKey) => {
    if (key.kind === LOG_RESOURCE.metricFilter && key.group !== undefined) cache.delete(keyOf(scope, key.group));
  };

  return {
    groupExists: (scope, group) => store.groupExists(scope, group),
    createGroupIfMissing: (scope, group, now) => store.createGroupIfMissing(scope, group, now),
    ensureStream: (scope, group, stream, now) => store.ensureStream(scope, group, stream, now),
    async append(scope: Scope, group: string, stream: string, events: readonly InputLogEvent[], cursor: IngestCursor, now: number) {
      await store.append(scope, group, stream, events, cursor, now);
      await publish(scope, group, events);
    },
    cursor: (source) => store.cursor(source),
    createGroup: (scope, group) => store.createGroup(scope, group),
    getGroup: (scope, name) => store.getGroup(scope, name),
    listGroups: (scope, query) => store.listGroups(scope, query),
    async deleteGroup(scope, name) {
      cache.delete(keyOf(scope, name));
      const deleted = await store.deleteGroup(scope, name);
      cache.delete(keyOf(scope, name));
      return deleted;
    },
    setRetention: (scope, name, days) => store.setRetention(scope, name, days),
    setTags: (scope, name, tags) => store.setTags(scope, name, tags),
    createStream: (scope, group, name, now) => store.createStream(scope, group, name, now),
    getStream: (scope, group, name) => store.getStream(scope, group, name),
    listStreams: (scope, group, prefix) => store.listStreams(scope, group, prefix),
    deleteStream: (scope, group, name) => store.deleteStream(scope, group, name),
    async putEvents(scope, group, stream, events, now) {
      await store.putEvents(scope, group, stream, events, now);
      await publish(scope, group, events);
    },
    readStream: (scope, group, stream, query) => store.readStream(scope, group, stream, query),
    readGroup: (scope, group, query) => store.readGroup(scope, group, query),
    groupsWithRetention: () => store.groupsWithRetention(),
    deleteEventsBefore: (scope, group, cutoff) => store.deleteEventsBefore(scope, group, cutoff),
    async putResource(scope, key, body) {
      const stored = await store.putResource(scope, key, body);
      forget(scope, key);
      return stored;
    },
    getResource: (scope, key) => store.getResource(scope, key),
    listResources: (scope, kind, group) => store.listResources(scope, kind, group),
    async deleteResource(scope, key) {
      const deleted = await store.deleteResource(scope, key);
      forget(scope, key);
      return deleted;
    },
    async wipe() {
      await store.wipe();
      cache.clear();
    },
    close: () => store.close(),
  };
}
