import { formatArn, parseArn, partitionOf } from '../arn.js';

/**
 * ELBv2 ARNs and the record ids inside them (see records.ts): the id is the
 * resource part after the type, so a listener's id starts with its load
 * balancer's and a rule's with its listener's.
 */
export type ElbResourceType = 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule';

export interface ElbArn {
  readonly region: string;
  readonly account: string;
  readonly type: ElbResourceType;
  readonly id: string;
}

const ID_SHAPES: Record<ElbResourceType, RegExp> = {
  loadbalancer: /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  targetgroup: /^[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  listener: /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
  'listener-rule': /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
};

export function elbArn(region: string, account: string, type: ElbResourceType, id: string): string {
  return formatArn({ partition: partitionOf(region), service: 'elasticloadbalancing', region, account, resource: `${type}/${id}` });
}

export function parseElbArn(arn: string): ElbArn | undefined {
  const parts = parseArn(arn);
  if (!parts || parts.service !== 'elasticloadbalancing') return undefined;
  const slash = parts.resource.indexOf('/');
  const type = parts.resource.slice(0, slash) as ElbResourceType;
  const id = parts.resource.slice(slash + 1);
  if (slash < 0 || !Object.hasOwn(ID_SHAPES, type) || !ID_SHAPES[type].test(id)) return undefined;
  return { region: parts.region, account: parts.account, type, id };
}

export const loadBalancerId = (name: string, hex: string) => `app/${name}/${hex}`;
export const targetGroupId = (name: string, hex: string) => `${name}/${hex}`;
export const childId = (parentId: string, hex: string) => `${parentId}/${hex}`;
/** The parent's id: a listener's load balancer, a rule's listener. */
export const parentId = (id: string) => id.slice(0, id.lastIndexOf('/'));
export const lastHex = (id: string) => id.slice(id.lastIndexOf('/') + 1);

/**
 * The default rule is the listener's default actions and is not stored; its
 * ARN is derived from the listener's (each hex digit complemented), so it is
 * stable and tells itself apart from stored rules.
 */
export function defaultRuleId(listenerId: string): string {
  const hex = [...lastHex(listenerId)].map((digit) => (15 - Number.parseInt(digit, 16)).toString(16)).join('');
  return childId(listenerId, hex);
}

export function isDefaultRuleId(ruleId: string): boolean {
  return defaultRuleId(parentId(ruleId)) === ruleId;
}
