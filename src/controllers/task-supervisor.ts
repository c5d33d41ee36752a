import { parseEcrImage, pinnedReference, registryPull, resolvedRefName } from '../domain/ecr/image-reference.js';
import { KIND } from '../domain/ecs/record-keys.js';
import {
  applyObservations,
  dependencyReadiness,
  failPull,
  failSecrets,
  markDeactivating,
  markExecutionStopped,
  markPulled,
  markPullStarted,
  markRunningIfStarted,
  markSandboxReady,
  markStopped,
  markStopping,
  pullFailureDetail,
  recordContainerId,
  requestStop,
  withHostPorts,
  type ContainerObservation,
} from '../domain/task/lifecycle.js';
import { serviceRecordId, type Service } from '../domain/service/service.js';
import { awslogsConfig, awslogsStreamName, MISSING_LOG_GROUP_REASON } from '../domain/task/awslogs.js';
import type { ContainerPlan, Task } from '../domain/task/task.js';
import type { RegistryCredentials } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { HostPortPublisher } from '../ports/host-ports.js';
import type { LogSink } from '../ports/log-store.js';
import type { TaskEndpoint } from '../ports/task-endpoint.js';
import type { Logger } from '../ports/logger.js';
import { ImagePullError, WHARF_LABELS, type ContainerRuntime, type ContainerState, type RegistryAuth } from '../ports/runtime.js';
import { StaleWriteError, type Scope, type Store } from '../ports/store.js';
import type { SandboxPool } from './sandbox-pool.js';
import type { ExecutionRoleCheck } from './execution-role.js';
import { logGroupArn, logStreamArn, repositoryArn } from '../domain/iam/action-map.js';
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
  readonly registry?: { host(): string | undefined; readonly credentials: RegistryCredentials };
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
}

/** Where the engine gets one task-definition image from. */
interface ImageSource {
  /** What the engine pulls (or finds locally). */
  readonly reference: string;
  readonly auth?: RegistryAuth;
  /** For a registry pull: the repository the pulled digest is pinned to. */
  readonly repository?: string;
}

/** How long a stopping load-balanced task waits for the service scheduler to set its drain deadline. */
const DRAIN_DEADLINE_WAIT_MS = 10_000;

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
 * writes observed state; handlers write only desired state. Level-triggered:
 * each reconcile re-reads the task and the runtime, so it can die at any
 * point and, restarted, re-adopt running containers instead of duplicating
 * or killing them.
 */
export class TaskSupervisor {
  private readonly queue: WorkQueue;
  private unsubscribers: (() => void)[] = [];
  private readonly retentionMs: number;

  constructor(
    private readonly store: Store,
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: TaskSupervisorOptions,
  ) {
    this.retentionMs = options.stoppedRetentionMs ?? 60 * 60 * 1000;
    this.queue = new WorkQueue('task-supervisor', (key) => this.reconcile(key), logger, {
      concurrency: options.concurrency ?? 8,
      resyncMs: options.resyncMs ?? 30_000,
      listKeys: async () => (await this.store.listAll<Task>(KIND.task)).map((record) => taskKey(record.scope, record.id)),
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
    await this.queue.stop();
    await this.options.pool?.stop();
    // Running tasks keep running; their published ports come back when a Wharf re-adopts them.
    await this.options.publisher.close();
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
    const orphans = (await this.ownContainers()).filter((c) => !known.has(c.labels[WHARF_LABELS.taskKey] ?? '') && !sandboxes.has(c.id));
    if (orphans.length > 0) this.logger.info({ count: orphans.length }, 'removing containers of tasks Wharf no longer knows');
    await this.removeContainers(orphans);
  }

  private async removeContainers(containers: readonly ContainerState[]): Promise<void> {
    await Promise.all(containers.filter((c) => c.labels[WHARF_LABELS.role] !== 'pause').map((c) => this.runtime.removeContainer(c.id)));
    await Promise.all(
      containers
        .filter((c) => c.labels[WHARF_LABELS.role] === 'pause')
        .map((c) => this.runtime.removeSandbox({ containerId: c.id, cgroupParent: c.labels[WHARF_LABELS.cgroupParent] ?? '' })),
    );
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

  private async reconcile(key: string): Promise<ReconcileResult> {
    const { scope, id } = parseKey(key);
    const record = await this.store.get<Task>(KIND.task, scope, id);
    if (!record) {
      await this.removeContainers(await this.ownContainers(key));
      return done;
    }
    const task = record.doc;
    if (task.lastStatus === 'STOPPED') return this.expire(scope, id, key, task);
    if (task.desiredStatus === 'STOPPED') return (await this.drainFirst(scope, id, task)) ?? this.stopTask(scope, id, key);
    switch (task.lastStatus) {
      case 'PROVISIONING':
        return this.provision(scope, id, key, task);
      case 'PENDING':
      case 'ACTIVATING':
        return this.startContainers(scope, id, key);
      default:
        await this.ensurePublished(scope, id, key, task);
        await this.observe(scope, id);
        return againAfter(60_000);
    }
  }

  private labels(task: Task, key: string, containerName?: string): Record<string, string> {
    return {
      [WHARF_LABELS.instance]: this.options.instanceId,
      [WHARF_LABELS.taskKey]: key,
      [WHARF_LABELS.cluster]: task.clusterArn,
      [WHARF_LABELS.taskArn]: task.taskArn,
      [WHARF_LABELS.family]: task.wharf.family,
      [WHARF_LABELS.revision]: String(task.wharf.revision),
      ...(containerName ? { [WHARF_LABELS.containerName]: containerName } : {}),
    };
  }

  private async provision(scope: Scope, id: string, key: string, task: Task): Promise<ReconcileResult> {
    // Anything left by an attempt that died before recording it is removed, then made anew.
    await this.removeContainers(await this.ownContainers(key));
    const sandbox =
      this.options.pool?.take() ??
      (await this.runtime.createSandbox({ name: `wharf-${task.wharf.taskId}-pause`, labels: this.labels(task, key), hostname: `ip-${task.wharf.taskId.slice(0, 8)}`, portMappings: [] }));
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
    // Straight on to the containers: requeueing would start every queued sandbox before any task runs.
    return ready?.desiredStatus === 'RUNNING' ? this.startContainers(scope, id, key) : againAfter(0);
  }

  /** After a restart the in-process port publishing is gone: open the recorded ports again. */
  private async ensurePublished(scope: Scope, id: string, key: string, task: Task): Promise<void> {
    const wanted = task.wharf.containerPlans.flatMap((plan) => plan.portMappings);
    if (!task.wharf.sandbox || wanted.length === 0 || this.options.publisher.isPublished(key)) return;
    const previous = task.containers.flatMap((container) => container.networkBindings.map((binding) => ({ ...binding, protocol: binding.protocol as 'tcp' | 'udp' })));
    const hostPorts = await this.options.publisher.publish(key, task.wharf.sandbox.ipv4Address, wanted, previous);
    await this.update(scope, id, (current) => withHostPorts(current, hostPorts));
  }

  private async startContainers(scope: Scope, id: string, key: string): Promise<ReconcileResult> {
    let task = (await this.store.get<Task>(KIND.task, scope, id))!.doc;
    await this.ensurePublished(scope, id, key, task);
    // Before anything is pulled or created; a secret that cannot be read stops the task as ECS does.
    const secretEnvironments = await this.resolveSecrets(scope, id, task);
    if (!secretEnvironments) return againAfter(0);
    const withFiles = task.wharf.containerPlans.find((plan) => plan.environmentFiles.length > 0);
    if (withFiles) {
      // ECS downloads environment files from S3, which Wharf does not serve: say so rather than start without them.
      const detail = `failed to download env files: Wharf has no S3 to read ${withFiles.environmentFiles[0]!.value} from (container ${withFiles.name}); use environment instead`;
      await this.update(scope, id, (current) => requestStop(current, 'TaskFailedToStart', `ResourceInitializationError: ${detail}`, this.clock.now()));
      return againAfter(0);
    }
    if (task.pullStoppedAt === undefined) {
      // Until the server listens (just after a start) its registry cannot serve the engine: wait.
      if (this.options.registry && this.options.registry.host() === undefined) return againAfter(250);
      if (!(await this.prepareLogGroups(scope, id, task))) return againAfter(0);
      task = (await this.update(scope, id, (current) => markPullStarted(current, this.clock.now())))!;
      const digests: Record<string, string> = {};
      const runImages: Record<string, string> = {};
      for (const image of new Set(task.wharf.containerPlans.map((plan) => plan.image))) {
        const source = this.imageSource(image, scope);
        const denied = await this.pullDenial(scope, task, image, source);
        if (denied) {
          await this.update(scope, id, (current) => (denied.kind === 'auth' ? failSecrets(current, denied.detail, this.clock.now()) : failPull(current, image, denied.detail, this.clock.now())));
          return againAfter(0);
        }
        try {
          const ensured = await this.runtime.ensureImage(source.reference, source.auth);
          // ECS reports the manifest digest; an image only built locally has none, so its id stands in.
          digests[image] = ensured.repoDigest ?? ensured.imageId;
          if (source.repository && ensured.repoDigest) runImages[image] = pinnedReference(source.repository, ensured.repoDigest);
          else if (source.reference !== image) runImages[image] = source.reference;
        } catch (error) {
          if (!(error instanceof ImagePullError)) throw error;
          await this.update(scope, id, (current) => failPull(current, image, pullFailureDetail(resolvedRefName(image), error), this.clock.now()));
          return againAfter(0);
        }
      }
      task = (await this.update(scope, id, (current) => markPulled(current, digests, this.clock.now(), runImages)))!;
    }

    // A container created by an attempt that died before recording its id is removed and made again.
    const recorded = new Set(Object.values(task.wharf.containerIds));
    const strays = (await this.ownContainers(key)).filter((c) => c.labels[WHARF_LABELS.role] !== 'pause' && !recorded.has(c.id));
    await this.removeContainers(strays);

    task = (await this.observe(scope, id)) ?? task;
    if (task.desiredStatus === 'STOPPED') return againAfter(0);
    // Before any container starts, so an SDK asking for credentials at once is answered.
    if (task.wharf.sandbox) await this.options.endpoint?.open(task.wharf.sandbox.ipv4Address);
    for (const plan of task.wharf.containerPlans) {
      if (task.wharf.containerIds[plan.name]) continue;
      const readiness = dependencyReadiness(plan, task.containers);
      if (readiness.state === 'waiting') continue;
      if (readiness.state === 'failed') {
        await this.update(scope, id, (current) => requestStop(current, 'TaskFailedToStart', `DependencyFailedError: container ${plan.name}: ${readiness.reason}`, this.clock.now()));
        return againAfter(0);
      }
      const spec = this.containerSpec(task, plan, key);
      // The metadata endpoint's variables, as the agent sets them; the task definition's own win.
      const endpointEnvironment = (await this.options.endpoint?.environment(task, plan.name)) ?? {};
      const containerId = await this.runtime.createContainer({ ...spec, environment: { ...endpointEnvironment, ...spec.environment, ...secretEnvironments.get(plan.name) } });
      task = (await this.update(scope, id, (current) => recordContainerId(current, plan.name, containerId)))!;
      const logs = awslogsConfig(plan.logConfiguration, scope.region);
      if (logs && this.options.logs) {
        await this.options.logs.ensureStream({ account: scope.account, region: logs.region }, logs.group, awslogsStreamName(logs, plan.name, task.wharf.taskId, containerId), this.clock.now().getTime());
      }
      try {
        await this.runtime.startContainer(containerId);
      } catch (error) {
        this.logger.warn({ err: error, task: task.taskArn, container: plan.name }, 'container failed to start');
      }
    }
    task = (await this.observe(scope, id)) ?? task;
    task = (await this.update(scope, id, (current) => markRunningIfStarted(current, this.clock.now()))) ?? task;
    // Waiting on a dependency: events wake us sooner, this is the fallback.
    return task.lastStatus === 'RUNNING' ? againAfter(60_000) : againAfter(1_000);
  }

  /**
   * Each not-yet-created container's secrets, resolved now (in memory only:
   * never written to the task, logged, or kept past this reconcile).
   * Undefined when one could not be read and the task was failed.
   */
  private async resolveSecrets(scope: Scope, id: string, task: Task): Promise<Map<string, Record<string, string>> | undefined> {
    const environments = new Map<string, Record<string, string>>();
    for (const plan of task.wharf.containerPlans) {
      const logSecrets = plan.logConfiguration?.secretOptions ?? [];
      if ((plan.secrets.length === 0 && logSecrets.length === 0) || task.wharf.containerIds[plan.name]) continue;
      // Log secretOptions are read (a missing one fails the task as in ECS); Wharf's log pump needs none of their values.
      for (const [references, forEnvironment] of [[plan.secrets, true], [logSecrets, false]] as const) {
        if (references.length === 0) continue;
        const resolution = this.options.secrets
          ? await this.options.secrets.resolve(scope, references, { ...(task.wharf.executionRoleArn ? { executionRoleArn: task.wharf.executionRoleArn } : {}), taskId: task.wharf.taskId })
          : { failure: `execution resource retrieval failed: this Wharf resolves no secrets (container ${plan.name})` };
        if ('failure' in resolution) {
          await this.update(scope, id, (current) => failSecrets(current, resolution.failure, this.clock.now()));
          return undefined;
        }
        if (forEnvironment) environments.set(plan.name, resolution.environment);
      }
    }
    return environments;
  }

  /**
   * The awslogs driver validates its group before anything runs: a missing
   * group fails the task as ECS does, unless awslogs-create-group makes it.
   * False when the task was failed.
   */
  private async prepareLogGroups(scope: Scope, id: string, task: Task): Promise<boolean> {
    const sink = this.options.logs;
    if (!sink) return true;
    for (const plan of task.wharf.containerPlans) {
      const logs = awslogsConfig(plan.logConfiguration, scope.region);
      if (!logs) continue;
      const logScope = { account: scope.account, region: logs.region };
      const denied = await this.logDenial(logScope, task, logs.group, awslogsStreamName(logs, plan.name, task.wharf.taskId, task.wharf.taskId), logs.createGroup);
      if (denied) {
        await this.update(scope, id, (current) => requestStop(current, 'TaskFailedToStart', denied, this.clock.now()));
        return false;
      }
      if (logs.createGroup) await sink.createGroupIfMissing(logScope, logs.group, this.clock.now().getTime());
      else if (!(await sink.groupExists(logScope, logs.group))) {
        await this.update(scope, id, (current) => requestStop(current, 'TaskFailedToStart', MISSING_LOG_GROUP_REASON, this.clock.now()));
        return false;
      }
    }
    return true;
  }

  /**
   * With enforcement on, the awslogs driver needs the execution role to be
   * allowed logs:CreateLogStream (and logs:CreateLogGroup with
   * awslogs-create-group), as the driver's own calls would.
   */
  private async logDenial(at: Scope, task: Task, group: string, stream: string, createGroup: boolean): Promise<string | undefined> {
    const check = this.options.executionRole;
    const roleArn = task.wharf.executionRoleArn;
    if (!check || !roleArn) return undefined;
    const iamScope = { partition: roleArn.split(':')[1] ?? 'aws', ...at };
    const groupArn = logGroupArn(iamScope, group);
    if (createGroup) {
      const denied = await check.denial({ roleArn, sessionName: task.wharf.taskId, scope: at, action: 'logs:CreateLogGroup', resource: { arn: groupArn } });
      // unverified wording
      if (denied) return `ResourceInitializationError: failed to validate logger args: create log group has been retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: ${denied} : exit status 1`;
    }
    const denied = await check.denial({ roleArn, sessionName: task.wharf.taskId, scope: at, action: 'logs:CreateLogStream', resource: { arn: logStreamArn(iamScope, group, stream) } });
    // unverified wording (the shape of MISSING_LOG_GROUP_REASON with the access denial)
    return denied && `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: ${denied} : exit status 1`;
  }

  /**
   * With enforcement on, an ECR pull needs the execution role to be allowed
   * ecr:GetAuthorizationToken (else the agent cannot get registry auth) and
   * ecr:BatchGetImage / ecr:GetDownloadUrlForLayer on the repository (else
   * the registry answers 403).
   */
  private async pullDenial(scope: Scope, task: Task, image: string, source: ImageSource): Promise<{ kind: 'auth' | 'pull'; detail: string } | undefined> {
    const check = this.options.executionRole;
    const roleArn = task.wharf.executionRoleArn;
    if (!check || !roleArn || !source.repository) return undefined;
    const host = this.options.registry?.host();
    const ecr = host ? parseEcrImage(image, host) : undefined;
    if (!ecr) return undefined;
    const at = { account: ecr.account ?? scope.account, region: ecr.region ?? scope.region };
    const ask = (action: string, arn: string) => check.denial({ roleArn, sessionName: task.wharf.taskId, scope: at, action, resource: { arn } });
    const token = await ask('ecr:GetAuthorizationToken', '*');
    // unverified wording
    if (token) return { kind: 'auth', detail: `execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: ${token}` };
    const repository = repositoryArn({ partition: roleArn.split(':')[1] ?? 'aws', ...at }, ecr.repository);
    for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) {
      const denied = await ask(action, repository);
      // unverified wording: the registry's 403 as the agent reports a manifest it may not read
      if (denied) return { kind: 'pull', detail: `pull image manifest has been retried 5 time(s): failed to resolve ref ${resolvedRefName(image)}: unexpected status from HEAD request: 403 Forbidden (${denied})` };
    }
    return undefined;
  }

  /**
   * An ECR image is pulled from Wharf's registry with credentials for its
   * repository's account and region (the task's own for the repositoryUri
   * form); any other image as written, anonymously or from the engine's cache.
   */
  private imageSource(image: string, scope: Scope): ImageSource {
    const host = this.options.registry?.host();
    const ecr = host ? parseEcrImage(image, host) : undefined;
    if (!host || !ecr || !this.options.registry) return { reference: image };
    const pull = registryPull(ecr, host, scope);
    const { password } = this.options.registry.credentials.mint(pull.account, pull.region, this.clock.now());
    return { reference: pull.reference, repository: pull.repository, auth: { username: 'AWS', password, serveraddress: host } };
  }

  private containerSpec(task: Task, plan: ContainerPlan, key: string) {
    const sandbox = task.wharf.sandbox!;
    return {
      name: `wharf-${task.wharf.taskId}-${plan.name}`,
      image: task.wharf.runImages?.[plan.image] ?? plan.image,
      // The task definition's dockerLabels first, so they cannot overwrite the labels Wharf relies on.
      labels: { ...plan.dockerLabels, ...this.labels(task, key, plan.name) },
      sandbox: { containerId: sandbox.containerId, cgroupParent: sandbox.cgroupParent },
      ...(plan.entryPoint ? { entryPoint: plan.entryPoint } : {}),
      ...(plan.command ? { command: plan.command } : {}),
      environment: plan.environment,
      ...(plan.workingDirectory ? { workingDirectory: plan.workingDirectory } : {}),
      ...(plan.user ? { user: plan.user } : {}),
      cpuUnits: plan.cpu,
      ...(plan.memory !== undefined ? { memoryMiB: plan.memory } : {}),
      ...(plan.memoryReservation !== undefined ? { memoryReservationMiB: plan.memoryReservation } : {}),
      ...(plan.ulimits ? { ulimits: plan.ulimits } : {}),
      ...(plan.readonlyRootFilesystem ? { readonlyRootFilesystem: true } : {}),
      ...(plan.initProcessEnabled ? { initProcessEnabled: true } : {}),
      ...(plan.capabilities ? { capabilities: plan.capabilities } : {}),
      stopTimeoutSeconds: plan.stopTimeout,
      ...(plan.healthCheck
        ? {
            healthCheck: {
              command: plan.healthCheck.command,
              intervalSeconds: plan.healthCheck.interval / (this.options.timeScale ?? 1),
              timeoutSeconds: plan.healthCheck.timeout,
              retries: plan.healthCheck.retries,
              ...(plan.healthCheck.startPeriod !== undefined ? { startPeriodSeconds: plan.healthCheck.startPeriod / (this.options.timeScale ?? 1) } : {}),
            },
          }
        : {}),
    };
  }

  /** Reads every recorded container from the runtime and folds the result into the task. */
  private async observe(scope: Scope, id: string): Promise<Task | undefined> {
    const record = await this.store.get<Task>(KIND.task, scope, id);
    if (!record) return undefined;
    const observed: Record<string, ContainerObservation> = {};
    await Promise.all(
      Object.entries(record.doc.wharf.containerIds).map(async ([name, containerId]) => {
        const state = await this.runtime.inspectContainer(containerId);
        observed[name] = state
          ? {
              status: state.status === 'running' ? 'running' : state.status === 'exited' ? 'exited' : state.status === 'created' ? 'created' : 'other',
              ...(state.exitCode !== undefined ? { exitCode: state.exitCode } : {}),
              oomKilled: state.oomKilled,
              ...(state.health ? { health: state.health } : {}),
              ...(state.error ? { error: state.error } : {}),
            }
          : { status: 'missing' };
      }),
    );
    return this.update(scope, id, (current) => applyObservations(current, observed, this.clock.now()));
  }

  /**
   * A running task of a service behind a load balancer drains before its
   * containers stop: the service scheduler deregisters its targets and puts
   * the end of the deregistration delay on the task (`drainUntil`, which wakes
   * it); until then it stays DEACTIVATING, so in-flight requests finish. Kept
   * in the record, so a restart waits out the same deadline. Undefined: stop now.
   */
  private async drainFirst(scope: Scope, id: string, task: Task): Promise<ReconcileResult | undefined> {
    if (task.lastStatus !== 'RUNNING' && task.lastStatus !== 'DEACTIVATING') return undefined;
    const now = this.clock.now().getTime();
    let wait: number;
    if (task.wharf.drainUntil !== undefined) {
      wait = task.wharf.drainUntil - now;
    } else {
      if (!(await this.behindLoadBalancer(scope, task))) return undefined;
      // The scheduler answers within moments; should it not, the task stops rather than hang.
      wait = (task.wharf.stopRequestedAt ?? now) + DRAIN_DEADLINE_WAIT_MS - now;
    }
    if (wait <= 0) return undefined;
    await this.update(scope, id, (current) => markDeactivating(current));
    return againAfter(wait);
  }

  private async behindLoadBalancer(scope: Scope, task: Task): Promise<boolean> {
    if (!task.group.startsWith('service:')) return false;
    const service = await this.store.get<Service>(KIND.service, scope, serviceRecordId(task.wharf.clusterName, task.group.slice('service:'.length)));
    return (service?.doc.loadBalancers?.length ?? 0) + (service?.doc.wharf.retiredLoadBalancers?.length ?? 0) > 0;
  }

  private async stopTask(scope: Scope, id: string, key: string): Promise<ReconcileResult> {
    let task = (await this.update(scope, id, (current) => markStopping(current, this.clock.now())))!;
    // SIGTERM now, SIGKILL after the grace: each container's stopTimeout, or the stop's own (a Spot interruption's warning).
    const graceSeconds = task.wharf.stopGraceSeconds;
    await Promise.all(
      task.wharf.containerPlans.map((plan) => {
        const containerId = task.wharf.containerIds[plan.name];
        return containerId ? this.runtime.stopContainer(containerId, graceSeconds ?? plan.stopTimeout) : Promise.resolve();
      }),
    );
    await this.observe(scope, id);
    task = (await this.update(scope, id, (current) => (current.lastStatus === 'STOPPING' ? markExecutionStopped(current, this.clock.now()) : current)))!;
    // The network namespace goes last; the stopped containers stay for the retention period (docker logs still works).
    await this.options.publisher.unpublish(key);
    if (task.wharf.sandbox) await this.runtime.stopContainer(task.wharf.sandbox.containerId, 1);
    // The address is free for another task now: it no longer reaches this task's metadata.
    if (task.wharf.sandbox) await this.options.endpoint?.close(task.wharf.sandbox.ipv4Address);
    await this.update(scope, id, (current) => (current.lastStatus === 'DEPROVISIONING' ? markStopped(current, this.clock.now()) : current));
    this.logger.info({ task: task.taskArn, key, stopCode: task.stopCode }, 'task stopped');
    return againAfter(0);
  }

  /** After the retention period a STOPPED task's containers and record are removed. */
  private async expire(scope: Scope, id: string, key: string, task: Task): Promise<ReconcileResult> {
    const remaining = (task.stoppedAt ?? 0) + this.retentionMs - this.clock.now().getTime();
    if (remaining > 0) return againAfter(Math.min(remaining, 2 ** 31 - 1));
    await this.removeContainers(await this.ownContainers(key));
    if (task.wharf.sandbox) await this.runtime.removeSandbox(task.wharf.sandbox);
    await this.store.write([{ op: 'delete', kind: KIND.task, scope, id }]);
    return done;
  }
}

