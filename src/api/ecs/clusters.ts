import { clusterArn, checkProviders, checkSettings, describeCluster, mergeSettings, newCluster, type Cluster, type ClusterCounts, type ClusterField, type NewClusterInput } from '../../domain/ecs/cluster.js';
import { checkStrategy, checkStrategyAgainstCluster, FARGATE_PROVIDERS, type CapacityProviderStrategyItem } from '../../domain/ecs/capacity-provider-strategy.js';
import { effectiveSetting, rootPrincipal, type AccountSetting } from '../../domain/ecs/account-settings.js';
import { checkTags } from '../../domain/ecs/tags.js';
import { AwsError } from '../../domain/errors.js';
import { retryOnStale, type Scope, type Store } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { SERVICES_BY_STATUS, serviceStatusKey, TASKS_BY_COUNT_BUCKET, taskCountKey } from '../../domain/ecs/record-indexes.js';
import { activeCluster, findCluster, KIND } from './records.js';
import { inCluster } from '../../domain/ecs/record-keys.js';
import { CONTAINER_INSTANCE_KIND, type ContainerInstance } from '../../domain/placement/container-instance.js';

export function clusterHandlers(store: Store) {
  /** Kept by the store as tasks and services are written: no scan of the cluster's records. */
  async function counts(scope: Scope, name: string): Promise<ClusterCounts> {
    const [running, pending, services, instances] = await Promise.all([
      store.countByIndex(TASKS_BY_COUNT_BUCKET, scope, taskCountKey(name, 'running')),
      store.countByIndex(TASKS_BY_COUNT_BUCKET, scope, taskCountKey(name, 'pending')),
      store.countByIndex(SERVICES_BY_STATUS, scope, serviceStatusKey(name, 'ACTIVE')),
      // Registered hosts are few (one record each): ECS counts the ACTIVE and DRAINING ones.
      store.list<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, { prefix: inCluster(name) }),
    ]);
    const registered = instances.filter((record) => !record.doc.implicit && (record.doc.status === 'ACTIVE' || record.doc.status === 'DRAINING')).length;
    return { registeredContainerInstancesCount: registered, runningTasksCount: running, pendingTasksCount: pending, activeServicesCount: services };
  }

  async function knownProviders(scope: Scope): Promise<string[]> {
    const custom = await store.list<{ name: string; status: string }>(KIND.capacityProvider, scope);
    return [...FARGATE_PROVIDERS, ...custom.filter((record) => record.doc.status === 'ACTIVE').map((record) => record.doc.name)];
  }

  async function containerInsightsDefault(ctx: RequestContext): Promise<string> {
    const stored = (await store.list<AccountSetting>(KIND.accountSetting, ctx.scope)).map((record) => record.doc);
    return effectiveSetting('containerInsights', ctx.principalArn, rootPrincipal(ctx.partition, ctx.scope.account), stored).value;
  }

  async function show(scope: Scope, cluster: Cluster, include: readonly ClusterField[] | 'all') {
    return describeCluster(cluster, await counts(scope, cluster.clusterName), include);
  }

  /** Read-modify-write of one ACTIVE cluster, retried if another writer got there first. */
  function updateCluster(ctx: RequestContext, reference: string, change: (cluster: Cluster) => Promise<Cluster> | Cluster) {
    return retryOnStale(async () => {
      const record = await activeCluster(store, ctx.scope, reference);
      const updated = await change(record.doc);
      await store.write([{ op: 'put', kind: KIND.cluster, scope: ctx.scope, id: updated.clusterName, doc: updated, expect: record.version }]);
      return { cluster: await show(ctx.scope, updated, 'all') };
    });
  }

  return {
    async CreateCluster(input: NewClusterInput, ctx: RequestContext) {
      checkTags(input.tags ?? []);
      return retryOnStale(async () => {
        const cluster = newCluster(input, {
          region: ctx.scope.region,
          account: ctx.scope.account,
          now: ctx.now,
          containerInsightsDefault: await containerInsightsDefault(ctx),
          knownProviders: await knownProviders(ctx.scope),
        });
        const existing = await findCluster(store, ctx.scope, cluster.clusterName);
        // ECS answers a create of an ACTIVE cluster with that cluster, unchanged.
        if (existing?.doc.status === 'ACTIVE') return { cluster: await show(ctx.scope, existing.doc, 'all') };
        await store.write([{ op: 'put', kind: KIND.cluster, scope: ctx.scope, id: cluster.clusterName, doc: cluster, expect: existing ? existing.version : 'absent' }]);
        return { cluster: await show(ctx.scope, cluster, 'all') };
      });
    },

    async DescribeClusters(input: { clusters?: string[]; include?: ClusterField[] }, ctx: RequestContext) {
      const references = input.clusters && input.clusters.length > 0 ? input.clusters : ['default'];
      if (references.length > 100) throw new AwsError('InvalidParameterException', 'Clusters cannot have more than 100 elements.');
      const clusters: unknown[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const reference of references) {
        const record = await findCluster(store, ctx.scope, reference);
        if (record) clusters.push(await show(ctx.scope, record.doc, input.include ?? []));
        else failures.push({ arn: reference.startsWith('arn:') ? reference : clusterArn(ctx.scope.region, ctx.scope.account, reference), reason: 'MISSING' });
      }
      return { clusters, failures };
    },

    async ListClusters(input: { nextToken?: string; maxResults?: number }, ctx: RequestContext) {
      const limit = checkMaxResults(input.maxResults, 100, 100);
      const active = (await store.list<Cluster>(KIND.cluster, ctx.scope)).filter((record) => record.doc.status === 'ACTIVE');
      const result = page(active, (record) => record.id, decodePageToken(input.nextToken), limit);
      return { clusterArns: result.items.map((record) => record.doc.clusterArn), nextToken: result.nextToken };
    },

    async UpdateCluster(input: { cluster: string; settings?: Cluster['settings']; configuration?: Record<string, unknown>; serviceConnectDefaults?: { namespace: string } }, ctx: RequestContext) {
      return updateCluster(ctx, input.cluster, (cluster) => {
        const settings = mergeSettings(cluster.settings, input.settings ?? []);
        checkSettings(settings);
        return {
          ...cluster,
          settings,
          ...(input.configuration ? { configuration: input.configuration } : {}),
          ...(input.serviceConnectDefaults ? { serviceConnectDefaults: input.serviceConnectDefaults } : {}),
        };
      });
    },

    async UpdateClusterSettings(input: { cluster: string; settings: Cluster['settings'] }, ctx: RequestContext) {
      return updateCluster(ctx, input.cluster, (cluster) => {
        const settings = mergeSettings(cluster.settings, input.settings);
        checkSettings(settings);
        return { ...cluster, settings };
      });
    },

    async PutClusterCapacityProviders(
      input: { cluster: string; capacityProviders: string[]; defaultCapacityProviderStrategy: CapacityProviderStrategyItem[] },
      ctx: RequestContext,
    ) {
      return updateCluster(ctx, input.cluster, async (cluster) => {
        checkProviders(input.capacityProviders, await knownProviders(ctx.scope));
        checkStrategy(input.defaultCapacityProviderStrategy);
        checkStrategyAgainstCluster(input.defaultCapacityProviderStrategy, input.capacityProviders);
        return { ...cluster, capacityProviders: input.capacityProviders, defaultCapacityProviderStrategy: input.defaultCapacityProviderStrategy };
      });
    },

    async DeleteCluster(input: { cluster: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await findCluster(store, ctx.scope, input.cluster);
        if (!record) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
        const current = await counts(ctx.scope, record.doc.clusterName);
        if (current.activeServicesCount > 0) throw new AwsError('ClusterContainsServicesException', 'The Cluster cannot be deleted while Services are active.');
        if (current.runningTasksCount + current.pendingTasksCount > 0) throw new AwsError('ClusterContainsTasksException', 'The Cluster cannot be deleted while Tasks are active.');
        const inactive: Cluster = { ...record.doc, status: 'INACTIVE' };
        await store.write([{ op: 'put', kind: KIND.cluster, scope: ctx.scope, id: record.id, doc: inactive, expect: record.version }]);
        return { cluster: describeCluster(inactive, current, 'all') };
      });
    },
  };
}
