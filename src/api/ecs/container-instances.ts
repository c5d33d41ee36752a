import { parseArn } from '../../domain/arn.js';
import { KIND } from '../../domain/ecs/record-keys.js';
import { AwsError, invalidParameter } from '../../domain/errors.js';
import { CONTAINER_INSTANCE_KIND, containerInstanceRecordId, parseTaskKey, type ContainerInstance, type ContainerInstanceStatus } from '../../domain/placement/container-instance.js';
import {
  checkSettableStatus,
  deregistrationBlocked,
  describeInstance,
  listsInstance,
  RUNNING_TASKS_ON_INSTANCE,
  taskCountsOf,
  withStatus,
} from '../../domain/placement/describe-instance.js';
import { parseExpression, type Expression } from '../../domain/placement/query-language.js';
import { containerInstanceArn } from '../../domain/placement/reserve.js';
import type { Task } from '../../domain/task/task.js';
import { retryOnStale, type Scope, type Store, type StoredRecord } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { hostActions } from '../hosts.js';
import { agentRegistration, type AgentRegistrationInput } from '../../domain/hosts/agent-registration.js';
import { activeCluster, findCluster } from './records.js';

/** DescribeContainerInstances takes at most this many references, UpdateContainerInstancesState this many (as ECS documents). */
const MAX_DESCRIBED = 100;
const MAX_UPDATED = 10;

/** `<id>`, `arn:...:container-instance/<cluster>/<id>` or the old `arn:...:container-instance/<id>` -> the id. */
export function containerInstanceIdOf(reference: string): string {
  const parts = reference.startsWith('arn:') ? parseArn(reference) : undefined;
  const resource = parts ? parts.resource : reference;
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/** A cluster's registered instance by id or ARN (implicit Fargate instances are in another scope and never found here). */
export async function findContainerInstance(store: Store, scope: Scope, clusterName: string, reference: string): Promise<StoredRecord<ContainerInstance> | undefined> {
  const id = containerInstanceIdOf(reference);
  if (id === '') return undefined;
  const record = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, containerInstanceRecordId(clusterName, id));
  return record && !record.doc.implicit ? record : undefined;
}

/** The task records an instance's reservations name, as stored now (one read each; a task already gone is left out). */
export async function tasksOnInstance(store: Store, instance: ContainerInstance): Promise<{ scope: Scope; record: StoredRecord<Task> }[]> {
  const found = await Promise.all(
    Object.keys(instance.reservations).map(async (key) => {
      const parsed = parseTaskKey(key);
      if (!parsed) return undefined;
      const record = await store.get<Task>(KIND.task, parsed.scope, parsed.id);
      return record ? { scope: parsed.scope, record } : undefined;
    }),
  );
  return found.filter((item): item is { scope: Scope; record: StoredRecord<Task> } => item !== undefined);
}

/**
 * Registered container instances (`wharf hosts add` writes them, one record
 * per engine host in its cluster's scope, `<cluster>/<id>`). Handlers read
 * and write those records; what the statuses mean is decided in
 * domain/placement/describe-instance.ts. DRAINING closes the instance to
 * placement and the instance drainer stops its service tasks. DiscoverPollEndpoint
 * sends an agent to Wharf itself. `wharfHost` is Wharf's own `host:port`
 * (the one port every API listens on).
 */
export function containerInstanceHandlers(store: Store, wharfHost?: () => string | undefined) {
  async function view(ctx: RequestContext, clusterName: string, instance: ContainerInstance, options: { withTags: boolean; withHealth: boolean; status?: ContainerInstanceStatus }) {
    const tasks = await tasksOnInstance(store, instance);
    return describeInstance(instance, {
      arn: containerInstanceArn({ account: ctx.scope.account, region: ctx.scope.region, clusterName }, instance.containerInstanceId),
      counts: taskCountsOf(tasks.map(({ record }) => record.doc)),
      ...options,
    });
  }

  const arnOf = (ctx: RequestContext, clusterName: string, reference: string) =>
    reference.startsWith('arn:') ? reference : containerInstanceArn({ account: ctx.scope.account, region: ctx.scope.region, clusterName }, reference);

  return {
    async ListContainerInstances(input: { cluster?: string; filter?: string; status?: ContainerInstanceStatus; maxResults?: number; nextToken?: string }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      const limit = checkMaxResults(input.maxResults, 100, 100);
      const after = decodePageToken(input.nextToken);
      // A bad expression is an InvalidParameterException, as ECS answers (the wording is Wharf's; see query-language.ts).
      const filter: Expression | undefined = input.filter !== undefined && input.filter.trim() !== '' ? parseExpression(input.filter) : undefined;
      const records = await store.list<ContainerInstance>(CONTAINER_INSTANCE_KIND, ctx.scope, { prefix: `${cluster.clusterName}/` });
      const matching = records.filter((record) => listsInstance(record.doc, input.status, filter));
      const result = page(matching, (record) => record.id, after, limit);
      return {
        containerInstanceArns: result.items.map((record) => containerInstanceArn({ account: ctx.scope.account, region: ctx.scope.region, clusterName: cluster.clusterName }, record.doc.containerInstanceId)),
        nextToken: result.nextToken,
      };
    },

    async DescribeContainerInstances(input: { cluster?: string; containerInstances: string[]; include?: string[] }, ctx: RequestContext) {
      const cluster = await findCluster(store, ctx.scope, input.cluster);
      if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      if (input.containerInstances.length === 0) throw invalidParameter('ContainerInstances cannot be empty.'); // unverified wording (DescribeTasks' is "Tasks cannot be empty.")
      if (input.containerInstances.length > MAX_DESCRIBED) throw invalidParameter(`ContainerInstances cannot have more than ${MAX_DESCRIBED} elements.`); // unverified wording
      const options = { withTags: input.include?.includes('TAGS') ?? false, withHealth: input.include?.includes('CONTAINER_INSTANCE_HEALTH') ?? false };
      const clusterName = cluster.doc.clusterName;
      const containerInstances: unknown[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const reference of input.containerInstances) {
        const record = await findContainerInstance(store, ctx.scope, clusterName, reference);
        if (record) containerInstances.push(await view(ctx, clusterName, record.doc, options));
        else failures.push({ arn: arnOf(ctx, clusterName, reference), reason: 'MISSING' });
      }
      return { containerInstances, failures };
    },

    /**
     * ACTIVE or DRAINING (the model also lets REGISTERING, DEREGISTERING and
     * REGISTRATION_FAILED through; ECS sets only these two). Each instance is
     * its own optimistic write: ECS's version plus one, expecting the record's
     * store version as read, again on a lost race.
     */
    async UpdateContainerInstancesState(input: { cluster?: string; containerInstances: string[]; status: string }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      const status = checkSettableStatus(input.status);
      if (input.containerInstances.length === 0) throw invalidParameter('ContainerInstances cannot be empty.'); // unverified wording
      // ECS's words, as clients that batch by ten have reported them.
      if (input.containerInstances.length > MAX_UPDATED) throw invalidParameter(`instanceIds can have at most ${MAX_UPDATED} items.`);
      const clusterName = cluster.clusterName;
      const containerInstances: unknown[] = [];
      const failures: { arn: string; reason: string; detail?: string }[] = [];
      const seen = new Set<string>();
      for (const reference of input.containerInstances) {
        const id = containerInstanceIdOf(reference);
        if (seen.has(id)) continue;
        seen.add(id);
        const outcome = await retryOnStale(async () => {
          const record = await findContainerInstance(store, ctx.scope, clusterName, reference);
          if (!record) return { kind: 'missing' as const };
          const change = withStatus(record.doc, status);
          if (change.kind === 'refused') return { kind: 'refused' as const, detail: change.reason };
          if (change.kind === 'unchanged') return { kind: 'done' as const, instance: record.doc };
          await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: ctx.scope, id: record.id, doc: change.instance, expect: record.version }]);
          return { kind: 'done' as const, instance: change.instance };
        });
        if (outcome.kind === 'missing') failures.push({ arn: arnOf(ctx, clusterName, reference), reason: 'MISSING' });
        // (unverified) ECS's reason for an instance not yet ACTIVE is not documented beyond "an error will be received".
        else if (outcome.kind === 'refused') failures.push({ arn: arnOf(ctx, clusterName, reference), reason: 'INVALID_STATUS', detail: outcome.detail });
        else containerInstances.push(await view(ctx, clusterName, outcome.instance, { withTags: false, withHealth: false }));
      }
      return { containerInstances, failures };
    },

    /**
     * The record goes (the host's supervisor stops with it) and the instance
     * is answered INACTIVE. Without `force`, tasks that are not STOPPED refuse
     * it, as ECS does. With `force`, the tasks are left exactly as they are:
     * in ECS they keep running but are orphaned (no longer monitored or
     * accounted for); a service's are replaced by its scheduler when it sees
     * them gone.
     */
    async DeregisterContainerInstance(input: { cluster?: string; containerInstance: string; force?: boolean }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      const clusterName = cluster.clusterName;
      return retryOnStale(async () => {
        const record = await findContainerInstance(store, ctx.scope, clusterName, input.containerInstance);
        // (unverified) ECS's wording for an unknown instance here.
        if (!record) throw invalidParameter('The referenced container instance was not found.');
        const tasks = (await tasksOnInstance(store, record.doc)).map(({ record: task }) => task.doc);
        if (deregistrationBlocked(tasks, input.force ?? false)) throw invalidParameter(RUNNING_TASKS_ON_INSTANCE);
        await store.write([{ op: 'delete', kind: CONTAINER_INSTANCE_KIND, scope: ctx.scope, id: record.id, expect: record.version }]);
        const gone: ContainerInstance = { ...record.doc, status: 'INACTIVE', version: (record.doc.version ?? 1) + 1 };
        return {
          containerInstance: describeInstance(gone, {
            arn: containerInstanceArn({ account: ctx.scope.account, region: ctx.scope.region, clusterName }, gone.containerInstanceId),
            counts: taskCountsOf(tasks),
            withTags: false,
            withHealth: false,
          }),
        };
      });
    },

    /**
     * The agent's call, served for hosts that name their Docker engine
     * (`wharf.docker-url`): registers the host as `wharf hosts add` does
     * (again under the same name: updated in place), answering the instance.
     */
    async RegisterContainerInstance(input: AgentRegistrationInput, ctx: RequestContext) {
      const registration = agentRegistration(input, ctx.scope);
      const view = await hostActions(store, { now: () => ctx.now }).add(registration);
      const record = await findContainerInstance(store, ctx.scope, registration.cluster, view.containerInstanceArn);
      if (!record) throw new AwsError('ServerException', 'The container instance was registered but could not be read back; describe it with DescribeContainerInstances.');
      const tasks = (await tasksOnInstance(store, record.doc)).map(({ record: task }) => task.doc);
      return { containerInstance: describeInstance(record.doc, { arn: view.containerInstanceArn, counts: taskCountsOf(tasks), withTags: false, withHealth: false }) };
    },

    /**
     * ECS answers with its agent endpoints (`https://ecs-a-1.<region>.amazonaws.com/`,
     * `https://ecs-t-1.<region>...`, `https://ecs-sc.<region>.api.aws`); Wharf's
     * agent, telemetry and Service Connect endpoints are its own port.
     */
    async DiscoverPollEndpoint(input: { cluster?: string; containerInstance?: string }, ctx: RequestContext) {
      if (input.cluster !== undefined) await activeCluster(store, ctx.scope, input.cluster);
      const host = wharfHost?.() ?? `ecs.${ctx.scope.region}.amazonaws.com`;
      const url = `http://${host}/`;
      return { endpoint: url, telemetryEndpoint: url, serviceConnectEndpoint: url };
    },
  };
}
