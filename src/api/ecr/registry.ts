import { ECR_KIND, REGISTRY_ID, type RegistryRecord, type RegistryScanningRule, type ReplicationRule } from '../../domain/ecr/records.js';
import { checkRegistryPolicy, checkReplicationConfiguration, checkScanningConfiguration, DEFAULT_SCANNING, registryPolicyNotFound } from '../../domain/ecr/registry-settings.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/**
 * The registry-level settings, one record per account and region: its
 * policy (stored and checked; Wharf's access is per account, so it grants
 * nothing more), its scanning configuration, and its replication rules,
 * which controllers/ecr-replication.ts applies to pushed images.
 */
export function registryHandlers(store: Store) {
  const read = async (ctx: RequestContext) => (await store.get<RegistryRecord>(ECR_KIND.registry, ctx.scope, REGISTRY_ID))?.doc ?? {};

  function change(ctx: RequestContext, edit: (registry: RegistryRecord) => RegistryRecord) {
    return retryOnStale(async () => {
      const record = await store.get<RegistryRecord>(ECR_KIND.registry, ctx.scope, REGISTRY_ID);
      const before = record?.doc ?? {};
      const after = edit(before);
      await store.write([{ op: 'put', kind: ECR_KIND.registry, scope: ctx.scope, id: REGISTRY_ID, doc: after, expect: record ? record.version : 'absent' }]);
      return { before, after };
    });
  }

  return {
    async PutRegistryPolicy(input: { policyText: string }, ctx: RequestContext) {
      checkRegistryPolicy(input.policyText);
      await change(ctx, (registry) => ({ ...registry, policyText: input.policyText }));
      return { registryId: ctx.scope.account, policyText: input.policyText };
    },

    async GetRegistryPolicy(_input: object, ctx: RequestContext) {
      const registry = await read(ctx);
      if (registry.policyText === undefined) throw registryPolicyNotFound(ctx.scope.account);
      return { registryId: ctx.scope.account, policyText: registry.policyText };
    },

    async DeleteRegistryPolicy(_input: object, ctx: RequestContext) {
      const { before } = await change(ctx, (registry) => {
        if (registry.policyText === undefined) throw registryPolicyNotFound(ctx.scope.account);
        const { policyText: _gone, ...rest } = registry;
        return rest;
      });
      return { registryId: ctx.scope.account, policyText: before.policyText };
    },

    async PutRegistryScanningConfiguration(input: { scanType?: 'BASIC' | 'ENHANCED'; rules?: RegistryScanningRule[] }, ctx: RequestContext) {
      const scanningConfiguration = checkScanningConfiguration(input);
      await change(ctx, (registry) => ({ ...registry, scanningConfiguration }));
      return { registryScanningConfiguration: scanningConfiguration };
    },

    async GetRegistryScanningConfiguration(_input: object, ctx: RequestContext) {
      return { registryId: ctx.scope.account, scanningConfiguration: (await read(ctx)).scanningConfiguration ?? DEFAULT_SCANNING };
    },

    async PutReplicationConfiguration(input: { replicationConfiguration: { rules: ReplicationRule[] } }, ctx: RequestContext) {
      const replicationConfiguration = checkReplicationConfiguration(input.replicationConfiguration, ctx.scope);
      await change(ctx, (registry) => ({ ...registry, replicationConfiguration }));
      return { replicationConfiguration };
    },

    async DescribeRegistry(_input: object, ctx: RequestContext) {
      return { registryId: ctx.scope.account, replicationConfiguration: (await read(ctx)).replicationConfiguration ?? { rules: [] } };
    },
  };
}
