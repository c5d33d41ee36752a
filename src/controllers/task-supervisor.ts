import { KIND } from '../domain/ecs/record-keys.js';
import { drainsTargets, serviceOfTask } from '../domain/task/draining.js';
import { failSecrets, markPullStarted, markSandboxReady, recordContainerId, requestStop, withHostPorts, type ContainerObservation } from '../domain/task/lifecycle.js';
import { nextStep, type SupervisorStep, type TaskObservation } from '../domain/task/next-step.js';
import { serviceRecordId, type Service } from '../domain/service/service.js';
import { statusRank } from '../domain/task/task-status.js';
import type { Task } from '../domain/task/task.js';
import type { Clock } from '../ports/clock.js';
import type { HostPortPublisher } from '../ports/host-ports.js';
import type { LogSink } from '../ports/log-store.js';
import type { TaskEndpoint } from '../ports/task-endpoint.js';
import type { Logger } from '../ports/logger.js';
import { WHARF_LABELS, type ContainerRuntime, type ContainerState, type LabelledContainer } from '../ports/runtime.js';
import { StaleWriteError, type Scope, type Store } from '../ports/store.js';
import { resolveContainerSecrets } from './container-secrets.js';
import { removeLabelledContainers } from './remove-containers.js';
import { containerSpec, taskLabels } from './container-spec.js';
import { EngineGate } from './engine-gate.js';
import type { ExecutionRoleCheck } from './execution-role.js';
import type { SandboxPool } from './sandbox-pool.js';
import { TaskImages, type TaskRegistry } from './task-images.js';
import { TaskLogGroups } from './task-log-groups.js';
import type { TaskSecrets } from './task-secrets.js';
import { againAfter, done, WorkQueue, type ReconcileResult } from './work-queue.js';

export interface TaskSupervisorOptions {
  /** How long STOPPED tasks stay describable before their containers and records go (ECS: at least an hour). */
  readonly stoppedRetentionMs?: number;
  readonly resyncMs?: number;
  readonly concurrency?: number;
  /** Labels this Wharf's containers; others sharing the engine are left alone. */
  readonly instanceId: string;
  /** Publishes task ports on 127.0.0.1. */
  readonly publisher: HostPortPublisher;
  /** Ready sandboxes to take instead of making one (optional). */
  readonly pool?: SandboxPool;
  /**
   * Wharf's registry: ECR images (the AWS form or its repositoryUri form) are
   * pulled from `host()` (`127.0.0.1:<port>`, known once the server listens)
   * with credentials minted for the repository's account and region.
   */
  readonly registry?: TaskRegistry;
  /**
   * CloudWatch Logs, for the awslogs driver: a task whose log group does not
   * exist fails to start (unless awslogs-create-group), and each container's
   * stream is made when it starts. Without it awslogs is not checked.
   */
  readonly logs?: LogSink;
  /**
   * Resolves containers' `secrets` from Secrets Manager and Parameter Store at
   * start; the values go only into the container's environment. Without it a
   * task with secrets fails to start.
   */
  readonly secrets?: TaskSecrets;
  /** The task metadata and credentials endpoint (169.254.170.2): its variables and per-task routing. */
  readonly endpoint?: TaskEndpoint;
  /**
   * IAM enforcement (--enforce-iam): the execution role must be allowed the
   * ECR pulls and awslogs writes a task start makes. Without it nothing is checked.
   */
  readonly executionRole?: ExecutionRoleCheck;
  /**
   * Divides container health check intervals and start periods (ECS waits):
   * under time scale 20 the usual 30 s interval is 1.5 s, so a task turns
   * HEALTHY in seconds. The timeout stays: it bounds the check command itself.
   */
  readonly timeScale?: number;
  /**
   * The registered container instance whose engine `runtime` is: this
   * supervisor drives only the tasks placed on it. Absent: the local
   * engine's, which drives the Fargate tasks (those naming no instance).
   */
  readonly containerInstanceId?: string;
  /** How often a silent engine is pinged again while its tasks wait for it (engine-gate.ts). */
  readonly engineProbeMs?: number;
}

/** A task's queue key: its scope and store id. The same string labels its containers. */
export function taskKey(scope: Scope, id: string): string {
  return `${scope.account}|${scope.region}|${id}`;
}

function parseKey(key: string): { scope: Scope; id: string } {
  const [account, region, id] = key.split('|') as [string, string, string];
  return { scope: { account, region }, id };
}

/**
 * The agent: drives each task from PROVISIONING to STOPPED through the
 * runtime port, and turns what the runtime reports into task state. It alone
 * writes observed state; handlers write only desired state. It decides
 * nothing itself: each turn it observes the task's containers, asks the pure
 * `nextStep` (domain/task/next-step.ts) what to do, and applies that step.
 * Level-triggered: each turn re-reads the task and the runtime, so it can die
 * at any point and, restarted, re-adopt running containers instead of
 * duplicating or killing them. One supervisor serves one engine host (the
 * runtime it is given); its containers carry its `instanceId`.
 */
export class TaskSupervisor {
  private readonly queue: WorkQueue;
  private unsubscribers: (() => void)[] = [];
  private readonly retentionMs: number;
  private readonly images: TaskImages;
  private readonly logGroups: TaskLogGroups;
  private readonly engineGate: EngineGate;

  constructor(
    private readonly store: Store,
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: TaskSupervisorOptions,
  ) {
    this.retentionMs = options.stoppedRetentionMs ?? 60 * 60 * 1000;
    this.images = new TaskImages(runtime, clock, options.registry, options.executionRole);
    this.logGroups = new TaskLogGroups(clock, options.logs, options.executionRole);
    this.engineGate = new EngineGate(() => this.runtime.ping(), (keys) => keys.forEach((key) => this.queue.add(key)), logger, {
      probeMs: options.engineProbeMs,
      engine: options.containerInstanceId,
    });
    this.queue = new WorkQueue('task-supervisor', (key) => this.reconcileWhenEngineAnswers(key), logger, {
      concurrency: options.concurrency ?? 8,
      resyncMs: options.resyncMs ?? 30_000,
      // Every task keeps its next look scheduled (RUNNING ones every minute, STOPPED ones at their
      // removal), so the resync only picks up tasks the queue never heard of (a lost change event).
      resync: 'missing',
      listKeys: async () => (await this.store.listAll<Task>(KIND.task)).filter((record) => this.drives(record.doc)).map((record) => taskKey(record.scope, record.id)),
    });
  }

  async start(): Promise<void> {
    this.unsubscribers.push(this.store.watch(KIND.task, (change) => this.queue.add(taskKey(change.scope, change.id))));
    this.unsubscribers.push(
      this.runtime.subscribe((event) => {
        const key = event.labels[WHARF_LABELS.taskKey];
        if (key && event.labels[WHARF_LABELS.instance] === this.options.instanceId) this.queue.add(key);
      }),
    );
    try {
      await this.removeOrphans();
    } catch (error) {
      // The engine may not answer yet: the API still serves and tasks wait; the next start sweeps.
      this.logger.warn({ err: error }, 'could not list containers to remove orphans');
    }
    this.options.pool?.start();
    this.queue.start();
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    this.engineGate.stop();
    await this.queue.stop();
    await this.options.pool?.stop();
    // Running tasks keep running; their published ports come back when a Wharf re-adopts them.
    await this.options.publisher.close();
  }

  /** Whether the task was placed on this supervisor's engine. */
  private drives(task: Task): boolean {
    return task.wharf.containerInstanceId === this.options.containerInstanceId;
  }

  /** This Wharf's containers (several Wharfs may share one engine), or one task's. */
  private ownContainers(key?: string): Promise<ContainerState[]> {
    return this.runtime.listManaged({ [WHARF_LABELS.instance]: this.options.instanceId, ...(key ? { [WHARF_LABELS.taskKey]: key } : {}) });
  }

  /** Containers whose task no longer exists (a wipe, a lost record) are removed at start-up. */
  private async removeOrphans(): Promise<void> {
    const tasks = await this.store.listAll<Task>(KIND.task);
    const known = new Set(tasks.map((record) => taskKey(record.scope, record.id)));
    // A sandbox taken from the pool carries no task label: its task's record names it.
    const sandboxes = new Set(tasks.map((record) => record.doc.wharf.sandbox?.containerId).filter(Boolean));
    // Ids and labels are all a sweep needs: one list call, not an inspect per container, keeps a start with many tasks quick.
    const mine = await this.runtime.listManagedLabels({ [WHARF_LABELS.instance]: this.options.instanceId });
    const orphans = mine.filter((c) => !known.has(c.labels[WHARF_LABELS.taskKey] ?? '') && !sandboxes.has(c.id));
    if (orphans.length > 0) this.logger.info({ count: orphans.length }, 'removing containers of tasks Wharf no longer knows');
    await this.removeContainers(orphans);
  }

  private removeContainers(containers: readonly LabelledContainer[]): Promise<void> {
    return removeLabelledContainers(this.runtime, containers);
  }

  /** Re-reads the task and applies `change` to the fresh copy until the write is not stale. */
  private async update(scope: Scope, id: string, change: (task: Task) => Task): Promise<Task | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const record = await this.store.get<Task>(KIND.task, scope, id);
      if (!record) return undefined;
      const next = change(record.doc);
      // A write that changes nothing would wake this task's watch and loop: skip it.
      if (next === record.doc || JSON.stringify(next) === JSON.stringify(record.doc)) return record.doc;
      try {
        await this.store.write([{ op: 'put', kind: KIND.task, scope, id, doc: next, expect: record.version }]);
        return next;
      } catch (error) {
        if (!(error instanceof StaleWriteError)) throw error;
      }
    }
    throw new Error(`task ${id}: too many concurrent writes`);
  }

  /** While the engine is silent a task waits for it (engine-gate.ts) instead of failing on its own back-off. */
  private async reconcileWhenEngineAnswers(key: string): Promise<ReconcileResult> {
    if (this.engineGate.holds(key)) return done;
    try {
      return await this.reconcile(key);
    } catch (error) {
      if (await this.engineGate.holdsAfterFailure(key, error)) return done;
      throw error;
    }
  }

  /**
   * One pass over one task: observe, ask `nextStep`, apply, until the answer
   * is to wait. Everything it knows comes from the store and the runtime at
   * each turn, so it can die between any two steps and a later pass carries on.
   */
  private async reconcile(key: string): Promise<ReconcileResult> {
    const { scope, id } = parseKey(key);
    const pass: Pass = { secrets: new Map(), startsTried: new Set(), endpointOpen: false };
    let previous: string | undefined;
    for (let turn = 0; turn < MAX_STEPS_PER_PASS; turn++) {
      const record = await this.store.get<Task>(KIND.task, scope, id);
      if (!record) {
        await this.removeContainers(await this.ownContainers(key));
        return done;
      }
      const task = record.doc;
      // Every supervisor hears every task write; another host's task is its supervisor's.
      if (!this.drives(task)) return done;
      const observed = await this.observe(scope, key, task, pass);
      const step = nextStep(task, observed, { stoppedRetentionMs: this.retentionMs });
      if (step.kind === 'wait') return againAfter(Math.min(Math.max(0, step.until - observed.now), MAX_TIMER_MS));
      // A runtime step asked for again at once changed nothing the runtime reports: look again later rather than spin.
      const signature = step.kind === 'record' ? undefined : JSON.stringify(step);
      if (signature !== undefined && signature === previous) return againAfter(1_000);
      previous = signature;
      if (step.kind === 'remove-task') {
        await this.removeTask(scope, id, key, task);
        return done;
      }
      await this.apply(scope, id, key, record.version, task, step, pass);
    }
    return againAfter(0);
  }

  /** What nextStep decides from: the recorded containers and sandbox as the engine reports them, and this process's own state. */
  private async observe(scope: Scope, key: string, task: Task, pass: Pass): Promise<TaskObservation> {
    const containers: Record<string, ContainerObservation> = {};
    const sandbox = task.lastStatus !== 'STOPPED' ? task.wharf.sandbox : undefined;
    // Container results are final from DEPROVISIONING on: nextStep no longer reads them.
    const inspected = statusRank(task.lastStatus) < statusRank('DEPROVISIONING') ? Object.entries(task.wharf.containerIds) : [];
    const [sandboxState] = await Promise.all([
      sandbox ? this.runtime.inspectContainer(sandbox.containerId) : Promise.resolve(undefined),
      ...inspected.map(async ([name, containerId]) => {
        containers[name] = asObservation(await this.runtime.inspectContainer(containerId));
      }),
    ]);
    const starting = task.desiredStatus === 'RUNNING' && (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING' || task.lastStatus === 'ACTIVATING');
    // Listed once a pass: later in the pass every container this Wharf makes is recorded before anything else happens.
    if (starting && !pass.listed) pass.listed = await this.ownContainers(key);
    // A task stopped while its host did not answer may have left containers running: listed to be removed.
    if (task.lastStatus === 'STOPPED' && !pass.listed) pass.listed = await this.ownContainers(key);
    const runningAfterStop =
      task.lastStatus === 'STOPPED' ? (pass.listed ?? []).filter((c) => c.status === 'running' && c.labels[WHARF_LABELS.role] !== 'pause').map((c) => c.id) : [];
    const recorded = new Set([...Object.values(task.wharf.containerIds), ...(task.wharf.sandbox ? [task.wharf.sandbox.containerId] : [])]);
    return {
      now: this.clock.now().getTime(),
      containers,
      ...(sandbox ? { sandbox: asObservation(sandboxState).status } : {}),
      unrecorded: starting ? (pass.listed ?? []).filter((c) => !recorded.has(c.id)).map((c) => ({ id: c.id, pause: c.labels[WHARF_LABELS.role] === 'pause' })) : [],
      portsPublished: this.options.publisher.isPublished(key),
      endpointOpen: pass.endpointOpen,
      registryReady: this.images.ready(),
      behindLoadBalancer: await this.behindLoadBalancer(scope, task),
      secretsInHand: [...pass.secrets.keys()],
      startsTried: [...pass.startsTried],
      ...(runningAfterStop.length > 0 ? { runningAfterStop } : {}),
    };
  }

  /** Only asked when it matters: a task being stopped that the scheduler has not yet given a drain deadline. */
  private async behindLoadBalancer(scope: Scope, task: Task): Promise<boolean> {
    const service = serviceOfTask(task);
    if (!service || task.desiredStatus !== 'STOPPED' || task.wharf.drainUntil !== undefined) return false;
    if (task.lastStatus !== 'RUNNING' && task.lastStatus !== 'DEACTIVATING') return false;
    return drainsTargets((await this.store.get<Service>(KIND.service, scope, serviceRecordId(task.wharf.clusterName, service)))?.doc);
  }

  private async apply(scope: Scope, id: string, key: string, version: number, task: Task, step: Exclude<SupervisorStep, { kind: 'wait' | 'remove-task' }>, pass: Pass): Promise<void> {
    switch (step.kind) {
      case 'record':
        return this.record(scope, id, key, version, task, step.task);
      case 'remove-containers': {
        const removing = new Set(step.containerIds);
        await this.removeContainers((pass.listed ?? []).filter((c) => removing.has(c.id)));
        pass.listed = (pass.listed ?? []).filter((c) => !removing.has(c.id));
        return;
      }
      case 'provision-sandbox':
        return this.provision(scope, id, key, task);
      case 'publish-ports':
        return this.publish(scope, id, key, task);
      case 'resolve-secrets': {
        const resolved = await resolveContainerSecrets(this.options.secrets, scope, task, step.containers);
        if ('failure' in resolved) await this.update(scope, id, (current) => failSecrets(current, resolved.failure, this.clock.now()));
        else for (const [name, environment] of resolved.environments) pass.secrets.set(name, environment);
        return;
      }
      case 'begin-pull': {
        const failure = await this.logGroups.failure(scope, task);
        await this.update(scope, id, (current) => (failure ? requestStop(current, 'TaskFailedToStart', failure, this.clock.now()) : markPullStarted(current, this.clock.now())));
        return;
      }
      case 'ensure-images': {
        const change = await this.images.ensure(scope, task, step.images);
        await this.update(scope, id, change);
        return;
      }
      case 'open-endpoint':
        // Before any container starts, so an SDK asking for credentials at once is answered.
        if (task.wharf.sandbox) await this.options.endpoint?.open(task.wharf.sandbox.ipv4Address);
        pass.endpointOpen = true;
        return;
      case 'create-container':
        return this.createContainer(scope, id, key, task, step.container, pass);
      case 'start-container':
        pass.startsTried.add(step.container);
        try {
          await this.runtime.startContainer(step.containerId);
        } catch (error) {
          this.logger.warn({ err: error, task: task.taskArn, container: step.container }, 'container failed to start');
        }
        return;
      case 'stop-containers':
        // SIGTERM now, SIGKILL after each one's grace.
        await Promise.all(step.containers.map((stop) => this.runtime.stopContainer(stop.containerId, stop.timeoutSeconds)));
        return;
      case 'release-network':
        // The network namespace goes last; the stopped containers stay for the retention period (docker logs still works).
        await this.options.publisher.unpublish(key);
        if (task.wharf.sandbox) await this.runtime.stopContainer(task.wharf.sandbox.containerId, 1);
        // The address is free for another task now: it no longer reaches this task's metadata.
        if (task.wharf.sandbox) await this.options.endpoint?.close(task.wharf.sandbox.ipv4Address);
        return;
    }
  }

  /** Writes the version nextStep decided on, unless the task changed meanwhile (the next turn decides again). */
  private async record(scope: Scope, id: string, key: string, version: number, before: Task, next: Task): Promise<void> {
    try {
      await this.store.write([{ op: 'put', kind: KIND.task, scope, id, doc: next, expect: version }]);
    } catch (error) {
      if (!(error instanceof StaleWriteError)) throw error;
      return;
    }
    if (before.lastStatus !== 'STOPPED' && next.lastStatus === 'STOPPED') this.logger.info({ task: next.taskArn, key, stopCode: next.stopCode }, 'task stopped');
  }

  private async provision(scope: Scope, id: string, key: string, task: Task): Promise<void> {
    const sandbox =
      this.options.pool?.take() ??
      (await this.runtime.createSandbox({ name: `wharf-${task.wharf.taskId}-pause`, labels: taskLabels(this.options.instanceId, task, key), hostname: `ip-${task.wharf.taskId.slice(0, 8)}`, portMappings: [] }));
    let ready: Task | undefined;
    try {
      await this.runtime.limitSandbox(sandbox.cgroupParent, {
        ...(Number(task.cpu) > 0 ? { cpuUnits: Number(task.cpu) } : {}),
        ...(Number(task.memory) > 0 ? { memoryMiB: Number(task.memory) } : {}),
      });
      const hostPorts = await this.options.publisher.publish(key, sandbox.ipv4Address, task.wharf.containerPlans.flatMap((plan) => plan.portMappings));
      const { hostPorts: _unused, ...rest } = sandbox;
      ready = await this.update(scope, id, (current) => (current.wharf.sandbox ? current : markSandboxReady(current, rest, hostPorts, sandbox.macAddress)));
    } catch (error) {
      await this.options.publisher.unpublish(key);
      await this.runtime.removeSandbox(sandbox).catch(() => undefined);
      throw error;
    }
    if (ready?.wharf.sandbox?.containerId !== sandbox.containerId) {
      // Someone else recorded a sandbox first (or the task is gone): this one is not needed.
      await this.runtime.removeSandbox(sandbox).catch(() => undefined);
    }
  }

  /** After a restart the in-process port publishing is gone: open the recorded ports again. */
  private async publish(scope: Scope, id: string, key: string, task: Task): Promise<void> {
    if (!task.wharf.sandbox) return;
    const wanted = task.wharf.containerPlans.flatMap((plan) => plan.portMappings);
    const previous = task.containers.flatMap((container) => container.networkBindings.map((binding) => ({ ...binding, protocol: binding.protocol as 'tcp' | 'udp' })));
    const hostPorts = await this.options.publisher.publish(key, task.wharf.sandbox.ipv4Address, wanted, previous);
    await this.update(scope, id, (current) => withHostPorts(current, hostPorts));
  }

  private async createContainer(scope: Scope, id: string, key: string, task: Task, name: string, pass: Pass): Promise<void> {
    const plan = task.wharf.containerPlans.find((candidate) => candidate.name === name)!;
    const spec = containerSpec(task, plan, taskLabels(this.options.instanceId, task, key, plan.name), this.options.timeScale);
    // The metadata endpoint's variables, as the agent sets them; the task definition's own win.
    const endpointEnvironment = (await this.options.endpoint?.environment(task, plan.name)) ?? {};
    const containerId = await this.runtime.createContainer({ ...spec, environment: { ...endpointEnvironment, ...spec.environment, ...pass.secrets.get(plan.name) } });
    const recorded = (await this.update(scope, id, (current) => recordContainerId(current, plan.name, containerId))) ?? task;
    await this.logGroups.ensureStream(scope, recorded, plan, containerId);
  }

  /** After the retention period a STOPPED task's containers and record are removed. */
  private async removeTask(scope: Scope, id: string, key: string, task: Task): Promise<void> {
    await this.removeContainers(await this.ownContainers(key));
    if (task.wharf.sandbox) await this.runtime.removeSandbox(task.wharf.sandbox);
    await this.store.write([{ op: 'delete', kind: KIND.task, scope, id }]);
  }
}

/** What one pass over a task holds in memory: secrets never leave it. */
interface Pass {
  readonly secrets: Map<string, Readonly<Record<string, string>>>;
  /** Containers this pass asked the engine to start: a second look that still finds one only created means it could not start. */
  readonly startsTried: Set<string>;
  endpointOpen: boolean;
  /** The task's engine containers, listed once a pass while it starts. */
  listed?: ContainerState[];
}

/** A pass that keeps finding work stops after this many steps and is queued again (a bound, not a rate). */
const MAX_STEPS_PER_PASS = 100;
/** setTimeout's limit. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function asObservation(state: ContainerState | undefined): ContainerObservation {
  if (!state) return { status: 'missing' };
  return {
    status: state.status,
    ...(state.exitCode !== undefined ? { exitCode: state.exitCode } : {}),
    oomKilled: state.oomKilled,
    ...(state.health ? { health: state.health } : {}),
    ...(state.error ? { error: state.error } : {}),
  };
}
