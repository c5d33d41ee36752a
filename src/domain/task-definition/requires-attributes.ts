/**
 * `requiresAttributes`: the container-instance capabilities ECS derives from a
 * definition so the EC2 scheduler only places it on agents that can run it.
 * Fargate ignores them, but DescribeTaskDefinition shows them and tools diff
 * against them, so Wharf records the same ones.
 *
 * Which feature adds which attribute was read off real DescribeTaskDefinition
 * outputs published between 2023 and 2026 (awslogs, ECR + execution role, task
 * role, awsvpc, health checks, Secrets Manager secrets). Mappings without such
 * evidence are marked (unverified).
 */
import { isEcrImage, secretSource } from './images.js';
import type { Attribute, ContainerDefinition, NetworkMode, RegisterTaskDefinitionInput } from './types.js';

const CAP = 'com.amazonaws.ecs.capability.';
const ECS_CAP = 'ecs.capability.';
const dockerApi = (version: string) => `${CAP}docker-remote-api.${version}`;

/**
 * Real responses list attributes in one stable order (a hash order, not the
 * order features appear in). These are the names whose relative order was
 * observed; anything else follows them, sorted by name.
 */
const OBSERVED_ORDER = [
  dockerApi('1.24'),
  `${ECS_CAP}execution-role-awslogs`,
  `${CAP}ecr-auth`,
  dockerApi('1.19'),
  dockerApi('1.17'),
  `${ECS_CAP}secrets.asm.environment-variables`,
  `${CAP}task-iam-role`,
  `${ECS_CAP}container-health-check`,
  `${ECS_CAP}execution-role-ecr-pull`,
  `${ECS_CAP}secrets.ssm.environment-variables`,
  dockerApi('1.18'),
  `${ECS_CAP}task-eni`,
  dockerApi('1.29'),
];

export function requiresAttributes(input: RegisterTaskDefinitionInput, networkMode: NetworkMode, registryHost?: string): Attribute[] {
  const names = new Set<string>();
  const add = (name: string) => names.add(name);
  const executionRole = Boolean(input.executionRoleArn);

  for (const c of input.containerDefinitions) containerAttributes(c, executionRole, add, registryHost);

  if (input.taskRoleArn) add(`${CAP}task-iam-role`);
  if (networkMode === 'awsvpc') {
    add(`${ECS_CAP}task-eni`);
    add(dockerApi('1.18'));
  }
  // Seen only alongside runtimePlatform in published outputs (unverified as its cause).
  if (input.runtimePlatform) add(dockerApi('1.29'));
  for (const volume of input.volumes ?? []) {
    const efs = volume.efsVolumeConfiguration;
    if (!efs) continue;
    add(`${ECS_CAP}efs`); // (unverified)
    if (efs.authorizationConfig?.iam === 'ENABLED' || efs.authorizationConfig?.accessPointId) add(`${ECS_CAP}efsAuth`); // (unverified)
  }
  if (input.pidMode === 'task' || input.ipcMode === 'task') add(`${ECS_CAP}pid-ipc-namespace-sharing`); // (unverified)

  return order([...names]).map((name) => ({ name }));
}

function containerAttributes(c: ContainerDefinition, executionRole: boolean, add: (name: string) => void, registryHost: string | undefined): void {
  const driver = c.logConfiguration?.logDriver;
  if (driver) {
    add(`${CAP}logging-driver.${driver}`);
    add(dockerApi('1.19'));
    if (driver === 'awslogs' && executionRole) add(`${ECS_CAP}execution-role-awslogs`);
  }
  if (isEcrImage(c.image, registryHost)) {
    add(`${CAP}ecr-auth`);
    if (executionRole) add(`${ECS_CAP}execution-role-ecr-pull`);
  }
  if (c.healthCheck) {
    add(`${ECS_CAP}container-health-check`);
    add(dockerApi('1.24'));
  }
  for (const secret of c.secrets ?? []) add(`${ECS_CAP}secrets.${secretSource(secret.valueFrom)}.environment-variables`);
  for (const secret of c.logConfiguration?.secretOptions ?? []) {
    add(`${ECS_CAP}secrets.${secretSource(secret.valueFrom)}.bootstrap.log-driver`); // (unverified)
  }
  // The attribute name is the agent's; tying start/stop timeouts to it is (unverified).
  if ((c.dependsOn ?? []).length > 0 || c.startTimeout !== undefined || c.stopTimeout !== undefined) {
    add(`${ECS_CAP}container-ordering`);
  }
  if ((c.environmentFiles ?? []).length > 0) add(`${ECS_CAP}env-files.s3`); // (unverified)
  if (c.repositoryCredentials) add(`${CAP}private-registry-authentication.secretsmanager`); // (unverified)
  if (c.firelensConfiguration) add(`${ECS_CAP}firelens.${c.firelensConfiguration.type}`); // (unverified)
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Logging drivers lead (as observed), then the observed order, then the rest by name. */
function order(names: string[]): string[] {
  const rank = (name: string): number => {
    if (name.startsWith(`${CAP}logging-driver.`)) return -1;
    const i = OBSERVED_ORDER.indexOf(name);
    return i === -1 ? OBSERVED_ORDER.length : i;
  };
  return names
    .map((name, index) => ({ name, index }))
    .sort((a, b) => rank(a.name) - rank(b.name) || (rank(a.name) === -1 ? a.index - b.index : byName(a.name, b.name)))
    .map((entry) => entry.name);
}
