import { formatArn } from '../arn.js';
import { invalidParameter } from '../errors.js';
import { checkStrategy, checkStrategyAgainstCluster, type CapacityProviderStrategyItem } from './capacity-provider-strategy.js';
import type { Tag } from './tags.js';

export interface ClusterSetting {
  readonly name: string;
  readonly value: string;
}

/** A cluster as stored: the ECS Cluster shape less the counts, which are derived on read. */
export interface Cluster {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly status: 'ACTIVE' | 'INACTIVE';
  readonly tags: Tag[];
  readonly settings: ClusterSetting[];
  readonly capacityProviders: string[];
  readonly defaultCapacityProviderStrategy: CapacityProviderStrategyItem[];
  readonly configuration?: Record<string, unknown>;
  readonly serviceConnectDefaults?: { namespace: string };
  readonly createdAt: number;
}

const CLUSTER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const CONTAINER_INSIGHTS_VALUES = ['enabled', 'disabled', 'enhanced'];

export function checkClusterName(name: string): void {
  if (!CLUSTER_NAME.test(name)) {
    throw invalidParameter('Cluster name is invalid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.');
  }
}

export function clusterArn(region: string, account: string, name: string): string {
  return formatArn({ service: 'ecs', region, account, resource: `cluster/${name}` });
}

/** `my-app` or `arn:aws:ecs:...:cluster/my-app` -> `my-app`; absent -> `default`, as ECS resolves it. */
export function clusterNameOf(reference: string | undefined): string {
  if (!reference) return 'default';
  const marker = ':cluster/';
  const at = reference.indexOf(marker);
  return reference.startsWith('arn:') && at >= 0 ? reference.slice(at + marker.length) : reference;
}

export function checkSettings(settings: readonly ClusterSetting[]): void {
  for (const setting of settings) {
    if (setting.name === 'containerInsights' && !CONTAINER_INSIGHTS_VALUES.includes(setting.value)) {
      throw invalidParameter(`Invalid value for setting containerInsights: '${setting.value}'. Valid values are enabled, disabled and enhanced.`);
    }
  }
}

/** Settings given win; containerInsights otherwise follows the account default. */
export function mergeSettings(current: readonly ClusterSetting[], given: readonly ClusterSetting[]): ClusterSetting[] {
  const merged = new Map(current.map((setting) => [setting.name, setting.value]));
  for (const setting of given) merged.set(setting.name, setting.value);
  return [...merged].map(([name, value]) => ({ name, value }));
}

export interface NewClusterInput {
  readonly clusterName?: string;
  readonly tags?: Tag[];
  readonly settings?: ClusterSetting[];
  readonly configuration?: Record<string, unknown>;
  readonly capacityProviders?: string[];
  readonly defaultCapacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly serviceConnectDefaults?: { namespace: string };
}

export function newCluster(
  input: NewClusterInput,
  where: { region: string; account: string; now: Date; containerInsightsDefault: string; knownProviders: readonly string[] },
): Cluster {
  const name = input.clusterName ?? 'default';
  checkClusterName(name);
  const capacityProviders = input.capacityProviders ?? [];
  checkProviders(capacityProviders, where.knownProviders);
  const strategy = input.defaultCapacityProviderStrategy ?? [];
  checkStrategy(strategy);
  checkStrategyAgainstCluster(strategy, capacityProviders);
  const settings = mergeSettings([{ name: 'containerInsights', value: where.containerInsightsDefault }], input.settings ?? []);
  checkSettings(settings);
  return {
    clusterArn: clusterArn(where.region, where.account, name),
    clusterName: name,
    status: 'ACTIVE',
    tags: input.tags ?? [],
    settings,
    capacityProviders,
    defaultCapacityProviderStrategy: strategy,
    ...(input.configuration ? { configuration: input.configuration } : {}),
    ...(input.serviceConnectDefaults ? { serviceConnectDefaults: input.serviceConnectDefaults } : {}),
    createdAt: where.now.getTime(),
  };
}

export function checkProviders(providers: readonly string[], known: readonly string[]): void {
  const seen = new Set<string>();
  for (const provider of providers) {
    if (seen.has(provider)) throw invalidParameter(`The capacity provider '${provider}' is specified more than once.`);
    seen.add(provider);
    if (!known.includes(provider)) {
      throw invalidParameter(`The specified capacity provider '${provider}' is not in an ACTIVE state. Specify a valid capacity provider and try again.`);
    }
  }
}

export interface ClusterCounts {
  readonly runningTasksCount: number;
  readonly pendingTasksCount: number;
  readonly activeServicesCount: number;
  readonly registeredContainerInstancesCount: number;
}

export type ClusterField = 'ATTACHMENTS' | 'CONFIGURATIONS' | 'SETTINGS' | 'STATISTICS' | 'TAGS';

/** The Cluster as DescribeClusters shows it: optional parts only when `include` asks for them. */
export function describeCluster(cluster: Cluster, counts: ClusterCounts, include: readonly ClusterField[] | 'all'): Record<string, unknown> {
  const wants = (field: ClusterField) => include === 'all' || include.includes(field);
  return {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    status: cluster.status,
    ...counts,
    // ECS answers the lists it was not asked to include as empty lists (describe-clusters with
    // only ATTACHMENTS shows "statistics": [], "tags": [], "settings": []).
    statistics: [],
    tags: wants('TAGS') ? cluster.tags : [],
    settings: wants('SETTINGS') ? cluster.settings : [],
    configuration: wants('CONFIGURATIONS') ? cluster.configuration : undefined,
    capacityProviders: cluster.capacityProviders,
    defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy,
    attachments: wants('ATTACHMENTS') ? [] : undefined,
    serviceConnectDefaults: cluster.serviceConnectDefaults,
  };
}
