import { formatArn } from '../arn.js';
import { ECS_DESIRED_COUNT, ECS_NAMESPACE, policyArn, policyRecordId, scalableTargetArn, targetRecordId, type ScalableTargetRecord, type ScalingPolicyRecord, type TargetKey } from '../autoscaling/records.js';
import { registerTarget } from '../autoscaling/scalable-target.js';
import { trackingAlarms, type TrackingAlarmIds } from '../autoscaling/target-tracking.js';
import type { AlarmRecord } from '../cloudwatch/alarm-record.js';
import { childId, elbArn, loadBalancerId, targetGroupId } from '../elbv2/arns.js';
import { defaultLoadBalancerAttributes, defaultTargetGroupAttributes } from '../elbv2/attributes.js';
import { availabilityZonesFor, CANONICAL_HOSTED_ZONE_ID, dnsNameFor, WHARF_VPC_ID } from '../elbv2/load-balancer.js';
import type { HealthCheckSettings, ListenerRecord, LoadBalancerRecord, RuleRecord, TargetGroupRecord } from '../elbv2/records.js';
import { EXPRESS_DEFAULTS, type ExpressConfiguration, type ScalingMetric } from './express-config.js';

/**
 * The resources one Express service is made of, built as the records their
 * own APIs store (ELBv2, Application Auto Scaling, CloudWatch alarms, the task
 * definition's input), so the data plane, the scheduler and the autoscaler
 * serve them as if they had been created call by call.
 */

export interface Where {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly now: number;
}

/** Fresh random parts the API draws (hex ids, DNS digits, uuids), so these builders stay pure. */
export interface FreshIds {
  readonly hex: () => string;
  readonly dnsDigits: () => string;
  readonly uuid: () => string;
}

/** ELB names are at most 32 characters: `ecs-express-<service>` cut to fit. */
export function elbNameFor(serviceName: string, suffix: string): string {
  const base = `ecs-express-${serviceName}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 32 - suffix.length - 1).replace(/-+$/, '');
  return `${base}-${suffix}`;
}

/** The URL AWS gives an Express service (served by AWS with its own certificate; Wharf shows it beside its local listener). */
export function awsEndpointHost(serviceName: string, region: string): string {
  return `${serviceName.toLowerCase().replace(/_/g, '-')}.ecs.${region}.on.aws`;
}

/** unverified: AWS's Express target group health-check timings; these keep the first healthy target under a minute unscaled. */
export function expressHealthCheck(path: string): HealthCheckSettings {
  return { enabled: true, protocol: 'HTTP', port: 'traffic-port', path, intervalSeconds: 10, timeoutSeconds: 5, healthyThresholdCount: 2, unhealthyThresholdCount: 3, httpCode: '200-399' };
}

export interface ExpressIngress {
  readonly loadBalancer: { readonly id: string; readonly doc: LoadBalancerRecord };
  readonly targetGroup: { readonly id: string; readonly doc: TargetGroupRecord };
  readonly listener: { readonly id: string; readonly doc: ListenerRecord };
  readonly rule: { readonly id: string; readonly doc: RuleRecord };
}

/**
 * A load balancer, an ip target group with the health check path, an HTTP
 * listener on port 80 forwarding to it, and a rule for the AWS-form host name
 * (which is what AWS's shared listener routes by). Wharf serves the listener
 * on 127.0.0.1 (port 80 when free): the default action forwards too, so the
 * local address answers without a Host header.
 */
export function expressIngress(serviceName: string, config: ExpressConfiguration, where: Where, fresh: FreshIds, tags: Record<string, string>): ExpressIngress {
  const suffix = fresh.hex().slice(0, 6);
  const name = elbNameFor(serviceName, suffix);
  const lbId = loadBalancerId(name, fresh.hex());
  const subnets = config.networkConfiguration.subnets.length >= 2 ? config.networkConfiguration.subnets : EXPRESS_DEFAULTS.subnets;
  const loadBalancer: LoadBalancerRecord = {
    loadBalancerArn: elbArn(where.region, where.account, 'loadbalancer', lbId),
    loadBalancerName: name,
    dnsName: dnsNameFor(name, 'internet-facing', fresh.dnsDigits(), where.region),
    canonicalHostedZoneId: CANONICAL_HOSTED_ZONE_ID,
    scheme: 'internet-facing',
    type: 'application',
    ipAddressType: 'ipv4',
    vpcId: WHARF_VPC_ID,
    availabilityZones: availabilityZonesFor(where.region, subnets),
    securityGroups: [...config.networkConfiguration.securityGroups],
    createdAt: where.now,
    state: 'provisioning',
    attributes: defaultLoadBalancerAttributes(),
    tags: { ...tags },
  };
  const tgId = targetGroupId(name, fresh.hex());
  const targetGroupArn = elbArn(where.region, where.account, 'targetgroup', tgId);
  const targetGroup: TargetGroupRecord = {
    targetGroupArn,
    targetGroupName: name,
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
    port: config.primaryContainer.containerPort,
    vpcId: WHARF_VPC_ID,
    targetType: 'ip',
    ipAddressType: 'ipv4',
    createdAt: where.now,
    healthCheck: expressHealthCheck(config.healthCheckPath),
    // A short drain keeps rollouts and deletes quick; unverified: AWS's Express value.
    attributes: { ...defaultTargetGroupAttributes(), 'deregistration_delay.timeout_seconds': '30' },
    loadBalancerArns: [loadBalancer.loadBalancerArn],
    targets: [],
    tags: { ...tags },
  };
  const forward = [{ type: 'forward' as const, targetGroupArn, forwardConfig: { targetGroups: [{ targetGroupArn, weight: 1 }] } }];
  const listenerId = childId(lbId, fresh.hex());
  const listener: ListenerRecord = {
    listenerArn: elbArn(where.region, where.account, 'listener', listenerId),
    loadBalancerArn: loadBalancer.loadBalancerArn,
    port: 80,
    protocol: 'HTTP',
    defaultActions: forward,
    createdAt: where.now,
    tags: { ...tags },
  };
  const ruleId = childId(listenerId, fresh.hex());
  const rule: RuleRecord = {
    ruleArn: elbArn(where.region, where.account, 'listener-rule', ruleId),
    listenerArn: listener.listenerArn,
    priority: 1,
    conditions: [{ field: 'host-header', hostHeaderConfig: { values: [awsEndpointHost(serviceName, where.region)] } }],
    actions: forward,
    createdAt: where.now,
    tags: { ...tags },
  };
  return { loadBalancer: { id: lbId, doc: loadBalancer }, targetGroup: { id: tgId, doc: targetGroup }, listener: { id: listenerId, doc: listener }, rule: { id: ruleId, doc: rule } };
}

/** RegisterTaskDefinition's input for one configuration: a Fargate task with the primary container, logging through awslogs. */
export function expressTaskDefinitionInput(family: string, config: ExpressConfiguration, region: string): { family: string; [field: string]: unknown } {
  const container = config.primaryContainer;
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: config.cpu,
    memory: config.memory,
    executionRoleArn: config.executionRoleArn,
    ...(config.taskRoleArn ? { taskRoleArn: config.taskRoleArn } : {}),
    containerDefinitions: [
      {
        name: 'Main',
        image: container.image,
        essential: true,
        portMappings: [{ containerPort: container.containerPort, protocol: 'tcp' }],
        ...(container.command?.length ? { command: [...container.command] } : {}),
        ...(container.environment?.length ? { environment: container.environment.map((e) => ({ ...e })) } : {}),
        ...(container.secrets?.length ? { secrets: container.secrets.map((s) => ({ ...s })) } : {}),
        ...(container.repositoryCredentials?.credentialsParameter ? { repositoryCredentials: { credentialsParameter: container.repositoryCredentials.credentialsParameter } } : {}),
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': container.awsLogsConfiguration.logGroup,
            'awslogs-region': region,
            'awslogs-stream-prefix': container.awsLogsConfiguration.logStreamPrefix,
            'awslogs-create-group': 'true',
          },
        },
      },
    ],
  };
}

export const EXPRESS_CONTAINER_NAME = 'Main';

const PREDEFINED: Record<ScalingMetric, string> = {
  AVERAGE_CPU: 'ECSServiceAverageCPUUtilization',
  AVERAGE_MEMORY: 'ECSServiceAverageMemoryUtilization',
  REQUEST_COUNT_PER_TARGET: 'ALBRequestCountPerTarget',
};

export interface ExpressScaling {
  readonly target: { readonly id: string; readonly doc: ScalableTargetRecord };
  readonly policy: { readonly id: string; readonly doc: ScalingPolicyRecord };
  readonly alarms: AlarmRecord[];
}

export function scalingKey(clusterName: string, serviceName: string): TargetKey {
  return { ServiceNamespace: ECS_NAMESPACE, ResourceId: `service/${clusterName}/${serviceName}`, ScalableDimension: ECS_DESIRED_COUNT };
}

/**
 * The scalable target (min..max tasks) and one target tracking policy with
 * its two alarms, as RegisterScalableTarget and PutScalingPolicy make them.
 * `existing` keeps the target's ARN and the alarms' names across an update.
 */
export function expressScaling(
  key: TargetKey,
  config: ExpressConfiguration,
  ingress: Pick<ExpressIngress, 'loadBalancer' | 'targetGroup'>,
  where: Where,
  fresh: FreshIds & { readonly alarmArn: TrackingAlarmIds['alarmArn'] },
  existing?: { readonly target: ScalableTargetRecord; readonly policy: ScalingPolicyRecord; readonly alarms: readonly AlarmRecord[] },
): ExpressScaling {
  const scaling = config.scalingTarget;
  const arnId = existing?.target.wharf.arnId ?? fresh.uuid();
  const target = registerTarget(
    existing?.target,
    { ...key, MinCapacity: scaling.minTaskCount, MaxCapacity: scaling.maxTaskCount },
    {
      arn: scalableTargetArn(where.partition, where.region, where.account, arnId),
      arnId,
      roleArn: `arn:${where.partition}:iam::${where.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      now: where.now,
    },
  );
  const policyName = `ecs-express-${scaling.autoScalingMetric.toLowerCase().replace(/_/g, '-')}`;
  const metric = PREDEFINED[scaling.autoScalingMetric];
  const resourceLabel = `${ingress.loadBalancer.id}/targetgroup/${ingress.targetGroup.id}`;
  const policy: ScalingPolicyRecord = {
    ...key,
    PolicyARN: existing?.policy.PolicyName === policyName ? existing.policy.PolicyARN : policyArn(where.partition, where.region, where.account, target, policyName),
    PolicyName: policyName,
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: scaling.autoScalingTargetValue,
      PredefinedMetricSpecification: { PredefinedMetricType: metric, ...(scaling.autoScalingMetric === 'REQUEST_COUNT_PER_TARGET' ? { ResourceLabel: resourceLabel } : {}) },
    },
    Alarms: [],
    CreationTime: existing?.policy.PolicyName === policyName ? existing.policy.CreationTime : where.now,
  };
  const previous = existing?.policy.PolicyName === policyName ? existing.alarms : [];
  const alarms = trackingAlarms(policy, previous, where.now, { alarmArn: fresh.alarmArn, uuid: fresh.uuid });
  policy.Alarms = alarms.map((alarm) => ({ AlarmName: alarm.AlarmName, AlarmARN: alarm.AlarmArn }));
  return { target: { id: targetRecordId(key), doc: target }, policy: { id: policyRecordId(key, policyName), doc: policy }, alarms };
}

export function logGroupArn(where: Pick<Where, 'region' | 'account' | 'partition'>, name: string): string {
  return formatArn({ partition: where.partition, service: 'logs', region: where.region, account: where.account, resource: `log-group:${name}:*` });
}
