import { WriteAttribution, STORE_READS, LOG_STORE_READS, METRIC_STORE_READS, type AttributedWrite } from './adapters/write-attribution.js';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { adminRoute } from './api/admin.js';
import { StaticKeyRing } from './api/auth/key-ring.js';
import { SessionKeyRing } from './api/auth/session-key-ring.js';
import { SigV4Verifier } from './api/auth/sigv4.js';
import { ecrApi } from './api/ecr/index.js';
import { elbv2Api } from './api/elbv2/index.js';
import { ecsApi } from './api/ecs/index.js';
import { logsApi } from './api/logs/index.js';
import { applicationAutoScalingApi } from './api/application-autoscaling/index.js';
import { monitoringApi } from './api/monitoring/index.js';
import { interruptSpotTasks, parseSpotInterruptionRequest } from './api/ecs/spot-interruption.js';
import { Gateway, type RawRoute } from './api/gateway.js';
import { stsApi } from './api/sts/index.js';
import { iamApi } from './api/iam/index.js';
import { iamAuthorizer } from './api/authorization/authorizer.js';
import { RolePermissions } from './api/authorization/role-permissions.js';
import { resolveTaskDefinition } from './api/ecs/task-definitions.js';
import { DockerRuntime, type DockerEngineHost } from './adapters/runtime-docker/docker-runtime.js';
import { CONTAINER_INSTANCE_KIND, containerInstanceRecordId, type ContainerInstance, type EngineHostRef } from './domain/placement/container-instance.js';
import { HostFleet } from './controllers/host-fleet.js';
import { hostActions } from './api/hosts.js';
import { DockerExec } from './adapters/runtime-docker/docker-exec.js';
import { ExecEndpoint } from './dataplane/exec/exec-endpoint.js';
import { SqliteStore } from './adapters/store-sqlite/sqlite-store.js';
import { SqliteLogStore } from './adapters/log-store-sqlite/sqlite-log-store.js';
import { SqliteMetricStore } from './adapters/metric-store-sqlite/sqlite-metric-store.js';
import { FsBlobStore } from './adapters/blob-store-fs/fs-blob-store.js';
import { HmacRegistryCredentials } from './adapters/registry-credentials-hmac/hmac-registry-credentials.js';
import { AesGcmSecretCipher } from './adapters/secret-cipher-aes/aes-gcm-secret-cipher.js';
import { secretsManagerApi } from './api/secretsmanager/index.js';
import { ssmApi } from './api/ssm/index.js';
import { TaskSecrets } from './controllers/task-secrets.js';
import { HmacSessionCredentials } from './adapters/session-credentials-hmac/hmac-session-credentials.js';
import { EcrLifecycleController } from './controllers/ecr-lifecycle.js';
import { EcrReplicationController } from './controllers/ecr-replication.js';
import { LogRetentionController } from './controllers/log-retention.js';
import { AlarmEvaluator } from './controllers/alarm-evaluator.js';
import { MetricCompactionController } from './controllers/metric-compaction.js';
import { SandboxPool } from './controllers/sandbox-pool.js';
import { ServiceScheduler } from './controllers/service-scheduler.js';
import { Autoscaler } from './controllers/autoscaler.js';
import { TaskSupervisor } from './controllers/task-supervisor.js';
import { TaskMetricsSampler } from './controllers/task-metrics-sampler.js';
import { SPOT_WARNING_SECONDS } from './domain/task/spot-interruption.js';
import { withMetricFilters } from './dataplane/log-metric-filters.js';
import { LogPump } from './dataplane/log-pump.js';
import { LoadBalancerPlane } from './dataplane/load-balancer/load-balancer-plane.js';
import { PortForwarder } from './dataplane/port-forwarder.js';
import { EndpointIds } from './dataplane/task-metadata/endpoint-ids.js';
import { TaskMetadataServer } from './dataplane/task-metadata/task-metadata-server.js';
import { IptablesTaskEndpoint } from './adapters/task-endpoint-iptables/iptables-task-endpoint.js';
import { fileURLToPath } from 'node:url';
import { sweepHostLeftovers } from './adapters/host-leftovers/sweep.js';
import { createFileOnce, securePrivateTree } from './adapters/private-files.js';
import { dataDirKey } from './adapters/data-dir-key.js';
import { Registry } from './dataplane/registry/registry.js';
import { consoleRoute } from './dataplane/console/console-route.js';
import { StoreContainerInstances } from './adapters/container-instances-store/store-container-instances.js';
import { PostgresStore } from './adapters/store-postgres/postgres-store.js';
import { PostgresLogStore } from './adapters/log-store-postgres/postgres-log-store.js';
import { PostgresMetricStore } from './adapters/metric-store-postgres/postgres-metric-store.js';
import { PostgresLeadership, checkEpoch } from './adapters/leadership-postgres/postgres-leadership.js';
import { ECS_RECORD_INDEXES } from './domain/ecs/record-indexes.js';
import { ControllerGroup } from './controllers/controller-group.js';
import { ReservationReleaser } from './controllers/reservation-releaser.js';
import { LeaderLoop } from './controllers/leader-loop.js';
import { soleLeadership, type Leadership } from './ports/leadership.js';
import type { LogStore } from './ports/log-store.js';
import type { Scope, Store } from './ports/store.js';
import type { Task } from './domain/task/task.js';
import type { WharfConfig } from './cli/config.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Logger } from './ports/logger.js';
import type { MetricStore } from './ports/metric-store.js';
import type { ContainerRuntime, HostCapacity } from './ports/runtime.js';

/**
 * A stable id for this data directory, labelled on every container it starts,
 * so Wharfs sharing one engine never take each other's containers for orphans.
 */
function instanceId(dataDir: string): string {
  const file = join(dataDir, 'instance-id');
  // Of several Wharfs starting on one shared directory, all keep the id written first.
  if (!existsSync(file)) createFileOnce(file, `${randomUUID()}\n`);
  return readFileSync(file, 'utf8').trim();
}

/**
 * The state: what the API writes through, what the leader's controllers
 * write through, and who leads. On SQLite one process owns the files and
 * always leads. On PostgreSQL every process shares the database; the
 * controllers' writes carry the leader's epoch, so a deposed leader's are refused.
 */
interface State {
  readonly store: Store;
  readonly controllerStore: Store;
  readonly logStore: LogStore;
  readonly metricStore: MetricStore;
  readonly leadership: Leadership;
}

async function openState(config: WharfConfig, logger: Logger): Promise<State> {
  if (config.store.kind === 'sqlite') {
    const store = new SqliteStore(join(config.dataDir, 'wharf.db'));
    return {
      store,
      controllerStore: store,
      // CloudWatch metrics and Logs: their own SQLite files beside the store's.
      metricStore: new SqliteMetricStore(join(config.dataDir, 'metrics.db')),
      logStore: new SqliteLogStore(join(config.dataDir, 'logs.db')),
      leadership: soleLeadership,
    };
  }
  const { url } = config.store;
  const opened: { close(): Promise<void> }[] = [];
  const open = async <T extends { close(): Promise<void> }>(what: Promise<T>): Promise<T> => {
    try {
      const part = await what;
      opened.push(part);
      return part;
    } catch (error) {
      await Promise.all(opened.map((part) => part.close().catch(() => undefined)));
      throw new StoreUnavailableError(error as Error);
    }
  };
  const store = await open(PostgresStore.open({ url, indexes: ECS_RECORD_INDEXES }));
  const metricStore = await open(PostgresMetricStore.open({ url }));
  const logStore = await open(PostgresLogStore.open({ url }));
  const leadership = await open(PostgresLeadership.open({ url, logger }));
  let epoch = 0;
  return {
    store,
    controllerStore: store.withWriteCheck((client) => checkEpoch(epoch)(client)),
    metricStore,
    logStore,
    leadership: {
      async acquire() {
        const term = await leadership.acquire();
        epoch = term.epoch;
        return term;
      },
      close: () => leadership.close(),
    },
  };
}

/**
 * What tasks may use: the configured capacity, else the engine host's
 * memory (read at most once a minute).
 */
/** A registered host's engine as the Docker adapters dial it; its TLS files are read now (a missing file throws). */
function engineHostOf(host: EngineHostRef): DockerEngineHost {
  return { url: host.url, ...(host.tls ? { tls: { ca: readFileSync(host.tls.caFile), cert: readFileSync(host.tls.certFile), key: readFileSync(host.tls.keyFile) } } : {}) };
}

/**
 * How long a registered host may stay silent before its tasks are STOPPED and
 * replaced elsewhere (divided by the time scale). ECS's agent reconnects for
 * minutes before an instance counts as gone; one minute keeps services whole.
 */
const HOST_LOST_AFTER_MS = 60_000;

function hostCapacity(runtime: ContainerRuntime, cap: WharfConfig['capacityCap']): () => Promise<HostCapacity> {
  let cached: { value: HostCapacity; at: number } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > 60_000) {
      let host: HostCapacity;
      try {
        host = await runtime.capacity();
      } catch {
        // No engine yet: accept the task (it waits in PROVISIONING) rather than fail the API call.
        return { cpuUnits: cap.cpuUnits ?? Infinity, memoryMiB: cap.memoryMiB ?? Infinity };
      }
      cached = {
        // CPU quotas are ceilings, not reservations: tasks may add up to more vCPUs than the machine has
        // unless configured otherwise. Memory is placed by; a configured figure replaces the host's, so an
        // operator may also over-commit on purpose.
        value: { cpuUnits: cap.cpuUnits ?? Infinity, memoryMiB: cap.memoryMiB ?? host.memoryMiB },
        at: Date.now(),
      };
    }
    return cached.value;
  };
}

/** The configured PostgreSQL database could not be opened (unreachable, refused, missing): `cause` says why. */
export class StoreUnavailableError extends Error {
  constructor(override readonly cause: Error) {
    super(`the store's database cannot be used: ${cause.message}`);
    this.name = 'StoreUnavailableError';
  }
}

export interface RunningWharf {
  readonly endpoint: string;
  readonly port: number;
  /** `127.0.0.1:<port>`: where docker pushes to and pulls from (the registry under /v2/). */
  readonly registryHost: string;
  close(): Promise<void>;
}

/**
 * The composition root: config -> store -> runtime -> controllers ->
 * gateway -> HTTP server. The only module that picks adapters.
 */
export interface WharfParts {
  /**
   * Where Wharf's own metrics (task metrics, load balancer metrics) go instead
   * of the data directory's metric store: a test's own store, which it can
   * then query while Wharf holds its files.
   */
  readonly metrics?: Pick<MetricStore, 'put'>;
  /**
   * Told of every call that changes the store, the log store or the metric
   * store, with the API request it happened in: the fuzz suite's proof that
   * rejected requests write nothing.
   */
  readonly onWrite?: (write: AttributedWrite) => void;
}

function attributed<T extends object>(attribution: WriteAttribution | undefined, name: string, port: T, reads: ReadonlySet<string>): T {
  return attribution ? attribution.wrap(name, port, reads) : port;
}

export async function startWharf(config: WharfConfig, logger: Logger, clock: Clock = systemClock, parts: WharfParts = {}): Promise<RunningWharf> {
  // The data directory is the owner's alone (0700, files 0600), put back so if it was loosened.
  const loosened = securePrivateTree(config.dataDir);
  if (loosened > 0) logger.warn({ dataDir: config.dataDir, loosened }, 'tightened data directory entries readable by others');
  const attribution = parts.onWrite ? new WriteAttribution(parts.onWrite) : undefined;
  const state = await openState(config, logger);
  const store = attributed(attribution, 'store', state.store, STORE_READS);
  // The controllers' writes: the same store, fenced by the leader's epoch when it is shared.
  const controllerStore = state.controllerStore === state.store ? store : state.controllerStore;
  // CloudWatch metrics (Wharf's samplers, metric filters and PutMetricData write them).
  const metricStore = attributed(attribution, 'metrics', state.metricStore, METRIC_STORE_READS);
  const metricSink = parts.metrics ?? metricStore;
  // CloudWatch Logs (the Logs API and the log pump share it); metric filters publish to the metric store from both write paths.
  const logStore = attributed(attribution, 'logs', withMetricFilters(state.logStore, metricStore, logger, { storageResolution: config.timeScale > 1 ? 1 : 60 }), LOG_STORE_READS);
  const runtime = new DockerRuntime({ logger, ...(config.dockerSocket ? { socketPath: config.dockerSocket } : {}) });
  try {
    await runtime.ping();
  } catch (error) {
    // The API still serves; the supervisor keeps retrying and tasks start once the engine answers.
    logger.warn({ err: error }, 'the Docker engine does not answer: tasks will wait in PROVISIONING until it does');
  }
  const instance = instanceId(config.dataDir);
  const pool = config.sandboxPoolSize > 0 ? new SandboxPool(runtime, logger, { size: config.sandboxPoolSize, instanceId: instance }) : undefined;
  const registryCredentials = HmacRegistryCredentials.inDataDir(config.dataDir);
  // Secret values (Secrets Manager, SecureString parameters) are sealed with this key before they reach the store.
  const cipher = config.secretsKey ? AesGcmSecretCipher.fromOperatorKey(config.secretsKey.material, config.secretsKey.source) : AesGcmSecretCipher.inDataDir(config.dataDir);
  // Temporary credentials (STS AssumeRole, task roles): stateless, keyed by `<dataDir>/sts.key`, so they survive restarts.
  const sessionCredentials = HmacSessionCredentials.inDataDir(config.dataDir);
  // Set once the server listens: until then the registry cannot serve the engine's pulls.
  let listening = false;
  // The task metadata and credentials endpoint at 169.254.170.2; the gateway (made below) answers its other paths.
  let gatewayHandle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // Task CPU, memory, network and storage every 10 s (scaled): AWS/ECS and Container Insights metrics, and /stats.
  const taskMetrics = new TaskMetricsSampler({ store: controllerStore, runtime, runtimes: { of: (task): ContainerRuntime | undefined => hostFleet.of(task) }, metrics: metricSink, clock, logger, timeScale: config.timeScale });
  const endpointNetwork = new IptablesTaskEndpoint({ instanceId: instance, logger });
  const taskEndpoint = new TaskMetadataServer({
    store: controllerStore,
    runtime,
    clock,
    logger,
    network: endpointNetwork,
    // Tasks on registered hosts reach this endpoint too (their hosts route 169.254.170.2 here): their engines answer for them.
    runtimes: { of: (task): ContainerRuntime | undefined => hostFleet.of(task) },
    // The key the metadata and credentials URIs' ids are derived under (made on first start, shared by replicas).
    ids: new EndpointIds(dataDirKey(config.dataDir, 'task-endpoint-secret')),
    sessions: sessionCredentials,
    gateway: (req, res) => (gatewayHandle ? gatewayHandle(req, res) : res.writeHead(503).end()),
    endpointUrl: config.taskEndpointUrl,
    usage: taskMetrics,
  });
  // IAM enforcement (--enforce-iam): role sessions and execution roles are held to their policies.
  const rolePermissions = config.enforceIam ? new RolePermissions(store, logger) : undefined;
  const executionRole = rolePermissions && { denial: (request: Parameters<RolePermissions['executionRoleDenial']>[0]) => rolePermissions.executionRoleDenial(request, clock.now()) };
  // What every engine's supervisor shares; the local engine's adds the warm pool and the task endpoint.
  const supervisorOptions = {
    stoppedRetentionMs: config.stoppedTaskRetentionMs / config.timeScale,
    timeScale: config.timeScale,
    instanceId: instance,
    // ECR images (the AWS form or a repositoryUri) are pulled from this Wharf's registry.
    registry: { host: () => (listening ? registryHost() : undefined), credentials: registryCredentials },
    // The awslogs driver: missing groups fail the task, streams are made at container start.
    logs: logStore,
    // Container secrets, read from Secrets Manager and Parameter Store at start into that container's environment only.
    secrets: new TaskSecrets(controllerStore, cipher, clock, executionRole),
    ...(executionRole ? { executionRole } : {}),
  };
  const supervisor = new TaskSupervisor(controllerStore, runtime, clock, logger, {
    ...supervisorOptions,
    publisher: new PortForwarder(logger),
    ...(pool ? { pool } : {}),
    // Metadata URIs, task-role credentials and AWS_ENDPOINT_URL in every container; each task's address routed to the endpoint.
    endpoint: taskEndpoint,
  });
  const engineOfHost = (host: EngineHostRef): DockerRuntime => new DockerRuntime({ logger, host: engineHostOf(host), ...(host.taskSubnet ? { taskSubnet: host.taskSubnet } : {}) });
  // The registered hosts (wharf hosts add): one engine and supervisor each, their connection checked, a lost host's tasks stopped.
  const hostFleet: HostFleet = new HostFleet(controllerStore, clock, logger, {
    localRuntime: runtime,
    checkEveryMs: 5_000 / config.timeScale,
    lostAfterMs: HOST_LOST_AFTER_MS / config.timeScale,
    engineFor: (registered) => engineOfHost(registered.host!),
    agentFor: (registered) => {
      const host = registered.host!;
      const engine = engineOfHost(host);
      // The task endpoint too: a host that routes 169.254.170.2 to this machine (see the README) gives its tasks metadata and credentials.
      // ECR images come from this Wharf's registry at the address the host reaches it at.
      const registry = host.registryAddress ? { ...supervisorOptions.registry, host: () => host.registryAddress, named: supervisorOptions.registry.host } : supervisorOptions.registry;
      const hostSupervisor = new TaskSupervisor(controllerStore, engine, clock, logger, { ...supervisorOptions, registry, containerInstanceId: registered.containerInstanceId, publisher: new PortForwarder(logger), endpoint: taskEndpoint });
      return { runtime: engine, start: () => hostSupervisor.start(), stop: () => hostSupervisor.stop() };
    },
  });
  // The awslogs driver: containers' stdout and stderr into CloudWatch Logs, resumed from saved cursors.
  const logPump = new LogPump(controllerStore, runtime, logStore, clock, logger, { runtimes: { of: (task): ContainerRuntime | undefined => hostFleet.of(task) } });
  // The local engine is one implicit (Fargate) container instance, named by this data directory's instance id.
  const instanceOptions = { hostId: instance, capacity: hostCapacity(runtime, config.capacityCap), clock, cpuArchitecture: process.arch === 'arm64' ? 'arm64' : 'x86_64' };
  const instances = new StoreContainerInstances(store, instanceOptions);
  // A stopped task's room back on its instance (the leader's job, so through the fenced store).
  const releaser = new ReservationReleaser(controllerStore, new StoreContainerInstances(controllerStore, instanceOptions), logger, { repairEveryMs: 30_000 / config.timeScale });
  const scheduler = new ServiceScheduler(controllerStore, clock, logger, { timeScale: config.timeScale, instances });
  const keys = new StaticKeyRing(config.accessKeys);
  // Session keys verify too, but isAdmin below asks the configured ring only: a session is never admin.
  const verifier = new SigV4Verifier(new SessionKeyRing(keys, sessionCredentials));

  const isAdmin = async (req: IncomingMessage, body: Buffer) => {
    try {
      const caller = await verifier.verify({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, clock.now());
      return keys.lookup(caller.key.accessKeyId)?.admin === true;
    } catch {
      return false;
    }
  };
  // ECR registry (Docker Registry HTTP API v2) under /v2/ on this port. The ECR API takes
  // `registryCredentials` (GetAuthorizationToken mints passwords, the registry verifies them)
  // and `registryHost()` (`127.0.0.1:<port>`, the address docker reaches; valid once listening).
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let listeningPort = config.port;
  const registryHost = (): string => `${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${listeningPort}`;
  const blobs = new FsBlobStore(join(config.dataDir, 'registry'));
  const registry = new Registry({ store, blobs, credentials: registryCredentials, clock, logger });
  await registry.start();
  // ECR lifecycle policies, applied as images are pushed and policies put (and on a resync).
  const lifecycle = new EcrLifecycleController(controllerStore, clock, logger, { blobs });
  // ECR replication: pushed images copied to the registries the replication rules name.
  const replication = new EcrReplicationController(controllerStore, clock, logger);
  // Log groups' retention policies: expired events are hidden on read and deleted by this sweep.
  const logRetention = new LogRetentionController(logStore, clock, logger, { intervalMs: 60_000 / config.timeScale });
  // ELBv2 load balancers: one HTTP proxy per listener on 127.0.0.1, and target health checks.
  const loadBalancers = new LoadBalancerPlane(controllerStore, clock, logger, { timeScale: config.timeScale, metrics: metricSink });
  // Application Auto Scaling: scheduled actions and activities; also the AlarmActions the alarm evaluator invokes policies through.
  const autoscaler = new Autoscaler(controllerStore, clock, logger, { timeScale: config.timeScale });
  // CloudWatch metrics, and the alarms evaluated over them once a period (divided by the time scale).
  const metricCompaction = new MetricCompactionController(metricStore, clock, logger, { timeScale: config.timeScale });
  const alarmEvaluator = new AlarmEvaluator({ store: controllerStore, metrics: metricStore, clock, logger, timeScale: config.timeScale, actions: autoscaler });

  // What only the leader runs, in start order (stopped in reverse). The task endpoint comes before the
  // supervisor (containers get its routes), and the supervisor re-adopts before the scheduler counts tasks.
  const controllers = new ControllerGroup(logger, [
    { name: 'task endpoint', start: () => taskEndpoint.start(), stop: () => taskEndpoint.stop() },
    // What dead Wharfs left on the host (their iptables rules, empty task cgroups); in the background.
    { name: 'host leftovers', start: () => void sweepHostLeftovers({ network: endpointNetwork, runtime, logger }), stop: () => undefined },
    { name: 'task supervisor', start: () => supervisor.start(), stop: () => supervisor.stop() },
    { name: 'host fleet', start: () => hostFleet.start(), stop: () => hostFleet.stop() },
    { name: 'reservation releaser', start: () => releaser.start(), stop: () => releaser.stop() },
    { name: 'log pump', start: () => logPump.start(), stop: () => logPump.stop() },
    { name: 'service scheduler', start: () => scheduler.start(), stop: () => scheduler.stop() },
    { name: 'ECR lifecycle', start: () => lifecycle.start(), stop: () => lifecycle.stop() },
    { name: 'ECR replication', start: () => replication.start(), stop: () => replication.stop() },
    { name: 'log retention', start: () => logRetention.start(), stop: () => logRetention.stop() },
    { name: 'load balancers', start: () => loadBalancers.start(), stop: () => loadBalancers.stop() },
    { name: 'autoscaler', start: () => autoscaler.start(), stop: () => autoscaler.stop() },
    { name: 'metric compaction', start: () => metricCompaction.start(), stop: () => metricCompaction.stop() },
    { name: 'alarm evaluator', start: () => alarmEvaluator.start(), stop: () => alarmEvaluator.stop() },
    { name: 'task metrics', start: () => taskMetrics.start(), stop: () => taskMetrics.stop() },
  ]);

  // ECS Exec: the Session Manager data channel on this port (WebSocket upgrades), an exec in the container behind it.
  // A task on a registered host is exec'd through that host's engine, from whichever replica answers (one client per engine).
  const hostExecs = new Map<string, DockerExec>();
  const execOnHost = async (scope: Scope, task: Task): Promise<DockerExec | undefined> => {
    const id = task.wharf.containerInstanceId;
    const host = id === undefined ? undefined : (await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, containerInstanceRecordId(task.wharf.clusterName, id)))?.doc.host;
    if (!host) return undefined;
    const key = JSON.stringify([host.url, host.tls]);
    let exec = hostExecs.get(key);
    if (!exec) {
      try {
        exec = new DockerExec({ host: engineHostOf(host) });
      } catch (error) {
        logger.warn({ err: error, host: host.name }, 'cannot reach a registered host for ECS Exec');
        return undefined;
      }
      hostExecs.set(key, exec);
    }
    return exec;
  };
  const execEndpoint = new ExecEndpoint({ store, exec: new DockerExec(config.dockerSocket ? { socketPath: config.dockerSocket } : {}), execOnHost, logs: logStore, clock, logger });
  execEndpoint.start();
  const execHost = (): string | undefined => (listening ? registryHost() : undefined);
  // The only process on its store leads before it answers, as before: tasks are re-adopted first.
  const leading = new LeaderLoop(state.leadership, controllers, logger);
  if (state.leadership === soleLeadership) await leading.startNow();

  const hosts = hostActions(store, clock);
  // The config file's hosts are registered (or updated) at every start, as `wharf hosts add` would.
  for (const registration of config.hosts) {
    try {
      await hosts.add(registration);
    } catch (error) {
      logger.warn({ host: registration.name, err: error }, `could not register the config file's host ${registration.name}: ${(error as Error).message}`);
    }
  }

  const rawRoutes = new Map<string, RawRoute>([
    ['/v2', registry.handle],
    // The console: static files only; the browser signs every API call it makes with the operator's key pair.
    ['/console', consoleRoute(fileURLToPath(new URL('../console/dist/', import.meta.url)))],
    [
      '/_wharf',
      adminRoute(
        {
          async reset() {
            // Restarting the supervisor on an empty store removes every Wharf container as an orphan;
            // restarting the task endpoint routes no task. A process that does not lead only wipes.
            await leading.whilePaused(async () => {
              // The registered hosts' containers first: with their records gone no supervisor would find them.
              await hostFleet.removeEverythingOf(instance);
              await store.wipe();
              await metricStore.wipe();
              await logStore.wipe();
            });
          },
          health: async () => ({ version: '0.1.0' }),
          // Where each load balancer listener is served on this host.
          loadBalancers: async () => loadBalancers.served(),
          // ECS warns a Spot task two minutes before it is killed; the time scale shortens the wait.
          interruptSpot: (body) => interruptSpotTasks(store, parseSpotInterruptionRequest(body), { warningSeconds: SPOT_WARNING_SECONDS / config.timeScale, now: clock.now() }),
          // Registered Docker hosts (wharf hosts add|list|remove): container instance records the host fleet drives.
          hosts,
        },
        isAdmin,
        { defaultAccount: config.accessKeys[0]!.account },
      ),
    ],
  ]);

  const gateway = new Gateway({ services: [ecsApi({ store, instances, registryHost, execHost }), ecrApi({ store, blobs, credentials: registryCredentials, registryHost, uriStyle: config.ecrUriStyle }), logsApi({ logStore }), stsApi({ store, sessions: sessionCredentials }), iamApi({ store }), secretsManagerApi({ store, cipher }), ssmApi({ store, cipher, execHost }), elbv2Api({ store }), applicationAutoScalingApi({ store }), monitoringApi({ store, metrics: metricStore })], verifier, clock, logger, rawRoutes, ...(rolePermissions ? { authorize: iamAuthorizer(rolePermissions, logger, taskDefinitionRoles(store)) } : {}), ...(attribution ? { aroundRequest: attribution.aroundRequest } : {}) });
  gatewayHandle = gateway.handle;
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, gateway.handle);
  server.on('upgrade', (req, socket, head) => {
    if (!execEndpoint.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  listeningPort = port;
  listening = true;
  // On a shared store: leads now if no other process does, else when the leader goes.
  if (state.leadership !== soleLeadership) leading.runInBackground();

  return {
    endpoint: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    registryHost: registryHost(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      registry.stop();
      execEndpoint.stop();
      // Containers keep running (dockerd --live-restore too): a restarted Wharf, or the next leader, re-adopts them.
      await leading.close();
      await store.close();
      await metricStore.close();
      await logStore.close();
    },
  };
}

/** The roles a task definition names, for IAM enforcement's ECS trust check. */
function taskDefinitionRoles(store: Store): (scope: { account: string; region: string }, reference: string) => Promise<{ taskRoleArn?: string; executionRoleArn?: string } | undefined> {
  return async (scope, reference) => {
    const definition = (await resolveTaskDefinition(store, scope, reference))?.doc.taskDefinition;
    if (!definition) return undefined;
    const { taskRoleArn, executionRoleArn } = definition as { taskRoleArn?: unknown; executionRoleArn?: unknown };
    return { ...(typeof taskRoleArn === 'string' ? { taskRoleArn } : {}), ...(typeof executionRoleArn === 'string' ? { executionRoleArn } : {}) };
  };
}
