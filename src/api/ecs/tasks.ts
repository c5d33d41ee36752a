import { randomBytes, randomUUID } from 'node:crypto';
import { parseArn } from '../../domain/arn.js';
import { matchesTaskListFilter, TASKS_BY_LISTING, taskListingKey } from '../../domain/ecs/record-indexes.js';
import { KIND, taskArnOfRecord, taskRecordId } from '../../domain/ecs/record-keys.js';
import { AwsError, invalidParameter } from '../../domain/errors.js';
import { demandOf, taskKey } from '../../domain/placement/container-instance.js';
import { isPlaced } from '../../domain/placement/place-tasks.js';
import { containerInstanceArn, placedOn, planPlacement, type PlacementPlan } from '../../domain/placement/reserve.js';
import { NO_CONTAINER_INSTANCES } from '../../domain/task/launch-capacity.js';
import { requestStop } from '../../domain/task/lifecycle.js';
import { checkLaunch, planRunTask, type IdSource, type RunTaskInput, type RunnableDefinition } from '../../domain/task/run-task.js';
import { STOP_REASONS } from '../../domain/task/task-status.js';
import type { Task } from '../../domain/task/task.js';
import type { ContainerInstances } from '../../ports/container-instances.js';
import { retryOnStale, type Scope, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, encodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { containerInstanceIdOf, findContainerInstance, tasksOnInstance } from './container-instances.js';
import { activeCluster, findCluster } from './records.js';
import { resolveTaskDefinition } from './task-definitions.js';

const ids: IdSource = {
  taskId: () => randomBytes(16).toString('hex'),
  uuid: () => randomUUID(),
  eniId: () => `eni-${randomBytes(9).toString('hex').slice(0, 17)}`,
};

/** `<id>`, `arn:...:task/<cluster>/<id>` or the old `arn:...:task/<id>` -> the task id. */
export function taskIdOf(reference: string): string {
  const parts = reference.startsWith('arn:') ? parseArn(reference) : undefined;
  if (parts) return parts.resource.slice(parts.resource.lastIndexOf('/') + 1);
  return reference;
}

function showTask(task: Task, withTags: boolean) {
  return { ...task, tags: withTags ? task.tags : undefined };
}

export interface TaskHandlerDeps {
  readonly store: Store;
  /** Where tasks are placed: the container instances and their reservations. */
  readonly instances: ContainerInstances;
}

/**
 * Concurrent placements on one instance are ordered by its record's version:
 * every stale attempt means another placement committed, so this many
 * attempts outlast any burst of parallel RunTasks the API lets in.
 */
const PLACEMENT_ATTEMPTS = 64;

export function taskHandlers({ store, instances }: TaskHandlerDeps) {
  async function getTask(scope: Scope, clusterName: string, reference: string) {
    return store.get<Task>(KIND.task, scope, taskRecordId(clusterName, taskIdOf(reference)));
  }

  /**
   * ListTasks' containerInstance filter: the tasks wanted running are the
   * ones the instance's reservations name (one read each, however many tasks
   * the cluster has); stopped ones have given their room back, so those come
   * from the cluster's desired-STOPPED listing, matched by the instance id
   * they ran on. An instance the cluster does not have lists nothing
   * (unverified: ECS may refuse it).
   */
  async function tasksOnContainerInstance(scope: Scope, clusterName: string, reference: string, desired: 'RUNNING' | 'STOPPED', listingKey: string): Promise<StoredRecord<Task>[]> {
    const instanceId = containerInstanceIdOf(reference);
    if (desired === 'STOPPED') {
      return (await store.listByIndex<Task>(TASKS_BY_LISTING, scope, listingKey)).filter(({ doc }) => doc.wharf.containerInstanceId === instanceId);
    }
    const instance = await findContainerInstance(store, scope, clusterName, reference);
    if (!instance) return [];
    return (await tasksOnInstance(store, instance.doc))
      .filter((item) => item.scope.account === scope.account && item.scope.region === scope.region)
      .map((item) => item.record)
      .filter(({ id, doc }) => id.startsWith(`${clusterName}/`) && doc.desiredStatus === 'RUNNING');
  }

  return {
    async RunTask(input: RunTaskInput & { cluster?: string; taskDefinition: string }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      const definition = await resolveTaskDefinition(store, ctx.scope, input.taskDefinition);
      if (!definition) throw invalidParameter('TaskDefinition not found.');
      const runnable = definition.doc.taskDefinition as unknown as RunnableDefinition;
      // The checked strategy and constraints (checkLaunch is pure; planRunTask runs the same checks).
      const { placement, fargate } = checkLaunch(input, runnable, cluster);
      const tasks = planRunTask(input, runnable, definition.doc.tags, cluster, {
        region: ctx.scope.region,
        account: ctx.scope.account,
        now: ctx.now,
        ids,
      });
      const capacity = fargate ? 'fargate' : 'registered';

      // Wharf's capacity is the container instances': a task that does not fit is a placement failure, as in ECS.
      // Read, place and write the tasks with their reservations in one write; a placement that raced another re-reads.
      return retryOnStale(async () => {
        const snapshot = await instances.forPlacement(ctx.scope, cluster.clusterName, capacity);
        // An EC2 launch on a cluster without registered instances is refused, as ECS refuses it.
        if (snapshot.instances.length === 0) throw invalidParameter(NO_CONTAINER_INSTANCES.inCluster);
        const keyed = tasks.map((task) => ({ task, id: taskRecordId(cluster.clusterName, task.wharf.taskId) }));
        const where = { account: ctx.scope.account, region: ctx.scope.region, clusterName: cluster.clusterName, clusterArn: cluster.clusterArn };
        const plan = planPlacement(
          keyed.map(({ task, id }) => ({ key: taskKey(ctx.scope, id), demand: demandOf(task) })),
          snapshot.instances.map((item) => item.instance),
          placement,
          { ...where, random: Math.random },
        );
        const placed = keyed.flatMap(({ task, id }, index) => {
          const outcome = plan.outcomes[index]!;
          return isPlaced(outcome) ? [{ id, task: placedOn(task, outcome.instanceId, snapshot.instances.map((item) => item.instance), where) }] : [];
        });
        const failures = plan.outcomes.flatMap((outcome) => (isPlaced(outcome) ? [] : [outcome.failure]));
        if (placed.length > 0) {
          const ops: WriteOp[] = placed.map(({ task, id }) => ({ op: 'put', kind: KIND.task, scope: ctx.scope, id, doc: task, expect: 'absent' }));
          await store.write([...ops, ...snapshot.reserve(plan.reservations)]);
        }
        return { tasks: placed.map(({ task }) => showTask(task, true)), failures };
      }, PLACEMENT_ATTEMPTS);
    },

    /**
     * One task per named registered instance, as ECS's StartTask: no
     * strategy, but each task must fit its instance (else a failure naming
     * it, as RunTask's). Reservations and tasks in one write.
     */
    async StartTask(input: Omit<RunTaskInput, 'count' | 'launchType' | 'capacityProviderStrategy' | 'placementStrategy' | 'placementConstraints'> & { cluster?: string; taskDefinition: string; containerInstances: string[] }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      if (input.containerInstances.length === 0) throw invalidParameter('Container instances cannot be empty.'); // unverified wording
      if (input.containerInstances.length > 10) throw invalidParameter('Container instances cannot have more than 10 elements.'); // unverified wording
      const definition = await resolveTaskDefinition(store, ctx.scope, input.taskDefinition);
      if (!definition) throw invalidParameter('TaskDefinition not found.');
      const runnable = definition.doc.taskDefinition as unknown as RunnableDefinition;
      // An id or an ARN: the id is the ARN's last path segment, as for tasks.
      const named = [...new Set(input.containerInstances.map(taskIdOf))];
      const known = (await instances.forPlacement(ctx.scope, cluster.clusterName, 'registered')).instances.map((item) => item.instance.containerInstanceId);
      if (!named.some((id) => known.includes(id))) {
        throw invalidParameter(`The referenced container instance ${input.containerInstances[0] ?? ''} was not found. StartTask places tasks on registered container instances (wharf hosts add); Fargate tasks use RunTask.`);
      }
      const tasks = planRunTask({ ...input, count: named.length, launchType: 'EC2' }, runnable, definition.doc.tags, cluster, { region: ctx.scope.region, account: ctx.scope.account, now: ctx.now, ids });
      return retryOnStale(async () => {
        const snapshot = await instances.forPlacement(ctx.scope, cluster.clusterName, 'registered');
        const where = { account: ctx.scope.account, region: ctx.scope.region, clusterName: cluster.clusterName, clusterArn: cluster.clusterArn };
        const placed: { id: string; task: Task }[] = [];
        const failures: { arn: string; reason: string }[] = [];
        const reservations: PlacementPlan['reservations'][number][] = [];
        for (const [index, instanceId] of named.entries()) {
          const target = snapshot.instances.find((item) => item.instance.containerInstanceId === instanceId)?.instance;
          if (!target) {
            failures.push({ arn: containerInstanceArn(where, instanceId), reason: 'MISSING' });
            continue;
          }
          const task = tasks[index]!;
          const id = taskRecordId(cluster.clusterName, task.wharf.taskId);
          const plan = planPlacement([{ key: taskKey(ctx.scope, id), demand: demandOf(task) }], [target], { strategy: [], constraints: [] }, where);
          const outcome = plan.outcomes[0]!;
          if (!isPlaced(outcome)) {
            failures.push(outcome.failure);
            continue;
          }
          placed.push({ id, task: placedOn(task, instanceId, [target], where) });
          reservations.push(...plan.reservations);
        }
        if (placed.length > 0) {
          const ops: WriteOp[] = placed.map(({ task, id }) => ({ op: 'put', kind: KIND.task, scope: ctx.scope, id, doc: task, expect: 'absent' }));
          await store.write([...ops, ...snapshot.reserve(reservations)]);
        }
        return { tasks: placed.map(({ task }) => showTask(task, true)), failures };
      }, PLACEMENT_ATTEMPTS);
    },

    async StopTask(input: { cluster?: string; task: string; reason?: string }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      if (input.reason !== undefined && input.reason.length > 255) throw invalidParameter('Reason cannot be longer than 255 characters.');
      return retryOnStale(async () => {
        const record = await getTask(ctx.scope, cluster.clusterName, input.task);
        if (!record) throw invalidParameter('The referenced task was not found.');
        const next = requestStop(record.doc, 'UserInitiated', input.reason ?? STOP_REASONS.userStopped, ctx.now);
        if (next !== record.doc) await store.write([{ op: 'put', kind: KIND.task, scope: ctx.scope, id: record.id, doc: next, expect: record.version }]);
        return { task: showTask(next, true) };
      });
    },

    async DescribeTasks(input: { cluster?: string; tasks: string[]; include?: string[] }, ctx: RequestContext) {
      const cluster = await findCluster(store, ctx.scope, input.cluster);
      if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      if (input.tasks.length === 0) throw invalidParameter('Tasks cannot be empty.');
      if (input.tasks.length > 100) throw invalidParameter('Tasks cannot have more than 100 elements.');
      const withTags = input.include?.includes('TAGS') ?? false;
      const tasks: unknown[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const reference of input.tasks) {
        const record = await getTask(ctx.scope, cluster.doc.clusterName, reference);
        if (record) tasks.push(showTask(record.doc, withTags));
        else failures.push({ arn: reference.startsWith('arn:') ? reference : `${cluster.doc.clusterArn.replace(':cluster/', ':task/')}/${reference}`, reason: 'MISSING' });
      }
      return { tasks, failures };
    },

    async ListTasks(
      input: { cluster?: string; family?: string; startedBy?: string; serviceName?: string; desiredStatus?: 'RUNNING' | 'PENDING' | 'STOPPED'; launchType?: string; containerInstance?: string; maxResults?: number; nextToken?: string },
      ctx: RequestContext,
    ) {
      const cluster = await findCluster(store, ctx.scope, input.cluster);
      if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      const limit = checkMaxResults(input.maxResults, 100, 100);
      // PENDING is accepted by the API and means tasks the scheduler still wants running.
      const desired = input.desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING';
      const { key, rest } = taskListingKey(cluster.doc.clusterName, desired, input);
      const after = decodePageToken(input.nextToken);
      if (input.containerInstance) {
        const onInstance = await tasksOnContainerInstance(ctx.scope, cluster.doc.clusterName, input.containerInstance, desired, key);
        // Every filter is matched here: the reservations are not the listing index, whose key covers one of them.
        const { serviceName, family, startedBy, launchType } = input;
        const result = page(onInstance.filter(({ doc }) => matchesTaskListFilter(doc, { serviceName, family, startedBy, launchType })), (record) => record.id, after, limit);
        return { taskArns: result.items.map((record) => record.doc.taskArn), nextToken: result.nextToken };
      }
      if (Object.values(rest).every((value) => value === undefined)) {
        // The index answers the listing alone: this page's ids and one more, to know whether there is a next; ARNs follow from ids.
        const ids = await store.listIdsByIndex(TASKS_BY_LISTING, ctx.scope, key, { limit: limit + 1, ...(after !== undefined ? { after } : {}) });
        const shown = ids.slice(0, limit);
        return { taskArns: shown.map((id) => taskArnOfRecord(ctx.scope, id)), nextToken: ids.length > limit ? encodePageToken(shown[shown.length - 1]!) : undefined };
      }
      const matching = (await store.listByIndex<Task>(TASKS_BY_LISTING, ctx.scope, key)).filter(({ doc }) => matchesTaskListFilter(doc, rest));
      const result = page(matching, (record) => record.id, after, limit);
      return { taskArns: result.items.map((record) => record.doc.taskArn), nextToken: result.nextToken };
    },
  };
}
