/**
 * ContainerSpec (the task definition's view of a container) to the Engine API's
 * create body. Pure, so the mapping can be checked without an engine.
 */
import type Docker from 'dockerode';
import { WHARF_LABELS, type ContainerSpec } from '../../ports/runtime.js';

const MiB = 1024 * 1024;
const NS_PER_SECOND = 1_000_000_000;

/**
 * json-file so `docker logs` and a log shipper can read the output; rotated so
 * a chatty long-running service cannot fill the disk.
 */
export const LOG_CONFIG = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } as const;

/** The smallest CPU share the kernel accepts; ECS's agent gives it to containers without a cpu value. */
export const MIN_CPU_SHARES = 2;

export function appContainerOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const memory = spec.memoryMiB ? spec.memoryMiB * MiB : undefined;
  return {
    name: spec.name,
    Image: spec.image,
    Labels: { ...spec.labels, [WHARF_LABELS.managed]: 'true', [WHARF_LABELS.role]: 'app' },
    ...(spec.entryPoint ? { Entrypoint: [...spec.entryPoint] } : {}),
    ...(spec.command ? { Cmd: [...spec.command] } : {}),
    Env: Object.entries(spec.environment).map(([k, v]) => `${k}=${v}`),
    ...(spec.workingDirectory ? { WorkingDir: spec.workingDirectory } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    StopTimeout: spec.stopTimeoutSeconds,
    ...(spec.healthCheck
      ? {
          Healthcheck: {
            Test: [...spec.healthCheck.command],
            Interval: Math.round(spec.healthCheck.intervalSeconds * NS_PER_SECOND),
            Timeout: Math.round(spec.healthCheck.timeoutSeconds * NS_PER_SECOND),
            Retries: spec.healthCheck.retries,
            ...(spec.healthCheck.startPeriodSeconds ? { StartPeriod: Math.round(spec.healthCheck.startPeriodSeconds * NS_PER_SECOND) } : {}),
          },
        }
      : {}),
    HostConfig: {
      // The task's containers share the pause container's network namespace
      // (awsvpc: one ENI per task, containers reach each other on localhost).
      // Ports are therefore published on the pause container, not here.
      NetworkMode: `container:${spec.sandbox.containerId}`,
      ...(spec.sandbox.cgroupParent ? { CgroupParent: spec.sandbox.cgroupParent } : {}),
      CpuShares: Math.max(MIN_CPU_SHARES, spec.cpuUnits ?? 0),
      ...(memory !== undefined
        ? {
            Memory: memory,
            // No swap on Fargate: memory+swap equal to memory.
            MemorySwap: memory,
          }
        : {}),
      ...(spec.memoryReservationMiB ? { MemoryReservation: spec.memoryReservationMiB * MiB } : {}),
      ...(spec.ulimits?.length ? { Ulimits: spec.ulimits.map((u) => ({ Name: u.name, Soft: u.softLimit, Hard: u.hardLimit })) } : {}),
      ReadonlyRootfs: spec.readonlyRootFilesystem === true,
      // Explicit either way, so a daemon configured with "init": true does not change task semantics.
      Init: spec.initProcessEnabled === true,
      ...(spec.capabilities?.add?.length ? { CapAdd: [...spec.capabilities.add] } : {}),
      ...(spec.capabilities?.drop?.length ? { CapDrop: [...spec.capabilities.drop] } : {}),
      LogConfig: { Type: LOG_CONFIG.Type, Config: { ...LOG_CONFIG.Config } },
      // The supervisor decides about restarts (a task never restarts a container in place).
      RestartPolicy: { Name: 'no' },
    },
  };
}
