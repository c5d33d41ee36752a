/**
 * Rules about what each container asks for, whatever the launch type: ports,
 * settings the awsvpc network mode cannot honour, health checks, start-order
 * dependencies, environment and secrets, and log options. They run before the
 * Fargate rules' compatibility probe, so a definition that fails here fails for
 * every launch type.
 */
import { errors } from './messages.js';
import { awslogsOptionProblem } from '../task/awslogs.js';
import type { ResolvedDefinition } from './resolve.js';
import type { ContainerDefinition } from './types.js';

const nonEmpty = (list: readonly unknown[] | undefined): boolean => list !== undefined && list.length > 0;

export function checkPortMappings(resolved: ResolvedDefinition): void {
  const mode = resolved.networkMode;
  const sharesHostPorts = mode === 'awsvpc' || mode === 'host';
  // awsvpc gives the task one network namespace, so container ports clash across
  // containers; in bridge/host mode it is the host ports that must be unique.
  const taskPorts = new Set<string>();

  for (const container of resolved.input.containerDefinitions) {
    const name = container.name!;
    const ownPorts = new Set<string>();
    for (const mapping of container.portMappings ?? []) {
      if (mapping.containerPortRange !== undefined && mapping.containerPort === undefined) continue;
      const port = mapping.containerPort;
      if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) throw errors.invalidContainerPort(name);
      const protocol = mapping.protocol ?? 'tcp';
      // A hostPort of 0 means "pick one", which in these modes can only be the container port.
      const hostPort = sharesHostPorts && (mapping.hostPort === undefined || mapping.hostPort === 0) ? port : mapping.hostPort;
      if (hostPort !== undefined && (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535)) {
        throw errors.invalidHostPort(name);
      }
      if (sharesHostPorts && hostPort !== port) throw errors.hostPortMustMatch(mode);

      const own = `${protocol}/${port}`;
      if (ownPorts.has(own)) throw errors.containerPortRepeated(port, name);
      ownPorts.add(own);

      if (mode === 'awsvpc') {
        if (taskPorts.has(own)) throw errors.containerPortRepeatedInTask(protocol, port);
        taskPorts.add(own);
      } else if (hostPort !== undefined && hostPort !== 0) {
        const host = `${protocol}/${hostPort}`;
        if (taskPorts.has(host)) throw errors.hostPortRepeatedInTask(protocol, hostPort);
        taskPorts.add(host);
      }
    }
  }
}

/** Docker networking knobs that have no meaning once the task owns an ENI. Empty lists (as CDK emits) are fine. */
export function checkAwsvpcRestrictions(resolved: ResolvedDefinition): void {
  if (resolved.networkMode !== 'awsvpc') return;
  for (const c of resolved.input.containerDefinitions) {
    if (nonEmpty(c.links)) throw errors.linksWithAwsvpc();
    if (nonEmpty(c.dnsServers)) throw errors.dnsServersWithAwsvpc();
    if (nonEmpty(c.dnsSearchDomains)) throw errors.dnsSearchDomainsWithAwsvpc();
    if (nonEmpty(c.extraHosts)) throw errors.extraHostsWithAwsvpc();
  }
}

/** Bounds from the ECS developer guide (ecs-facts.md, "Container health checks"). */
export const HEALTH_CHECK_BOUNDS = {
  interval: { min: 5, max: 300 },
  timeout: { min: 2, max: 60 },
  retries: { min: 1, max: 10 },
  startPeriod: { min: 0, max: 300 },
} as const;

export function checkHealthChecks(resolved: ResolvedDefinition): void {
  for (const c of resolved.input.containerDefinitions) {
    const check = c.healthCheck;
    if (!check) continue;
    const name = c.name!;
    const [kind] = check.command ?? [];
    if (check.command === undefined || check.command.length < 2 || (kind !== 'CMD' && kind !== 'CMD-SHELL')) {
      throw errors.healthCheckCommand(name);
    }
    for (const field of ['interval', 'timeout', 'retries', 'startPeriod'] as const) {
      const value = check[field];
      const { min, max } = HEALTH_CHECK_BOUNDS[field];
      if (value !== undefined && (value < min || value > max)) throw errors.healthCheckRange(name, field, min, max);
    }
  }
}

/**
 * dependsOn drives start order, so every target must exist, a HEALTHY target
 * must report health, a SUCCESS/COMPLETE target must be allowed to exit
 * (essential containers stop the task when they do), and there must be no cycle.
 */
export function checkDependencies(resolved: ResolvedDefinition): void {
  const containers = resolved.input.containerDefinitions;
  const byName = new Map(containers.map((c) => [c.name!, c] as const));

  for (const c of containers) {
    for (const dep of c.dependsOn ?? []) {
      const target = byName.get(dep.containerName);
      if (!target) throw errors.dependsOnUnknown(dep.containerName);
      if ((dep.condition === 'SUCCESS' || dep.condition === 'COMPLETE') && target.essential !== false) {
        throw errors.dependsOnEssential();
      }
      if (dep.condition === 'HEALTHY' && !target.healthCheck) throw errors.dependsOnHealthy();
    }
  }
  if (hasCycle(containers)) throw errors.dependsOnCycle();
}

function hasCycle(containers: readonly ContainerDefinition[]): boolean {
  const edges = new Map(containers.map((c) => [c.name!, (c.dependsOn ?? []).map((d) => d.containerName)] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): boolean => {
    if (state.get(name) === 'visiting') return true;
    if (state.get(name) === 'done') return false;
    state.set(name, 'visiting');
    const cyclic = (edges.get(name) ?? []).some(visit);
    state.set(name, 'done');
    return cyclic;
  };
  return containers.some((c) => visit(c.name!));
}

/** Secrets become environment variables, so their names share one namespace with `environment`. */
export function checkEnvironmentAndSecrets(resolved: ResolvedDefinition): void {
  for (const c of resolved.input.containerDefinitions) {
    const name = c.name!;
    const envNames = new Set<string>();
    for (const variable of c.environment ?? []) {
      if (variable.name === undefined || variable.name === '') throw errors.environmentNameEmpty(name);
      envNames.add(variable.name);
    }
    const secretNames = new Set<string>();
    for (const secret of c.secrets ?? []) {
      if (secret.name === undefined || secret.name === '') throw errors.secretNameEmpty(name);
      if (secretNames.has(secret.name)) throw errors.duplicateSecrets(secret.name);
      secretNames.add(secret.name);
    }
    for (const secret of secretNames) if (envNames.has(secret)) throw errors.secretSharesEnvName(secret);
  }
  // The execution role reads secrets at start (for every launch type), so a definition with any needs one.
  const usesSecrets = resolved.input.containerDefinitions.some((c) => (c.secrets ?? []).length > 0 || (c.logConfiguration?.secretOptions ?? []).length > 0);
  if (usesSecrets && !resolved.input.executionRoleArn) throw errors.secretsNeedExecutionRole();
}

export function checkLogConfiguration(resolved: ResolvedDefinition): void {
  for (const c of resolved.input.containerDefinitions) {
    const log = c.logConfiguration;
    if (log?.logDriver !== 'awslogs') continue;
    const options = log.options ?? {};
    if (!options['awslogs-region'] || !options['awslogs-group']) throw errors.awslogsOptions();
    // A secret option names an option too: the same names are known, the rest refused.
    const secretNames = Object.fromEntries((log.secretOptions ?? []).map((secret) => [secret.name ?? '', '']));
    const problem = awslogsOptionProblem({ ...secretNames, ...options });
    if (problem) throw errors.awslogsOptionInvalid(c.name!, problem);
  }
}

const ENV_FILE_ARN = /^arn:aws[a-z-]*:s3:::[^/]+\/.+\.env$/;
const MAX_ENV_FILES = 10;

export function checkEnvironmentFiles(resolved: ResolvedDefinition): void {
  for (const c of resolved.input.containerDefinitions) {
    const files = c.environmentFiles ?? [];
    if (files.length > MAX_ENV_FILES) throw errors.tooManyEnvironmentFiles(c.name!);
    for (const file of files) {
      if (file.type !== 's3' || !ENV_FILE_ARN.test(file.value ?? '')) throw errors.environmentFileInvalid(c.name!);
    }
  }
}
