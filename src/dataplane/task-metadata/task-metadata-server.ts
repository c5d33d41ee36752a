/**
 * What the ECS agent serves tasks at 169.254.170.2: task metadata (v3, v4),
 * container and task stats, and the task role's credentials
 * (`/v2/credentials/<id>`). Every other path goes to Wharf's own gateway, so
 * `AWS_ENDPOINT_URL=http://169.254.170.2` reaches the AWS APIs from a task.
 *
 * It listens on an ephemeral port of 169.254.170.2 (several Wharfs share a
 * host); the `TaskEndpointNetwork` sends each of this Wharf's tasks there.
 * A request is answered only for the task whose address it comes from, and
 * only with an id derived for that task: task A's credentials URI fetched
 * from task B is refused as an unknown id.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { holdsAddress, TASKS_BY_ADDRESS } from '../../domain/ecs/record-indexes.js';
import { KIND } from '../../domain/ecs/record-keys.js';
import {
  containerMetadata,
  credentialsDocument,
  credentialsError,
  metadataEnvironment,
  metadataLookupFailure,
  parseMetadataPath,
  taskMetadata,
  taskRoleSession,
  TASK_METADATA_ADDRESS,
  type MetadataRequest,
  type MetadataVersion,
  type ObservedContainer,
} from '../../domain/task/metadata.js';
import type { Task } from '../../domain/task/task.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { dockerStatsDocument, type StatsSide } from '../../domain/metrics/docker-stats.js';
import type { ContainerRuntime, TaskRuntimes, TaskUsage } from '../../ports/runtime.js';
import type { SessionCredentials } from '../../ports/session-credentials.js';
import type { Store } from '../../ports/store.js';
import type { TaskEndpoint, TaskEndpointNetwork } from '../../ports/task-endpoint.js';
import { EndpointIds } from './endpoint-ids.js';

/** ECS refreshes task-role credentials well before they expire; six hours is what they last. */
const CREDENTIALS_SECONDS = 6 * 60 * 60;

/** The metrics sampler's latest readings of each running task (two consecutive ones make a stats document). */
export interface SampledTaskUsage {
  latest(taskArn: string): { readonly current: TaskUsage; readonly previous?: TaskUsage } | undefined;
}

export interface TaskMetadataServerOptions {
  readonly store: Store;
  readonly runtime: ContainerRuntime;
  /** The engine of each task, when tasks run on registered hosts too; without it every task is `runtime`'s. */
  readonly runtimes?: TaskRuntimes;
  readonly network: TaskEndpointNetwork;
  readonly ids: EndpointIds;
  /** Mints the task role's credentials; without it the credentials endpoint answers as uninitialized. */
  readonly sessions?: SessionCredentials;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wharf's API gateway, for every path that is not the metadata endpoint's. */
  readonly gateway: (req: IncomingMessage, res: ServerResponse) => void;
  /** Whether containers get AWS_ENDPOINT_URL pointing here. */
  readonly endpointUrl: boolean;
  /**
   * Where `/stats` and `/task/stats` come from: the sampler's latest readings,
   * answered at once; without it (or before a task's first sample) the
   * runtime's one-shot stats, which wait a second for their second sample.
   */
  readonly usage?: SampledTaskUsage;
}

export class TaskMetadataServer implements TaskEndpoint {
  private server: Server | undefined;
  private port: number | undefined;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: TaskMetadataServerOptions) {}

  /** Prepares the host and listens; resolves (without listening) when the host cannot route the address. */
  start(): Promise<void> {
    this.ready ??= this.listen().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'the task metadata endpoint could not start: tasks run without it');
    });
    return this.ready;
  }

  async stop(): Promise<void> {
    await this.ready;
    const server = this.server;
    this.server = undefined;
    this.port = undefined;
    this.ready = undefined;
    // Routes stay: running tasks keep them until a restarted Wharf points them at its new port.
    if (server) await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Routes exactly the live tasks' addresses here (after a start or a wipe). */
  async resync(): Promise<void> {
    await this.start();
    if (this.port === undefined) return;
    const tasks = await this.liveTasks();
    await this.options.network.sync(tasks.map((task) => task.wharf.sandbox!.ipv4Address), this.port);
  }

  async environment(task: Task, containerName: string): Promise<Record<string, string>> {
    await this.start();
    if (this.port === undefined) return {};
    const { ids } = this.options;
    return metadataEnvironment(
      { container: ids.container(task.taskArn, containerName), ...(task.wharf.taskRoleArn ? { credentials: ids.credentials(task.taskArn) } : {}) },
      { endpointUrl: this.options.endpointUrl },
    );
  }

  async open(taskIp: string): Promise<void> {
    await this.start();
    if (this.port !== undefined) await this.options.network.route(taskIp, this.port);
  }

  async close(taskIp: string): Promise<void> {
    if (this.port !== undefined) await this.options.network.unroute(taskIp);
  }

  private async listen(): Promise<void> {
    if (!(await this.options.network.prepare())) return;
    const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.logger.error({ err: error, url: req.url }, 'task metadata request failed');
        if (!res.headersSent) send(res, 500, 'failed to get task metadata');
        else res.destroy();
      });
    });
    // The previous run's port when it is free: its routes are then all still right, and a restart with many tasks changes none.
    const previous = await this.options.network.routedPort();
    if (previous === undefined || (await listenOn(server, previous)) !== undefined) {
      const failure = await listenOn(server, 0);
      if (failure) throw failure;
    }
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    const tasks = await this.liveTasks();
    await this.options.network.sync(tasks.map((task) => task.wharf.sandbox!.ipv4Address), this.port);
    this.options.logger.info({ port: this.port, tasks: tasks.length }, `task metadata endpoint listening on ${TASK_METADATA_ADDRESS}`);
  }

  /** Tasks whose sandbox holds an address right now (a start or a reset routes them all). */
  private async liveTasks(): Promise<Task[]> {
    return (await this.options.store.listAll<Task>(KIND.task)).map((record) => record.doc).filter(holdsAddress);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const request = parseMetadataPath(path);
    if (!request) {
      this.options.gateway(req, res);
      return;
    }
    const source = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    // Looked up by address in the store's index: a request costs the same however many tasks there are.
    const candidates = (await this.options.store.listAllByIndex<Task>(TASKS_BY_ADDRESS, source)).map((record) => record.doc);
    if (request.kind === 'credentials') return this.credentials(res, request.id, candidates);

    const { ids } = this.options;
    for (const task of candidates) {
      const plan = task.wharf.containerPlans.find((candidate) => EndpointIds.same(ids.container(task.taskArn, candidate.name), request.id));
      if (plan) return this.metadata(res, request, task, plan.name);
    }
    const failure = metadataLookupFailure(request);
    send(res, failure.status, failure.body);
  }

  private async metadata(res: ServerResponse, request: Exclude<MetadataRequest, { kind: 'credentials' }>, task: Task, containerName: string): Promise<void> {
    const runtime = this.runtimeOf(task);
    switch (request.kind) {
      case 'container': {
        const observed = await this.observe(task);
        send(res, 200, containerMetadata(task, containerName, observed[containerName], request.version));
        return;
      }
      case 'task':
      case 'taskWithTags':
        send(res, 200, taskMetadata(task, await this.observe(task), request.version, { withTags: request.kind === 'taskWithTags' }));
        return;
      case 'containerStats': {
        const dockerId = task.wharf.containerIds[containerName];
        const stats = dockerId ? (this.sampledStats(task, containerName, dockerId, request.version) ?? (await runtime.containerStats(dockerId))) : undefined;
        if (!stats) {
          // The agent's wording when it has no stats for the container.
          send(res, 500, `Unable to get container stats for: ${dockerId ?? containerName}`);
          return;
        }
        send(res, 200, stats);
        return;
      }
      case 'taskStats': {
        // Keyed by docker id, as the agent answers; containers not made yet have none.
        const entries = await Promise.all(
          Object.entries(task.wharf.containerIds).map(
            async ([name, dockerId]) => [dockerId, this.sampledStats(task, name, dockerId, request.version) ?? (await runtime.containerStats(dockerId)) ?? null] as const,
          ),
        );
        send(res, 200, Object.fromEntries(entries));
        return;
      }
    }
  }

  private async credentials(res: ServerResponse, id: string, candidates: readonly Task[]): Promise<void> {
    const task = candidates.find((candidate) => candidate.wharf.taskRoleArn && EndpointIds.same(this.options.ids.credentials(candidate.taskArn), id));
    const identity = task && taskRoleSession(task.wharf.taskRoleArn!, task.wharf.taskId);
    if (!task || !identity) {
      const error = credentialsError(id);
      send(res, error.HTTPErrorCode, error);
      return;
    }
    if (!this.options.sessions) {
      // unverified wording: the agent's answer while credentials are not set up yet.
      send(res, 503, { code: 'CredentialsUninitialized', message: 'CredentialsV2Request: Credentials uninitialized for ID', HTTPErrorCode: 503 });
      return;
    }
    const minted = this.options.sessions.mint(identity, this.options.clock.now(), CREDENTIALS_SECONDS);
    send(res, 200, credentialsDocument(identity.roleArn, minted));
  }

  /**
   * A container's stats document from the sampler's last two readings: its own
   * cgroup where it was read, else the task's as a whole. Undefined before
   * the task's first sample.
   */
  private sampledStats(task: Task, containerName: string, dockerId: string, version: MetadataVersion): Record<string, unknown> | undefined {
    const sampled = this.options.usage?.latest(task.taskArn);
    if (!sampled) return undefined;
    const side = (usage: TaskUsage): StatsSide => ({ context: usage, cgroup: usage.containers[dockerId] ?? usage });
    return dockerStatsDocument(dockerId, `wharf-${task.wharf.taskId}-${containerName}`, side(sampled.current), sampled.previous ? side(sampled.previous) : undefined, {
      networkRates: version === 'v4',
    });
  }

  /** The task's engine; a host this process does not drive answers as if its containers were not there yet. */
  private runtimeOf(task: Task): Pick<ContainerRuntime, 'inspectContainer' | 'containerStats'> {
    return (this.options.runtimes ? this.options.runtimes.of(task) : this.options.runtime) ?? { inspectContainer: async () => undefined, containerStats: async () => undefined };
  }

  /** What the engine says about each of the task's containers that exists. */
  private async observe(task: Task): Promise<Record<string, ObservedContainer>> {
    const observed: Record<string, ObservedContainer> = {};
    const runtime = this.runtimeOf(task);
    await Promise.all(
      Object.entries(task.wharf.containerIds).map(async ([name, dockerId]) => {
        const state = await runtime.inspectContainer(dockerId);
        if (!state) return;
        observed[name] = {
          dockerId,
          dockerName: state.name,
          imageId: state.imageId,
          labels: state.labels,
          ...(state.startedAt ? { startedAt: state.startedAt } : {}),
          ...(state.finishedAt ? { finishedAt: state.finishedAt } : {}),
        };
      }),
    );
    return observed;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Listens on `port` of the metadata address; resolves to the error when it cannot (the port is taken, say). */
function listenOn(server: Server, port: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const failed = (error: Error) => resolve(error);
    server.once('error', failed);
    server.listen(port, TASK_METADATA_ADDRESS, () => {
      server.off('error', failed);
      resolve(undefined);
    });
  });
}
