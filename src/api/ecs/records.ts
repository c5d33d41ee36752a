import { AwsError, clusterNotFound } from '../../domain/errors.js';
import { clusterNameOf, type Cluster } from '../../domain/ecs/cluster.js';
import type { Scope, Store, StoredRecord } from '../../ports/store.js';

/** Store kinds and id conventions for ECS records; ids sort the way ECS lists. */
export const KIND = {
  cluster: 'ecs.cluster',
  taskDefinition: 'ecs.task-definition',
  taskDefinitionFamily: 'ecs.task-definition-family',
  capacityProvider: 'ecs.capacity-provider',
  accountSetting: 'ecs.account-setting',
  service: 'ecs.service',
  task: 'ecs.task',
} as const;

export function taskDefinitionId(family: string, revision: number): string {
  return `${family}:${String(revision).padStart(10, '0')}`;
}

/** Services and tasks are stored under `<cluster>/...`, so a prefix lists one cluster's. */
export function inCluster(clusterName: string): string {
  return `${clusterName}/`;
}

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
