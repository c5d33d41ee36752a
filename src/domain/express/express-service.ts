import type { ExpressConfiguration } from './express-config.js';

/**
 * The Express service record (kind `ecs.express-service`, id
 * `<cluster>/<service>` like the ECS service it fronts): its configurations,
 * one per service revision, and the ids of the resources it made, so Describe
 * can show them and Delete can remove exactly them.
 */
export const EXPRESS_KIND = 'ecs.express-service';

export type ExpressStatusCode = 'ACTIVE' | 'DRAINING' | 'INACTIVE';

export interface ExpressResources {
  readonly loadBalancer: { readonly id: string; readonly arn: string };
  readonly targetGroup: { readonly id: string; readonly arn: string };
  readonly listener: { readonly id: string; readonly arn: string };
  readonly rule: { readonly id: string; readonly arn: string };
  readonly scalableTarget: { readonly id: string; readonly arn: string };
  policy: { id: string; arn: string; metric: string; targetValue: number };
  alarms: { name: string; arn: string }[];
  readonly logGroup: { readonly name: string; readonly arn: string };
  /** The task definition family each configuration registers a revision of. */
  readonly family: string;
}

export interface StoredConfiguration extends ExpressConfiguration {
  readonly serviceRevisionArn: string;
  readonly createdAt: number;
}

export interface ExpressServiceRecord {
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly cluster: string;
  readonly clusterName: string;
  readonly infrastructureRoleArn: string;
  status: { statusCode: ExpressStatusCode; statusReason?: string };
  readonly createdAt: number;
  updatedAt: number;
  readonly tags: { key?: string; value?: string }[];
  /** Oldest first; the last is the one being deployed (or deployed). */
  configurations: StoredConfiguration[];
  currentDeployment?: string;
  readonly resources: ExpressResources;
  /** The AWS-form host name (`<name>.ecs.<region>.on.aws`). */
  readonly endpointHost: string;
}

/** Where Wharf really serves the listener (the data plane's binding), when it has bound it. */
export interface LocalBinding {
  readonly host: string;
  readonly port: number;
}

/**
 * The ingress paths Describe shows: AWS's HTTPS endpoint first (the name AWS
 * would give; Wharf has no certificates and no DNS for it), then the local
 * HTTP listener that really answers.
 */
export function ingressEndpoints(record: ExpressServiceRecord, binding: LocalBinding | undefined): { accessType: 'PUBLIC'; endpoint: string }[] {
  return [
    { accessType: 'PUBLIC', endpoint: `https://${record.endpointHost}/` },
    ...(binding ? [{ accessType: 'PUBLIC' as const, endpoint: `http://${binding.host}:${binding.port}/` }] : []),
  ];
}

type ManagedStatus = 'PROVISIONING' | 'ACTIVE' | 'DEPROVISIONING' | 'DELETED';

/** A managed resource's status follows the service's: ACTIVE, DEPROVISIONING while it drains, DELETED once INACTIVE. */
export function managedStatus(record: ExpressServiceRecord): ManagedStatus {
  if (record.status.statusCode === 'INACTIVE') return 'DELETED';
  if (record.status.statusCode === 'DRAINING') return 'DEPROVISIONING';
  return 'ACTIVE';
}

/**
 * ServiceRevision.ecsManagedResources for one configuration of the service,
 * a snapshot stored with the revision: its ingress path names the AWS-form
 * endpoint (the local listener is on DescribeExpressGatewayService).
 */
export function ecsManagedResources(record: ExpressServiceRecord, config: ExpressConfiguration) {
  const status = managedStatus(record);
  const updatedAt = record.updatedAt;
  const r = record.resources;
  return {
    ingressPaths: [
      {
        accessType: 'PUBLIC',
        endpoint: ingressEndpoints(record, undefined)[0]!.endpoint,
        loadBalancer: { arn: r.loadBalancer.arn, status, updatedAt, scheme: 'internet-facing', subnetIds: [...config.networkConfiguration.subnets], securityGroupIds: [...config.networkConfiguration.securityGroups] },
        listener: { arn: r.listener.arn, status, updatedAt },
        rule: { arn: r.rule.arn, status, updatedAt },
        targetGroups: [{ arn: r.targetGroup.arn, status, updatedAt, healthCheckPath: config.healthCheckPath, healthCheckPort: config.primaryContainer.containerPort, port: config.primaryContainer.containerPort }],
        loadBalancerSecurityGroups: [],
      },
    ],
    autoScaling: {
      scalableTarget: { arn: r.scalableTarget.arn, status, updatedAt, minCapacity: config.scalingTarget.minTaskCount, maxCapacity: config.scalingTarget.maxTaskCount },
      applicationAutoScalingPolicies: [{ arn: r.policy.arn, status, updatedAt, policyType: 'TargetTrackingScaling', targetValue: r.policy.targetValue, metric: r.policy.metric }],
    },
    metricAlarms: r.alarms.map((alarm) => ({ arn: alarm.arn, status, updatedAt })),
    // Wharf has no VPC security groups of its own: the ones given are shown, none is made.
    serviceSecurityGroups: config.networkConfiguration.securityGroups.map((id) => ({ arn: id, status, updatedAt })),
    // The log group outlives the service (ECS does not delete logs): it stays ACTIVE. unverified
    logGroups: [{ arn: r.logGroup.arn, logGroupName: r.logGroup.name, status: 'ACTIVE', updatedAt }],
  };
}

function showConfiguration(config: StoredConfiguration, record: ExpressServiceRecord, binding: LocalBinding | undefined) {
  return { ...config, ingressPaths: ingressEndpoints(record, binding) };
}

/** ECSExpressGatewayService as Create, Describe and Delete return it. */
export function showExpressService(record: ExpressServiceRecord, binding: LocalBinding | undefined, withTags: boolean) {
  const current = record.configurations[record.configurations.length - 1];
  return {
    serviceArn: record.serviceArn,
    serviceName: record.serviceName,
    cluster: record.cluster,
    infrastructureRoleArn: record.infrastructureRoleArn,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.currentDeployment ? { currentDeployment: record.currentDeployment } : {}),
    activeConfigurations: current && record.status.statusCode !== 'INACTIVE' ? [showConfiguration(current, record, binding)] : [],
    ...(withTags ? { tags: record.tags } : {}),
  };
}

/** UpdatedExpressGatewayService: the configuration being rolled out. */
export function showUpdatedExpressService(record: ExpressServiceRecord, binding: LocalBinding | undefined) {
  const target = record.configurations[record.configurations.length - 1]!;
  return {
    serviceArn: record.serviceArn,
    serviceName: record.serviceName,
    cluster: record.cluster,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    targetConfiguration: showConfiguration(target, record, binding),
  };
}

/** The Express status of a service whose ECS status is `serviceStatus`. */
export function expressStatus(serviceStatus: string | undefined): ExpressStatusCode {
  if (serviceStatus === 'ACTIVE') return 'ACTIVE';
  if (serviceStatus === 'DRAINING') return 'DRAINING';
  return 'INACTIVE';
}
