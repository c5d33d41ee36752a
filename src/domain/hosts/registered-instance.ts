/**
 * A registered host as a container instance record: what `wharf hosts add`
 * writes, and what the admin API shows of it. The engine behind it fills the
 * registered resources at its first check (the host fleet's job).
 */
import { invalidParameter } from '../errors.js';
import { ATTRIBUTE, type ContainerInstance } from '../placement/container-instance.js';
import { containerInstanceArn } from '../placement/reserve.js';
import type { HostRegistration, HostView } from './host-registration.js';

/** What registered hosts report as `ecs.instance-type`: an engine, not an EC2 size. */
export const REGISTERED_INSTANCE_TYPE = 'wharf.docker-host';

export interface RegisteredIds {
  /** 32 hex digits, as ECS's container instance ids. */
  readonly containerInstanceId: string;
  /** `i-` and 17 hex digits: stable for a host name, so a re-registration keeps it. */
  readonly ec2InstanceId: string;
}

function attributesOf(registration: HostRegistration, cpuArchitecture: string | undefined): ContainerInstance['attributes'] {
  const own = registration.attributes.filter((attribute) => attribute.name !== ATTRIBUTE.availabilityZone);
  const zone = registration.attributes.find((attribute) => attribute.name === ATTRIBUTE.availabilityZone)?.value ?? `${registration.region}a`;
  return [
    { name: ATTRIBUTE.osType, value: 'linux' },
    { name: ATTRIBUTE.instanceType, value: REGISTERED_INSTANCE_TYPE },
    { name: ATTRIBUTE.availabilityZone, value: zone },
    ...(cpuArchitecture ? [{ name: ATTRIBUTE.cpuArchitecture, value: cpuArchitecture }] : []),
    ...own,
  ];
}

/** A new host's record: ACTIVE, not yet connected, holding nothing. */
export function newRegisteredInstance(registration: HostRegistration, ids: RegisteredIds, now: number): ContainerInstance {
  return {
    containerInstanceId: ids.containerInstanceId,
    ec2InstanceId: ids.ec2InstanceId,
    clusterName: registration.cluster,
    status: 'ACTIVE',
    implicit: false,
    host: hostRef(registration),
    agentConnected: false,
    version: 1,
    registeredResources: {},
    attributes: attributesOf(registration, undefined),
    registeredAt: now,
    reservations: {},
  };
}

/**
 * A host registered again under the same name: its address, TLS files,
 * subnet and attributes follow the new registration; its id, status and
 * tasks stay. Moving it to another cluster (or account, region) is refused:
 * its tasks belong to the first.
 */
export function reRegistered(existing: ContainerInstance, where: { readonly account: string; readonly region: string }, registration: HostRegistration): ContainerInstance {
  if (existing.clusterName !== registration.cluster || where.account !== registration.account || where.region !== registration.region) {
    throw invalidParameter(
      `Host ${registration.name} is registered in cluster ${existing.clusterName ?? '?'} (${where.account}, ${where.region}). Remove it first (wharf hosts remove ${registration.name}) to register it elsewhere.`,
    );
  }
  const cpuArchitecture = existing.attributes.find((attribute) => attribute.name === ATTRIBUTE.cpuArchitecture)?.value;
  return { ...existing, host: hostRef(registration), attributes: attributesOf(registration, cpuArchitecture), version: (existing.version ?? 1) + 1 };
}

/** Two hosts on one task subnet would hand out colliding task addresses: refused. */
export function checkSubnetFree(registration: HostRegistration, others: readonly ContainerInstance[]): void {
  if (!registration.taskSubnet) return;
  const taken = others.find((other) => other.host && other.host.name !== registration.name && other.host.taskSubnet === registration.taskSubnet);
  if (taken) throw invalidParameter(`taskSubnet ${registration.taskSubnet} is already host ${taken.host!.name}'s: give each host a subnet of its own.`);
}

function hostRef(registration: HostRegistration): NonNullable<ContainerInstance['host']> {
  return {
    name: registration.name,
    url: registration.url,
    ...(registration.tls ? { tls: { ...registration.tls } } : {}),
    ...(registration.taskSubnet ? { taskSubnet: registration.taskSubnet } : {}),
    ...(registration.registryAddress ? { registryAddress: registration.registryAddress } : {}),
  };
}

export function hostViewOf(instance: ContainerInstance, where: { readonly account: string; readonly region: string }, runningTasksCount: number): HostView {
  const host = instance.host!;
  const clusterName = instance.clusterName ?? '';
  return {
    name: host.name,
    url: host.url,
    cluster: clusterName,
    region: where.region,
    account: where.account,
    containerInstanceArn: containerInstanceArn({ account: where.account, region: where.region, clusterName }, instance.containerInstanceId),
    ec2InstanceId: instance.ec2InstanceId ?? '',
    status: instance.status,
    agentConnected: instance.agentConnected === true,
    runningTasksCount,
    ...(host.taskSubnet ? { taskSubnet: host.taskSubnet } : {}),
  };
}
