import { invalidRequest, secretNotFound } from '../../domain/secrets/errors.js';
import { SECRETS_KIND, type SecretRecord } from '../../domain/secrets/records.js';
import {
  checkReplicaRegions,
  isReplica,
  promoted,
  replicaOutcome,
  requireNotReplica,
  withoutReplicas,
  withReplicas,
  type ReplicaRequest,
} from '../../domain/secrets/replication.js';
import { isPurged, replicationStatusEntry } from '../../domain/secrets/secrets.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import { retryOnStale, type Store, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { requireSecret } from './lookup.js';
import { putSecret } from './writes.js';

/**
 * Replicates the secret stored under `id` to other regions of this Wharf
 * (same account): each region gets a read-only copy, or a Failed status
 * when another secret holds the name there and overwriting was not asked.
 */
export async function replicate(store: Store, cipher: SecretCipher, ctx: RequestContext, id: string, requests: readonly ReplicaRequest[], force: boolean) {
  checkReplicaRegions(requests, ctx.scope.region);
  return retryOnStale(async () => {
    const record = await store.get<SecretRecord>(SECRETS_KIND.secret, ctx.scope, id);
    if (!record) throw secretNotFound();
    const outcomes = [];
    for (const request of requests) {
      const there = await store.get<SecretRecord>(SECRETS_KIND.secret, { account: ctx.scope.account, region: request.Region }, id);
      const ours = there !== undefined && there.doc.primaryRegion === ctx.scope.region;
      const occupied = there !== undefined && !isPurged(there.doc, ctx.now) && !ours;
      outcomes.push(replicaOutcome(request, occupied, force));
    }
    const doc = withReplicas(record.doc, ctx.scope.region, outcomes);
    await putSecret(store, cipher, ctx.scope, record.id, doc, record.version);
    return outcomes.map(replicationStatusEntry);
  });
}

export function replicationHandlers(store: Store, cipher: SecretCipher) {
  return {
    async ReplicateSecretToRegions(input: { SecretId: string; AddReplicaRegions: ReplicaRequest[]; ForceOverwriteReplicaSecret?: boolean }, ctx: RequestContext) {
      const record = await requireSecret(store, ctx, input.SecretId);
      requireNotReplica(record.doc, ctx.scope.region);
      const ReplicationStatus = await replicate(store, cipher, ctx, record.id, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret ?? false);
      return { ARN: record.doc.arn, ReplicationStatus };
    },

    async RemoveRegionsFromReplication(input: { SecretId: string; RemoveReplicaRegions: string[] }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await requireSecret(store, ctx, input.SecretId);
        requireNotReplica(record.doc, ctx.scope.region);
        const replicated = new Set((record.doc.replicationStatus ?? []).map((r) => r.region));
        const drops: WriteOp[] = [];
        for (const region of input.RemoveReplicaRegions) {
          // unverified wording
          if (!replicated.has(region)) throw invalidRequest(`The secret is not replicated to the region ${region}.`);
          const scope = { account: ctx.scope.account, region };
          const copy = await store.get<SecretRecord>(SECRETS_KIND.secret, scope, record.id);
          if (copy && copy.doc.primaryRegion === ctx.scope.region) drops.push({ op: 'delete', kind: SECRETS_KIND.secret, scope, id: record.id, expect: copy.version });
        }
        const doc = withoutReplicas(record.doc, input.RemoveReplicaRegions);
        await store.write([{ op: 'put', kind: SECRETS_KIND.secret, scope: ctx.scope, id: record.id, doc, expect: record.version }, ...drops]);
        return { ARN: doc.arn, ReplicationStatus: (doc.replicationStatus ?? []).map(replicationStatusEntry) };
      });
    },

    /** Called in a replica's region: the replica becomes a standalone secret and its primary forgets it. */
    async StopReplicationToReplica(input: { SecretId: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await requireSecret(store, ctx, input.SecretId);
        // unverified wording
        if (!isReplica(record.doc, ctx.scope.region)) throw invalidRequest('StopReplicationToReplica can only be called in the region of a replica secret.');
        const primaryScope = { account: ctx.scope.account, region: record.doc.primaryRegion! };
        const primary = await store.get<SecretRecord>(SECRETS_KIND.secret, primaryScope, record.id);
        const ops: WriteOp[] = [{ op: 'put', kind: SECRETS_KIND.secret, scope: ctx.scope, id: record.id, doc: promoted(record.doc), expect: record.version }];
        if (primary) ops.push({ op: 'put', kind: SECRETS_KIND.secret, scope: primaryScope, id: record.id, doc: withoutReplicas(primary.doc, [ctx.scope.region]), expect: primary.version });
        await store.write(ops);
        return { ARN: record.doc.arn };
      });
    },
  };
}
