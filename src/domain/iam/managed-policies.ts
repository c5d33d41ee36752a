/**
 * The AWS managed policies ECS users attach, as the AWS managed policy
 * reference publishes them (default versions). Wharf has no customer managed
 * policies, so an attached ARN not listed here grants nothing. The two large
 * ones (AmazonECS_FullAccess, ReadOnlyAccess) are abridged to the statements
 * that touch the services Wharf serves; that is marked on each.
 */
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

const MANAGED: Readonly<Record<string, unknown>> = {
  'service-role/AmazonECSTaskExecutionRolePolicy': doc(
    allow(['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents']),
  ),
  SecretsManagerReadWrite: doc(
    {
      Sid: 'BasePermissions',
      ...allow([
        'secretsmanager:*',
        'cloudformation:CreateChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:DescribeStackResource',
        'cloudformation:DescribeStacks',
        'cloudformation:ExecuteChangeSet',
        'docdb-elastic:GetCluster',
        'docdb-elastic:ListClusters',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'kms:DescribeKey',
        'kms:ListAliases',
        'kms:ListKeys',
        'lambda:ListFunctions',
        'rds:DescribeDBClusters',
        'rds:DescribeDBInstances',
        'redshift:DescribeClusters',
        'redshift-serverless:ListWorkgroups',
        'redshift-serverless:GetNamespace',
        'tag:GetResources',
      ]),
    },
    { Sid: 'LambdaPermissions', ...allow(['lambda:AddPermission', 'lambda:CreateFunction', 'lambda:GetFunction', 'lambda:InvokeFunction', 'lambda:UpdateFunctionConfiguration'], 'arn:aws:lambda:*:*:function:SecretsManager*') },
    { Sid: 'SARPermissions', ...allow(['serverlessrepo:CreateCloudFormationChangeSet', 'serverlessrepo:GetApplication'], 'arn:aws:serverlessrepo:*:*:applications/SecretsManager*') },
    { Sid: 'S3Permissions', ...allow(['s3:GetObject'], ['arn:aws:s3:::awsserverlessrepo-changesets*', 'arn:aws:s3:::secrets-manager-rotation-apps-*/*']) },
  ),
  AmazonEC2ContainerRegistryReadOnly: doc(
    allow([
      'ecr:GetAuthorizationToken',
      'ecr:BatchCheckLayerAvailability',
      'ecr:GetDownloadUrlForLayer',
      'ecr:GetRepositoryPolicy',
      'ecr:DescribeRepositories',
      'ecr:ListImages',
      'ecr:DescribeImages',
      'ecr:BatchGetImage',
      'ecr:GetLifecyclePolicy',
      'ecr:GetLifecyclePolicyPreview',
      'ecr:ListTagsForResource',
      'ecr:DescribeImageScanFindings',
    ]),
  ),
  CloudWatchLogsFullAccess: doc({ Sid: 'CloudWatchLogsFullAccess', ...allow(['logs:*', 'cloudwatch:GenerateQuery']) }),
  CloudWatchLogsReadOnlyAccess: doc({
    Sid: 'CloudWatchLogsReadOnlyAccess',
    ...allow(['logs:Describe*', 'logs:Get*', 'logs:List*', 'logs:StartQuery', 'logs:StopQuery', 'logs:TestMetricFilter', 'logs:FilterLogEvents', 'logs:StartLiveTail', 'logs:StopLiveTail', 'cloudwatch:GenerateQuery']),
  }),
  // Abridged: the statements for the services Wharf serves (and iam:PassRole for ECS roles).
  AmazonECS_FullAccess: doc(
    {
      Sid: 'ECSIntegrationsPermissions',
      ...allow([
        'application-autoscaling:*',
        'cloudwatch:DeleteAlarms',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:GetMetricData',
        'cloudwatch:GetMetricStatistics',
        'cloudwatch:ListMetrics',
        'cloudwatch:PutMetricAlarm',
        'ecs:*',
        'elasticloadbalancing:*',
        'iam:ListAttachedRolePolicies',
        'iam:ListInstanceProfiles',
        'iam:ListRoles',
        'logs:CreateLogGroup',
        'logs:DescribeLogGroups',
        'logs:FilterLogEvents',
      ]),
    },
    { Sid: 'ECSPassRolePermissions', ...allow('iam:PassRole', '*', { Condition: { StringLike: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }) },
    { Sid: 'CloudWatchLogsPermissions', ...allow(['logs:GetLogEvents'], 'arn:aws:logs:*:*:log-group:*:log-stream:*') },
    { Sid: 'SSMPermissions', ...allow(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'], 'arn:aws:ssm:*:*:parameter/aws/service/ecs*') },
  ),
  // Abridged: the read-only actions of the services Wharf serves.
  ReadOnlyAccess: doc(
    allow([
      'application-autoscaling:Describe*',
      'cloudwatch:Describe*',
      'cloudwatch:Get*',
      'cloudwatch:List*',
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:Describe*',
      'ecr:Get*',
      'ecr:List*',
      'ecs:Describe*',
      'ecs:List*',
      'elasticloadbalancing:Describe*',
      'iam:Get*',
      'iam:List*',
      'iam:Simulate*',
      'logs:Describe*',
      'logs:FilterLogEvents',
      'logs:Get*',
      'logs:List*',
      'logs:StartQuery',
      'logs:StopQuery',
      'logs:TestMetricFilter',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetResourcePolicy',
      'secretsmanager:ListSecrets',
      'secretsmanager:ListSecretVersionIds',
      'ssm:Describe*',
      'ssm:Get*',
      'ssm:List*',
      'sts:GetCallerIdentity',
    ]),
  ),
  AdministratorAccess: doc(allow('*')),
};

/** The document of an AWS managed policy (`arn:aws:iam::aws:policy/...`), or undefined when Wharf does not know it. */
export function awsManagedPolicy(policyArn: string): unknown {
  const match = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(policyArn);
  return match && Object.hasOwn(MANAGED, match[1]!) ? MANAGED[match[1]!] : undefined;
}

export const KNOWN_MANAGED_POLICY_ARNS: readonly string[] = Object.keys(MANAGED).map((name) => `arn:aws:iam::aws:policy/${name}`);
