import { isIPv4, isIPv6 } from 'node:net';
import { invalidTarget, targetGroupNotFound, tooManyTargets, validationError } from '../../domain/elbv2/errors.js';
import { ELBV2_KIND, type TargetGroupRecord, type TargetHealthRecord, type TargetRegistration } from '../../domain/elbv2/records.js';
import { targetHealthOf } from '../../domain/elbv2/target-health.js';
import { pruneEnded, registeredTargets, withDeregistered, withRegistered } from '../../domain/elbv2/targets.js';
import { retryOnStale, type Store, type StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { find } from './lookup.js';

interface TargetInput {
  Id: string;
  Port?: number;
  AvailabilityZone?: string;
}

export const MAX_TARGETS = 1000;

/** ip targets must be addresses of the group's family; Wharf has no EC2 instances to register. unverified wording. */
function checkTargets(group: TargetGroupRecord, targets: readonly TargetInput[]): { id: string; port: number; availabilityZone?: string }[] {
  return targets.map((target) => {
    if (group.targetType === 'instance') throw invalidTarget(`The following targets are not valid instances: '${target.Id}' (Wharf runs no EC2 instances; use a target group of type ip)`);
    const valid = group.ipAddressType === 'ipv6' ? isIPv6(target.Id) : isIPv4(target.Id);
    if (!valid) throw validationError(`The IP address '${target.Id}' is not a valid ${group.ipAddressType === 'ipv6' ? 'IPv6' : 'IPv4'} address`);
    return { id: target.Id, port: target.Port ?? group.port, ...(target.AvailabilityZone ? { availabilityZone: target.AvailabilityZone } : {}) };
  });
}

export function targetHandlers(store: Store) {
  async function requireGroup(ctx: RequestContext, arn: string): Promise<StoredRecord<TargetGroupRecord>> {
    const record = await find<TargetGroupRecord>(store, ctx, arn, 'targetgroup');
    if (!record) throw targetGroupNotFound(arn);
    return record;
  }

  function changeTargets(ctx: RequestContext, arn: string, change: (group: TargetGroupRecord, now: number) => TargetRegistration[]) {
    return retryOnStale(async () => {
      const record = await requireGroup(ctx, arn);
      const doc = { ...record.doc, targets: change(record.doc, ctx.now.getTime()) };
      await store.write([{ op: 'put', kind: ELBV2_KIND.targetGroup, scope: ctx.scope, id: record.id, doc, expect: record.version }]);
      return {};
    });
  }

  return {
    RegisterTargets(input: { TargetGroupArn: string; Targets: TargetInput[] }, ctx: RequestContext) {
      return changeTargets(ctx, input.TargetGroupArn, (group, now) => {
        const targets = withRegistered(group, checkTargets(group, input.Targets), now);
        if (registeredTargets({ targets }).length > MAX_TARGETS) throw tooManyTargets();
        return targets;
      });
    },

    // ELB lets a target that is not registered be deregistered: nothing happens to it.
    DeregisterTargets(input: { TargetGroupArn: string; Targets: TargetInput[] }, ctx: RequestContext) {
      return changeTargets(ctx, input.TargetGroupArn, (group, now) => withDeregistered(group, input.Targets.map((target) => ({ id: target.Id, port: target.Port ?? group.port })), now));
    },

    async DescribeTargetHealth(input: { TargetGroupArn: string; Targets?: TargetInput[] }, ctx: RequestContext) {
      const record = await requireGroup(ctx, input.TargetGroupArn);
      const group = record.doc;
      const now = ctx.now.getTime();
      const health = await store.get<TargetHealthRecord>(ELBV2_KIND.targetHealth, ctx.scope, record.id);
      const current = pruneEnded(group, now);
      const describe = (target: { id: string; port: number; availabilityZone?: string }, registration: TargetRegistration | undefined) => {
        const view = targetHealthOf(group, registration, health?.doc.targets, now);
        return {
          Target: { Id: target.id, Port: target.port, ...(target.availabilityZone ? { AvailabilityZone: target.availabilityZone } : {}) },
          HealthCheckPort: group.healthCheck.port === 'traffic-port' ? String(target.port) : group.healthCheck.port,
          TargetHealth: { State: view.state, ...(view.reason ? { Reason: view.reason } : {}), ...(view.description ? { Description: view.description } : {}) },
        };
      };
      if (!input.Targets?.length) return { TargetHealthDescriptions: current.map((target) => describe(target, target)) };
      const descriptions = input.Targets.flatMap((asked) => {
        const matches = current.filter((target) => target.id === asked.Id && (asked.Port === undefined || target.port === asked.Port));
        if (matches.length === 0) return [describe({ id: asked.Id, port: asked.Port ?? group.port }, undefined)];
        return matches.map((target) => describe(target, target));
      });
      return { TargetHealthDescriptions: descriptions };
    },
  };
}
