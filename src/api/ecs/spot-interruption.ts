import { parseArn } from '../../domain/arn.js';
import { clusterNameOf } from '../../domain/ecs/cluster.js';
import { inCluster, KIND, taskRecordId } from '../../domain/ecs/record-keys.js';
import { AwsError, invalidParameter } from '../../domain/errors.js';
import { chooseSpotTasksToInterrupt, FARGATE_SPOT, interruptSpotTask } from '../../domain/task/spot-interruption.js';
import type { Task } from '../../domain/task/task.js';
import { retryOnStale, type Scope, type Store, type StoredRecord } from '../../ports/store.js';
import { findCluster } from './records.js';

/**
 * Fargate Spot interruption on demand (`POST /_wharf/spot-interruption`):
 * reads the tasks, lets the domain mark them, writes them behind a version
 * check. The supervisor then stops them (SIGTERM, SIGKILL after the warning)
 * and a service replaces them as it would after a real interruption.
 */

export interface SpotInterruptionRequest {
  readonly scope: Scope;
  readonly cluster: string;
  readonly target: { readonly task: string } | { readonly service: string; readonly percent: number };
}

export interface SpotInterruptionResult {
  readonly interrupted: string[];
  readonly warningSeconds: number;
}

const FIELDS = new Set(['cluster', 'task', 'service', 'percent', 'region', 'account']);
const USAGE = 'Send {"cluster": "...", "task": "<id or ARN>"} or {"cluster": "...", "service": "<name>", "percent": 1-100}; "region" and "account" are optional.';

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} must be a non-empty string. ${USAGE}`);
  return value;
}

/** The admin request body, checked; every problem is an InvalidParameterException saying what to send. */
export function parseSpotInterruptionRequest(body: unknown): SpotInterruptionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParameter(`The body must be a JSON object. ${USAGE}`);
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw invalidParameter(`Unknown field ${unknown.map((key) => `'${key}'`).join(', ')}. ${USAGE}`);
  const task = optionalString(fields, 'task');
  const service = optionalString(fields, 'service');
  if ((task === undefined) === (service === undefined)) throw invalidParameter(`Name exactly one of task or service. ${USAGE}`);
  if (task !== undefined && fields.percent !== undefined) throw invalidParameter(`percent goes with service, not task. ${USAGE}`);
  const percent = fields.percent ?? 100;
  if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 100) {
    throw invalidParameter(`percent must be a whole number from 1 to 100, got ${JSON.stringify(percent)}.`);
  }
  const account = optionalString(fields, 'account');
  if (account !== undefined && !/^\d{12}$/.test(account)) throw invalidParameter(`account must be 12 digits, got '${account}'.`);
  const region = optionalString(fields, 'region');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw invalidParameter(`region must be a region name such as us-east-1, got '${region}'.`);
  // A task ARN names its cluster, region and account: they need not be repeated.
  const arn = task?.startsWith('arn:') ? parseArn(task) : undefined;
  if (task?.startsWith('arn:') && (!arn || arn.service !== 'ecs' || !arn.resource.startsWith('task/'))) throw invalidParameter(`task must be a task id or an ECS task ARN, got '${task}'.`);
  const arnCluster = arn && arn.resource.split('/').length === 3 ? arn.resource.split('/')[1] : undefined;
  return {
    scope: { region: region ?? (arn?.region || 'us-east-1'), account: account ?? (arn?.account || '123456789012') },
    cluster: clusterNameOf(optionalString(fields, 'cluster') ?? arnCluster),
    target: task !== undefined ? { task } : { service: service!, percent },
  };
}

/** Interrupts the task, or `percent` of the service's running Spot tasks, in one write. */
export async function interruptSpotTasks(store: Store, request: SpotInterruptionRequest, options: { warningSeconds: number; now: Date }): Promise<SpotInterruptionResult> {
  const where = `cluster ${request.cluster} (${request.scope.region}, account ${request.scope.account})`;
  const record = await findCluster(store, request.scope, request.cluster);
  if (record?.doc.status !== 'ACTIVE') throw new AwsError('ClusterNotFoundException', `There is no active ${where}.`);
  const cluster = record.doc;
  return retryOnStale(async () => {
    let chosen: StoredRecord<Task>[];
    if ('task' in request.target) {
      const reference = request.target.task;
      const found = await store.get<Task>(KIND.task, request.scope, taskRecordId(cluster.clusterName, reference.slice(reference.lastIndexOf('/') + 1)));
      if (!found) throw invalidParameter(`The referenced task ${reference} was not found in ${where}.`);
      chosen = [found];
    } else {
      const { service, percent } = request.target;
      const tasks = (await store.list<Task>(KIND.task, request.scope, { prefix: inCluster(cluster.clusterName) })).filter((record) => record.doc.group === `service:${service}`);
      const recordOf = new Map(tasks.map((record) => [record.doc, record]));
      chosen = chooseSpotTasksToInterrupt(tasks.map((record) => record.doc), percent).map((task) => recordOf.get(task)!);
      if (chosen.length === 0) {
        throw invalidParameter(`Service ${service} in ${where} has no running ${FARGATE_SPOT} tasks (of ${tasks.length} task(s) in the service) to interrupt.`);
      }
    }
    const interrupted = chosen.map((record) => ({ record, next: interruptSpotTask(record.doc, options.warningSeconds, options.now) }));
    await store.write(interrupted.map(({ record, next }) => ({ op: 'put' as const, kind: KIND.task, scope: request.scope, id: record.id, doc: next, expect: record.version })));
    return { interrupted: interrupted.map(({ next }) => next.taskArn), warningSeconds: options.warningSeconds };
  });
}
