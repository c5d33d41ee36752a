/**
 * The sandbox (a task's awsvpc "ENI"): a pause container on the tasks' network
 * that owns the network namespace and the published ports, started inside the
 * task's cgroup parent. This file maps a SandboxSpec to the pause container's
 * create body and reads the sandbox's addresses back from its inspect data.
 */
import type Docker from 'dockerode';
import { WHARF_LABELS, type HostPortBinding, type PortMappingSpec, type SandboxSpec } from '../../ports/runtime.js';
import { LOG_CONFIG } from './container-spec.js';
import { cidrOf, type TaskNetwork } from './network.js';
import { PAUSE_IMAGE } from './pause-image.js';

/** Published ports listen on loopback only: a person on the host can reach a task, the LAN cannot. */
export const HOST_BIND_IP = '127.0.0.1';

export function pauseContainerOptions(spec: SandboxSpec, network: TaskNetwork, cgroupParent: string): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.portMappings) {
    const key = portKey(port);
    exposed[key] = {};
    // An empty HostPort asks the engine for an ephemeral port, assigned at start.
    bindings[key] = [{ HostIp: HOST_BIND_IP, HostPort: '' }];
  }
  return {
    name: spec.name,
    Image: PAUSE_IMAGE,
    Labels: { ...spec.labels, [WHARF_LABELS.managed]: 'true', [WHARF_LABELS.role]: 'pause', [WHARF_LABELS.cgroupParent]: cgroupParent },
    ...(spec.hostname ? { Hostname: spec.hostname } : {}),
    ExposedPorts: exposed,
    // The pause process exits on SIGTERM at once; the timeout is only a backstop.
    StopTimeout: 5,
    HostConfig: {
      NetworkMode: network.name,
      PortBindings: bindings,
      ...(cgroupParent ? { CgroupParent: cgroupParent } : {}),
      LogConfig: { Type: LOG_CONFIG.Type, Config: { ...LOG_CONFIG.Config } },
      RestartPolicy: { Name: 'no' },
      // A sleeping shell needs next to nothing; bounding it keeps it out of the task's budget.
      Memory: 8 * 1024 * 1024,
      MemorySwap: 8 * 1024 * 1024,
      CpuShares: 2,
    },
    NetworkingConfig: { EndpointsConfig: { [network.name]: {} } },
  };
}

export interface SandboxAddresses {
  readonly ipv4Address: string;
  readonly macAddress: string;
  readonly subnetCidr: string;
  readonly gateway: string;
  readonly hostPorts: HostPortBinding[];
}

interface PauseInspect {
  NetworkSettings?: {
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    Networks?: Record<string, { IPAddress?: string; IPPrefixLen?: number; Gateway?: string; MacAddress?: string }>;
  };
}

export function readSandboxAddresses(info: PauseInspect, spec: SandboxSpec, network: TaskNetwork): SandboxAddresses {
  const endpoint = info.NetworkSettings?.Networks?.[network.name];
  if (!endpoint?.IPAddress) throw new Error(`pause container ${spec.name} has no address on network ${network.name}`);
  const hostPorts = spec.portMappings.map((port): HostPortBinding => {
    const bound = (info.NetworkSettings?.Ports?.[portKey(port)] ?? []).find((b) => b.HostIp === HOST_BIND_IP) ?? info.NetworkSettings?.Ports?.[portKey(port)]?.[0];
    const hostPort = Number(bound?.HostPort);
    if (!bound || !Number.isInteger(hostPort) || hostPort <= 0) throw new Error(`pause container ${spec.name}: port ${portKey(port)} was not published`);
    return { containerPort: port.containerPort, protocol: port.protocol, hostPort, bindIP: bound.HostIp || HOST_BIND_IP };
  });
  return {
    ipv4Address: endpoint.IPAddress,
    macAddress: endpoint.MacAddress ?? '',
    // The network's configured subnet; derived from the prefix only if the network is not ours to know.
    subnetCidr: network.subnet || cidrOf(endpoint.IPAddress, endpoint.IPPrefixLen ?? 32),
    gateway: endpoint.Gateway || network.gateway,
    hostPorts,
  };
}

function portKey(port: PortMappingSpec): string {
  return `${port.containerPort}/${port.protocol}`;
}
