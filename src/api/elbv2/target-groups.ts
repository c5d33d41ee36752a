import { elbArn, targetGroupId } from '../../domain/elbv2/arns.js';
import { attributeList, defaultTargetGroupAttributes, mergeTargetGroupAttributes, type AttributeInput } from '../../domain/elbv2/attributes.js';
import { duplicateTargetGroupName, loadBalancerNotFound, targetGroupInUse, targetGroupNotFound, targetGroupsNotFound, validationError } from '../../domain/elbv2/errors.js';
import { checkTargetGroupName } from '../../domain/elbv2/names.js';
import { ELBV2_KIND, type LoadBalancerRecord, type TargetGroupRecord } from '../../domain/elbv2/records.js';
import { applyHealthCheck, defaultHealthCheck, sameTargetGroupSettings, type HealthCheckInput } from '../../domain/elbv2/target-group.js';
import { withTags, type TagInput } from '../../domain/elbv2/tags.js';
import { retryOnStale, type Store, type StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { find, newHex } from './lookup.js';
import { markerPage } from './paging.js';
import { targetGroupOutput } from './wire.js';

interface CreateTargetGroupInput extends HealthCheckInput {
  Name: string;
  Protocol?: string;
  ProtocolVersion?: string;
  Port?: number;
  VpcId?: string;
  TargetType?: string;
  Tags?: TagInput[];
  IpAddressType?: 'ipv4' | 'ipv6';
}

// unverified wording for the refusals in this function
function newTargetGroup(input: CreateTargetGroupInput, ctx: RequestContext, id: string): TargetGroupRecord {
  checkTargetGroupName(input.Name);
  const targetType = input.TargetType ?? 'instance';
  if (targetType !== 'ip' && targetType !== 'instance') throw validationError(`Wharf serves target groups of type 'ip' or 'instance' only; '${targetType}' is not supported`);
  if (input.Protocol === undefined) throw validationError(`A protocol must be specified for target groups of type '${targetType}'`);
  if (input.Protocol !== 'HTTP' && input.Protocol !== 'HTTPS') throw validationError(`Wharf serves application load balancers only; target group protocol '${input.Protocol}' is not supported`);
  if (input.Port === undefined) throw validationError(`A port must be specified for target groups of type '${targetType}'`);
  if (input.VpcId === undefined) throw validationError(`A VPC ID must be specified for target groups of type '${targetType}'`);
  const protocolVersion = input.ProtocolVersion ?? 'HTTP1';
  if (protocolVersion !== 'HTTP1' && protocolVersion !== 'HTTP2') {
    throw validationError(protocolVersion === 'GRPC' ? 'Wharf does not serve gRPC target groups' : `Protocol version '${protocolVersion}' is not valid; use HTTP1, HTTP2 or GRPC`);
  }
  return {
    targetGroupArn: elbArn(ctx.scope.region, ctx.scope.account, 'targetgroup', id),
    targetGroupName: input.Name,
    protocol: input.Protocol,
    protocolVersion,
    port: input.Port,
    vpcId: input.VpcId,
    targetType,
    ipAddressType: input.IpAddressType ?? 'ipv4',
    createdAt: ctx.now.getTime(),
    // ALB health checks default to HTTP whatever the group's protocol.
    healthCheck: applyHealthCheck(defaultHealthCheck('HTTP'), input),
    attributes: defaultTargetGroupAttributes(),
    loadBalancerArns: [],
    targets: [],
    tags: withTags({}, input.Tags ?? []),
  };
}

export function targetGroupHandlers(store: Store) {
  async function requireGroup(ctx: RequestContext, arn: string): Promise<StoredRecord<TargetGroupRecord>> {
    const record = await find<TargetGroupRecord>(store, ctx, arn, 'targetgroup');
    if (!record) throw targetGroupNotFound(arn);
    return record;
  }

  function byName(ctx: RequestContext, name: string) {
    return store.list<TargetGroupRecord>(ELBV2_KIND.targetGroup, ctx.scope, { prefix: `${name}/` });
  }

  function update(ctx: RequestContext, arn: string, change: (group: TargetGroupRecord) => TargetGroupRecord) {
    return retryOnStale(async () => {
      const record = await requireGroup(ctx, arn);
      const doc = change(record.doc);
      await store.write([{ op: 'put', kind: ELBV2_KIND.targetGroup, scope: ctx.scope, id: record.id, doc, expect: record.version }]);
      return doc;
    });
  }

  return {
    async CreateTargetGroup(input: CreateTargetGroupInput, ctx: RequestContext) {
      const id = targetGroupId(input.Name, newHex());
      const group = newTargetGroup(input, ctx, id);
      const existing = (await byName(ctx, input.Name))[0];
      if (existing) {
        // ELB answers a repeated create with the same settings with the existing group.
        if (!sameTargetGroupSettings(existing.doc, group)) throw duplicateTargetGroupName(input.Name);
        return { TargetGroups: [targetGroupOutput(existing.doc)] };
      }
      await store.write([{ op: 'put', kind: ELBV2_KIND.targetGroup, scope: ctx.scope, id, doc: group, expect: 'absent' }]);
      return { TargetGroups: [targetGroupOutput(group)] };
    },

    async DescribeTargetGroups(input: { LoadBalancerArn?: string; TargetGroupArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number }, ctx: RequestContext) {
      const filters = [input.LoadBalancerArn !== undefined, Boolean(input.TargetGroupArns?.length), Boolean(input.Names?.length)].filter(Boolean).length;
      if (filters > 1) throw validationError('Only one of load balancer ARN, target group ARNs or names can be specified'); // unverified wording
      let records: StoredRecord<TargetGroupRecord>[];
      if (input.TargetGroupArns?.length) {
        records = [];
        // One at a time, stopping at the first missing group: a long list of unknown ARNs costs one lookup, not one each.
        for (const arn of input.TargetGroupArns) {
          const record = await find<TargetGroupRecord>(store, ctx, arn, 'targetgroup');
          if (!record) throw targetGroupsNotFound();
          records.push(record);
        }
      } else if (input.Names?.length) {
        records = [];
        for (const name of input.Names) {
          const record = (await byName(ctx, name))[0];
          if (!record) throw targetGroupsNotFound();
          records.push(record);
        }
      } else {
        records = await store.list<TargetGroupRecord>(ELBV2_KIND.targetGroup, ctx.scope);
        if (input.LoadBalancerArn !== undefined) {
          const lb = await find<LoadBalancerRecord>(store, ctx, input.LoadBalancerArn, 'loadbalancer');
          if (!lb) throw loadBalancerNotFound(input.LoadBalancerArn);
          records = records.filter((record) => record.doc.loadBalancerArns.includes(lb.doc.loadBalancerArn));
        }
      }
      const unique = [...new Map(records.map((record) => [record.id, record])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      const result = markerPage(unique, (record) => record.id, input);
      return { TargetGroups: result.items.map((record) => targetGroupOutput(record.doc)), NextMarker: result.NextMarker };
    },

    async ModifyTargetGroup(input: HealthCheckInput & { TargetGroupArn: string }, ctx: RequestContext) {
      const updated = await update(ctx, input.TargetGroupArn, (group) => ({ ...group, healthCheck: applyHealthCheck(group.healthCheck, input) }));
      return { TargetGroups: [targetGroupOutput(updated)] };
    },

    async DeleteTargetGroup(input: { TargetGroupArn: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        // ELB lists no not-found error for DeleteTargetGroup: deleting a missing group succeeds.
        const record = await find<TargetGroupRecord>(store, ctx, input.TargetGroupArn, 'targetgroup');
        if (!record) return {};
        if (record.doc.loadBalancerArns.length > 0) throw targetGroupInUse(record.doc.targetGroupArn);
        await store.write([{ op: 'delete', kind: ELBV2_KIND.targetGroup, scope: ctx.scope, id: record.id, expect: record.version }]);
        return {};
      });
    },

    async DescribeTargetGroupAttributes(input: { TargetGroupArn: string }, ctx: RequestContext) {
      const record = await requireGroup(ctx, input.TargetGroupArn);
      return { Attributes: attributeList(record.doc.attributes) };
    },

    async ModifyTargetGroupAttributes(input: { TargetGroupArn: string; Attributes: AttributeInput[] }, ctx: RequestContext) {
      const updated = await update(ctx, input.TargetGroupArn, (group) => ({ ...group, attributes: mergeTargetGroupAttributes(group.attributes, input.Attributes) }));
      return { Attributes: attributeList(updated.attributes) };
    },
  };
}
