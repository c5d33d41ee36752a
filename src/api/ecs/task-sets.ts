import { AwsError, invalidParameter } from '../../domain/errors.js';
import type { Tag } from '../../domain/ecs/tags.js';
import type { NetworkConfiguration, TaskSet } from '../../domain/service/service.js';
import { addTaskSet, checkExternal, deleteTaskSet, findTaskSet, makePrimary, scaleTaskSet, taskSetArnOf, taskSetNotFound } from '../../domain/service/task-sets.js';
import type { CapacityProviderStrategyItem } from '../../domain/ecs/capacity-provider-strategy.js';
import { retryOnStale, type Scope, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { activeCluster, findCluster, KIND } from './records.js';
import { changeIds, checkedLoadBalancers, findService, resolveRevision, serviceNotFound } from './services.js';
import type { LoadBalancerInput } from '../../domain/service/load-balancing.js';
import type { Service } from '../../domain/service/service.js';

/**
 * The task set APIs of the EXTERNAL deployment controller. They record intent
 * on the service record (a task set, its scale, which one is PRIMARY, a
 * DRAINING one); the service scheduler runs each task set's tasks.
 */

function showTaskSet(taskSet: TaskSet, withTags: boolean) {
  return { ...taskSet, tags: withTags ? taskSet.tags : undefined };
}

interface TaskSetRef {
  cluster: string;
  service: string;
}

export function taskSetHandlers(store: Store) {
  /** The service record a task set call names, with the cluster checks ECS makes first. */
  async function serviceOf(input: TaskSetRef, scope: Scope, mustBeActive = true) {
    const cluster = mustBeActive ? (await activeCluster(store, scope, input.cluster)).doc : (await findCluster(store, scope, input.cluster))?.doc;
    if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    const record = await findService(store, scope, cluster.clusterName, input.service);
    if (!record || record.doc.status === 'INACTIVE') throw serviceNotFound();
    return { cluster, record };
  }

  /** Applies a pure change to the service behind a version check and returns the task set it names. */
  async function change(input: TaskSetRef & { taskSet: string }, ctx: RequestContext, apply: (service: Service) => Service) {
    return retryOnStale(async () => {
      const { record } = await serviceOf(input, ctx.scope);
      const next = apply(record.doc);
      if (next !== record.doc) await store.write([{ op: 'put', kind: KIND.service, scope: ctx.scope, id: record.id, doc: next, expect: record.version }]);
      const taskSet = findTaskSet(next, input.taskSet) ?? findTaskSet(record.doc, input.taskSet)!;
      return { taskSet: showTaskSet(taskSet, false) };
    });
  }

  return {
    async CreateTaskSet(
      input: TaskSetRef & {
        taskDefinition: string;
        externalId?: string;
        networkConfiguration?: NetworkConfiguration;
        loadBalancers?: LoadBalancerInput[];
        serviceRegistries?: unknown[];
        launchType?: string;
        capacityProviderStrategy?: CapacityProviderStrategyItem[];
        platformVersion?: string;
        scale?: { value?: number; unit?: string };
        clientToken?: string;
        tags?: Tag[];
      },
      ctx: RequestContext,
    ) {
      const { cluster, record } = await serviceOf(input, ctx.scope);
      checkExternal(record.doc);
      if (input.launchType && input.capacityProviderStrategy?.length) {
        throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
      }
      const revision = await resolveRevision(store, ctx, cluster, input.taskDefinition, {
        ...(input.launchType ? { launchType: input.launchType } : {}),
        ...(input.capacityProviderStrategy?.length ? { capacityProviderStrategy: input.capacityProviderStrategy } : {}),
        ...(input.platformVersion ? { platformVersion: input.platformVersion } : {}),
        ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
      });
      // The same checks as CreateService's: the target groups exist here and the container and port are in the task definition.
      const loadBalancers = await checkedLoadBalancers(store, ctx, (input.loadBalancers ?? []) as LoadBalancerInput[], revision.taskDefinitionArn);
      return retryOnStale(async () => {
        const { record: fresh } = await serviceOf(input, ctx.scope);
        checkExternal(fresh.doc);
        const service = structuredClone(fresh.doc) as Service;
        const taskSet = addTaskSet(
          service,
          { ...(input.externalId !== undefined ? { externalId: input.externalId } : {}), ...(input.scale ? { scale: input.scale } : {}), tags: input.tags ?? [], serviceRegistries: input.serviceRegistries ?? [], loadBalancers },
          revision,
          { now: ctx.now.getTime(), deploymentDigits: changeIds.deploymentDigits() },
        );
        await store.write([{ op: 'put', kind: KIND.service, scope: ctx.scope, id: fresh.id, doc: service, expect: fresh.version }]);
        return { taskSet: showTaskSet(taskSet, true) };
      });
    },

    async DescribeTaskSets(input: TaskSetRef & { taskSets?: string[]; include?: string[] }, ctx: RequestContext) {
      const { record } = await serviceOf(input, ctx.scope, false);
      const withTags = input.include?.includes('TAGS') ?? false;
      const all = record.doc.taskSets ?? [];
      if (!input.taskSets || input.taskSets.length === 0) return { taskSets: all.map((ts) => showTaskSet(ts, withTags)), failures: [] };
      const taskSets: unknown[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const reference of input.taskSets) {
        const taskSet = findTaskSet(record.doc, reference);
        if (taskSet) taskSets.push(showTaskSet(taskSet, withTags));
        else failures.push({ arn: reference.startsWith('arn:') ? reference : taskSetArnOf(record.doc, reference), reason: 'MISSING' });
      }
      return { taskSets, failures };
    },

    async UpdateTaskSet(input: TaskSetRef & { taskSet: string; scale: { value?: number; unit?: string } }, ctx: RequestContext) {
      return change(input, ctx, (service) => scaleTaskSet(service, input.taskSet, input.scale, ctx.now.getTime()));
    },

    async UpdateServicePrimaryTaskSet(input: TaskSetRef & { primaryTaskSet: string }, ctx: RequestContext) {
      return change({ ...input, taskSet: input.primaryTaskSet }, ctx, (service) => makePrimary(service, input.primaryTaskSet, ctx.now.getTime()));
    },

    async DeleteTaskSet(input: TaskSetRef & { taskSet: string; force?: boolean }, ctx: RequestContext) {
      return change(input, ctx, (service) => {
        if (!findTaskSet(service, input.taskSet)) {
          checkExternal(service);
          throw taskSetNotFound();
        }
        return deleteTaskSet(service, input.taskSet, input.force ?? false, ctx.now.getTime());
      });
    },
  };
}
