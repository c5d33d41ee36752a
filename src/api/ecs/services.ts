import { randomBytes } from 'node:crypto';
import { parseArn } from '../../domain/arn.js';
import type { Cluster } from '../../domain/ecs/cluster.js';
import { ELBV2_KIND, type TargetGroupRecord } from '../../domain/elbv2/records.js';
import { isDefaultRuleId, parentId, parseElbArn } from '../../domain/elbv2/arns.js';
import { AwsError, invalidParameter } from '../../domain/errors.js';
import { checkLoadBalancers, targetGroupIdOf, type LoadBalancerInput, type ServiceLoadBalancer } from '../../domain/service/load-balancing.js';
import { serviceRecordId, type Service } from '../../domain/service/service.js';
import { digitsFrom } from '../../domain/service/service-events.js';
import { checkUpdateOfTaskSetService } from '../../domain/service/task-sets.js';
import {
  checkCreateService,
  checkUpdateService,
  deleteService,
  launchAfterUpdate,
  needsNewDeployment,
  newService,
  updateService,
  type ChangeContext,
  type CreateServiceInput,
  type ResolvedRevision,
  type UpdateServiceInput,
} from '../../domain/service/service-changes.js';
import { checkLaunch, type RunnableDefinition } from '../../domain/task/run-task.js';
import { isFargateLaunch } from '../../domain/task/launch-capacity.js';
import { checkPlacement, type PlacementConstraintInput, type PlacementStrategyInput } from '../../domain/placement/placement-inputs.js';
import { retryOnStale, type Scope, type Store, type StoredRecord } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { activeCluster, findCluster, inCluster, KIND } from './records.js';
import { resolveTaskDefinition } from './task-definitions.js';

/** The placement members of CreateService and UpdateService, as the model lets them through. */
type PlacementInputs = { placementStrategy?: PlacementStrategyInput[]; placementConstraints?: PlacementConstraintInput[] };

export const changeIds = {
  deploymentDigits: () => digitsFrom(randomBytes(19)),
  revisionDigits: () => digitsFrom(randomBytes(19)),
  serviceDeploymentId: () => randomBytes(16).toString('base64url').slice(0, 21),
};

/** `<name>` or `arn:...:service/<cluster>/<name>` (or the old `service/<name>`) -> the name. */
export function serviceNameOf(reference: string): string {
  const parts = reference.startsWith('arn:') ? parseArn(reference) : undefined;
  if (parts) return parts.resource.slice(parts.resource.lastIndexOf('/') + 1);
  return reference;
}

export const serviceNotFound = () => new AwsError('ServiceNotFoundException', 'Service not found.');

export function showService(service: Service, withTags: boolean) {
  return { ...service, tags: withTags ? service.tags : undefined };
}

export async function findService(store: Store, scope: Scope, clusterName: string, reference: string): Promise<StoredRecord<Service> | undefined> {
  return store.get<Service>(KIND.service, scope, serviceRecordId(clusterName, serviceNameOf(reference)));
}

/**
 * Resolves the task definition and checks the launch settings exactly as
 * RunTask would (network configuration, Fargate sizes, strategies), so a
 * service that could never start a task is refused up front.
 */
export async function resolveRevision(store: Store, ctx: RequestContext, cluster: Cluster, taskDefinition: string, launch: ResolvedRevision['launch']): Promise<ResolvedRevision> {
  const definition = await resolveTaskDefinition(store, ctx.scope, taskDefinition);
  if (!definition) throw invalidParameter('TaskDefinition not found.');
  return revisionOfDefinition(definition.doc.taskDefinition as unknown as RunnableDefinition, cluster, launch);
}

/** resolveRevision's checks of a task definition already in hand (one being registered in the same write). */
export function revisionOfDefinition(runnable: RunnableDefinition, cluster: Cluster, launch: ResolvedRevision['launch']): ResolvedRevision {
  if (runnable.status !== 'ACTIVE') throw invalidParameter(`TaskDefinition is inactive: ${runnable.taskDefinitionArn}`);
  // The same checks as RunTask; a launch on capacity Wharf lacks (EC2, an Auto Scaling group provider) is kept, and the scheduler reports it.
  const checked = checkLaunch({ ...launch, count: 1 } as never, runnable, cluster);
  const fargate = checked.fargate;
  return {
    taskDefinitionArn: runnable.taskDefinitionArn,
    containerImages: runnable.containerDefinitions.map((c) => ({ containerName: String(c.name), image: String(c.image) })),
    cpu: Number(checked.cpu ?? 0),
    memory: Number(checked.memory ?? 0),
    launch: {
      ...checked.launch,
      ...(fargate ? { platformVersion: launch.platformVersion ?? 'LATEST' } : {}),
      ...(launch.networkConfiguration ? { networkConfiguration: launch.networkConfiguration } : {}),
    },
  };
}

/** ECS's checks of `loadBalancers`: the target groups (in this account and region) and the task definition's containers. */
export async function checkedLoadBalancers(store: Store, ctx: RequestContext, inputs: readonly LoadBalancerInput[], taskDefinition: string): Promise<ServiceLoadBalancer[]> {
  if (inputs.length === 0) return [];
  const definition = (await resolveTaskDefinition(store, ctx.scope, taskDefinition))?.doc.taskDefinition as unknown as RunnableDefinition | undefined;
  const targetGroups = new Map<string, TargetGroupRecord>();
  const listenerRules = new Set<string>();
  for (const input of inputs) {
    for (const arn of [input.targetGroupArn, input.advancedConfiguration?.alternateTargetGroupArn]) {
      const id = arn ? targetGroupIdOf(arn, ctx.scope) : undefined;
      const record = id ? await store.get<TargetGroupRecord>(ELBV2_KIND.targetGroup, ctx.scope, id) : undefined;
      if (record && record.doc.targetGroupArn === arn) targetGroups.set(arn, record.doc);
    }
    for (const arn of [input.advancedConfiguration?.productionListenerRule, input.advancedConfiguration?.testListenerRule]) {
      if (arn && (await listenerRuleExists(store, ctx.scope, arn))) listenerRules.add(arn);
    }
  }
  return checkLoadBalancers(inputs, { targetGroups, listenerRules, networkMode: definition?.networkMode, containerDefinitions: definition?.containerDefinitions ?? [] });
}

/** A stored rule, or a listener's default rule (not stored: its listener is). */
async function listenerRuleExists(store: Store, scope: Scope, arn: string): Promise<boolean> {
  const parsed = parseElbArn(arn);
  if (!parsed || parsed.type !== 'listener-rule' || parsed.account !== scope.account || parsed.region !== scope.region) return false;
  if (isDefaultRuleId(parsed.id)) return (await store.get(ELBV2_KIND.listener, scope, parentId(parsed.id))) !== undefined;
  return (await store.get(ELBV2_KIND.rule, scope, parsed.id)) !== undefined;
}

export function serviceHandlers(store: Store) {
  function changeContext(ctx: RequestContext, cluster: Cluster): ChangeContext {
    return {
      region: ctx.scope.region,
      account: ctx.scope.account,
      clusterName: cluster.clusterName,
      clusterArn: cluster.clusterArn,
      now: ctx.now.getTime(),
      principalArn: ctx.principalArn,
      ids: changeIds,
    };
  }

  return {
    async CreateService(input: CreateServiceInput & { cluster?: string; clientToken?: string }, ctx: RequestContext) {
      checkCreateService(input);
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      const launch = {
        ...(input.launchType ? { launchType: input.launchType } : {}),
        ...(input.capacityProviderStrategy?.length ? { capacityProviderStrategy: input.capacityProviderStrategy } : {}),
        ...(input.platformVersion ? { platformVersion: input.platformVersion } : {}),
        ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
      };
      // An EXTERNAL service's task definition, launch settings and load balancers come with its task sets.
      const external = input.deploymentController?.type === 'EXTERNAL';
      const revision = external ? undefined : await resolveRevision(store, ctx, cluster, input.taskDefinition!, launch);
      // Fargate places by itself and refuses placement settings, as RunTask does.
      if (revision) checkPlacement(input as PlacementInputs, [], isFargateLaunch(revision.launch));
      const loadBalancers = revision ? await checkedLoadBalancers(store, ctx, input.loadBalancers ?? [], revision.taskDefinitionArn) : [];
      return retryOnStale(async () => {
        const existing = await findService(store, ctx.scope, cluster.clusterName, input.serviceName);
        // A name is free again once its service is INACTIVE.
        if (existing && existing.doc.status !== 'INACTIVE') throw invalidParameter('Creation of service was not idempotent.');
        const service = newService({ ...input, loadBalancers }, revision, changeContext(ctx, cluster));
        await store.write([{ op: 'put', kind: KIND.service, scope: ctx.scope, id: serviceRecordId(cluster.clusterName, service.serviceName), doc: service, expect: existing ? existing.version : 'absent' }]);
        return { service: showService(service, true) };
      });
    },

    async UpdateService(input: UpdateServiceInput & { cluster?: string; service: string }, ctx: RequestContext) {
      checkUpdateService(input);
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      return retryOnStale(async () => {
        const record = await findService(store, ctx.scope, cluster.clusterName, input.service);
        if (!record) throw serviceNotFound();
        if (record.doc.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
        checkUpdateOfTaskSetService(record.doc.deploymentController.type, input);
        let revision: ResolvedRevision | undefined;
        const definition = input.taskDefinition ? await resolveTaskDefinition(store, ctx.scope, input.taskDefinition) : undefined;
        if (input.taskDefinition && !definition) throw invalidParameter('TaskDefinition not found.');
        const taskDefinitionArn = definition?.doc.taskDefinition.taskDefinitionArn ?? record.doc.taskDefinition!;
        const loadBalancers = input.loadBalancers !== undefined ? await checkedLoadBalancers(store, ctx, input.loadBalancers, taskDefinitionArn) : undefined;
        const change = loadBalancers !== undefined ? { ...input, loadBalancers } : input;
        if (record.doc.deploymentController.type === 'ECS' && needsNewDeployment(record.doc, change, definition?.doc.taskDefinition.taskDefinitionArn)) {
          revision = await resolveRevision(store, ctx, cluster, input.taskDefinition ?? record.doc.taskDefinition!, launchAfterUpdate(record.doc, input));
          // A new task definition must still have the containers and ports the service's target groups point at.
          if (loadBalancers === undefined) await checkedLoadBalancers(store, ctx, record.doc.loadBalancers, revision.taskDefinitionArn);
        }
        if (input.placementStrategy !== undefined || input.placementConstraints !== undefined) {
          checkPlacement(input as PlacementInputs, [], isFargateLaunch(revision?.launch ?? launchAfterUpdate(record.doc, input)));
        }
        const service = updateService(record.doc, change, revision, changeContext(ctx, cluster));
        await store.write([{ op: 'put', kind: KIND.service, scope: ctx.scope, id: record.id, doc: service, expect: record.version }]);
        return { service: showService(service, false) };
      });
    },

    async DeleteService(input: { cluster?: string; service: string; force?: boolean }, ctx: RequestContext) {
      const cluster = await findCluster(store, ctx.scope, input.cluster);
      if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      return retryOnStale(async () => {
        const record = await findService(store, ctx.scope, cluster.doc.clusterName, input.service);
        if (!record) throw serviceNotFound();
        const service = deleteService(record.doc, input.force ?? false);
        if (service !== record.doc) await store.write([{ op: 'put', kind: KIND.service, scope: ctx.scope, id: record.id, doc: service, expect: record.version }]);
        return { service: showService(service, false) };
      });
    },

    async DescribeServices(input: { cluster?: string; services: string[]; include?: string[] }, ctx: RequestContext) {
      const cluster = await findCluster(store, ctx.scope, input.cluster);
      if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      if (input.services.length === 0) throw invalidParameter('Services cannot be empty.');
      if (input.services.length > 10) throw invalidParameter('Services cannot have more than 10 elements.');
      const withTags = input.include?.includes('TAGS') ?? false;
      const services: unknown[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const reference of input.services) {
        const record = await findService(store, ctx.scope, cluster.doc.clusterName, reference);
        if (record) services.push(showService(record.doc, withTags));
        else failures.push({ arn: reference.startsWith('arn:') ? reference : `${cluster.doc.clusterArn.replace(':cluster/', ':service/')}/${reference}`, reason: 'MISSING' });
      }
      return { services, failures };
    },

    async ListServices(input: { cluster?: string; launchType?: string; schedulingStrategy?: string; maxResults?: number; nextToken?: string }, ctx: RequestContext) {
      const cluster = await findCluster(store, ctx.scope, input.cluster);
      if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      const limit = checkMaxResults(input.maxResults, 100, 10);
      const all = await store.list<Service>(KIND.service, ctx.scope, { prefix: inCluster(cluster.doc.clusterName) });
      const matching = all.filter(
        ({ doc }) =>
          doc.status !== 'INACTIVE' &&
          (input.launchType === undefined || doc.launchType === input.launchType) &&
          (input.schedulingStrategy === undefined || doc.schedulingStrategy === input.schedulingStrategy),
      );
      const result = page(matching, (record) => record.id, decodePageToken(input.nextToken), limit);
      return { serviceArns: result.items.map((record) => record.doc.serviceArn), nextToken: result.nextToken };
    },
  };
}
