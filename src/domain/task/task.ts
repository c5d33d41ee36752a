import type { Tag } from '../ecs/tags.js';
import type { ContainerStatus, StopCode, TaskStatus } from './task-status.js';

/** What the supervisor needs to create one container, resolved at RunTask time so a restart never re-reads a changed definition. */
export interface ContainerPlan {
  readonly name: string;
  readonly image: string;
  readonly essential: boolean;
  readonly entryPoint?: string[];
  readonly command?: string[];
  readonly environment: Record<string, string>;
  readonly workingDirectory?: string;
  readonly user?: string;
  readonly cpu: number;
  readonly memory?: number;
  readonly memoryReservation?: number;
  readonly ulimits?: { name: string; softLimit: number; hardLimit: number }[];
  readonly readonlyRootFilesystem?: boolean;
  readonly initProcessEnabled?: boolean;
  readonly capabilities?: { add?: string[]; drop?: string[] };
  readonly stopTimeout: number;
  readonly healthCheck?: { command: string[]; interval: number; timeout: number; retries: number; startPeriod?: number };
  readonly dependsOn: { containerName: string; condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY' }[];
  readonly portMappings: { containerPort: number; protocol: 'tcp' | 'udp' }[];
  /** `secrets` references, resolved at start as the execution role. */
  readonly secrets: { name: string; valueFrom: string }[];
  readonly dockerLabels: Record<string, string>;
  /** S3 environment files: Wharf has no S3 to read them from. */
  readonly environmentFiles: { value: string; type: string }[];
  /** The container definition's log driver and options (awslogs is pumped to CloudWatch Logs). */
  readonly logConfiguration?: {
    logDriver: string;
    options?: Record<string, string>;
    /** References like `secrets`, resolved at start the same way (a missing one fails the task). */
    secretOptions?: { name: string; valueFrom: string }[];
  };
}

/** Observed state of one container, written by the supervisor only. */
export interface TaskContainer {
  readonly containerArn: string;
  readonly taskArn: string;
  readonly name: string;
  readonly image: string;
  imageDigest?: string;
  runtimeId?: string;
  lastStatus: ContainerStatus;
  exitCode?: number;
  reason?: string;
  networkBindings: { bindIP: string; containerPort: number; hostPort: number; protocol: string }[];
  networkInterfaces: { attachmentId: string; privateIpv4Address: string }[];
  healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  readonly cpu: string;
  readonly memory?: string;
  readonly memoryReservation?: string;
  managedAgents?: unknown[];
}

export interface TaskAttachment {
  readonly id: string;
  readonly type: 'ElasticNetworkInterface';
  status: 'PRECREATED' | 'ATTACHING' | 'ATTACHED' | 'DETACHING' | 'DETACHED' | 'DELETED';
  details: { name: string; value: string }[];
}

/**
 * A task as stored: the ECS Task shape (the serializer sends only modelled
 * members) plus Wharf's own bookkeeping under `wharf`.
 */
export interface Task {
  readonly taskArn: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  readonly launchType?: string;
  /** Tasks on a registered instance (EC2): that instance's ARN. Fargate tasks have none. */
  readonly containerInstanceArn?: string;
  readonly capacityProviderName?: string;
  readonly platformVersion?: string;
  readonly platformFamily?: string;
  readonly availabilityZone: string;
  readonly cpu: string;
  readonly memory: string;
  readonly group: string;
  readonly startedBy?: string;
  readonly enableExecuteCommand: boolean;
  readonly overrides: Record<string, unknown>;
  readonly ephemeralStorage: { sizeInGiB: number };
  readonly tags: Tag[];
  containers: TaskContainer[];
  attachments: TaskAttachment[];
  healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  connectivity?: 'CONNECTED' | 'DISCONNECTED';
  version: number;
  readonly createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  connectivityAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  stopCode?: StopCode;
  stoppedReason?: string;
  readonly wharf: TaskInternals;
}

export interface TaskInternals {
  readonly taskId: string;
  readonly clusterName: string;
  readonly family: string;
  readonly revision: number;
  readonly referenceId?: string;
  readonly subnetId: string;
  readonly securityGroups: string[];
  readonly containerPlans: ContainerPlan[];
  /** The role the task's containers get credentials for (the definition's, or RunTask's override). */
  readonly taskRoleArn?: string;
  /** The role Wharf acts as for the task (pulls, secrets, logs); never handed to containers. */
  readonly executionRoleArn?: string;
  /**
   * The registered container instance the task was placed on: its engine runs
   * the task and its supervisor drives it. Absent: the local engine (Fargate).
   */
  readonly containerInstanceId?: string;
  /** Set once the pause container holds the task's network namespace. */
  sandbox?: { containerId: string; cgroupParent: string; ipv4Address: string; macAddress: string; subnetCidr: string; gateway: string };
  /** Engine container ids by container name. */
  containerIds: Record<string, string>;
  /**
   * What the engine runs for a task-definition image, when not the image as
   * written: an ECR image is pulled from Wharf's registry and pinned to the
   * manifest digest pulled (`<registry host>/<repo>@sha256:...`), so every
   * container of the task, and a restart, runs exactly that image.
   */
  runImages?: Record<string, string>;
  /** When the stop decision was taken (StopTask, essential exit, failed start), before containers are stopped. */
  stopRequestedAt?: number;
  /**
   * Seconds between SIGTERM and SIGKILL for this stop, replacing each container's `stopTimeout`
   * (set by a Spot interruption: its warning period).
   */
  stopGraceSeconds?: number;
  /**
   * For a load-balanced service task being stopped: when its targets have
   * drained (epoch ms, set by the service scheduler as it deregisters them).
   * The supervisor keeps the containers running, DEACTIVATING, until then.
   */
  drainUntil?: number;
}
