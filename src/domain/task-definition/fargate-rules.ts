/**
 * What Fargate cannot run. The same check serves twice: when the caller
 * requires FARGATE the first problem is the registration error; otherwise its
 * absence is what lets ECS list FARGATE among the definition's
 * `compatibilities`. So it returns the error instead of throwing it.
 */
import type { AwsError } from '../errors.js';
import { isValidFargateSize } from './fargate-sizes.js';
import { isEcrImage } from './images.js';
import { errors } from './messages.js';
import type { ResolvedDefinition } from './resolve.js';
import type { ContainerDefinition } from './types.js';

/** ECS's documented ceiling for stopTimeout on Fargate. */
export const FARGATE_MAX_STOP_TIMEOUT = 120;
const FARGATE_LOG_DRIVERS = new Set(['awslogs', 'splunk', 'awsfirelens']);

const nonEmpty = (list: readonly unknown[] | undefined): boolean => list !== undefined && list.length > 0;

export function fargateIncompatibility(resolved: ResolvedDefinition): AwsError | undefined {
  const { input, cpu, memory } = resolved;
  if (resolved.networkMode !== 'awsvpc') return errors.fargateNetworkMode();
  if (cpu === undefined) return errors.fargateCpuMissing();
  if (memory === undefined) return errors.fargateMemoryMissing();
  if (!isValidFargateSize(cpu, memory)) return errors.fargateSize(cpu, memory);

  if (input.ipcMode !== undefined) return errors.fargateIpcMode();
  if (input.pidMode !== undefined && input.pidMode !== 'task') return errors.fargatePidMode(input.pidMode);
  // Fargate spreads tasks across zones itself; memberOf expressions have nothing to match.
  if (nonEmpty(input.placementConstraints)) return errors.fargateUnsupported('constraints');
  for (const volume of input.volumes ?? []) {
    if (volume.host?.sourcePath) return errors.fargateUnsupported('sourcePath');
    if (volume.dockerVolumeConfiguration) return errors.fargateUnsupported('dockerVolumeConfiguration');
  }

  for (const container of input.containerDefinitions) {
    const problem = containerIncompatibility(container, input.executionRoleArn, resolved.registryHost);
    if (problem) return problem;
  }
  return undefined;
}

function containerIncompatibility(c: ContainerDefinition, executionRoleArn: string | undefined, registryHost: string | undefined): AwsError | undefined {
  // Without a host agent, Fargate pulls private images and ships logs with the execution role.
  // ECS refuses this at RegisterTaskDefinition (a definition not requiring FARGATE is registered
  // without FARGATE among its compatibilities, and RunTask then refuses the launch type).
  if (!executionRoleArn && isEcrImage(c.image, registryHost)) return errors.fargateEcrNeedsExecutionRole();
  const driver = c.logConfiguration?.logDriver;
  if (driver !== undefined && !FARGATE_LOG_DRIVERS.has(driver)) return errors.fargateLogDriver(driver);
  if (!executionRoleArn && driver === 'awslogs') return errors.fargateAwslogsNeedsExecutionRole();
  if (driver === 'awslogs' && !c.logConfiguration?.options?.['awslogs-stream-prefix']) return errors.fargateAwslogsNeedsStreamPrefix();

  if (c.privileged === true) return errors.fargateUnsupported('privileged');
  if (nonEmpty(c.dockerSecurityOptions)) return errors.fargateUnsupported('dockerSecurityOptions');

  const linux = c.linuxParameters;
  if (linux) {
    if (nonEmpty(linux.devices)) return errors.fargateUnsupported('devices');
    if (linux.sharedMemorySize !== undefined) return errors.fargateUnsupported('sharedMemorySize');
    if (nonEmpty(linux.tmpfs)) return errors.fargateUnsupported('tmpfs');
    if (linux.maxSwap !== undefined) return errors.fargateUnsupported('maxSwap');
    if (linux.swappiness !== undefined) return errors.fargateUnsupported('swappiness');
    if ((linux.capabilities?.add ?? []).some((cap) => cap !== 'SYS_PTRACE')) return errors.fargateCapabilities();
  }

  if ((c.resourceRequirements ?? []).some((r) => r.type === 'GPU')) return errors.fargateGpu();
  if (c.stopTimeout !== undefined && c.stopTimeout > FARGATE_MAX_STOP_TIMEOUT) return errors.fargateStopTimeout();
  return undefined;
}
