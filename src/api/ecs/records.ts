import { AwsError, clusterNotFound } from '../../domain/errors.js';
import { clusterNameOf, type Cluster } from '../../domain/ecs/cluster.js';
import type { Scope, Store, StoredRecord } from '../../ports/store.js';

export { KIND, inCluster, taskDefinitionId, taskRecordId } from '../../domain/ecs/record-keys.js';
import { KIND } from '../../domain/ecs/record-keys.js';

export async function findCluster(store: Store, scope: Scope, reference: string | undefined): Promise<StoredRecord<Cluster> | undefined> {
  return store.get<Cluster>(KIND.cluster, scope, clusterNameOf(reference));
}

/** The cluster an operation acts in: it must exist and be ACTIVE. */
export async function activeCluster(store: Store, scope: Scope, reference: string | undefined): Promise<StoredRecord<Cluster>> {
  const record = await findCluster(store, scope, reference);
  if (!record) throw clusterNotFound();
  if (record.doc.status !== 'ACTIVE') throw new AwsError('ClusterNotFoundException', 'The referenced cluster was inactive.');
  return record;
}
