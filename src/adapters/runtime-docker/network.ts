/**
 * The tasks' network: one user-defined bridge that every pause container joins.
 * A user-defined bridge (unlike the default one) gives tasks the engine's DNS
 * and a subnet Wharf chooses, so the addresses it reports as the task's "ENI"
 * are stable in shape.
 *
 * The subnet is fixed (172.30.0.0/16 first) rather than left to the engine so
 * that it is predictable, but it must not overlap another Docker network or a
 * route of the host (the engine checks neither for an explicit subnet against
 * host routes), so the first free candidate is taken.
 */
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { Logger } from '../../ports/logger.js';
import { WHARF_LABELS } from '../../ports/runtime.js';
import { engineMessage, isNotFound, statusOf } from './engine-errors.js';

export interface TaskNetwork {
  readonly name: string;
  readonly id: string;
  /** The IPv4 subnet in CIDR form, e.g. 172.30.0.0/16. */
  readonly subnet: string;
  readonly gateway: string;
}

export const SUBNET_CANDIDATES = [
  '172.30.0.0/16',
  '172.29.0.0/16',
  '172.28.0.0/16',
  '172.27.0.0/16',
  '10.213.0.0/16',
  '10.214.0.0/16',
  '192.168.213.0/24',
  '192.168.214.0/24',
] as const;

interface NetworkInspect {
  Id: string;
  Name: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
}

/**
 * Finds the network by name, or creates it on the first free candidate subnet.
 * `routes` lists the engine host's routed subnets; the default reads this
 * machine's, which are the engine's only when the engine is local.
 */
export async function ensureTaskNetwork(
  docker: Docker,
  name: string,
  logger: Logger,
  routes: () => Promise<string[]> = hostRoutes,
  candidates: readonly string[] = SUBNET_CANDIDATES,
): Promise<TaskNetwork> {
  const existing = await inspectNetwork(docker, name);
  if (existing) {
    const network = describe(existing);
    // A host whose subnet was changed after its network was made keeps the old one (its tasks are on it).
    if (candidates.length === 1 && network.subnet !== candidates[0]) logger.warn({ network: name, subnet: network.subnet, configured: candidates[0] }, 'the task network exists on another subnet than configured; keeping it');
    return network;
  }

  const taken = await takenSubnets(docker, routes);
  let lastError: unknown;
  for (const subnet of candidates) {
    if (taken.some((other) => overlaps(subnet, other))) continue;
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        // The engine otherwise allows two networks of the same name; with this,
        // a concurrent creator gets a 409 and both end up using one network.
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
        Labels: { [WHARF_LABELS.managed]: 'true', [WHARF_LABELS.role]: 'network' },
      });
      logger.info({ network: name, subnet }, 'created the task network');
    } catch (err) {
      lastError = err;
      // 409: someone created it meanwhile. Otherwise the pool may have been
      // taken by a concurrent creator of another network: try the next one.
      if (statusOf(err) !== 409 && !/overlap/i.test(engineMessage(err))) throw err;
    }
    const created = await inspectNetwork(docker, name);
    if (created) return describe(created);
  }
  throw new Error(`no free subnet for the Docker network ${name} (tried ${candidates.join(', ')}): ${lastError ? engineMessage(lastError) : 'all overlap existing networks or host routes'}`);
}

async function inspectNetwork(docker: Docker, name: string): Promise<NetworkInspect | undefined> {
  try {
    const info = (await docker.getNetwork(name).inspect()) as NetworkInspect;
    // Inspect also matches id prefixes; only an exact name is ours.
    return info.Name === name ? info : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function describe(info: NetworkInspect): TaskNetwork {
  const v4 = (info.IPAM?.Config ?? []).find((c) => c.Subnet && !c.Subnet.includes(':'));
  if (!v4?.Subnet) throw new Error(`Docker network ${info.Name} has no IPv4 subnet`);
  return { name: info.Name, id: info.Id, subnet: v4.Subnet, gateway: v4.Gateway ?? firstHost(v4.Subnet) };
}

/** IPv4 subnets of every Docker network and of every non-default host route. */
async function takenSubnets(docker: Docker, routes: () => Promise<string[]>): Promise<string[]> {
  const networks = (await docker.listNetworks()) as NetworkInspect[];
  const fromDocker = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s));
  return [...fromDocker, ...(await routes())];
}

/** /proc/net/route lists destination and mask as little-endian hex. */
async function hostRoutes(): Promise<string[]> {
  let text: string;
  try {
    text = await readFile('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const routes: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const dest = leHexToInt(cols[1]!);
    const mask = leHexToInt(cols[7]!);
    if (mask === 0) continue; // the default route overlaps everything by definition
    routes.push(`${intToIp(dest)}/${popcount(mask)}`);
  }
  return routes;
}

export function overlaps(a: string, b: string): boolean {
  const [aBase, aLen] = parseCidr(a);
  const [bBase, bLen] = parseCidr(b);
  const len = Math.min(aLen, bLen);
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((aBase & mask) >>> 0) === ((bBase & mask) >>> 0);
}

/** The network address of ip/prefix, as CIDR (used when the network's own subnet is unknown). */
export function cidrOf(ip: string, prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (~0 << (32 - prefixLength)) >>> 0;
  return `${intToIp((ipToInt(ip) & mask) >>> 0)}/${prefixLength}`;
}

function firstHost(cidr: string): string {
  const [base] = parseCidr(cidr);
  return intToIp(base + 1);
}

function parseCidr(cidr: string): [number, number] {
  const [ip, len] = cidr.split('/');
  return [ipToInt(ip!), Number(len ?? 32)];
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

function leHexToInt(hex: string): number {
  const n = parseInt(hex, 16);
  return (((n & 0xff) << 24) | (((n >>> 8) & 0xff) << 16) | (((n >>> 16) & 0xff) << 8) | ((n >>> 24) & 0xff)) >>> 0;
}

function popcount(n: number): number {
  let count = 0;
  for (let v = n >>> 0; v; v >>>= 1) count += v & 1;
  return count;
}
