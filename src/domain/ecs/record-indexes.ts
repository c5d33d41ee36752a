/**
 * The secondary indexes of ECS records that read paths count and look up by
 * (they fit the store port's RecordIndex): the store keeps them as records
 * are written, so DescribeClusters, ListTasks and the task metadata endpoint
 * cost the same with ten tasks or ten thousand. Each key function is the one
 * place its rule lives; callers build keys with the functions beside it.
 */
import type { Task } from '../task/task.js';
import { KIND } from './record-keys.js';

/** Tasks and services are stored as `<cluster>/<name or id>`. */
function clusterOf(id: string): string {
  return id.slice(0, id.indexOf('/'));
}

/** How DescribeClusters counts a task: RUNNING, or on its way there (any earlier status, still wanted). */
export function taskCountBucket(task: Pick<Task, 'lastStatus' | 'desiredStatus'>): 'running' | 'pending' | undefined {
  if (task.lastStatus === 'RUNNING') return 'running';
  if (task.lastStatus !== 'STOPPED' && task.desiredStatus === 'RUNNING') return 'pending';
  return undefined;
}

export const TASKS_BY_COUNT_BUCKET = {
  name: 'count-bucket',
  kind: KIND.task,
  keys(id: string, task: Task): string[] {
    const bucket = taskCountBucket(task);
    return bucket ? [taskCountKey(clusterOf(id), bucket)] : [];
  },
};

export function taskCountKey(cluster: string, bucket: 'running' | 'pending'): string {
  return `${cluster}/${bucket}`;
}

/** What ListTasks filters by besides the cluster and desired status; one filter is answered by the index alone. */
export interface TaskListFilter {
  readonly serviceName?: string;
  readonly family?: string;
  readonly startedBy?: string;
  readonly launchType?: string;
}

/**
 * Tasks by cluster and desired status (ListTasks' PENDING means desired
 * RUNNING), and by that plus each ListTasks filter, so a listing reads only
 * its own page.
 */
export const TASKS_BY_LISTING = {
  name: 'listing',
  kind: KIND.task,
  keys(id: string, task: Task): string[] {
    const base = `${clusterOf(id)}/${task.desiredStatus}`;
    const keys = [base];
    if (task.group.startsWith('service:')) keys.push(`${base}/service:${task.group.slice('service:'.length)}`);
    keys.push(`${base}/family:${task.wharf.family}`);
    if (task.startedBy !== undefined) keys.push(`${base}/startedBy:${task.startedBy}`);
    if (task.launchType !== undefined) keys.push(`${base}/launchType:${task.launchType}`);
    return keys;
  },
};

/**
 * The index key for a listing, with the filters the key does not cover
 * (matched record by record): the most selective filter goes in the key.
 */
export function taskListingKey(cluster: string, desiredStatus: 'RUNNING' | 'STOPPED', filter: TaskListFilter): { key: string; rest: TaskListFilter } {
  const base = `${cluster}/${desiredStatus}`;
  const { serviceName, family, startedBy, launchType } = filter;
  if (serviceName !== undefined) return { key: `${base}/service:${serviceName}`, rest: { family, startedBy, launchType } };
  if (family !== undefined) return { key: `${base}/family:${family}`, rest: { startedBy, launchType } };
  if (startedBy !== undefined) return { key: `${base}/startedBy:${startedBy}`, rest: { launchType } };
  if (launchType !== undefined) return { key: `${base}/launchType:${launchType}`, rest: {} };
  return { key: base, rest: {} };
}

/** Whether a task passes the filters (undefined ones pass everything). */
export function matchesTaskListFilter(task: Task, filter: TaskListFilter): boolean {
  return (
    (filter.family === undefined || task.wharf.family === filter.family) &&
    (filter.startedBy === undefined || task.startedBy === filter.startedBy) &&
    (filter.serviceName === undefined || task.group === `service:${filter.serviceName}`) &&
    (filter.launchType === undefined || task.launchType === filter.launchType)
  );
}

/** A task whose sandbox holds its address right now (a stopped one may have handed it on). */
export function holdsAddress(task: Task): boolean {
  return task.wharf.sandbox !== undefined && task.lastStatus !== 'STOPPED' && task.lastStatus !== 'DEPROVISIONING';
}

/** Live tasks by their sandbox's IPv4 address, in every account: the metadata endpoint finds its caller by it. */
export const TASKS_BY_ADDRESS = {
  name: 'address',
  kind: KIND.task,
  keys: (_id: string, task: Task): string[] => (holdsAddress(task) ? [task.wharf.sandbox!.ipv4Address] : []),
};

/** Services by cluster and status, which DescribeClusters counts. */
export const SERVICES_BY_STATUS = {
  name: 'status',
  kind: KIND.service,
  keys: (id: string, service: { readonly status?: string }): string[] => [serviceStatusKey(clusterOf(id), service.status ?? '')],
};

export function serviceStatusKey(cluster: string, status: string): string {
  return `${cluster}/${status}`;
}

/**
 * Every index above, declared to a store shared by several processes at
 * open, so each process files every write under all of them (a process that
 * did not know an index would leave it behind the others').
 */
export const ECS_RECORD_INDEXES = [TASKS_BY_COUNT_BUCKET, TASKS_BY_LISTING, TASKS_BY_ADDRESS, SERVICES_BY_STATUS] as const;
