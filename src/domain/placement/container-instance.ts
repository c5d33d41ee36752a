/**
 * Container instances as records: where tasks are placed and what they hold.
 *
 * Today every engine host is one *implicit* instance: the Fargate capacity of
 * that host, shared by every account and region (the host's memory is one
 * pool), never listed by ListContainerInstances, as Fargate's capacity is not.
 * Registered (EC2-style) instances will be records of the same kind in their
 * cluster's scope.
 *
 * The record carries its reservations (task key -> cpu, memory, group), so a
 * placement reads one record per instance instead of every task, and writes
 * the reservation in the same optimistic store write as the task: two
 * placements that read the same version cannot both commit.
 */
import type { Tag } from '../ecs/tags.js';

export const CONTAINER_INSTANCE_KIND = 'ecs.container-instance';

/**
 * The store scope of implicit instances: an engine host serves every account
 * and region, so its record belongs to none of them.
 */
export const HOST_SCOPE = { account: 'wharf', region: 'hosts' } as const;

/** Attribute names ECS sets on every instance (the ones Wharf fills). */
export const ATTRIBUTE = {
  availabilityZone: 'ecs.availability-zone',
  instanceType: 'ecs.instance-type',
  osType: 'ecs.os-type',
  cpuArchitecture: 'ecs.cpu-architecture',
} as const;

/** What Wharf's implicit instances report as `ecs.instance-type`. */
export const IMPLICIT_INSTANCE_TYPE = 'wharf.engine-host';

/**
 * ECS's instance statuses. Wharf's records are ACTIVE or DRAINING (set by
 * UpdateContainerInstancesState); REGISTERING, REGISTRATION_FAILED and
 * DEREGISTERING belong to ECS's trunk-interface provisioning, and INACTIVE is
 * what DeregisterContainerInstance answers as the record goes: placement
 * treats every status but ACTIVE as closed.
 */
export type ContainerInstanceStatus = 'REGISTERING' | 'REGISTRATION_FAILED' | 'ACTIVE' | 'DRAINING' | 'DEREGISTERING' | 'INACTIVE';

/** CPU units and MiB; an absent figure has no limit (the host's CPU is shared unless capped). */
export interface RegisteredResources {
  readonly cpu?: number;
  readonly memory?: number;
}

export interface Reservation {
  readonly cpu: number;
  readonly memory: number;
  /** The task's group (`service:<name>`, `family:<family>`): what distinctInstance, spread and `task:group` count. */
  readonly group: string;
}

export interface InstanceAttribute {
  readonly name: string;
  readonly value?: string;
}

/**
 * The Docker engine behind a registered instance (`wharf hosts add`): where
 * Wharf reaches it and the subnet its tasks get. The TLS files are read by
 * every Wharf process that drives the host, so they must be at the same path
 * on each (the shared data directory is a good place).
 */
export interface EngineHostRef {
  /** Unique across Wharf: what `wharf hosts` commands name it by. */
  readonly name: string;
  /** `tcp://ADDR:PORT`. */
  readonly url: string;
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
  /**
   * The IPv4 subnet (CIDR) of the host's task network. Task addresses are
   * reached from Wharf's host by routing this subnet to the engine's host (the
   * awsvpc model: every task address routable), so each host needs its own.
   */
  readonly taskSubnet?: string;
  /** `HOST:PORT` at which its engine reaches Wharf's registry (absent: where Wharf listens). */
  readonly registryAddress?: string;
}

export interface ContainerInstance {
  readonly containerInstanceId: string;
  readonly status: ContainerInstanceStatus;
  /** Registered instances: the engine behind it (absent on implicit ones). */
  readonly host?: EngineHostRef;
  /** Registered instances: the cluster it belongs to, and its EC2-style instance id (`i-` + 17 hex). */
  readonly clusterName?: string;
  readonly ec2InstanceId?: string;
  /** Whether the engine answered its last check (ECS: the agent is connected). */
  readonly agentConnected?: boolean;
  /** When the engine last answered (epoch ms): what host-loss timeouts count from. */
  readonly lastSeenAt?: number;
  /** ECS's `version`: grows by one whenever the instance's state changes. */
  readonly version?: number;
  /** The engine's version as it reported it (Docker's `ServerVersion`), when known: DescribeContainerInstances' dockerVersion. */
  readonly engineVersion?: string;
  /** Registered instances: the tags given at registration. */
  readonly tags?: readonly Tag[];
  /** Fargate capacity of an engine host: placed on, never listed. */
  readonly implicit: boolean;
  readonly registeredResources: RegisteredResources;
  readonly attributes: readonly InstanceAttribute[];
  readonly registeredAt: number;
  /** By task key (see taskKey): the tasks this instance holds resources for. */
  readonly reservations: Readonly<Record<string, Reservation>>;
}

/** Registered instances are stored in their cluster's scope under `<cluster>/<id>`, so a prefix lists one cluster's. */
export function containerInstanceRecordId(clusterName: string, containerInstanceId: string): string {
  return `${clusterName}/${containerInstanceId}`;
}

/** `<account>|<region>|<task record id>`: a task anywhere in the store, by the key reservations use. */
export function taskKey(scope: { readonly account: string; readonly region: string }, recordId: string): string {
  return `${scope.account}|${scope.region}|${recordId}`;
}

export function parseTaskKey(key: string): { scope: { account: string; region: string }; id: string } | undefined {
  const first = key.indexOf('|');
  const second = key.indexOf('|', first + 1);
  if (first < 0 || second < 0) return undefined;
  return { scope: { account: key.slice(0, first), region: key.slice(first + 1, second) }, id: key.slice(second + 1) };
}

/** The implicit instance of one engine host, holding nothing yet. */
export function implicitInstance(id: string, registered: RegisteredResources, attributes: readonly InstanceAttribute[], now: number): ContainerInstance {
  return { containerInstanceId: id, status: 'ACTIVE', implicit: true, registeredResources: registered, attributes: [...attributes], registeredAt: now, reservations: {} };
}

/** `Infinity` for an unlimited figure; JSON has no Infinity, so the record leaves it out. */
export function registeredOf(instance: ContainerInstance): { cpu: number; memory: number } {
  return { cpu: instance.registeredResources.cpu ?? Infinity, memory: instance.registeredResources.memory ?? Infinity };
}

export function reservedOf(instance: ContainerInstance): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const reservation of Object.values(instance.reservations)) {
    cpu += reservation.cpu;
    memory += reservation.memory;
  }
  return { cpu, memory };
}

export function remainingOf(instance: ContainerInstance): { cpu: number; memory: number } {
  const registered = registeredOf(instance);
  const reserved = reservedOf(instance);
  return { cpu: registered.cpu - reserved.cpu, memory: registered.memory - reserved.memory };
}

/** Registered resources from a host's capacity figures (Infinity = no limit). */
export function resourcesOf(capacity: { readonly cpuUnits: number; readonly memoryMiB: number }): RegisteredResources {
  return {
    ...(Number.isFinite(capacity.cpuUnits) ? { cpu: capacity.cpuUnits } : {}),
    ...(Number.isFinite(capacity.memoryMiB) ? { memory: capacity.memoryMiB } : {}),
  };
}

export function sameResources(a: RegisteredResources, b: RegisteredResources): boolean {
  return a.cpu === b.cpu && a.memory === b.memory;
}

/**
 * Only the reservations whose task is still live: `isLive(key)` says whether
 * that task record exists and is not STOPPED (the caller read it). Returns the
 * same object when nothing was dropped.
 */
export function pruneReservations(instance: ContainerInstance, isLive: (key: string) => boolean): ContainerInstance {
  const kept = Object.entries(instance.reservations).filter(([key]) => isLive(key));
  if (kept.length === Object.keys(instance.reservations).length) return instance;
  return { ...instance, reservations: Object.fromEntries(kept) };
}

export function withReservations(instance: ContainerInstance, added: readonly { readonly key: string; readonly reservation: Reservation }[]): ContainerInstance {
  if (added.length === 0) return instance;
  return { ...instance, reservations: { ...instance.reservations, ...Object.fromEntries(added.map((item) => [item.key, item.reservation])) } };
}

/** A task's demand as its record states it (`cpu`/`memory` strings; missing or bad figures count 0). */
export function demandOf(task: { readonly cpu?: string; readonly memory?: string; readonly group: string }): Reservation {
  const cpu = Number(task.cpu);
  const memory = Number(task.memory);
  return { cpu: Number.isFinite(cpu) && cpu > 0 ? cpu : 0, memory: Number.isFinite(memory) && memory > 0 ? memory : 0, group: task.group };
}
