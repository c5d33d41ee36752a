import { SECRETS_KIND, secretValueContext, type SecretRecord } from '../../domain/secrets/records.js';
import { replicaRecord, syncedRegions } from '../../domain/secrets/replication.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import type { Expectation, Scope, Store, WriteOp } from '../../ports/store.js';
import { openSealed } from './values-codec.js';

/**
 * The copies of a primary in its replica regions, written with it in one
 * store write so a replica never shows another state than its primary.
 * Values are sealed again for the replica's own ARN, as every reader opens
 * a value against the ARN of the secret it reads.
 */
export function replicaWrites(cipher: SecretCipher, primary: SecretRecord, scope: Scope): WriteOp[] {
  const region = primary.primaryRegion ?? scope.region;
  return syncedRegions(primary).map((replicaRegion) => {
    const status = primary.replicationStatus!.find((r) => r.region === replicaRegion)!;
    const meta = replicaRecord(primary, region, status);
    const versions = primary.versions.map((version) => {
      const text = openSealed(cipher, version.sealed, secretValueContext(primary.arn, version.versionId));
      return { ...version, sealed: cipher.seal(text, secretValueContext(meta.arn, version.versionId)) };
    });
    return { op: 'put', kind: SECRETS_KIND.secret, scope: { account: scope.account, region: replicaRegion }, id: primary.name, doc: { ...meta, versions } };
  });
}

/** Writes a changed secret and its replicas. */
export async function putSecret(store: Store, cipher: SecretCipher, scope: Scope, id: string, doc: SecretRecord, expect: Expectation): Promise<void> {
  await store.write([{ op: 'put', kind: SECRETS_KIND.secret, scope, id, doc, expect }, ...replicaWrites(cipher, doc, scope)]);
}
