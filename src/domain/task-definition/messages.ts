/**
 * Every error RegisterTaskDefinition can answer, in one place so callers (API
 * tests, RunTask overrides) compare against the same text the rules throw.
 *
 * Texts marked "seen" were found in real ECS responses quoted in public issues,
 * CloudFormation events or AWS's own docs. Texts marked (unverified) have no
 * public trace; they follow the style of the seen ones and may differ from ECS.
 */
import { clientException, invalidParameter, type AwsError } from '../errors.js';

const TROUBLESHOOTING = 'For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.';

export const errors = {
  // --- task level -------------------------------------------------------------
  /** seen: aws/amazon-ecs-cli#37, #542. Also used for empty / over-long names (unverified). */
  familyInvalid: () => clientException('Family contains invalid characters.'),
  /** seen: CloudFormation event quoted in awsdocs/aws-cloudformation-user-guide#454. */
  containerListEmpty: () => clientException('Container list cannot be empty.'),
  /** seen: aws/amazon-ecs-cli#184 (the quota is 10 containers per task definition). */
  tooManyContainers: () => clientException('Too many containers.'),
  /** seen: eagletmt/hako#68. */
  noEssentialContainer: () => clientException("Task definition doesn't have any essential container."),
  /** seen: AWS troubleshooting page "Invalid CPU or memory value specified". */
  invalidTaskCpu: () => clientException(`Invalid 'cpu' setting for task. ${TROUBLESHOOTING}`),
  /** (unverified) mirrors the 'cpu' message from the same page. */
  invalidTaskMemory: () => clientException(`Invalid 'memory' setting for task. ${TROUBLESHOOTING}`),
  /** seen: klothoplatform/klotho#892. */
  containerCpuSumTooHigh: () =>
    clientException("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."),
  /** seen: ecs-facts.md. */
  containerMemoryTooHigh: () => clientException("The 'memory' setting for container is greater than for the task."),
  /** (unverified) same wording as the 'memory' one. */
  containerReservationTooHigh: () =>
    clientException("The 'memoryReservation' setting for container is greater than for the task."),
  /** seen: cloudnativedaysjp/dreamkast-infra#4766. */
  containerReservationSumTooHigh: () =>
    clientException("The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'."),
  /** (unverified) the same check when no container sets memoryReservation. */
  containerMemorySumTooHigh: () =>
    clientException("The sum of all container 'memory' values cannot be greater than the value of the task 'memory'."),
  /** seen (lower bound): guardian/cdk#1101; both bounds probed against the API in a public 2026 write-up. */
  ephemeralStorageTooSmall: () => clientException('EphemeralStorage size should be at least 21'),
  ephemeralStorageTooLarge: () => clientException('EphemeralStorage size should be at most 200'),
  /** (unverified) ECS documents the limit of 50 tags per resource, not the error text. */
  tooManyTags: () => invalidParameter('The number of tags on a resource cannot exceed 50.'),
  /** (unverified) */
  tagKeyMissing: () => invalidParameter('Tag keys must be between 1 and 128 characters.'),

  // --- container level ----------------------------------------------------------
  /** seen: awsdocs/aws-cloudformation-user-guide#612. */
  containerNameEmpty: () => clientException('Container.name should not be null or empty.'),
  /** seen: hashicorp/terraform-provider-aws#5950. Also used for over-long names (unverified). */
  containerNameInvalid: () => clientException('Container.name contains invalid characters.'),
  /** seen: Shippable/support#2946, metaps/genova#291. */
  containerNamesNotUnique: () => clientException('Container names must be unique within a Task Definition.'),
  /** seen: convox/praxis#121. */
  containerImageEmpty: () => clientException('Container.image should not be null or empty.'),
  /** seen: Shippable/support#3094, OctopusDeploy/Issues#10026. */
  containerImageInvalid: () => clientException('Container.image contains invalid characters.'),
  /** seen: sil-org/ecs-deploy#59, aws/aws-cli#4453. */
  containerMemoryMissing: (container: string) =>
    clientException(`Invalid setting for container '${container}'. At least one of 'memory' or 'memoryReservation' must be specified.`),
  /** (unverified) */
  containerMemoryBelowReservation: (container: string) =>
    clientException(`Invalid setting for container '${container}'. 'memory' must be greater than or equal to 'memoryReservation'.`),
  /** seen: aws/aws-cli#7288, aws/aws-cdk#8762. */
  invalidContainerPort: (container: string) => clientException(`Invalid 'containerPort' setting for container '${container}'.`),
  /** (unverified) same pattern as 'containerPort'. */
  invalidHostPort: (container: string) => clientException(`Invalid 'hostPort' setting for container '${container}'.`),
  /** seen for awsvpc: pulumi/pulumi-awsx#935; host mode by analogy (unverified). */
  hostPortMustMatch: (mode: string) =>
    clientException(`When networkMode=${mode}, the host ports and container ports in port mappings must match.`),
  /** seen: terraform-aws-modules/terraform-aws-ecs#89 (an InvalidParameterException). */
  containerPortRepeated: (port: number, container: string) =>
    invalidParameter(`Container port ${port} is used in more than one port mapping for container ${container}`),
  /** seen: aws/copilot-cli#3768 (CloudFormation event). */
  containerPortRepeatedInTask: (protocol: string, port: number) =>
    clientException(`${protocol.toUpperCase()} container port '${port}' is used multiple times in task when networkMode=awsvpc.`),
  /** seen: aws/amazon-ecs-agent#1220. */
  hostPortRepeatedInTask: (protocol: string, port: number) =>
    clientException(`${protocol.toUpperCase()} host port '${port}' is mapped multiple times in task.`),
  /** seen: aws-observability/aws-otel-collector#1359. */
  linksWithAwsvpc: () => clientException('Links are not supported when networkMode=awsvpc.'),
  /** seen: amazon-ecs-cli's compose docs list this error. */
  dnsServersWithAwsvpc: () => clientException('DNS servers are not supported on container when networkMode=awsvpc.'),
  /** (unverified) by analogy with dnsServers. */
  dnsSearchDomainsWithAwsvpc: () => clientException('DNS search domains are not supported on container when networkMode=awsvpc.'),
  /** (unverified) by analogy with dnsServers. */
  extraHostsWithAwsvpc: () => clientException('Extra hosts are not supported on container when networkMode=awsvpc.'),
  /** (unverified) */
  healthCheckCommand: (container: string) =>
    clientException(`Invalid 'healthCheck' setting for container '${container}'. The command must start with CMD or CMD-SHELL.`),
  /** (unverified) */
  healthCheckRange: (container: string, field: string, min: number, max: number) =>
    clientException(`Invalid 'healthCheck.${field}' setting for container '${container}'. The value must be between ${min} and ${max}.`),
  /** (unverified) wording; the stray '+' is copied from a third-party emulator that appears to quote real ECS. */
  dependsOnUnknown: (target: string) => clientException(`Cannot depend on container + '${target}' because it does not exist`),
  /** seen: boto/boto3#2436. */
  dependsOnEssential: () =>
    clientException('A dependency container with SUCCESS or COMPLETE condition cannot be an essential container'),
  /** seen: a public deployment write-up and a public linter rule quoting RegisterTaskDefinition. */
  dependsOnHealthy: () => clientException('A dependency container with HEALTHY condition must have health check configured'),
  /** (unverified) */
  dependsOnCycle: () => clientException('Container dependencies must not form a cycle.'),
  /** seen: CircleCI-Public/aws-ecs-orb#190, #210. */
  duplicateSecrets: (name: string) => clientException(`Duplicate secret names found: ${name}. Each secret name must be unique.`),
  /** seen: dagster-io/dagster#11622, compose-x/ecs_composex#707. */
  secretSharesEnvName: (name: string) =>
    clientException(
      `The secret name must be unique and not shared with any new or existing environment variables set on the container, such as '${name}'.`,
    ),
  /** seen: fabfuel/ecs-deploy#87 (boto3's ClientException). */
  secretsNeedExecutionRole: () => clientException("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'."),
  /** (unverified) */
  secretNameEmpty: (container: string) => clientException(`Invalid 'secrets' setting for container '${container}'. Secret names should not be empty.`),
  /** (unverified) */
  environmentNameEmpty: (container: string) =>
    clientException(`Invalid 'environment' setting for container '${container}'. Environment variable names should not be empty.`),
  /** seen: klothoplatform/klotho#892. */
  awslogsOptions: () => clientException('Log driver awslogs requires options: awslogs-region, awslogs-group'),
  /** (unverified) ECS passes options to docker, whose awslogs driver refuses these at container creation; Wharf says so at registration. */
  awslogsOptionInvalid: (container: string, problem: string) =>
    clientException(`Invalid 'logConfiguration' setting for container '${container}': ${problem}.`),
  /** seen: aws/aws-cdk#1422. */
  fargateAwslogsNeedsStreamPrefix: () =>
    clientException('Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs.'),
  /** (unverified) the rule (an S3 object ARN with a .env extension) is documented, the text is not. */
  environmentFileInvalid: (container: string) =>
    clientException(`Invalid 'environmentFiles' setting for container '${container}'. The value must be an Amazon S3 object ARN ending in .env.`),
  /** (unverified) ECS documents the limit of 10 files per container. */
  tooManyEnvironmentFiles: (container: string) =>
    clientException(`Invalid 'environmentFiles' setting for container '${container}'. A container can have at most 10 environment files.`),

  // --- Fargate ---------------------------------------------------------------------
  /**
   * The project's reference (ecs-facts.md) writes straight quotes; some public
   * quotes show curly ones. Straight quotes kept so scripts that grep for the
   * documented text keep working.
   */
  fargateNetworkMode: () => clientException("Fargate only supports network mode 'awsvpc'."),
  /** seen: mongodb/terraform-aws-ecs-task-definition#38. */
  fargateCpuMissing: () => clientException("Fargate requires that 'cpu' be defined at the task level."),
  /** (unverified) mirrors the 'cpu' message. */
  fargateMemoryMissing: () => clientException("Fargate requires that 'memory' be defined at the task level."),
  /**
   * The form in the project's reference (ecs-facts.md). Newer ECS answers append
   * the values (": 256 CPU, 4096 memory. See the Amazon ECS documentation ...");
   * the documented sentence is kept so both readers' checks of its start hold.
   */
  fargateSize: (_cpu: number, _memory: number) => clientException('No Fargate configuration exists for given values.'),
  /** seen: ecs-facts.md. */
  fargateEcrNeedsExecutionRole: () =>
    clientException('Fargate requires task definition to have execution role ARN to support ECR images.'),
  /** seen: virtual-kubelet/virtual-kubelet#193. */
  fargateAwslogsNeedsExecutionRole: () =>
    clientException('Fargate requires task definition to have execution role ARN to support log driver awslogs.'),
  /** seen: two independent public repositories quoting the ClientException. */
  fargateStopTimeout: () =>
    clientException('Tasks using the Fargate launch type must have a container stop timeout of less than 120 seconds.'),
  /** seen: cn-terraform/terraform-aws-ecs-fargate#2. */
  fargateIpcMode: () => clientException('Tasks using the Fargate launch type do not support ipcMode.'),
  /** seen: moto's ECS model and a public linter rule quote this text. */
  fargatePidMode: (mode: string) =>
    clientException(`Tasks using the Fargate launch type do not support pidMode '${mode}'. The supported value for pidMode is 'task'.`),
  /** (unverified) quoted only by a public linter rule. */
  fargateGpu: () => clientException('Tasks using the Fargate launch type do not support GPU resource requirements'),
  /**
   * "Fargate compatible task definitions do not support <parameter>": seen for
   * sourcePath (cloudposse/terraform-aws-ecs-alb-service-task#174) and sharedMemorySize
   * (a public troubleshooting guide); devices, maxSwap, dockerVolumeConfiguration,
   * dockerSecurityOptions and constraints are quoted by third-party tools; privileged,
   * tmpfs and swappiness follow the pattern (unverified).
   */
  fargateUnsupported: (parameter: string) => clientException(`Fargate compatible task definitions do not support ${parameter}`),
  /** (unverified) the sentence is the developer guide's, not a captured error. */
  fargateCapabilities: () => clientException('Tasks launched on Fargate only support adding the SYS_PTRACE kernel capability.'),
  /** (unverified) Fargate accepts only these log drivers (developer guide). */
  fargateLogDriver: (driver: string) =>
    clientException(`Fargate does not support log driver ${driver}. Supported log drivers are awslogs, splunk and awsfirelens.`),
} satisfies Record<string, (...args: never[]) => AwsError>;
