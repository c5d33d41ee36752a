import { randomInt } from 'node:crypto';
import { elbArn, loadBalancerId } from '../../domain/elbv2/arns.js';
import { attributeList, defaultLoadBalancerAttributes, mergeLoadBalancerAttributes, type AttributeInput } from '../../domain/elbv2/attributes.js';
import { duplicateLoadBalancerName, loadBalancerNotFound, loadBalancersNotFound, operationNotPermitted, validationError } from '../../domain/elbv2/errors.js';
import { availabilityZonesFor, CANONICAL_HOSTED_ZONE_ID, dnsNameFor, sameLoadBalancerSettings, subnetsOf, WHARF_VPC_ID } from '../../domain/elbv2/load-balancer.js';
import { checkLoadBalancerName } from '../../domain/elbv2/names.js';
import { ELBV2_KIND, type LoadBalancerRecord } from '../../domain/elbv2/records.js';
import { withTags, type TagInput } from '../../domain/elbv2/tags.js';
import { retryOnStale, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { associationOps } from './associations.js';
import { find, newHex, snapshot } from './lookup.js';
import { markerPage } from './paging.js';
import { loadBalancerOutput } from './wire.js';

interface CreateLoadBalancerInput {
  Name: string;
  Subnets?: string[];
  SubnetMappings?: { SubnetId?: string }[];
  SecurityGroups?: string[];
  Scheme?: 'internet-facing' | 'internal';
  Tags?: TagInput[];
  Type?: string;
  IpAddressType?: string;
  CustomerOwnedIpv4Pool?: string;
}

function checkIpAddressType(value: string): LoadBalancerRecord['ipAddressType'] {
  if (value !== 'ipv4' && value !== 'dualstack') throw validationError(`IP address type '${value}' is not supported by Wharf's load balancers`); // unverified wording
  return value;
}

export function loadBalancerHandlers(store: Store) {
  async function requireLoadBalancer(ctx: RequestContext, arn: string): Promise<StoredRecord<LoadBalancerRecord>> {
    const record = await find<LoadBalancerRecord>(store, ctx, arn, 'loadbalancer');
    if (!record) throw loadBalancerNotFound(arn);
    return record;
  }

  /** Read-modify-write of one load balancer, retried when the data plane (or another call) wrote it meanwhile. */
  function change(ctx: RequestContext, arn: string, edit: (lb: LoadBalancerRecord) => LoadBalancerRecord) {
    return retryOnStale(async () => {
      const record = await requireLoadBalancer(ctx, arn);
      const doc = edit(record.doc);
      await store.write([{ op: 'put', kind: ELBV2_KIND.loadBalancer, scope: ctx.scope, id: record.id, doc, expect: record.version }]);
      return doc;
    });
  }

  function byName(ctx: RequestContext, name: string) {
    return store.list<LoadBalancerRecord>(ELBV2_KIND.loadBalancer, ctx.scope, { prefix: `app/${name}/` });
  }

  return {
    async CreateLoadBalancer(input: CreateLoadBalancerInput, ctx: RequestContext) {
      checkLoadBalancerName(input.Name);
      const type = input.Type ?? 'application';
      // unverified wording for the refusals below
      if (type !== 'application') throw validationError(`Wharf serves application load balancers only; load balancer type '${type}' is not supported`);
      const ipAddressType = checkIpAddressType(input.IpAddressType ?? 'ipv4');
      if (input.CustomerOwnedIpv4Pool !== undefined) throw validationError('Customer-owned IPv4 pools (Outposts) are not supported by Wharf');
      const scheme = input.Scheme ?? 'internet-facing';
      const wanted = {
        scheme,
        type: 'application' as const,
        ipAddressType,
        availabilityZones: availabilityZonesFor(ctx.scope.region, subnetsOf(input)),
        securityGroups: input.SecurityGroups ?? [],
      };
      const tags = withTags({}, input.Tags ?? []);

      const existing = (await byName(ctx, input.Name))[0];
      if (existing) {
        if (!sameLoadBalancerSettings(existing.doc, wanted)) throw duplicateLoadBalancerName(input.Name);
        return { LoadBalancers: [loadBalancerOutput(existing.doc)] };
      }
      const id = loadBalancerId(input.Name, newHex());
      const record: LoadBalancerRecord = {
        ...wanted,
        loadBalancerArn: elbArn(ctx.scope.region, ctx.scope.account, 'loadbalancer', id),
        loadBalancerName: input.Name,
        dnsName: dnsNameFor(input.Name, scheme, String(randomInt(1_000_000_000, 10_000_000_000)), ctx.scope.region),
        canonicalHostedZoneId: CANONICAL_HOSTED_ZONE_ID,
        vpcId: WHARF_VPC_ID,
        createdAt: ctx.now.getTime(),
        state: 'provisioning',
        attributes: defaultLoadBalancerAttributes(),
        tags,
      };
      await store.write([{ op: 'put', kind: ELBV2_KIND.loadBalancer, scope: ctx.scope, id, doc: record, expect: 'absent' }]);
      return { LoadBalancers: [loadBalancerOutput(record)] };
    },

    async DescribeLoadBalancers(input: { LoadBalancerArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number }, ctx: RequestContext) {
      if (input.LoadBalancerArns?.length && input.Names?.length) throw validationError('Load balancer ARNs and load balancer names cannot be specified at the same time'); // unverified wording
      let records: StoredRecord<LoadBalancerRecord>[];
      if (input.LoadBalancerArns?.length) {
        const found = await Promise.all(input.LoadBalancerArns.map((arn) => find<LoadBalancerRecord>(store, ctx, arn, 'loadbalancer')));
        if (found.some((record) => !record)) throw loadBalancersNotFound();
        records = found as StoredRecord<LoadBalancerRecord>[];
      } else if (input.Names?.length) {
        const found = await Promise.all(input.Names.map(async (name) => ({ name, record: (await byName(ctx, name))[0] })));
        const missing = found.filter((item) => !item.record).map((item) => item.name);
        if (missing.length > 0) throw loadBalancersNotFound(missing);
        records = found.map((item) => item.record!);
      } else {
        records = await store.list<LoadBalancerRecord>(ELBV2_KIND.loadBalancer, ctx.scope);
      }
      const unique = [...new Map(records.map((record) => [record.id, record])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      const result = markerPage(unique, (record) => record.id, input);
      return { LoadBalancers: result.items.map((record) => loadBalancerOutput(record.doc)), NextMarker: result.NextMarker };
    },

    async DeleteLoadBalancer(input: { LoadBalancerArn: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        // ELB: deleting a load balancer that does not exist (any more) succeeds.
        const record = await find<LoadBalancerRecord>(store, ctx, input.LoadBalancerArn, 'loadbalancer');
        if (!record) return {};
        if (record.doc.attributes['deletion_protection.enabled'] === 'true') {
          throw operationNotPermitted(`Load balancer '${record.doc.loadBalancerArn}' cannot be deleted because deletion protection is enabled`); // unverified wording
        }
        const snap = await snapshot(store, ctx.scope);
        const listeners = snap.listeners.filter((listener) => listener.doc.loadBalancerArn === record.doc.loadBalancerArn);
        const gone = new Set(listeners.map((listener) => listener.doc.listenerArn));
        const rules = snap.rules.filter((rule) => gone.has(rule.doc.listenerArn));
        const ops: WriteOp[] = [
          { op: 'delete', kind: ELBV2_KIND.loadBalancer, scope: ctx.scope, id: record.id, expect: record.version },
          ...listeners.map((listener): WriteOp => ({ op: 'delete', kind: ELBV2_KIND.listener, scope: ctx.scope, id: listener.id, expect: listener.version })),
          ...rules.map((rule): WriteOp => ({ op: 'delete', kind: ELBV2_KIND.rule, scope: ctx.scope, id: rule.id, expect: rule.version })),
          ...associationOps(
            ctx.scope,
            snap,
            snap.listeners.filter((listener) => !gone.has(listener.doc.listenerArn)).map((listener) => listener.doc),
            snap.rules.filter((rule) => !gone.has(rule.doc.listenerArn)).map((rule) => rule.doc),
          ),
        ];
        await store.write(ops);
        return {};
      });
    },

    async SetSecurityGroups(input: { LoadBalancerArn: string; SecurityGroups: string[] }, ctx: RequestContext) {
      const updated = await change(ctx, input.LoadBalancerArn, (lb) => ({ ...lb, securityGroups: input.SecurityGroups }));
      return { SecurityGroupIds: updated.securityGroups };
    },

    async SetSubnets(input: { LoadBalancerArn: string; Subnets?: string[]; SubnetMappings?: { SubnetId?: string }[]; IpAddressType?: string }, ctx: RequestContext) {
      const zones = availabilityZonesFor(ctx.scope.region, subnetsOf(input));
      const updated = await change(ctx, input.LoadBalancerArn, (lb) => ({ ...lb, availabilityZones: zones, ipAddressType: checkIpAddressType(input.IpAddressType ?? lb.ipAddressType) }));
      return { AvailabilityZones: loadBalancerOutput(updated).AvailabilityZones, IpAddressType: updated.ipAddressType };
    },

    async SetIpAddressType(input: { LoadBalancerArn: string; IpAddressType: string }, ctx: RequestContext) {
      const updated = await change(ctx, input.LoadBalancerArn, (lb) => ({ ...lb, ipAddressType: checkIpAddressType(input.IpAddressType) }));
      return { IpAddressType: updated.ipAddressType };
    },

    async DescribeLoadBalancerAttributes(input: { LoadBalancerArn: string }, ctx: RequestContext) {
      const record = await requireLoadBalancer(ctx, input.LoadBalancerArn);
      return { Attributes: attributeList(record.doc.attributes) };
    },

    async ModifyLoadBalancerAttributes(input: { LoadBalancerArn: string; Attributes: AttributeInput[] }, ctx: RequestContext) {
      const updated = await change(ctx, input.LoadBalancerArn, (lb) => ({ ...lb, attributes: mergeLoadBalancerAttributes(lb.attributes, input.Attributes) }));
      return { Attributes: attributeList(updated.attributes) };
    },
  };
}

