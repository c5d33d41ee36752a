import { validationError } from './errors.js';
import type { LoadBalancerRecord } from './records.js';

/**
 * Wharf has no VPC: subnets are taken at their word, each gets a made-up
 * zone of the region in the order given (`<region>a`, `<region>b`, ...), and
 * every load balancer sits in one pretend VPC.
 */
export const WHARF_VPC_ID = 'vpc-wharf';
/** ALB's hosted zone in us-east-1; Wharf's DNS names are *.elb.localhost, so it only fills the field. */
export const CANONICAL_HOSTED_ZONE_ID = 'Z35SXDOTRQ7X7K';

export function subnetsOf(input: { Subnets?: readonly string[]; SubnetMappings?: readonly { SubnetId?: string }[] }): string[] {
  if (input.Subnets?.length && input.SubnetMappings?.length) throw validationError('You can specify subnets or subnet mappings, not both'); // unverified wording
  const subnets = input.Subnets?.length ? [...input.Subnets] : (input.SubnetMappings ?? []).map((mapping) => mapping.SubnetId ?? '');
  if (subnets.some((subnet) => subnet === '')) throw validationError('A subnet ID must be specified for each subnet mapping'); // unverified wording
  if (new Set(subnets).size < 2) throw validationError('At least two subnets in two different Availability Zones must be specified');
  if (new Set(subnets).size !== subnets.length) throw validationError('The same subnet cannot be specified more than once'); // unverified wording
  return subnets;
}

export function availabilityZonesFor(region: string, subnets: readonly string[]): LoadBalancerRecord['availabilityZones'] {
  return subnets.map((subnetId, index) => ({ zoneName: `${region}${zoneLetter(index)}`, subnetId }));
}

function zoneLetter(index: number): string {
  return index < 26 ? String.fromCharCode(97 + index) : `${zoneLetter(Math.floor(index / 26) - 1)}${String.fromCharCode(97 + (index % 26))}`;
}

/** `<name>-<10 digits>.<region>.elb.localhost`; internal ones begin with `internal-` as in ELB. */
export function dnsNameFor(name: string, scheme: LoadBalancerRecord['scheme'], digits: string, region: string): string {
  return `${scheme === 'internal' ? 'internal-' : ''}${name}-${digits}.${region}.elb.localhost`.toLowerCase();
}

/** Whether a repeated CreateLoadBalancer asked for the same load balancer (ELB then returns it instead of failing). */
export function sameLoadBalancerSettings(existing: LoadBalancerRecord, wanted: Pick<LoadBalancerRecord, 'scheme' | 'type' | 'availabilityZones' | 'securityGroups' | 'ipAddressType'>): boolean {
  const subnets = (lb: Pick<LoadBalancerRecord, 'availabilityZones'>) => lb.availabilityZones.map((zone) => zone.subnetId).sort().join(',');
  return (
    existing.scheme === wanted.scheme &&
    existing.type === wanted.type &&
    existing.ipAddressType === wanted.ipAddressType &&
    subnets(existing) === subnets(wanted) &&
    [...existing.securityGroups].sort().join(',') === [...wanted.securityGroups].sort().join(',')
  );
}
