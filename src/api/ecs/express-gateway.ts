import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { parseArn } from '../../domain/arn.js';
import { AUTOSCALING_KIND, type ScalableTargetRecord, type ScalingPolicyRecord } from '../../domain/autoscaling/records.js';
import { ALARM_KIND, type AlarmRecord } from '../../domain/cloudwatch/alarm-record.js';
import { alarmArn } from '../../domain/cloudwatch/alarm-rules.js';
import { newCluster, type Cluster } from '../../domain/ecs/cluster.js';
import { checkTags } from '../../domain/ecs/tags.js';
import { ELBV2_KIND, type ListenerBindingRecord, type TargetGroupRecord } from '../../domain/elbv2/records.js';
import { AwsError, invalidParameter } from '../../domain/errors.js';
import { newConfiguration, defaultServiceName, needsNewRevision, updatedConfiguration, type CreateExpressInput, type ExpressConfiguration, type UpdateExpressInput } from '../../domain/express/express-config.js';
import {
  awsEndpointHost,
  EXPRESS_CONTAINER_NAME,
  expressHealthCheck,
  expressIngress,
  expressScaling,
  expressTaskDefinitionInput,
  logGroupArn,
  scalingKey,
  type ExpressIngress,
  type Where,
} from '../../domain/express/express-resources.js';
import { ecsManagedResources, EXPRESS_KIND, expressStatus, showExpressService, showUpdatedExpressService, type ExpressServiceRecord, type LocalBinding, type StoredConfiguration } from '../../domain/express/express-service.js';
import { checkLoadBalancers } from '../../domain/service/load-balancing.js';
import { serviceRecordId, serviceRevisionArn, serviceDeploymentArn, type Service } from '../../domain/service/service.js';
import { deleteService, newService, updateService, type ChangeContext, type ResolvedRevision } from '../../domain/service/service-changes.js';
import type { RunnableDefinition } from '../../domain/task/run-task.js';
import { retryOnStale, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { findCluster, KIND } from './records.js';
import { changeIds, revisionOfDefinition } from './services.js';
import { taskDefinitionRegistration } from './task-definitions.js';

/**
 * ECS Express Mode: one CreateExpressGatewayService call writes, in a single
 * store write, everything the service is made of (the default cluster when
 * missing, a task definition revision, the Fargate service, an ALB with its
 * HTTP listener, rule and target group, the scalable target with its target
 * tracking policy and alarms) and the Express record that remembers them.
 * The scheduler, the load balancer data plane and the autoscaler then serve
 * those records as they serve any others. Update registers a new revision and
 * rolls the service when the task changes; Delete drains the service and
 * removes what Create made (the log group stays, as logs outlive services).
 */

const ids = {
  hex: () => randomBytes(8).toString('hex'),
  dnsDigits: () => String(randomInt(1_000_000_000, 10_000_000_000)),
  uuid: () => randomUUID(),
};

const notFoundDescribe = () => new AwsError('ResourceNotFoundException', 'The specified service does not exist.'); // unverified wording
const serviceNotFound = () => new AwsError('ServiceNotFoundException', 'Service not found.');
const notActive = () => new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');

function where(ctx: RequestContext): Where {
  return { region: ctx.scope.region, account: ctx.scope.account, partition: ctx.partition, now: ctx.now.getTime() };
}

function changeContext(ctx: RequestContext, cluster: Pick<Cluster, 'clusterName' | 'clusterArn'>): ChangeContext {
  return { region: ctx.scope.region, account: ctx.scope.account, clusterName: cluster.clusterName, clusterArn: cluster.clusterArn, now: ctx.now.getTime(), principalArn: ctx.principalArn, ids: changeIds };
}

function tagMap(tags: readonly { key?: string; value?: string }[]): Record<string, string> {
  return Object.fromEntries(tags.map((tag) => [tag.key ?? '', tag.value ?? '']));
}

/** `arn:...:service/<cluster>/<name>` -> its record id. */
function recordIdOf(serviceArn: string): string | undefined {
  const parts = parseArn(serviceArn);
  const match = parts && /^service\/([^/]+)\/([^/]+)$/.exec(parts.resource);
  return match ? serviceRecordId(match[1]!, match[2]!) : undefined;
}

function launchOf(config: ExpressConfiguration) {
  return {
    launchType: 'FARGATE' as const,
    networkConfiguration: { awsvpcConfiguration: { subnets: [...config.networkConfiguration.subnets], securityGroups: [...config.networkConfiguration.securityGroups], assignPublicIp: 'DISABLED' } },
  };
}

function loadBalancersOf(config: ExpressConfiguration, targetGroup: TargetGroupRecord, definition: RunnableDefinition) {
  return checkLoadBalancers([{ targetGroupArn: targetGroup.targetGroupArn, containerName: EXPRESS_CONTAINER_NAME, containerPort: config.primaryContainer.containerPort }], {
    targetGroups: new Map([[targetGroup.targetGroupArn, targetGroup]]),
    networkMode: definition.networkMode,
    containerDefinitions: definition.containerDefinitions,
  });
}

/** The revision the service's newest service deployment targets. */
function newestRevision(service: Service) {
  const deployment = service.wharf.serviceDeployments[service.wharf.serviceDeployments.length - 1]!;
  return { revisionId: deployment.targetRevisionId, serviceDeploymentArn: serviceDeploymentArn(service, deployment.id) };
}

/** Shows the managed resources on the service revision (DescribeServiceRevisions returns a revision's fields as stored). */
function stampRevision(service: Service, revisionId: string, managed: unknown): void {
  service.wharf.revisions = service.wharf.revisions.map((revision) => (revision.id === revisionId ? ({ ...revision, ecsManagedResources: managed } as typeof revision) : revision));
}

export function expressGatewayHandlers(store: Store, registryHost: () => string | undefined = () => undefined) {
  async function binding(ctx: RequestContext, record: ExpressServiceRecord): Promise<LocalBinding | undefined> {
    const found = await store.get<ListenerBindingRecord>(ELBV2_KIND.listenerBinding, ctx.scope, record.resources.listener.id);
    return found ? { host: found.doc.host, port: found.doc.port } : undefined;
  }

  /** The Express record with its status following its ECS service's. */
  async function current(ctx: RequestContext, serviceArn: string) {
    const id = recordIdOf(serviceArn);
    const record = id ? await store.get<ExpressServiceRecord>(EXPRESS_KIND, ctx.scope, id) : undefined;
    if (!id || !record || record.doc.serviceArn !== serviceArn) return undefined;
    const service = await store.get<Service>(KIND.service, ctx.scope, id);
    const statusCode = expressStatus(service?.doc.status);
    const doc = statusCode === record.doc.status.statusCode ? record.doc : { ...record.doc, status: { statusCode } };
    return { record, doc, service };
  }

  return {
    async CreateExpressGatewayService(input: CreateExpressInput, ctx: RequestContext) {
      checkTags((input.tags ?? []) as never);
      return retryOnStale(async () => {
        const at = where(ctx);
        const clusterRecord = await findCluster(store, ctx.scope, input.cluster);
        if (clusterRecord && clusterRecord.doc.status !== 'ACTIVE') throw new AwsError('ClusterNotFoundException', 'The referenced cluster was inactive.');
        // The default cluster is made when missing, as ECS does for Express; a named one must exist.
        if (!clusterRecord && input.cluster !== undefined && input.cluster !== 'default') throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
        const cluster =
          clusterRecord?.doc ?? newCluster({ clusterName: 'default' }, { region: at.region, account: at.account, now: ctx.now, containerInsightsDefault: 'disabled', knownProviders: ['FARGATE', 'FARGATE_SPOT'] });
        const serviceName = input.serviceName ?? defaultServiceName(input.primaryContainer.image, ids.hex().slice(0, 6));
        const config = newConfiguration(input, { clusterName: cluster.clusterName, serviceName });
        const id = serviceRecordId(cluster.clusterName, serviceName);
        const existing = await store.get<Service>(KIND.service, ctx.scope, id);
        if (existing && existing.doc.status !== 'INACTIVE') throw invalidParameter('Creation of service was not idempotent.');
        const previousExpress = await store.get<ExpressServiceRecord>(EXPRESS_KIND, ctx.scope, id);

        const tags = tagMap(input.tags ?? []);
        const ingress = expressIngress(serviceName, config, at, ids, tags);
        const key = scalingKey(cluster.clusterName, serviceName);
        const scaling = expressScaling(key, config, ingress, at, { ...ids, alarmArn: (name) => alarmArn(at.partition, at.region, at.account, name) });
        for (const alarm of scaling.alarms) if (await store.get(ALARM_KIND, ctx.scope, alarm.AlarmName)) throw invalidParameter(`An alarm named ${alarm.AlarmName} already exists.`);
        if (await store.get(AUTOSCALING_KIND.scalableTarget, ctx.scope, scaling.target.id)) throw invalidParameter(`A scalable target for ${key.ResourceId} already exists.`); // unverified wording

        const family = `express-${serviceName}`; // unverified: the family name ECS gives
        const registration = await taskDefinitionRegistration(store, ctx, expressTaskDefinitionInput(family, config, at.region), registryHost());
        const definition = registration.record.taskDefinition as unknown as RunnableDefinition;
        const revision: ResolvedRevision = revisionOfDefinition(definition, cluster, launchOf(config));
        const loadBalancers = loadBalancersOf(config, ingress.targetGroup.doc, definition);
        const service = newService(
          {
            serviceName,
            desiredCount: config.scalingTarget.minTaskCount,
            ...launchOf(config),
            loadBalancers,
            healthCheckGracePeriodSeconds: 0,
            tags: (input.tags ?? []) as never,
            propagateTags: 'SERVICE',
            enableECSManagedTags: true,
          },
          revision,
          changeContext(ctx, cluster),
        );
        const { revisionId, serviceDeploymentArn: deploymentArn } = newestRevision(service);
        const logGroup = config.primaryContainer.awsLogsConfiguration.logGroup;
        const express: ExpressServiceRecord = {
          serviceArn: service.serviceArn,
          serviceName,
          cluster: cluster.clusterArn,
          clusterName: cluster.clusterName,
          infrastructureRoleArn: input.infrastructureRoleArn,
          status: { statusCode: 'ACTIVE' },
          createdAt: at.now,
          updatedAt: at.now,
          tags: [...(input.tags ?? [])],
          configurations: [{ ...config, serviceRevisionArn: serviceRevisionArn(service, revisionId), createdAt: at.now }],
          currentDeployment: deploymentArn,
          resources: resourcesOf(ingress, scaling, family, { name: logGroup, arn: logGroupArn(at, logGroup) }),
          endpointHost: awsEndpointHost(serviceName, at.region),
        };
        stampRevision(service, revisionId, ecsManagedResources(express, config));

        const ops: WriteOp[] = [
          ...(clusterRecord ? [] : [{ op: 'put', kind: KIND.cluster, scope: ctx.scope, id: cluster.clusterName, doc: cluster, expect: 'absent' } as WriteOp]),
          ...registration.ops,
          put(ELBV2_KIND.loadBalancer, ingress.loadBalancer),
          put(ELBV2_KIND.targetGroup, ingress.targetGroup),
          put(ELBV2_KIND.listener, ingress.listener),
          put(ELBV2_KIND.rule, ingress.rule),
          put(AUTOSCALING_KIND.scalableTarget, scaling.target),
          put(AUTOSCALING_KIND.policy, scaling.policy),
          ...scaling.alarms.map((alarm) => put(ALARM_KIND, { id: alarm.AlarmName, doc: alarm })),
          { op: 'put', kind: KIND.service, scope: ctx.scope, id, doc: service, expect: existing ? existing.version : 'absent' },
          { op: 'put', kind: EXPRESS_KIND, scope: ctx.scope, id, doc: express, expect: previousExpress ? previousExpress.version : 'absent' },
        ];
        await store.write(ops);
        return { service: showExpressService(express, undefined, true) };

        function put(kind: string, item: { id: string; doc: unknown }): WriteOp {
          return { op: 'put', kind, scope: ctx.scope, id: item.id, doc: item.doc, expect: 'absent' };
        }
      });
    },

    async DescribeExpressGatewayService(input: { serviceArn: string; include?: string[] }, ctx: RequestContext) {
      const found = await current(ctx, input.serviceArn);
      if (!found) throw notFoundDescribe();
      return { service: showExpressService(found.doc, await binding(ctx, found.doc), input.include?.includes('TAGS') ?? false) };
    },

    async UpdateExpressGatewayService(input: UpdateExpressInput, ctx: RequestContext) {
      return retryOnStale(async () => {
        const found = await current(ctx, input.serviceArn);
        if (!found || !found.service) throw serviceNotFound();
        if (found.doc.status.statusCode !== 'ACTIVE') throw notActive();
        const at = where(ctx);
        const express = structuredClone(found.doc);
        const before = express.configurations[express.configurations.length - 1]!;
        const config = updatedConfiguration(before, input);
        const r = express.resources;
        const ops: WriteOp[] = [];

        const group = await store.get<TargetGroupRecord>(ELBV2_KIND.targetGroup, ctx.scope, r.targetGroup.id);
        if (!group) throw invalidParameter('The Express service\'s target group is gone.'); // unverified wording
        const targetGroup: TargetGroupRecord = { ...group.doc, healthCheck: expressHealthCheck(config.healthCheckPath), port: config.primaryContainer.containerPort };
        ops.push({ op: 'put', kind: ELBV2_KIND.targetGroup, scope: ctx.scope, id: group.id, doc: targetGroup, expect: group.version });

        let service = found.service.doc;
        let revisionArn = before.serviceRevisionArn;
        if (needsNewRevision(before, config)) {
          const registration = await taskDefinitionRegistration(store, ctx, expressTaskDefinitionInput(r.family, config, at.region), registryHost());
          ops.push(...registration.ops);
          const definition = registration.record.taskDefinition as unknown as RunnableDefinition;
          const cluster = { clusterName: express.clusterName, clusterArn: express.cluster } as Cluster;
          const revision = revisionOfDefinition(definition, cluster, launchOf(config));
          const loadBalancers = loadBalancersOf(config, targetGroup, definition);
          service = updateService(service, { taskDefinition: definition.taskDefinitionArn, ...launchOf(config), loadBalancers }, revision, changeContext(ctx, cluster));
          const newest = newestRevision(service);
          revisionArn = serviceRevisionArn(service, newest.revisionId);
          express.currentDeployment = newest.serviceDeploymentArn;
        }

        const key = scalingKey(express.clusterName, express.serviceName);
        const target = await store.get<ScalableTargetRecord>(AUTOSCALING_KIND.scalableTarget, ctx.scope, r.scalableTarget.id);
        const policy = await store.get<ScalingPolicyRecord>(AUTOSCALING_KIND.policy, ctx.scope, r.policy.id);
        const alarms = (await Promise.all(r.alarms.map((alarm) => store.get<AlarmRecord>(ALARM_KIND, ctx.scope, alarm.name)))).filter((a): a is StoredRecord<AlarmRecord> => a !== undefined);
        const ingress = { loadBalancer: { id: r.loadBalancer.id }, targetGroup: { id: r.targetGroup.id } } as Pick<ExpressIngress, 'loadBalancer' | 'targetGroup'>;
        const scaling = expressScaling(key, config, ingress, at, { ...ids, alarmArn: (name) => alarmArn(at.partition, at.region, at.account, name) }, target && policy ? { target: target.doc, policy: policy.doc, alarms: alarms.map((a) => a.doc) } : undefined);
        ops.push({ op: 'put', kind: AUTOSCALING_KIND.scalableTarget, scope: ctx.scope, id: scaling.target.id, doc: scaling.target.doc, expect: target ? target.version : 'absent' });
        if (policy && policy.id !== scaling.policy.id) ops.push({ op: 'delete', kind: AUTOSCALING_KIND.policy, scope: ctx.scope, id: policy.id, expect: policy.version });
        ops.push({ op: 'put', kind: AUTOSCALING_KIND.policy, scope: ctx.scope, id: scaling.policy.id, doc: scaling.policy.doc, expect: policy && policy.id === scaling.policy.id ? policy.version : 'absent' });
        for (const alarm of scaling.alarms) {
          const old = alarms.find((a) => a.id === alarm.AlarmName);
          ops.push({ op: 'put', kind: ALARM_KIND, scope: ctx.scope, id: alarm.AlarmName, doc: alarm, expect: old ? old.version : 'absent' });
        }
        for (const old of alarms) if (!scaling.alarms.some((alarm) => alarm.AlarmName === old.id)) ops.push({ op: 'delete', kind: ALARM_KIND, scope: ctx.scope, id: old.id, expect: old.version });
        // The desired count stays within the new bounds (the autoscaler moves it from there).
        const desired = Math.min(Math.max(service.desiredCount, config.scalingTarget.minTaskCount), config.scalingTarget.maxTaskCount);
        if (desired !== service.desiredCount) service = updateService(service, { desiredCount: desired }, undefined, changeContext(ctx, { clusterName: express.clusterName, clusterArn: express.cluster }));

        express.resources.policy = { id: scaling.policy.id, arn: scaling.policy.doc.PolicyARN, metric: scaling.policy.doc.TargetTrackingScalingPolicyConfiguration!.PredefinedMetricSpecification!.PredefinedMetricType, targetValue: config.scalingTarget.autoScalingTargetValue };
        express.resources.alarms = scaling.alarms.map((alarm) => ({ name: alarm.AlarmName, arn: alarm.AlarmArn }));
        express.updatedAt = at.now;
        const stored: StoredConfiguration = { ...config, serviceRevisionArn: revisionArn, createdAt: at.now };
        express.configurations = [...express.configurations, stored].slice(-20);
        if (service !== found.service.doc) {
          const revisionId = revisionArn.slice(revisionArn.lastIndexOf('/') + 1);
          service = structuredClone(service);
          stampRevision(service, revisionId, ecsManagedResources(express, config));
          ops.push({ op: 'put', kind: KIND.service, scope: ctx.scope, id: found.service.id, doc: service, expect: found.service.version });
        }
        ops.push({ op: 'put', kind: EXPRESS_KIND, scope: ctx.scope, id: found.record.id, doc: express, expect: found.record.version });
        await store.write(ops);
        return { service: showUpdatedExpressService(express, await binding(ctx, express)) };
      });
    },

    async DeleteExpressGatewayService(input: { serviceArn: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const found = await current(ctx, input.serviceArn);
        if (!found || !found.service || found.doc.status.statusCode === 'INACTIVE') throw serviceNotFound();
        if (found.doc.status.statusCode !== 'ACTIVE') throw notActive();
        const r = found.doc.resources;
        const express: ExpressServiceRecord = { ...structuredClone(found.doc), status: { statusCode: 'DRAINING' }, updatedAt: ctx.now.getTime() };
        const service = deleteService(found.service.doc, true);
        // The revisions' managed resources now say DEPROVISIONING.
        for (const config of express.configurations) stampRevision(service, config.serviceRevisionArn.slice(config.serviceRevisionArn.lastIndexOf('/') + 1), ecsManagedResources(express, config));
        const ops: WriteOp[] = [
          { op: 'put', kind: KIND.service, scope: ctx.scope, id: found.service.id, doc: service, expect: found.service.version },
          { op: 'put', kind: EXPRESS_KIND, scope: ctx.scope, id: found.record.id, doc: express, expect: found.record.version },
        ];
        // The listener, rule and load balancer go at once (no new requests); the target group too: the draining tasks are no longer registered anywhere.
        const removals: [string, string][] = [
          [ELBV2_KIND.rule, r.rule.id],
          [ELBV2_KIND.listener, r.listener.id],
          [ELBV2_KIND.loadBalancer, r.loadBalancer.id],
          [ELBV2_KIND.targetGroup, r.targetGroup.id],
          [AUTOSCALING_KIND.policy, r.policy.id],
          [AUTOSCALING_KIND.scalableTarget, r.scalableTarget.id],
          ...r.alarms.map((alarm): [string, string] => [ALARM_KIND, alarm.name]),
        ];
        for (const [kind, id] of removals) {
          const record = await store.get(kind, ctx.scope, id);
          if (record) ops.push({ op: 'delete', kind, scope: ctx.scope, id, expect: record.version });
        }
        await store.write(ops);
        return { service: showExpressService(express, undefined, false) };
      });
    },
  };
}

function resourcesOf(ingress: ExpressIngress, scaling: ReturnType<typeof expressScaling>, family: string, logGroup: { name: string; arn: string }): ExpressServiceRecord['resources'] {
  return {
    loadBalancer: { id: ingress.loadBalancer.id, arn: ingress.loadBalancer.doc.loadBalancerArn },
    targetGroup: { id: ingress.targetGroup.id, arn: ingress.targetGroup.doc.targetGroupArn },
    listener: { id: ingress.listener.id, arn: ingress.listener.doc.listenerArn },
    rule: { id: ingress.rule.id, arn: ingress.rule.doc.ruleArn },
    scalableTarget: { id: scaling.target.id, arn: scaling.target.doc.ScalableTargetARN },
    policy: {
      id: scaling.policy.id,
      arn: scaling.policy.doc.PolicyARN,
      metric: scaling.policy.doc.TargetTrackingScalingPolicyConfiguration!.PredefinedMetricSpecification!.PredefinedMetricType,
      targetValue: scaling.policy.doc.TargetTrackingScalingPolicyConfiguration!.TargetValue,
    },
    alarms: scaling.alarms.map((alarm) => ({ name: alarm.AlarmName, arn: alarm.AlarmArn })),
    logGroup,
    family,
  };
}
