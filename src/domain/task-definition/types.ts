/**
 * Shapes of RegisterTaskDefinition's request and of the `taskDefinition` that
 * DescribeTaskDefinition returns, in the model's camelCase (models/ecs.json).
 * The request has already been checked against the model for types, required
 * members and enums; these interfaces only describe what the rules read.
 * Index signatures keep members that a newer model may add, so they survive
 * registration untouched instead of being silently dropped.
 */

export type NetworkMode = 'bridge' | 'host' | 'awsvpc' | 'none';
export type Compatibility = 'EC2' | 'FARGATE' | 'EXTERNAL' | 'MANAGED_INSTANCES';

export interface KeyValuePair { name?: string; value?: string }
export interface Secret { name: string; valueFrom: string }
export interface EnvironmentFile { type: 's3'; value: string }

export interface PortMapping {
  containerPort?: number;
  hostPort?: number;
  protocol?: 'tcp' | 'udp';
  name?: string;
  appProtocol?: 'http' | 'http2' | 'grpc';
  containerPortRange?: string;
  [extra: string]: unknown;
}

export interface HealthCheck {
  command: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  startPeriod?: number;
}

export interface LogConfiguration {
  logDriver: string;
  options?: Record<string, string>;
  secretOptions?: Secret[];
}

export interface ContainerDependency {
  containerName: string;
  condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY';
}

export interface LinuxParameters {
  capabilities?: { add?: string[]; drop?: string[] };
  devices?: Array<{ hostPath: string; containerPath?: string; permissions?: string[] }>;
  initProcessEnabled?: boolean;
  sharedMemorySize?: number;
  tmpfs?: Array<{ containerPath: string; size: number; mountOptions?: string[] }>;
  maxSwap?: number;
  swappiness?: number;
}

export interface ResourceRequirement { type: 'GPU' | 'InferenceAccelerator'; value: string }

export interface ContainerDefinition {
  name?: string;
  image?: string;
  repositoryCredentials?: { credentialsParameter: string };
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  links?: string[];
  portMappings?: PortMapping[];
  essential?: boolean;
  restartPolicy?: { enabled: boolean; ignoredExitCodes?: number[]; restartAttemptPeriod?: number };
  entryPoint?: string[];
  command?: string[];
  environment?: KeyValuePair[];
  environmentFiles?: EnvironmentFile[];
  mountPoints?: Array<{ sourceVolume?: string; containerPath?: string; readOnly?: boolean }>;
  volumesFrom?: Array<{ sourceContainer?: string; readOnly?: boolean }>;
  linuxParameters?: LinuxParameters;
  secrets?: Secret[];
  dependsOn?: ContainerDependency[];
  startTimeout?: number;
  stopTimeout?: number;
  versionConsistency?: 'enabled' | 'disabled';
  hostname?: string;
  user?: string;
  workingDirectory?: string;
  disableNetworking?: boolean;
  privileged?: boolean;
  readonlyRootFilesystem?: boolean;
  dnsServers?: string[];
  dnsSearchDomains?: string[];
  extraHosts?: Array<{ hostname: string; ipAddress: string }>;
  dockerSecurityOptions?: string[];
  interactive?: boolean;
  pseudoTerminal?: boolean;
  dockerLabels?: Record<string, string>;
  ulimits?: Array<{ name: string; softLimit: number; hardLimit: number }>;
  logConfiguration?: LogConfiguration;
  healthCheck?: HealthCheck;
  systemControls?: Array<{ namespace?: string; value?: string }>;
  resourceRequirements?: ResourceRequirement[];
  firelensConfiguration?: { type: 'fluentd' | 'fluentbit'; options?: Record<string, string> };
  credentialSpecs?: string[];
  [extra: string]: unknown;
}

export interface Volume {
  name?: string;
  host?: { sourcePath?: string };
  dockerVolumeConfiguration?: Record<string, unknown>;
  efsVolumeConfiguration?: {
    fileSystemId: string;
    rootDirectory?: string;
    transitEncryption?: 'ENABLED' | 'DISABLED';
    transitEncryptionPort?: number;
    authorizationConfig?: { accessPointId?: string; iam?: 'ENABLED' | 'DISABLED' };
  };
  fsxWindowsFileServerVolumeConfiguration?: Record<string, unknown>;
  configuredAtLaunch?: boolean;
  [extra: string]: unknown;
}

export interface Tag { key?: string; value?: string }

export interface RegisterTaskDefinitionInput {
  family: string;
  containerDefinitions: ContainerDefinition[];
  taskRoleArn?: string;
  executionRoleArn?: string;
  networkMode?: NetworkMode;
  volumes?: Volume[];
  placementConstraints?: Array<{ type?: 'memberOf'; expression?: string }>;
  requiresCompatibilities?: Compatibility[];
  cpu?: string;
  memory?: string;
  tags?: Tag[];
  pidMode?: 'host' | 'task';
  ipcMode?: 'host' | 'task' | 'none';
  proxyConfiguration?: { type?: 'APPMESH'; containerName: string; properties?: KeyValuePair[] };
  inferenceAccelerators?: Array<{ deviceName: string; deviceType: string }>;
  ephemeralStorage?: { sizeInGiB: number };
  runtimePlatform?: { cpuArchitecture?: 'X86_64' | 'ARM64'; operatingSystemFamily?: string };
  enableFaultInjection?: boolean;
  [extra: string]: unknown;
}

export interface Attribute { name: string; value?: string; targetType?: string; targetId?: string }

export interface TaskDefinition {
  taskDefinitionArn: string;
  containerDefinitions: ContainerDefinition[];
  family: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  networkMode?: NetworkMode;
  revision: number;
  volumes: Volume[];
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  requiresAttributes: Attribute[];
  placementConstraints: Array<{ type?: 'memberOf'; expression?: string }>;
  compatibilities: Compatibility[];
  requiresCompatibilities?: Compatibility[];
  cpu?: string;
  memory?: string;
  inferenceAccelerators?: Array<{ deviceName: string; deviceType: string }>;
  pidMode?: 'host' | 'task';
  ipcMode?: 'host' | 'task' | 'none';
  proxyConfiguration?: { type?: 'APPMESH'; containerName: string; properties?: KeyValuePair[] };
  ephemeralStorage?: { sizeInGiB: number };
  runtimePlatform?: { cpuArchitecture?: 'X86_64' | 'ARM64'; operatingSystemFamily?: string };
  enableFaultInjection?: boolean;
  registeredAt: Date;
  registeredBy?: string;
  deregisteredAt?: Date;
  deleteRequestedAt?: Date;
  [extra: string]: unknown;
}

export interface RegistrationContext {
  arn: string;
  revision: number;
  registeredAt: Date;
  registeredBy?: string;
  /** Wharf's registry host (`127.0.0.1:<port>`): images in its repositoryUri form are ECR images too. */
  registryHost?: string;
}
