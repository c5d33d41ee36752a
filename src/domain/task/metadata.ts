/**
 * The task metadata endpoint (v3 and v4) and the task-role credentials
 * endpoint as the ECS agent serves them at 169.254.170.2, built from the task
 * record and what the engine reports. Field names, their omission rules and
 * the error wording follow the agent (`ecs-agent/tmds/handlers/v4`,
 * `agent/handlers/v4/tmdsstate.go`, `ecs-agent/tmds/handlers/v1/credentials_handler.go`).
 */
import { parseArn } from '../arn.js';
import { awslogsConfig, awslogsStreamName } from './awslogs.js';
import type { Task } from './task.js';

/** The link-local address every task reaches its metadata and credentials at. */
export const TASK_METADATA_ADDRESS = '169.254.170.2';

/** What the engine reports about one of the task's containers. */
export interface ObservedContainer {
  readonly dockerId: string;
  /** The engine's container name (without the leading slash). */
  readonly dockerName: string;
  /** The engine's image id (sha256:...). */
  readonly imageId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
}

export type MetadataVersion = 'v3' | 'v4';

/** What a request under 169.254.170.2 asks for; anything else is not the metadata endpoint's. */
export type MetadataRequest =
  | { readonly kind: 'container' | 'task' | 'taskWithTags' | 'containerStats' | 'taskStats'; readonly version: MetadataVersion; readonly id: string }
  | { readonly kind: 'credentials'; readonly id: string };

/** Routes a request path (query string removed) the way the agent's mux does; undefined: not a metadata path. */
export function parseMetadataPath(path: string): MetadataRequest | undefined {
  const credentials = /^\/v2\/credentials\/?(.*)$/.exec(path);
  if (credentials) return { kind: 'credentials', id: credentials[1]! };
  const match = /^\/(v3|v4)\/([^/]*)(\/task|\/taskWithTags|\/stats|\/task\/stats)?\/?$/.exec(path);
  if (!match) return undefined;
  const version = match[1] as MetadataVersion;
  const id = match[2]!;
  switch (match[3]) {
    case '/task':
      return { kind: 'task', version, id };
    case '/taskWithTags':
      return { kind: 'taskWithTags', version, id };
    case '/stats':
      return { kind: 'containerStats', version, id };
    case '/task/stats':
      return { kind: 'taskStats', version, id };
    default:
      return { kind: 'container', version, id };
  }
}

/** The agent's answer to an id it does not know: status and the JSON string it sends as the body. */
export function metadataLookupFailure(request: Exclude<MetadataRequest, { kind: 'credentials' }>): { status: number; body: string } {
  const V = request.version.toUpperCase();
  const noTask = `unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${request.id}`;
  switch (request.kind) {
    case 'container':
      return { status: 404, body: `${V} container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${request.id}` };
    case 'task':
    case 'taskWithTags':
      return { status: 404, body: `${V} task metadata handler: ${noTask}` };
    case 'containerStats':
      return { status: 404, body: `${V} container stats handler: ${noTask}` };
    case 'taskStats':
      return { status: 404, body: `${V} task stats handler: ${noTask}` };
  }
}

/** The credentials endpoint's error body: `{code, message, HTTPErrorCode}` (the agent marshals all three). */
export interface CredentialsError {
  readonly code: string;
  readonly message: string;
  readonly HTTPErrorCode: number;
}

export function credentialsError(id: string): CredentialsError {
  if (id === '') return { code: 'NoIdInRequest', message: 'CredentialsV2Request: No Credential ID in the request', HTTPErrorCode: 400 };
  return { code: 'InvalidIdInRequest', message: 'CredentialsV2Request: Credentials not found', HTTPErrorCode: 400 };
}

/** The assumed-role session a task's credentials are for: the role's account, the task id as session name. */
export function taskRoleSession(roleArn: string, taskId: string): { account: string; roleArn: string; sessionName: string } | undefined {
  const arn = parseArn(roleArn);
  if (!arn || arn.service !== 'iam' || !/^\d{12}$/.test(arn.account) || !arn.resource.startsWith('role/')) return undefined;
  return { account: arn.account, roleArn, sessionName: taskId };
}

/** The credentials document SDKs read from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI. */
export function credentialsDocument(
  roleArn: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date },
): { RoleArn: string; AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string } {
  return {
    RoleArn: roleArn,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    // The agent's layout: RFC 3339 to the second.
    Expiration: credentials.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * What every container of the task finds in its environment to reach the
 * endpoint: the metadata URIs (v4 and v3 share the container's id), the
 * credentials URI only when the task has a role, as ECS does, and
 * optionally AWS_ENDPOINT_URL so unmodified SDKs call Wharf's APIs.
 */
export function metadataEnvironment(ids: { readonly container: string; readonly credentials?: string }, options: { readonly endpointUrl: boolean }): Record<string, string> {
  return {
    ECS_CONTAINER_METADATA_URI_V4: `http://${TASK_METADATA_ADDRESS}/v4/${ids.container}`,
    ECS_CONTAINER_METADATA_URI: `http://${TASK_METADATA_ADDRESS}/v3/${ids.container}`,
    ...(ids.credentials !== undefined ? { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${ids.credentials}` } : {}),
    ...(options.endpointUrl ? { AWS_ENDPOINT_URL: `http://${TASK_METADATA_ADDRESS}` } : {}),
  };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The agent's task known status (its own enum, not the API's lastStatus). */
function taskKnownStatus(task: Task): string {
  switch (task.lastStatus) {
    case 'PROVISIONING':
      return 'NONE';
    case 'PENDING':
    case 'ACTIVATING':
      return 'CREATED';
    case 'DEPROVISIONING':
    case 'STOPPED':
      return 'STOPPED';
    default:
      return 'RUNNING';
  }
}

/** `ip-a-b-c-d.<region>.compute.internal` (`ec2.internal` in us-east-1), as EC2 names an interface. */
function privateDnsName(ip: string, region: string): string {
  return `ip-${ip.replace(/\./g, '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;
}

function regionOf(task: Task): string {
  return parseArn(task.taskArn)?.region ?? '';
}

function networks(task: Task, version: MetadataVersion): Record<string, unknown>[] | undefined {
  const sandbox = task.wharf.sandbox;
  if (!sandbox) return undefined;
  const base = { NetworkMode: 'awsvpc', IPv4Addresses: [sandbox.ipv4Address] };
  if (version === 'v3') return [base];
  const prefix = sandbox.subnetCidr.split('/')[1];
  return [
    {
      ...base,
      AttachmentIndex: 0,
      MACAddress: sandbox.macAddress,
      IPv4SubnetCIDRBlock: sandbox.subnetCidr,
      PrivateDNSName: privateDnsName(sandbox.ipv4Address, regionOf(task)),
      ...(sandbox.gateway ? { SubnetGatewayIpv4Address: prefix ? `${sandbox.gateway}/${prefix}` : sandbox.gateway } : {}),
    },
  ];
}

/** Only the labels a task definition or ECS put there: Wharf's own bookkeeping labels stay private. */
function visibleLabels(labels: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const shown = Object.fromEntries(Object.entries(labels).filter(([name]) => !name.startsWith('wharf.')));
  return Object.keys(shown).length > 0 ? shown : undefined;
}

/** One container's metadata (`${ECS_CONTAINER_METADATA_URI_V4}` or the v3 form); undefined for a name the task lacks. */
export function containerMetadata(task: Task, name: string, observed: ObservedContainer | undefined, version: MetadataVersion): Record<string, unknown> | undefined {
  const plan = task.wharf.containerPlans.find((candidate) => candidate.name === name);
  const container = task.containers.find((candidate) => candidate.name === name);
  if (!plan || !container) return undefined;
  const known = container.lastStatus === 'PENDING' ? (observed ? 'CREATED' : 'NONE') : container.lastStatus;
  const logs = awslogsConfig(plan.logConfiguration, regionOf(task));
  const labels = observed ? visibleLabels(observed.labels) : undefined;
  const ports = plan.portMappings.map((mapping) => ({ ContainerPort: mapping.containerPort, Protocol: mapping.protocol, HostPort: mapping.containerPort }));
  const net = networks(task, version);
  return {
    DockerId: observed?.dockerId ?? '',
    Name: name,
    DockerName: observed?.dockerName ?? '',
    Image: container.image,
    ImageID: observed?.imageId ?? '',
    ...(ports.length > 0 ? { Ports: ports } : {}),
    ...(labels ? { Labels: labels } : {}),
    DesiredStatus: task.desiredStatus,
    KnownStatus: known,
    ...(container.exitCode !== undefined ? { ExitCode: container.exitCode } : {}),
    Limits: { CPU: plan.cpu, Memory: plan.memory ?? 0 },
    ...(observed?.startedAt ? { StartedAt: observed.startedAt.toISOString() } : {}),
    ...(observed?.finishedAt ? { FinishedAt: observed.finishedAt.toISOString() } : {}),
    Type: 'NORMAL',
    ...(plan.healthCheck ? { Health: { status: container.healthStatus } } : {}),
    ...(net ? { Networks: net } : {}),
    ...(version === 'v4'
      ? {
          ContainerARN: container.containerArn,
          ...(plan.logConfiguration
            ? {
                LogDriver: plan.logConfiguration.logDriver,
                LogOptions: {
                  ...plan.logConfiguration.options,
                  ...(logs && observed ? { 'awslogs-stream': awslogsStreamName(logs, name, task.wharf.taskId, observed.dockerId) } : {}),
                },
              }
            : {}),
        }
      : {}),
  };
}

/** The task's metadata (`.../task`, `.../taskWithTags`), its containers in task-definition order. */
export function taskMetadata(task: Task, observed: Readonly<Record<string, ObservedContainer>>, version: MetadataVersion, options: { readonly withTags?: boolean } = {}): Record<string, unknown> {
  const cpu = Number(task.cpu);
  const memory = Number(task.memory);
  const service = task.group.startsWith('service:') ? task.group.slice('service:'.length) : undefined;
  const tags = Object.fromEntries(task.tags.map((tag) => [tag.key, tag.value]));
  return {
    Cluster: task.clusterArn,
    TaskARN: task.taskArn,
    Family: task.wharf.family,
    Revision: String(task.wharf.revision),
    DesiredStatus: task.desiredStatus,
    KnownStatus: taskKnownStatus(task),
    ...(cpu > 0 || memory > 0 ? { Limits: { ...(cpu > 0 ? { CPU: cpu / 1024 } : {}), ...(memory > 0 ? { Memory: memory } : {}) } } : {}),
    ...(task.pullStartedAt !== undefined ? { PullStartedAt: iso(task.pullStartedAt) } : {}),
    ...(task.pullStoppedAt !== undefined ? { PullStoppedAt: iso(task.pullStoppedAt) } : {}),
    ...(task.executionStoppedAt !== undefined ? { ExecutionStoppedAt: iso(task.executionStoppedAt) } : {}),
    AvailabilityZone: task.availabilityZone,
    ...(options.withTags && task.tags.length > 0 ? { TaskTags: tags } : {}),
    ...(version === 'v4' ? { LaunchType: task.launchType ?? 'FARGATE', ...(service ? { ServiceName: service } : {}) } : {}),
    Containers: task.wharf.containerPlans
      .map((plan) => containerMetadata(task, plan.name, observed[plan.name], version))
      .filter((container): container is Record<string, unknown> => container !== undefined),
    ...(version === 'v4' ? { FaultInjectionEnabled: false } : {}),
  };
}
