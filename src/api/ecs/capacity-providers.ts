import { formatArn } from '../../domain/arn.js';
import { FARGATE_PROVIDERS } from '../../domain/ecs/capacity-provider-strategy.js';
import { checkTags, type Tag } from '../../domain/ecs/tags.js';
import { AwsError, clientException, invalidParameter } from '../../domain/errors.js';
import type { Cluster } from '../../domain/ecs/cluster.js';
import { withAsgProviderDefaults } from '../../domain/ecs/capacity-provider-defaults.js';
import { retryOnStale, type Scope, type Store } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { KIND } from './records.js';

export interface CapacityProvider {
  readonly capacityProviderArn: string;
  readonly name: string;
  readonly status: 'ACTIVE' | 'INACTIVE';
  readonly type?: string;
  readonly autoScalingGroupProvider?: Record<string, unknown>;
  readonly managedInstancesProvider?: Record<string, unknown>;
  readonly cluster?: string;
  readonly updateStatus?: string;
  readonly updateStatusReason?: string;
  readonly tags: Tag[];
}

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;

function providerArn(scope: Scope, name: string): string {
  return formatArn({ service: 'ecs', region: scope.region, account: scope.account, resource: `capacity-provider/${name}` });
}

/** FARGATE and FARGATE_SPOT exist in every account and region, as in ECS. */
function builtIn(scope: Scope, name: string): CapacityProvider {
  return { capacityProviderArn: providerArn(scope, name), name, status: 'ACTIVE', type: name, tags: [] };
}

function nameOf(reference: string): string {
  return reference.startsWith('arn:') ? reference.slice(reference.lastIndexOf('/') + 1) : reference;
}

export function capacityProviderHandlers(store: Store) {
  return {
    async CreateCapacityProvider(
      input: { name: string; cluster?: string; autoScalingGroupProvider?: Record<string, unknown>; managedInstancesProvider?: Record<string, unknown>; tags?: Tag[] },
      ctx: RequestContext,
    ) {
      if (!NAME.test(input.name)) throw invalidParameter('The capacity provider name is invalid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.');
      if (/^(aws|ecs|fargate)/i.test(input.name)) {
        throw invalidParameter("The specified capacity provider name is invalid. Capacity provider names cannot be prefixed with 'aws', 'ecs', or 'fargate'. Specify a different name and try again.");
      }
      if (!input.autoScalingGroupProvider && !input.managedInstancesProvider) {
        throw invalidParameter('A capacity provider requires either an Auto Scaling group provider or a managed instances provider.');
      }
      checkTags(input.tags ?? []);
      const existing = await store.get<CapacityProvider>(KIND.capacityProvider, ctx.scope, input.name);
      if (existing?.doc.status === 'ACTIVE') throw clientException('The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.');
      const provider: CapacityProvider = {
        capacityProviderArn: providerArn(ctx.scope, input.name),
        name: input.name,
        status: 'ACTIVE',
        type: input.managedInstancesProvider ? 'MANAGED_INSTANCES' : 'EC2_AUTOSCALING',
        ...(input.autoScalingGroupProvider
          ? { autoScalingGroupProvider: withAsgProviderDefaults(input.autoScalingGroupProvider) }
          : {}),
        ...(input.managedInstancesProvider ? { managedInstancesProvider: input.managedInstancesProvider } : {}),
        ...(input.cluster ? { cluster: input.cluster } : {}),
        tags: input.tags ?? [],
      };
      await store.write([{ op: 'put', kind: KIND.capacityProvider, scope: ctx.scope, id: input.name, doc: provider, expect: existing ? existing.version : 'absent' }]);
      return { capacityProvider: provider };
    },

    async DescribeCapacityProviders(input: { capacityProviders?: string[]; include?: string[]; nextToken?: string; maxResults?: number }, ctx: RequestContext) {
      // ECS describes up to 100 in an action, as it does clusters and tasks.
      if ((input.capacityProviders?.length ?? 0) > 100) throw invalidParameter('CapacityProviders cannot have more than 100 elements.'); // unverified wording
      const withTags = input.include?.includes('TAGS') ?? false;
      // Records written before the defaults were filled in get them here too.
      const shown = (provider: CapacityProvider) => ({
        ...provider,
        ...(provider.autoScalingGroupProvider ? { autoScalingGroupProvider: withAsgProviderDefaults(provider.autoScalingGroupProvider) } : {}),
        tags: withTags ? provider.tags : undefined,
      });
      const custom = (await store.list<CapacityProvider>(KIND.capacityProvider, ctx.scope)).map((record) => record.doc);
      const all = [...FARGATE_PROVIDERS.map((name) => builtIn(ctx.scope, name)), ...custom];
      if (input.capacityProviders && input.capacityProviders.length > 0) {
        const capacityProviders: unknown[] = [];
        const failures: { arn: string; reason: string }[] = [];
        for (const reference of input.capacityProviders) {
          const provider = all.find((candidate) => candidate.name === nameOf(reference));
          if (provider) capacityProviders.push(shown(provider));
          else failures.push({ arn: reference.startsWith('arn:') ? reference : providerArn(ctx.scope, reference), reason: 'MISSING' });
        }
        return { capacityProviders, failures };
      }
      const limit = checkMaxResults(input.maxResults, 10, 10);
      const result = page(all, (provider) => provider.name, decodePageToken(input.nextToken), limit);
      return { capacityProviders: result.items.map(shown), failures: [], nextToken: result.nextToken };
    },

    async UpdateCapacityProvider(input: { name: string; autoScalingGroupProvider?: Record<string, unknown>; managedInstancesProvider?: Record<string, unknown> }, ctx: RequestContext) {
      const name = nameOf(input.name);
      if ((FARGATE_PROVIDERS as readonly string[]).includes(name)) throw clientException('The FARGATE and FARGATE_SPOT capacity providers cannot be updated.');
      return retryOnStale(async () => {
        const record = await store.get<CapacityProvider>(KIND.capacityProvider, ctx.scope, name);
        if (!record || record.doc.status !== 'ACTIVE') throw clientException('The specified capacity provider does not exist. Specify a valid name or ARN and try again.');
        const updated: CapacityProvider = {
          ...record.doc,
          ...(input.autoScalingGroupProvider ? { autoScalingGroupProvider: withAsgProviderDefaults(input.autoScalingGroupProvider, record.doc.autoScalingGroupProvider) } : {}),
          ...(input.managedInstancesProvider ? { managedInstancesProvider: { ...record.doc.managedInstancesProvider, ...input.managedInstancesProvider } } : {}),
          updateStatus: 'UPDATE_COMPLETE',
        };
        await store.write([{ op: 'put', kind: KIND.capacityProvider, scope: ctx.scope, id: name, doc: updated, expect: record.version }]);
        return { capacityProvider: updated };
      });
    },

    async DeleteCapacityProvider(input: { capacityProvider: string }, ctx: RequestContext) {
      const name = nameOf(input.capacityProvider);
      if ((FARGATE_PROVIDERS as readonly string[]).includes(name)) throw clientException('The FARGATE and FARGATE_SPOT capacity providers cannot be deleted.');
      return retryOnStale(async () => {
        const record = await store.get<CapacityProvider>(KIND.capacityProvider, ctx.scope, name);
        if (!record || record.doc.status !== 'ACTIVE') throw clientException('The specified capacity provider does not exist. Specify a valid name or ARN and try again.');
        const clusters = await store.list<Cluster>(KIND.cluster, ctx.scope);
        if (clusters.some((cluster) => cluster.doc.status === 'ACTIVE' && cluster.doc.capacityProviders.includes(name))) {
          throw new AwsError('ResourceInUseException', 'The specified capacity provider is in use and cannot be removed. Disassociate it from every cluster first.');
        }
        const deleted: CapacityProvider = { ...record.doc, status: 'INACTIVE', updateStatus: 'DELETE_COMPLETE' };
        await store.write([{ op: 'put', kind: KIND.capacityProvider, scope: ctx.scope, id: name, doc: deleted, expect: record.version }]);
        return { capacityProvider: deleted };
      });
    },
  };
}
