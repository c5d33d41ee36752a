/**
 * The admin API's registered hosts (`wharf hosts add|list|remove`,
 * `/_wharf/hosts`): each host is a container instance record of its cluster,
 * which the leader's host fleet then drives. Registering again under the same
 * name updates the host in place.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AwsError, invalidParameter } from '../domain/errors.js';
import type { HostRegistration, HostView } from '../domain/hosts/host-registration.js';
import { checkSubnetFree, hostViewOf, newRegisteredInstance, reRegistered } from '../domain/hosts/registered-instance.js';
import { CONTAINER_INSTANCE_KIND, containerInstanceRecordId, type ContainerInstance } from '../domain/placement/container-instance.js';
import type { Clock } from '../ports/clock.js';
import { retryOnStale, type ScopedRecord, type Store } from '../ports/store.js';
import type { AdminActions } from './admin.js';
import { activeCluster } from './ecs/records.js';

/** `i-` and 17 hex digits from the host's name: the same host keeps its EC2-style id across registrations. */
function ec2InstanceIdOf(name: string): string {
  return `i-${createHash('sha256').update(`wharf-host:${name}`).digest('hex').slice(0, 17)}`;
}

export function hostActions(store: Store, clock: Clock): NonNullable<AdminActions['hosts']> {
  const registered = async (): Promise<ScopedRecord<ContainerInstance>[]> =>
    (await store.listAll<ContainerInstance>(CONTAINER_INSTANCE_KIND)).filter((record) => !record.doc.implicit && record.doc.host);
  const byName = async (name: string) => (await registered()).find((record) => record.doc.host!.name === name);

  return {
    async add(registration: HostRegistration): Promise<HostView> {
      const scope = { account: registration.account, region: registration.region };
      try {
        await activeCluster(store, scope, registration.cluster);
      } catch (error) {
        if (error instanceof AwsError && error.code === 'ClusterNotFoundException') {
          throw new AwsError('ClusterNotFoundException', `Cluster ${registration.cluster} not found in ${registration.account} ${registration.region}. Create it first: aws ecs create-cluster --cluster-name ${registration.cluster}`);
        }
        throw error;
      }
      return retryOnStale(async () => {
        const all = await registered();
        checkSubnetFree(registration, all.map((record) => record.doc));
        const existing = all.find((record) => record.doc.host!.name === registration.name);
        if (existing) {
          const doc = reRegistered(existing.doc, existing.scope, registration);
          await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: existing.scope, id: existing.id, doc, expect: existing.version }]);
          return hostViewOf(doc, existing.scope, Object.keys(doc.reservations).length);
        }
        const doc = newRegisteredInstance(registration, { containerInstanceId: randomBytes(16).toString('hex'), ec2InstanceId: ec2InstanceIdOf(registration.name) }, clock.now().getTime());
        await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: containerInstanceRecordId(registration.cluster, doc.containerInstanceId), doc, expect: 'absent' }]);
        return hostViewOf(doc, scope, 0);
      });
    },

    async list(): Promise<readonly HostView[]> {
      return (await registered()).map((record) => hostViewOf(record.doc, record.scope, Object.keys(record.doc.reservations).length)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    async remove(name: string): Promise<void> {
      await retryOnStale(async () => {
        const record = await byName(name);
        if (!record) throw new AwsError('InvalidParameterException', `No host is registered as ${name} (wharf hosts list shows them).`);
        const held = Object.keys(record.doc.reservations).length;
        if (held > 0) {
          throw invalidParameter(
            `Host ${name} still runs ${held} task(s). Drain it first (aws ecs update-container-instances-state --cluster ${record.doc.clusterName ?? ''} --container-instances ${record.doc.containerInstanceId} --status DRAINING) and stop its standalone tasks, then remove it.`,
          );
        }
        await store.write([{ op: 'delete', kind: CONTAINER_INSTANCE_KIND, scope: record.scope, id: record.id, expect: record.version }]);
      });
    },
  };
}
