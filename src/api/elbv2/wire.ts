import { actionOutput } from '../../domain/elbv2/actions.js';
import { defaultRuleId, elbArn, parseElbArn } from '../../domain/elbv2/arns.js';
import { conditionOutput } from '../../domain/elbv2/conditions.js';
import type { ListenerRecord, LoadBalancerRecord, RuleRecord, TargetGroupRecord } from '../../domain/elbv2/records.js';
import { healthCheckOutput } from '../../domain/elbv2/target-group.js';

/** Records (lower camel case) to ELBv2's output shapes (the model's member names). */
export function loadBalancerOutput(lb: LoadBalancerRecord): Record<string, unknown> {
  return {
    LoadBalancerArn: lb.loadBalancerArn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: lb.canonicalHostedZoneId,
    CreatedTime: lb.createdAt,
    LoadBalancerName: lb.loadBalancerName,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: lb.state },
    Type: lb.type,
    AvailabilityZones: lb.availabilityZones.map((zone) => ({ ZoneName: zone.zoneName, SubnetId: zone.subnetId, LoadBalancerAddresses: [] })),
    SecurityGroups: lb.securityGroups,
    IpAddressType: lb.ipAddressType,
  };
}

export function targetGroupOutput(group: TargetGroupRecord): Record<string, unknown> {
  return {
    TargetGroupArn: group.targetGroupArn,
    TargetGroupName: group.targetGroupName,
    Protocol: group.protocol,
    Port: group.port,
    VpcId: group.vpcId,
    ...healthCheckOutput(group),
    LoadBalancerArns: group.loadBalancerArns,
    TargetType: group.targetType,
    ProtocolVersion: group.protocolVersion,
    IpAddressType: group.ipAddressType,
  };
}

export function listenerOutput(listener: ListenerRecord): Record<string, unknown> {
  return {
    ListenerArn: listener.listenerArn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol,
    DefaultActions: listener.defaultActions.map(actionOutput),
  };
}

export function ruleOutput(rule: RuleRecord): Record<string, unknown> {
  return { RuleArn: rule.ruleArn, Priority: String(rule.priority), Conditions: rule.conditions.map(conditionOutput), Actions: rule.actions.map(actionOutput), IsDefault: false };
}

export function defaultRuleArn(listener: ListenerRecord): string {
  const parsed = parseElbArn(listener.listenerArn)!;
  return elbArn(parsed.region, parsed.account, 'listener-rule', defaultRuleId(parsed.id));
}

/** The listener's default actions as ELB shows them: a rule with priority "default". */
export function defaultRuleOutput(listener: ListenerRecord): Record<string, unknown> {
  return { RuleArn: defaultRuleArn(listener), Priority: 'default', Conditions: [], Actions: listener.defaultActions.map(actionOutput), IsDefault: true };
}
