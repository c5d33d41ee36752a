/**
 * What ECS rewrites on registration: task cpu/memory become plain numbers of
 * CPU units / MiB, and each container gains the defaults DescribeTaskDefinition
 * shows (cpu 0, essential true, empty lists, tcp, hostPort = containerPort,
 * health-check timings). Validation happens elsewhere; these only reshape.
 */
import { errors } from './messages.js';
import type { ContainerDefinition, HealthCheck, NetworkMode, PortMapping, Volume } from './types.js';

const CPU_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(vcpus?)?\s*$/i;
const MEMORY_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(gib|gb|mib|mb)?\s*$/i;

/** Whole, positive and not absurdly large; fractions of a unit are refused, as ECS does. */
function wholeUnits(value: number): number | undefined {
  const rounded = Math.round(value);
  if (Math.abs(value - rounded) > 1e-9 || rounded <= 0 || rounded > 2_147_483_647) return undefined;
  return rounded;
}

/** "1 vCPU", "0.25 vcpu" or "1024" -> 1024-based CPU units. */
export function parseTaskCpu(text: string): number {
  const match = CPU_PATTERN.exec(text);
  if (!match) throw errors.invalidTaskCpu();
  const [, amount, unit] = match;
  // A bare number is already in units, so a fraction there is an error, not a vCPU count.
  if (!unit && amount!.includes('.')) throw errors.invalidTaskCpu();
  const units = wholeUnits(Number(amount) * (unit ? 1024 : 1));
  if (units === undefined) throw errors.invalidTaskCpu();
  return units;
}

/** "2 GB", "0.5GB" or "2048" -> MiB. */
export function parseTaskMemory(text: string): number {
  const match = MEMORY_PATTERN.exec(text);
  if (!match) throw errors.invalidTaskMemory();
  const [, amount, unit] = match;
  const inGigabytes = unit !== undefined && unit.toLowerCase().startsWith('g');
  if (!unit && amount!.includes('.')) throw errors.invalidTaskMemory();
  const mib = wholeUnits(Number(amount) * (inGigabytes ? 1024 : 1));
  if (mib === undefined) throw errors.invalidTaskMemory();
  return mib;
}

export const HEALTH_CHECK_DEFAULTS = { interval: 30, timeout: 5, retries: 3 } as const;

/** ECS stores the default timings, so a described definition always shows them; startPeriod stays off. */
export function withHealthCheckDefaults(check: HealthCheck): HealthCheck {
  const out: HealthCheck = {
    command: [...check.command],
    interval: check.interval ?? HEALTH_CHECK_DEFAULTS.interval,
    timeout: check.timeout ?? HEALTH_CHECK_DEFAULTS.timeout,
    retries: check.retries ?? HEALTH_CHECK_DEFAULTS.retries,
  };
  if (check.startPeriod !== undefined) out.startPeriod = check.startPeriod;
  return out;
}

/** In awsvpc and host mode the container port is the host port, so ECS writes it in. */
export function normalizePortMapping(mapping: PortMapping, networkMode: NetworkMode): PortMapping {
  const out: PortMapping = {};
  if (mapping.name !== undefined) out.name = mapping.name;
  if (mapping.containerPort !== undefined) out.containerPort = mapping.containerPort;
  const sharesHostPorts = networkMode === 'awsvpc' || networkMode === 'host';
  // There a hostPort of 0 ("any") can only mean the container port, so it is stored as that.
  const unset = mapping.hostPort === undefined || mapping.hostPort === 0;
  if (sharesHostPorts && unset && mapping.containerPort !== undefined) out.hostPort = mapping.containerPort;
  else if (mapping.hostPort !== undefined) out.hostPort = mapping.hostPort;
  out.protocol = mapping.protocol ?? 'tcp';
  for (const [key, value] of Object.entries(mapping)) if (!(key in out)) out[key] = clone(value);
  return out;
}

/**
 * Member order of DescribeTaskDefinition's container output (as real responses
 * print it), so stored definitions read like ECS's. Unknown members go last.
 */
const CONTAINER_KEY_ORDER = [
  'name', 'image', 'repositoryCredentials', 'cpu', 'memory', 'memoryReservation', 'links', 'portMappings',
  'essential', 'restartPolicy', 'entryPoint', 'command', 'environment', 'environmentFiles', 'mountPoints',
  'volumesFrom', 'linuxParameters', 'secrets', 'dependsOn', 'startTimeout', 'stopTimeout', 'versionConsistency',
  'hostname', 'user', 'workingDirectory', 'disableNetworking', 'privileged', 'readonlyRootFilesystem', 'dnsServers',
  'dnsSearchDomains', 'extraHosts', 'dockerSecurityOptions', 'interactive', 'pseudoTerminal', 'dockerLabels',
  'ulimits', 'logConfiguration', 'healthCheck', 'systemControls', 'resourceRequirements', 'firelensConfiguration',
  'credentialSpecs',
] as const;

export function normalizeContainer(container: ContainerDefinition, networkMode: NetworkMode): ContainerDefinition {
  const filled: ContainerDefinition = {
    ...(clone(container) as ContainerDefinition),
    cpu: container.cpu ?? 0,
    portMappings: (container.portMappings ?? []).map((m) => normalizePortMapping(m, networkMode)),
    essential: container.essential ?? true,
    environment: clone(container.environment ?? []),
    mountPoints: clone(container.mountPoints ?? []),
    volumesFrom: clone(container.volumesFrom ?? []),
    systemControls: clone(container.systemControls ?? []),
  };
  if (container.healthCheck) filled.healthCheck = withHealthCheckDefaults(container.healthCheck);

  const ordered: Record<string, unknown> = {};
  for (const key of CONTAINER_KEY_ORDER) if (filled[key] !== undefined) ordered[key] = filled[key];
  for (const [key, value] of Object.entries(filled)) if (!(key in ordered) && value !== undefined) ordered[key] = value;
  return ordered as ContainerDefinition;
}

/** The request is plain JSON, so a JSON round trip is a faithful deep copy that never aliases the caller's data. */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** ECS echoes an EFS volume's `rootDirectory` as "/" (the file system's root) when the caller leaves it out. */
export function normalizeVolume(volume: Volume): Volume {
  const copy = clone(volume);
  if (copy.efsVolumeConfiguration && copy.efsVolumeConfiguration.rootDirectory === undefined) {
    const { fileSystemId, ...rest } = copy.efsVolumeConfiguration;
    copy.efsVolumeConfiguration = { fileSystemId, rootDirectory: '/', ...rest };
  }
  return copy;
}
