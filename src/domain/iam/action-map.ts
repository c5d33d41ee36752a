/**
 * Which IAM action an API call is and which resource ARN(s) it touches, after
 * the Service Authorization Reference. The action is `<prefix>:<Operation>`;
 * the prefix is the service's signing name except where IAM names it
 * otherwise (CloudWatch signs as `monitoring` but its actions are
 * `cloudwatch:`). Operations without a resource type here are checked against
 * `*`, as IAM does for actions that support no resource-level permissions.
 */

export interface ActionScope {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
}

/** A resource the caller must resolve (a secret named without its ARN's random suffix). */
export type ResourceRef = { readonly arn: string } | { readonly secretId: string };

export interface ActionTarget {
  readonly action: string;
  readonly resources: readonly ResourceRef[];
}

const PREFIX_BY_SIGNING_NAME: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  elasticloadbalancing: 'elasticloadbalancing',
  'application-autoscaling': 'application-autoscaling',
};

export function iamActionPrefix(signingName: string): string {
  return PREFIX_BY_SIGNING_NAME[signingName] ?? signingName;
}

type Input = Readonly<Record<string, unknown>>;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const texts = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

const arn = (s: ActionScope, service: string, resource: string, region = s.region, account = s.account) => `arn:${s.partition}:${service}:${region}:${account}:${resource}`;

/** Parameter names as IAM sees them: `parameter/<name without its leading slash>`; a parameter ARN stays as it is. */
export function parameterArn(s: ActionScope, name: string): string {
  if (name.startsWith('arn:')) return name;
  const bare = name.replace(/:[^:/]*$/, ''); // a `:version` or `:label` selector is not part of the resource
  return arn(s, 'ssm', `parameter/${bare.startsWith('/') ? bare.slice(1) : bare}`);
}

export function logGroupArn(s: ActionScope, group: string): string {
  return arn(s, 'logs', `log-group:${group}`);
}

export function logStreamArn(s: ActionScope, group: string, stream: string): string {
  return arn(s, 'logs', `log-group:${group}:log-stream:${stream}`);
}

export function repositoryArn(s: ActionScope, repository: string, registryId?: string): string {
  return arn(s, 'ecr', `repository/${repository}`, s.region, registryId ?? s.account);
}

function secretRef(id: unknown): ResourceRef[] {
  const secretId = text(id);
  return secretId ? [secretId.startsWith('arn:') ? { arn: secretId } : { secretId }] : [];
}

type ResourceRule = (input: Input, s: ActionScope) => ResourceRef[];

const SECRET_OPS = [
  'GetSecretValue', 'DescribeSecret', 'PutSecretValue', 'UpdateSecret', 'DeleteSecret', 'RestoreSecret', 'RotateSecret', 'CancelRotateSecret',
  'ListSecretVersionIds', 'UpdateSecretVersionStage', 'TagResource', 'UntagResource', 'GetResourcePolicy', 'PutResourcePolicy',
  'DeleteResourcePolicy', 'ValidateResourcePolicy', 'ReplicateSecretToRegions', 'RemoveRegionsFromReplication', 'StopReplicationToReplica',
];

const REPOSITORY_OPS = [
  'BatchGetImage', 'GetDownloadUrlForLayer', 'BatchCheckLayerAvailability', 'PutImage', 'InitiateLayerUpload', 'UploadLayerPart', 'CompleteLayerUpload',
  'DescribeImages', 'ListImages', 'BatchDeleteImage', 'DeleteRepository', 'GetRepositoryPolicy', 'SetRepositoryPolicy', 'DeleteRepositoryPolicy',
  'GetLifecyclePolicy', 'PutLifecyclePolicy', 'DeleteLifecyclePolicy', 'PutImageTagMutability', 'PutImageScanningConfiguration', 'StartImageScan',
  'DescribeImageScanFindings', 'CreateRepository',
];

const LOG_GROUP_OPS = [
  'CreateLogGroup', 'DeleteLogGroup', 'DescribeLogStreams', 'PutRetentionPolicy', 'DeleteRetentionPolicy', 'FilterLogEvents', 'PutMetricFilter',
  'DeleteMetricFilter', 'PutSubscriptionFilter', 'DeleteSubscriptionFilter', 'TagLogGroup', 'UntagLogGroup', 'ListTagsLogGroup',
];

const RULES: Readonly<Record<string, ResourceRule>> = {
  ...Object.fromEntries(SECRET_OPS.map((op) => [`secretsmanager:${op}`, (input: Input) => secretRef(input.SecretId)])),
  'secretsmanager:CreateSecret': (input, s) => (text(input.Name) ? [{ arn: arn(s, 'secretsmanager', `secret:${text(input.Name)}-??????`) }] : []),
  'secretsmanager:BatchGetSecretValue': (input) => texts(input.SecretIdList).flatMap((id) => secretRef(id)),
  'ssm:GetParameter': (input, s) => (text(input.Name) ? [{ arn: parameterArn(s, text(input.Name)!) }] : []),
  'ssm:GetParameters': (input, s) => texts(input.Names).map((name) => ({ arn: parameterArn(s, name) })),
  'ssm:GetParameterHistory': (input, s) => (text(input.Name) ? [{ arn: parameterArn(s, text(input.Name)!) }] : []),
  'ssm:PutParameter': (input, s) => (text(input.Name) ? [{ arn: parameterArn(s, text(input.Name)!) }] : []),
  'ssm:DeleteParameter': (input, s) => (text(input.Name) ? [{ arn: parameterArn(s, text(input.Name)!) }] : []),
  'ssm:DeleteParameters': (input, s) => texts(input.Names).map((name) => ({ arn: parameterArn(s, name) })),
  'ssm:GetParametersByPath': (input, s) => (text(input.Path) ? [{ arn: parameterArn(s, text(input.Path)!.replace(/\/$/, '')) }] : []),
  ...Object.fromEntries(REPOSITORY_OPS.map((op) => [`ecr:${op}`, (input: Input, s: ActionScope) => (text(input.repositoryName) ? [{ arn: repositoryArn(s, text(input.repositoryName)!, text(input.registryId)) }] : [])])),
  ...Object.fromEntries(LOG_GROUP_OPS.map((op) => [`logs:${op}`, (input: Input, s: ActionScope) => (text(input.logGroupName) ? [{ arn: logGroupArn(s, text(input.logGroupName)!) }] : [])])),
  'logs:PutLogEvents': (input, s) => (text(input.logGroupName) && text(input.logStreamName) ? [{ arn: logStreamArn(s, text(input.logGroupName)!, text(input.logStreamName)!) }] : []),
  // The ARN ECS users see in awslogs denials: the stream's, under its group.
  'logs:CreateLogStream': (input, s) => (text(input.logGroupName) && text(input.logStreamName) ? [{ arn: logStreamArn(s, text(input.logGroupName)!, text(input.logStreamName)!) }] : []),
  'logs:GetLogEvents': (input, s) => (text(input.logGroupName) && text(input.logStreamName) ? [{ arn: logStreamArn(s, text(input.logGroupName)!, text(input.logStreamName)!) }] : []),
  'logs:DeleteLogStream': (input, s) => (text(input.logGroupName) && text(input.logStreamName) ? [{ arn: logStreamArn(s, text(input.logGroupName)!, text(input.logStreamName)!) }] : []),
  'sts:AssumeRole': (input) => (text(input.RoleArn) ? [{ arn: text(input.RoleArn)! }] : []),
  'ecs:RunTask': (input, s) => (text(input.taskDefinition) ? [{ arn: taskDefinitionArn(s, text(input.taskDefinition)!) }] : []),
  'ecs:StartTask': (input, s) => (text(input.taskDefinition) ? [{ arn: taskDefinitionArn(s, text(input.taskDefinition)!) }] : []),
  'ecs:DescribeTaskDefinition': (input, s) => (text(input.taskDefinition) ? [{ arn: taskDefinitionArn(s, text(input.taskDefinition)!) }] : []),
};

function taskDefinitionArn(s: ActionScope, reference: string): string {
  if (reference.startsWith('arn:')) return reference;
  return arn(s, 'ecs', `task-definition/${reference.includes(':') ? reference : `${reference}:*`}`);
}

/** The IAM action and resources of one API call. */
export function actionTarget(signingName: string, operation: string, input: Input, scope: ActionScope): ActionTarget {
  const action = `${iamActionPrefix(signingName)}:${operation}`;
  const rule = RULES[action];
  const resources = rule ? rule(input, scope) : [];
  return { action, resources: resources.length > 0 ? resources : [{ arn: '*' }] };
}
