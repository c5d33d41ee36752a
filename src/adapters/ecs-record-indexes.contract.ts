import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  matchesTaskListFilter,
  SERVICES_BY_STATUS,
  serviceStatusKey,
  TASKS_BY_ADDRESS,
  TASKS_BY_COUNT_BUCKET,
  TASKS_BY_LISTING,
  taskCountKey,
  taskListingKey,
  type TaskListFilter,
} from '../domain/ecs/record-indexes.js';
import { KIND } from '../domain/ecs/record-keys.js';
import type { Task } from '../domain/task/task.js';
import { StaleWriteError, type Scope, type Store, type WriteOp } from '../ports/store.js';
import { seededRandom } from '../domain/seeded-random.js';

/**
 * An oracle test for every Store adapter: the ECS indexes the read paths use
 * (DescribeClusters' counts, ListTasks, the metadata endpoint's lookup by
 * address) give what the scans they replace gave, after random task and
 * service writes and restarts. The scans below are those read paths' former
 * code, kept here as the oracle. Each adapter's test runs it with its own
 * way to make an empty store and to open that same data again (a restart).
 */

const SCOPES: Scope[] = [
  { account: '111111111111', region: 'us-east-1' },
  { account: '222222222222', region: 'us-east-1' },
];
const CLUSTERS = ['default', 'web'];
const STATUSES = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];
const ADDRESSES = ['10.0.0.2', '10.0.0.3', '10.0.0.4'];

const random = seededRandom;

function randomTask(next: () => number, cluster: string): Task {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const sandbox = next() < 0.7 ? { containerId: 'p', cgroupParent: 'g', ipv4Address: pick(ADDRESSES), macAddress: 'm', subnetCidr: 's', gateway: 'w' } : undefined;
  return {
    taskArn: `arn:aws:ecs:us-east-1:111111111111:task/${cluster}/${Math.floor(next() * 1e9)}`,
    lastStatus: pick(STATUSES),
    desiredStatus: pick(['RUNNING', 'STOPPED'] as const),
    group: pick(['service:api', 'service:worker', 'family:batch']),
    ...(next() < 0.6 ? { startedBy: pick(['ecs-svc/1', 'me']) } : {}),
    ...(next() < 0.7 ? { launchType: pick(['FARGATE', 'EC2']) } : {}),
    wharf: { clusterName: cluster, family: pick(['batch', 'web']), taskId: 't', containerPlans: [], containerIds: {}, ...(sandbox ? { sandbox } : {}) },
  } as unknown as Task;
}

async function scannedCounts(store: Store, scope: Scope, cluster: string) {
  const tasks = await store.list<Task>(KIND.task, scope, { prefix: `${cluster}/` });
  const services = await store.list<{ status?: string }>(KIND.service, scope, { prefix: `${cluster}/` });
  return {
    running: tasks.filter((task) => task.doc.lastStatus === 'RUNNING').length,
    pending: tasks.filter((task) => task.doc.lastStatus !== 'RUNNING' && task.doc.lastStatus !== 'STOPPED' && task.doc.desiredStatus === 'RUNNING').length,
    services: services.filter((service) => service.doc.status === 'ACTIVE').length,
  };
}

async function scannedListing(store: Store, scope: Scope, cluster: string, desired: string, filter: TaskListFilter): Promise<string[]> {
  const all = await store.list<Task>(KIND.task, scope, { prefix: `${cluster}/` });
  return all
    .filter(({ doc }) =>
      (desired === 'STOPPED' ? doc.desiredStatus === 'STOPPED' : doc.desiredStatus === 'RUNNING') &&
      (filter.family === undefined || doc.wharf.family === filter.family) &&
      (filter.startedBy === undefined || doc.startedBy === filter.startedBy) &&
      (filter.serviceName === undefined || doc.group === `service:${filter.serviceName}`) &&
      (filter.launchType === undefined || doc.launchType === filter.launchType),
    )
    .map((record) => record.id);
}

async function indexedListing(store: Store, scope: Scope, cluster: string, desired: string, filter: TaskListFilter): Promise<string[]> {
  const { key, rest } = taskListingKey(cluster, desired === 'STOPPED' ? 'STOPPED' : 'RUNNING', filter);
  // Paged three at a time, as ListTasks pages, to hold the key's order too.
  const ids: string[] = [];
  let after: string | undefined;
  const idsOnly = Object.values(rest).every((value) => value === undefined);
  for (;;) {
    const query = { limit: 3, ...(after !== undefined ? { after } : {}) };
    if (idsOnly) {
      const page = await store.listIdsByIndex(TASKS_BY_LISTING, scope, key, query);
      ids.push(...page);
      if (page.length < 3) return ids;
      after = page[page.length - 1]!;
    } else {
      const page = await store.listByIndex<Task>(TASKS_BY_LISTING, scope, key, query);
      ids.push(...page.filter(({ doc }) => matchesTaskListFilter(doc, rest)).map((record) => record.id));
      if (page.length < 3) return ids;
      after = page[page.length - 1]!.id;
    }
  }
}

const FILTERS: TaskListFilter[] = [
  {},
  { serviceName: 'api' },
  { family: 'web' },
  { startedBy: 'me' },
  { launchType: 'FARGATE' },
  { serviceName: 'worker', launchType: 'EC2' },
  { family: 'batch', startedBy: 'ecs-svc/1' },
];

async function assertIndexesMatchScans(store: Store, where: string): Promise<void> {
  for (const scope of SCOPES) {
    for (const cluster of CLUSTERS) {
      const scanned = await scannedCounts(store, scope, cluster);
      assert.deepEqual(
        {
          running: await store.countByIndex(TASKS_BY_COUNT_BUCKET, scope, taskCountKey(cluster, 'running')),
          pending: await store.countByIndex(TASKS_BY_COUNT_BUCKET, scope, taskCountKey(cluster, 'pending')),
          services: await store.countByIndex(SERVICES_BY_STATUS, scope, serviceStatusKey(cluster, 'ACTIVE')),
        },
        scanned,
        `${where}: counts of ${scope.account}/${cluster}`,
      );
      for (const desired of ['RUNNING', 'PENDING', 'STOPPED']) {
        for (const filter of FILTERS) {
          assert.deepEqual(await indexedListing(store, scope, cluster, desired, filter), await scannedListing(store, scope, cluster, desired, filter), `${where}: ListTasks ${cluster} ${desired} ${JSON.stringify(filter)}`);
        }
      }
    }
  }
  const all = await store.listAll<Task>(KIND.task);
  for (const address of ADDRESSES) {
    const scanned = all.filter(({ doc }) => doc.wharf.sandbox && doc.lastStatus !== 'STOPPED' && doc.lastStatus !== 'DEPROVISIONING' && doc.wharf.sandbox.ipv4Address === address);
    assert.deepEqual(
      (await store.listAllByIndex<Task>(TASKS_BY_ADDRESS, address)).map((record) => `${record.scope.account}/${record.id}`),
      scanned.map((record) => `${record.scope.account}/${record.id}`),
      `${where}: tasks at ${address}`,
    );
  }
}

/** Opens a store, or opens the same data again as a restarted Wharf does. */
export type StoreOpener = () => Promise<Store>;

export function runEcsRecordIndexOracle(name: string, newStorage: () => Promise<StoreOpener>): void {
  test(`the ECS record indexes equal the scans they replace after random task and service writes and restarts: ${name}`, async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const open = await newStorage();
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
      let store: Store = await open();
      for (let step = 0; step < 120; step++) {
        const ops: WriteOp[] = [];
        const seen = new Set<string>();
        for (let n = 1 + Math.floor(next() * 4); n > 0; n--) {
          const scope = pick(SCOPES);
          const cluster = pick(CLUSTERS);
          const kind = next() < 0.8 ? KIND.task : KIND.service;
          const id = `${cluster}/${kind === KIND.task ? 'task' : 'svc'}${Math.floor(next() * 10)}`;
          const where = `${kind}|${scope.account}|${id}`;
          if (seen.has(where)) continue;
          seen.add(where);
          const current = await store.get(kind, scope, id);
          if (current && next() < 0.2) ops.push({ op: 'delete', kind, scope, id });
          else {
            const doc = kind === KIND.task ? randomTask(next, cluster) : { serviceName: id, status: pick(['ACTIVE', 'DRAINING', 'INACTIVE']) };
            ops.push({ op: 'put', kind, scope, id, doc, expect: next() < 0.05 ? 42 : current ? current.version : 'absent' });
          }
        }
        await store.write(ops).catch((error: unknown) => {
          if (!(error instanceof StaleWriteError)) throw error;
        });
        if (next() < 0.08) {
          await store.close();
          store = await open();
        }
        if (step % 15 === 14) await assertIndexesMatchScans(store, `seed ${seed}, step ${step}`);
      }
      await store.close();
    }
  });
}
