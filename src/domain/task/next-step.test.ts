import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyObservations, markExecutionStopped, markPulled, markPullStarted, markRunningIfStarted, markSandboxReady, markStopped, markStopping, recordContainerId, requestStop, type ContainerObservation } from './lifecycle.js';
import { DRAIN_DEADLINE_WAIT_MS } from './draining.js';
import { nextStep, RECHECK_DEPENDENCIES_MS, RECHECK_REGISTRY_MS, RESYNC_RUNNING_MS, type SupervisorStep, type TaskObservation } from './next-step.js';
import { planRunTask, type RunnableDefinition } from './run-task.js';
import type { Task } from './task.js';

const NOW = 1_000_000;
const RETENTION = 3_600_000;
let n = 0;
const ids = { taskId: () => (++n).toString(16).padStart(32, '0'), uuid: () => `u${++n}`, eniId: () => `eni-${++n}` };
const sandbox = { containerId: 'pause', cgroupParent: '/wharf/t', ipv4Address: '172.30.0.5', macAddress: '02:42:ac:1e:00:05', subnetCidr: '172.30.0.0/16', gateway: '172.30.0.1' };

function provisioning(containers: Record<string, unknown>[]): Task {
  const definition: RunnableDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/f:1', family: 'f', revision: 1, status: 'ACTIVE', networkMode: 'awsvpc', cpu: '256', memory: '512',
    compatibilities: ['EC2', 'FARGATE'], containerDefinitions: containers,
  };
  const cluster = { clusterArn: 'arn:aws:ecs:us-east-1:1:cluster/c', clusterName: 'c', capacityProviders: [], defaultCapacityProviderStrategy: [] };
  return planRunTask({ launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }, definition, [], cluster, { region: 'us-east-1', account: '1', now: new Date(0), ids })[0]!;
}

/** PENDING with the sandbox up and the images pulled. */
function pulled(containers: Record<string, unknown>[]): Task {
  const task = markSandboxReady(provisioning(containers), sandbox, [], sandbox.macAddress);
  return markPulled(markPullStarted(task, new Date(1)), {}, new Date(2));
}

/** Containers recorded (engine id = `c-<name>`) and seen as given. */
function seen(task: Task, containers: Record<string, ContainerObservation>): Task {
  let next = task;
  for (const name of Object.keys(containers)) next = recordContainerId(next, name, `c-${name}`);
  return applyObservations(next, containers, new Date(3));
}

function running(containers: Record<string, unknown>[]): Task {
  const task = pulled(containers);
  const all = Object.fromEntries(task.wharf.containerPlans.map((plan) => [plan.name, { status: 'running' } as ContainerObservation]));
  return markRunningIfStarted(seen(task, all), new Date(4));
}

/** What the runtime shows for a task's recorded containers, unchanged from what the record knows. */
function asRecorded(task: Task): Record<string, ContainerObservation> {
  return Object.fromEntries(
    task.containers
      .filter((container) => task.wharf.containerIds[container.name])
      .map((container) => [
        container.name,
        container.lastStatus === 'RUNNING'
          ? { status: 'running', ...(container.healthStatus === 'HEALTHY' ? { health: 'healthy' } : container.healthStatus === 'UNHEALTHY' ? { health: 'unhealthy' } : {}) }
          : container.lastStatus === 'STOPPED'
            ? { status: 'exited', ...(container.exitCode !== undefined ? { exitCode: container.exitCode } : {}) }
            : { status: 'created' },
      ]),
  );
}

function observe(task: Task, overrides: Partial<TaskObservation> = {}): TaskObservation {
  return {
    now: NOW,
    containers: asRecorded(task),
    ...(task.wharf.sandbox ? { sandbox: 'running' as const } : {}),
    unrecorded: [],
    portsPublished: true,
    endpointOpen: true,
    registryReady: true,
    behindLoadBalancer: false,
    secretsInHand: [],
    ...overrides,
  };
}

const app = { name: 'app', image: 'app:1' };
const web = { name: 'web', image: 'web:1', portMappings: [{ containerPort: 8080 }] };
const init = { name: 'init', image: 'tools:1', essential: false };
const db = { name: 'db', image: 'db:1', healthCheck: { command: ['CMD', 'true'], interval: 5, timeout: 2, retries: 3 } };
const after = (condition: string, containerName: string) => ({ name: 'after', image: 'app:1', dependsOn: [{ containerName, condition }] });

interface Row {
  readonly name: string;
  readonly task: Task;
  readonly observed?: Partial<TaskObservation>;
  /** The step, with only the fields that matter (a record step is compared on `expectTask`). */
  readonly expect: Partial<Record<string, unknown>> & { kind: SupervisorStep['kind'] };
  /** For record steps: these fields of the task to write. */
  readonly expectTask?: (task: Task) => unknown;
  readonly expectTaskValue?: unknown;
}

function pick(step: SupervisorStep, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, (step as unknown as Record<string, unknown>)[key]]));
}

function runRows(rows: readonly Row[]): void {
  for (const row of rows) {
    test(row.name, () => {
      const step = nextStep(row.task, observe(row.task, row.observed), { stoppedRetentionMs: RETENTION });
      assert.deepEqual(pick(step, Object.keys(row.expect)), row.expect);
      if (row.expectTask) {
        assert.equal(step.kind, 'record');
        assert.deepEqual(row.expectTask((step as { task: Task }).task), row.expectTaskValue);
      }
    });
  }
}

const status = (task: Task) => ({ lastStatus: task.lastStatus, desiredStatus: task.desiredStatus });
const stop = (task: Task) => ({ lastStatus: task.lastStatus, desiredStatus: task.desiredStatus, stopCode: task.stopCode, stoppedReason: task.stoppedReason });
const containerStatuses = (task: Task) => Object.fromEntries(task.containers.map((c) => [c.name, c.lastStatus]));

describe('nextStep: PROVISIONING', () => {
  runRows([
    { name: 'a new task gets its sandbox', task: provisioning([app]), expect: { kind: 'provision-sandbox' } },
    {
      name: 'what an attempt that died before recording left (its pause container too) is removed first',
      task: provisioning([app]),
      observed: { unrecorded: [{ id: 'old-pause', pause: true }, { id: 'old-app', pause: false }] },
      expect: { kind: 'remove-containers', containerIds: ['old-pause', 'old-app'] },
    },
    {
      name: 'desired STOPPED before the sandbox: STOPPING at once (nothing to drain)',
      task: requestStop(provisioning([app]), 'UserInitiated', 'Task stopped by user', new Date(NOW)),
      observed: { behindLoadBalancer: true },
      expect: { kind: 'record', why: 'stop requested' },
      expectTask: (task) => ({ ...status(task), stoppingAt: task.stoppingAt }),
      expectTaskValue: { lastStatus: 'STOPPING', desiredStatus: 'STOPPED', stoppingAt: NOW },
    },
  ]);
});

describe('nextStep: PENDING, before any container', () => {
  const withSandbox = (containers: Record<string, unknown>[]) => markSandboxReady(provisioning(containers), sandbox, [], sandbox.macAddress);
  const secretApp = { ...app, secrets: [{ name: 'TOKEN', valueFrom: 'arn:aws:secretsmanager:us-east-1:1:secret:t' }] };
  runRows([
    { name: 'mapped ports not published by this process (a restart) are published again', task: withSandbox([web]), observed: { portsPublished: false }, expect: { kind: 'publish-ports' } },
    { name: 'no mapped ports: nothing to publish', task: withSandbox([app]), observed: { portsPublished: false }, expect: { kind: 'begin-pull' } },
    { name: 'secrets are resolved before anything is pulled', task: withSandbox([secretApp, init]), expect: { kind: 'resolve-secrets', containers: ['app'] } },
    {
      name: 'log secretOptions are resolved too',
      task: withSandbox([{ ...app, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' }, secretOptions: [{ name: 'k', valueFrom: 'arn:aws:ssm:us-east-1:1:parameter/k' }] } }]),
      expect: { kind: 'resolve-secrets', containers: ['app'] },
    },
    { name: 'secrets in hand: the pull begins', task: withSandbox([secretApp]), observed: { secretsInHand: ['app'] }, expect: { kind: 'begin-pull' } },
    {
      name: 'environment files fail the task (no S3)',
      task: withSandbox([{ ...app, environmentFiles: [{ value: 'arn:aws:s3:::b/app.env', type: 's3' }] }]),
      expect: { kind: 'record', why: 'environment files cannot be read' },
      expectTask: stop,
      expectTaskValue: {
        lastStatus: 'PENDING', desiredStatus: 'STOPPED', stopCode: 'TaskFailedToStart',
        stoppedReason: 'ResourceInitializationError: failed to download env files: Wharf has no S3 to read arn:aws:s3:::b/app.env from (container app); use environment instead',
      },
    },
    { name: "Wharf's registry not listening yet: wait briefly", task: withSandbox([app]), observed: { registryReady: false }, expect: { kind: 'wait', until: NOW + RECHECK_REGISTRY_MS } },
    {
      name: 'pull begun (possibly before a restart): each distinct image is ensured',
      task: markPullStarted(withSandbox([app, { ...app, name: 'twin' }, web]), new Date(1)),
      expect: { kind: 'ensure-images', images: ['app:1', 'web:1'] },
    },
    {
      name: 'a container an attempt made but never recorded is removed before creating; an unrecorded pause container is not this step’s',
      task: pulled([app]),
      observed: { unrecorded: [{ id: 'pool-pause', pause: true }, { id: 'lost-app', pause: false }] },
      expect: { kind: 'remove-containers', containerIds: ['lost-app'] },
    },
    { name: 'the metadata route opens before any container starts', task: pulled([app]), observed: { endpointOpen: false }, expect: { kind: 'open-endpoint' } },
    { name: 'images in place: the first container is created', task: pulled([app, web]), expect: { kind: 'create-container', container: 'app' } },
  ]);
});

describe('nextStep: PENDING, containers in dependsOn order', () => {
  runRows([
    { name: 'recorded and created but not started (a restart between the two): started', task: seen(pulled([app]), { app: { status: 'created' } }), expect: { kind: 'start-container', container: 'app', containerId: 'c-app' } },
    {
      name: 'a created container with a start error (a start cut off by a kill -9) is started again, once',
      task: recordContainerId(pulled([app]), 'app', 'c-app'),
      observed: { containers: { app: { status: 'created', error: 'context canceled' } } },
      expect: { kind: 'start-container', container: 'app', containerId: 'c-app' },
    },
    {
      name: 'a created container the engine could not start in this pass stops the task with CannotStartContainerError',
      task: recordContainerId(pulled([app]), 'app', 'c-app'),
      observed: { containers: { app: { status: 'created', exitCode: 127, error: 'exec: "nope": not found' } }, startsTried: ['app'] },
      expect: { kind: 'record', why: 'container could not start' },
      expectTask: (task) => [task.desiredStatus, task.stopCode, task.containers[0]!.lastStatus, task.containers[0]!.exitCode, task.containers[0]!.reason],
      expectTaskValue: ['STOPPED', 'EssentialContainerExited', 'STOPPED', 127, 'CannotStartContainerError: exec: "nope": not found'],
    },
    {
      name: 'a created container whose start this pass asked for and that shows no error yet: waits',
      task: recordContainerId(pulled([app]), 'app', 'c-app'),
      observed: { containers: { app: { status: 'created' } }, startsTried: ['app'] },
      expect: { kind: 'wait', until: NOW + RECHECK_DEPENDENCIES_MS },
    },
    { name: 'the next container after one that runs', task: seen(pulled([app, web]), { app: { status: 'running' } }), expect: { kind: 'create-container', container: 'web' } },
    { name: 'START: waits while the dependency is PENDING', task: seen(pulled([init, after('START', 'init')]), { init: { status: 'created' } }), observed: { containers: { init: { status: 'created' } }, startsTried: ['init'] }, expect: { kind: 'wait' } },
    { name: 'START: goes once the dependency runs', task: seen(pulled([init, after('START', 'init')]), { init: { status: 'running' } }), expect: { kind: 'create-container', container: 'after' } },
    { name: 'COMPLETE: waits while the dependency runs', task: seen(pulled([init, after('COMPLETE', 'init')]), { init: { status: 'running' } }), expect: { kind: 'wait', until: NOW + RECHECK_DEPENDENCIES_MS } },
    { name: 'COMPLETE: goes after any exit', task: seen(pulled([init, after('COMPLETE', 'init')]), { init: { status: 'exited', exitCode: 3 } }), expect: { kind: 'create-container', container: 'after' } },
    { name: 'SUCCESS: goes after exit 0', task: seen(pulled([init, after('SUCCESS', 'init')]), { init: { status: 'exited', exitCode: 0 } }), expect: { kind: 'create-container', container: 'after' } },
    {
      name: 'SUCCESS: a non-zero exit fails the task',
      task: seen(pulled([init, after('SUCCESS', 'init')]), { init: { status: 'exited', exitCode: 2 } }),
      expect: { kind: 'record', why: 'dependency cannot be met' },
      expectTask: stop,
      expectTaskValue: { lastStatus: 'PENDING', desiredStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'DependencyFailedError: container after: dependency init exited with code 2, not 0' },
    },
    { name: 'HEALTHY: waits while the health is unknown', task: seen(pulled([db, after('HEALTHY', 'db')]), { db: { status: 'running', health: 'starting' } }), expect: { kind: 'wait' } },
    { name: 'HEALTHY: goes once healthy', task: seen(pulled([db, after('HEALTHY', 'db')]), { db: { status: 'running', health: 'healthy' } }), expect: { kind: 'create-container', container: 'after' } },
    {
      name: 'HEALTHY: a dependency that stopped first fails the task',
      task: seen(pulled([{ ...db, essential: false }, after('HEALTHY', 'db')]), { db: { status: 'exited', exitCode: 1 } }),
      expect: { kind: 'record' },
      expectTask: (task) => task.stoppedReason,
      expectTaskValue: 'DependencyFailedError: container after: dependency db stopped before it was healthy',
    },
    {
      name: 'every container started: RUNNING, connected',
      task: seen(pulled([app, web]), { app: { status: 'running' }, web: { status: 'running' } }),
      expect: { kind: 'record', why: 'every container started' },
      expectTask: (task) => ({ ...status(task), startedAt: task.startedAt, connectivity: task.connectivity }),
      expectTaskValue: { lastStatus: 'RUNNING', desiredStatus: 'RUNNING', startedAt: NOW, connectivity: 'CONNECTED' },
    },
    {
      name: 'a dependency that already finished counts as started',
      task: seen(pulled([init, after('SUCCESS', 'init')]), { init: { status: 'exited', exitCode: 0 }, after: { status: 'running' } }),
      expect: { kind: 'record', why: 'every container started' },
      expectTask: (task) => task.lastStatus,
      expectTaskValue: 'RUNNING',
    },
    {
      name: 'what the runtime reports is folded in before anything is decided',
      task: recordContainerId(pulled([app]), 'app', 'c-app'),
      observed: { containers: { app: { status: 'running' } } },
      expect: { kind: 'record', why: 'containers observed' },
      expectTask: containerStatuses,
      expectTaskValue: { app: 'RUNNING' },
    },
    {
      name: 'the last container seen started (and already exited, being non-essential): the same write records it and runs the task',
      task: recordContainerId(recordContainerId(pulled([web, { ...app, essential: false }]), 'web', 'c-web'), 'app', 'c-app'),
      observed: { containers: { web: { status: 'running' }, app: { status: 'exited', exitCode: 0 } } },
      expect: { kind: 'record', why: 'containers observed' },
      expectTask: (task) => ({ lastStatus: task.lastStatus, ...containerStatuses(task) }),
      expectTaskValue: { lastStatus: 'RUNNING', web: 'RUNNING', app: 'STOPPED' },
    },
  ]);
});

describe('nextStep: RUNNING', () => {
  runRows([
    { name: 'steady: nothing to do until the resync (re-adopted after a restart: nothing made twice)', task: running([app, web]), expect: { kind: 'wait', until: NOW + RESYNC_RUNNING_MS } },
    { name: 'a restarted supervisor publishes the recorded ports again', task: running([web]), observed: { portsPublished: false }, expect: { kind: 'publish-ports' } },
    {
      name: 'an essential container exits: the task is to stop, with ECS words',
      task: running([app, init]),
      observed: { containers: { app: { status: 'exited', exitCode: 1 }, init: { status: 'running' } } },
      expect: { kind: 'record', why: 'containers observed' },
      expectTask: (task) => ({ ...stop(task), exitCode: task.containers[0]!.exitCode }),
      expectTaskValue: { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', exitCode: 1 },
    },
    {
      name: 'a non-essential container exits: the task keeps running',
      task: running([app, init]),
      observed: { containers: { app: { status: 'running' }, init: { status: 'exited', exitCode: 0 } } },
      expect: { kind: 'record' },
      expectTask: (task) => ({ ...status(task), ...containerStatuses(task) }),
      expectTaskValue: { lastStatus: 'RUNNING', desiredStatus: 'RUNNING', app: 'RUNNING', init: 'STOPPED' },
    },
    {
      name: 'killed for memory: the OOM reason',
      task: running([app]),
      observed: { containers: { app: { status: 'exited', exitCode: 137, oomKilled: true } } },
      expect: { kind: 'record' },
      expectTask: (task) => task.containers[0]!.reason,
      expectTaskValue: 'OutOfMemoryError: Container killed due to memory usage',
    },
    {
      name: 'a container gone from the engine while running counts as stopped',
      task: running([app]),
      observed: { containers: { app: { status: 'missing' } } },
      expect: { kind: 'record' },
      expectTask: (task) => ({ ...containerStatuses(task), stopCode: task.stopCode }),
      expectTaskValue: { app: 'STOPPED', stopCode: 'EssentialContainerExited' },
    },
    {
      name: 'health is folded in (ECS rule: essential containers with checks)',
      task: running([db]),
      observed: { containers: { db: { status: 'running', health: 'healthy' } } },
      expect: { kind: 'record' },
      expectTask: (task) => task.healthStatus,
      expectTaskValue: 'HEALTHY',
    },
  ]);
});

describe('nextStep: desired STOPPED at each stage', () => {
  const stopped = (task: Task, at = NOW) => requestStop(task, 'UserInitiated', 'Task stopped by user', new Date(at));
  const drained = (task: Task, drainUntil: number) => ({ ...task, wharf: { ...task.wharf, drainUntil } });
  const deactivating = (task: Task) => ({ ...task, lastStatus: 'DEACTIVATING' as const });
  runRows([
    {
      name: 'PENDING (a failed start): straight to STOPPING, no drain',
      task: stopped(seen(pulled([app, web]), { app: { status: 'running' } })),
      observed: { behindLoadBalancer: true },
      expect: { kind: 'record', why: 'stop requested' },
      expectTask: (task) => task.lastStatus,
      expectTaskValue: 'STOPPING',
    },
    {
      name: 'PENDING, every container started and the essential one already exited: RUNNING first (the task did run)',
      task: seen(pulled([app]), { app: { status: 'exited', exitCode: 0 } }),
      expect: { kind: 'record', why: 'every container started' },
      expectTask: (task) => ({ ...stop(task), startedAt: task.startedAt }),
      expectTaskValue: { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', startedAt: NOW },
    },
    { name: 'RUNNING, no load balancer: STOPPING', task: stopped(running([app])), expect: { kind: 'record', why: 'stop requested' }, expectTask: (task) => task.lastStatus, expectTaskValue: 'STOPPING' },
    {
      name: 'RUNNING behind a load balancer: DEACTIVATING while targets drain',
      task: stopped(running([app])),
      observed: { behindLoadBalancer: true },
      expect: { kind: 'record', why: 'targets draining' },
      expectTask: (task) => task.lastStatus,
      expectTaskValue: 'DEACTIVATING',
    },
    {
      name: 'DEACTIVATING, no deadline from the scheduler yet: wait for it, a short while from the stop',
      task: deactivating(stopped(running([app]), NOW - 1_000)),
      observed: { behindLoadBalancer: true },
      expect: { kind: 'wait', until: NOW - 1_000 + DRAIN_DEADLINE_WAIT_MS },
    },
    { name: 'DEACTIVATING, the scheduler never answered: stop anyway', task: deactivating(stopped(running([app]), NOW - DRAIN_DEADLINE_WAIT_MS)), observed: { behindLoadBalancer: true }, expect: { kind: 'record', why: 'stop requested' } },
    { name: 'DEACTIVATING until the drain deadline the scheduler set', task: deactivating(drained(stopped(running([app])), NOW + 30_000)), expect: { kind: 'wait', until: NOW + 30_000 } },
    { name: 'a drain deadline on a RUNNING task (a restart): DEACTIVATING', task: drained(stopped(running([app])), NOW + 30_000), expect: { kind: 'record', why: 'targets draining' } },
    { name: 'the drain deadline passed: STOPPING', task: deactivating(drained(stopped(running([app])), NOW)), expect: { kind: 'record', why: 'stop requested' } },
    {
      name: "STOPPING: each running container gets the stop signal with its own stopTimeout; exited ones are left",
      task: markStopping(stopped(seen(running([{ ...app, stopTimeout: 5 }, web, init]), { init: { status: 'exited', exitCode: 0 } })), new Date(NOW)),
      expect: { kind: 'stop-containers', containers: [{ container: 'app', containerId: 'c-app', timeoutSeconds: 5 }, { container: 'web', containerId: 'c-web', timeoutSeconds: 30 }] },
    },
    {
      name: "STOPPING for a Spot interruption: the warning period replaces stopTimeout",
      task: markStopping({ ...stopped(running([app])), wharf: { ...stopped(running([app])).wharf, stopGraceSeconds: 120 } }, new Date(NOW)),
      expect: { kind: 'stop-containers', containers: [{ container: 'app', containerId: 'c-app', timeoutSeconds: 120 }] },
    },
    {
      name: 'stopTimeout partly spent before a restart: only what is left of it',
      task: markStopping(stopped(running([app])), new Date(NOW - 10_000)),
      expect: { kind: 'stop-containers', containers: [{ container: 'app', containerId: 'c-app', timeoutSeconds: 20 }] },
    },
    {
      name: 'stopTimeout expired (a restart mid-stop): killed at once',
      task: markStopping(stopped(running([app])), new Date(NOW - 45_000)),
      expect: { kind: 'stop-containers', containers: [{ container: 'app', containerId: 'c-app', timeoutSeconds: 0 }] },
    },
    {
      name: 'STOPPING, a container the engine holds dead (no signal reaches it): not waited for',
      task: markStopping(stopped(running([app])), new Date(NOW)),
      observed: { containers: { app: { status: 'other' } } },
      expect: { kind: 'record', why: 'every container stopped' },
    },
    {
      name: 'STOPPING, containers exited: their exit codes are recorded first',
      task: markStopping(stopped(running([app])), new Date(NOW)),
      observed: { containers: { app: { status: 'exited', exitCode: 143 } } },
      expect: { kind: 'record', why: 'containers observed' },
      expectTask: (task) => task.containers[0]!.exitCode,
      expectTaskValue: 143,
    },
    {
      name: 'STOPPING, nothing left up: DEPROVISIONING (never-started containers count as stopped)',
      task: markStopping(stopped(seen(pulled([app, web]), { app: { status: 'exited', exitCode: 0 } })), new Date(NOW)),
      expect: { kind: 'record', why: 'every container stopped' },
      expectTask: (task) => ({ lastStatus: task.lastStatus, executionStoppedAt: task.executionStoppedAt, ...containerStatuses(task) }),
      expectTaskValue: { lastStatus: 'DEPROVISIONING', executionStoppedAt: NOW, app: 'STOPPED', web: 'STOPPED' },
    },
    { name: 'DEPROVISIONING with the pause container up: the network goes', task: markExecutionStopped(markStopping(stopped(running([app])), new Date(1)), new Date(2)), expect: { kind: 'release-network' } },
    {
      name: 'DEPROVISIONING with ports still published (pause already down): the network goes',
      task: markExecutionStopped(markStopping(stopped(running([web])), new Date(1)), new Date(2)),
      observed: { sandbox: 'exited' },
      expect: { kind: 'release-network' },
    },
    {
      name: 'DEPROVISIONING, network released: STOPPED, reason kept',
      task: markExecutionStopped(markStopping(stopped(running([app])), new Date(1)), new Date(2)),
      observed: { sandbox: 'exited', portsPublished: false },
      expect: { kind: 'record', why: 'network released' },
      expectTask: (task) => ({ ...stop(task), stoppedAt: task.stoppedAt, connectivity: task.connectivity }),
      expectTaskValue: { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', stoppedAt: NOW, connectivity: 'DISCONNECTED' },
    },
    {
      name: 'a task stopped before it had a sandbox goes straight through',
      task: markExecutionStopped(markStopping(stopped(provisioning([app])), new Date(1)), new Date(2)),
      observed: { portsPublished: false },
      expect: { kind: 'record', why: 'network released' },
    },
  ]);
});

describe('nextStep: STOPPED', () => {
  const finished = (stoppedAt: number) => markStopped(markExecutionStopped(markStopping(requestStop(running([app]), 'UserInitiated', 'Task stopped by user', new Date(1)), new Date(1)), new Date(2)), new Date(stoppedAt));
  runRows([
    { name: 'kept (describable, docker logs works) for the retention period', task: finished(NOW - 1_000), observed: { containers: {} }, expect: { kind: 'wait', until: NOW - 1_000 + RETENTION } },
    { name: 'removed once it is over', task: finished(NOW - RETENTION), expect: { kind: 'remove-task' } },
    {
      name: 'stopped while its host did not answer: the containers it left running go first, the record stays for the retention',
      task: finished(NOW - 1_000),
      observed: { containers: {}, runningAfterStop: ['left-app'] },
      expect: { kind: 'remove-containers', containerIds: ['left-app'] },
    },
    { name: 'observations no longer change a stopped task', task: finished(NOW - 1_000), observed: { containers: { app: { status: 'missing' } } }, expect: { kind: 'wait' } },
  ]);
});

/**
 * The supervisor's loop against a tiny simulated engine: applying each step
 * as the runtime would must reach RUNNING, then STOPPED, then removal, in a
 * bounded number of steps and without ever making a container twice.
 */
describe('nextStep: a whole lifecycle, step by step', () => {
  test('RUN -> STOP -> removal with dependsOn, without repeating a container', () => {
    let task = provisioning([init, after('SUCCESS', 'init'), web]);
    const engine = new Map<string, ContainerObservation>();
    const created: string[] = [];
    let published = false;
    let sandboxUp = false;
    let now = NOW;
    const seenSteps: string[] = [];
    for (let i = 0; i < 60; i++) {
      const containers = Object.fromEntries(Object.entries(task.wharf.containerIds).map(([name, id]) => [name, engine.get(id) ?? { status: 'missing' as const }]));
      const step = nextStep(task, { ...observe(task), now, containers, portsPublished: published, ...(task.wharf.sandbox ? { sandbox: sandboxUp ? 'running' : 'exited' } : {}) }, { stoppedRetentionMs: RETENTION });
      seenSteps.push(step.kind);
      if (step.kind === 'remove-task') break;
      switch (step.kind) {
        case 'record': task = step.task; break;
        case 'provision-sandbox': task = markSandboxReady(task, sandbox, [], sandbox.macAddress); published = true; sandboxUp = true; break;
        case 'begin-pull': task = markPullStarted(task, new Date(now)); break;
        case 'ensure-images': task = markPulled(task, {}, new Date(now)); break;
        case 'create-container': created.push(step.container); engine.set(`c-${step.container}`, { status: 'created' }); task = recordContainerId(task, step.container, `c-${step.container}`); break;
        // init runs to completion at once; the others keep running.
        case 'start-container': engine.set(step.containerId, step.container === 'init' ? { status: 'exited', exitCode: 0 } : { status: 'running' }); break;
        case 'stop-containers': for (const stop of step.containers) engine.set(stop.containerId, { status: 'exited', exitCode: 143 }); break;
        case 'release-network': published = false; sandboxUp = false; break;
        case 'wait':
          if (task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING') task = requestStop(task, 'UserInitiated', 'Task stopped by user', new Date(now));
          else now = step.until;
          break;
        default: assert.fail(`unexpected step ${step.kind}`);
      }
    }
    assert.equal(seenSteps.at(-1), 'remove-task', seenSteps.join(' '));
    assert.deepEqual(created, ['init', 'after', 'web'], 'each container made once, init before its dependent');
    assert.equal(task.lastStatus, 'STOPPED');
    assert.deepEqual(Object.fromEntries(task.containers.map((c) => [c.name, c.exitCode])), { init: 0, after: 143, web: 143 });
  });
});
