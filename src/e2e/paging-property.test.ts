import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateTargetGroupCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_KEY } from '../cli/config.js';
import { startTestWharf, type TestWharf } from './harness.js';

/**
 * A property over every paging List/Describe operation: with N records and
 * every page size from 1 to N+1, each record is shown exactly once and a
 * token comes back exactly while records remain.
 */
let wharf: TestWharf;
const N = 6;
const config = () => ({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 });

before(async () => {
  wharf = await startTestWharf();
});
after(async () => {
  await wharf.stop();
});

type Fetch = (size: number, token: string | undefined) => Promise<{ items: string[]; token: string | undefined }>;

async function checkPaging(what: string, expected: readonly string[], fetch: Fetch, sizes: readonly number[] = Array.from({ length: expected.length + 1 }, (_, i) => i + 1)): Promise<void> {
  for (const size of sizes) {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const result = await fetch(size, token);
      assert.ok(result.items.length <= size, `${what}: page of ${result.items.length} for size ${size}`);
      seen.push(...result.items);
      token = result.token;
      pages++;
      assert.equal(token !== undefined && token !== '', seen.length < expected.length, `${what}, size ${size}, page ${pages}: token presence (${seen.length} of ${expected.length} seen)`);
      assert.ok(pages <= expected.length + 1, `${what}: paging does not end`);
    } while (token);
    assert.deepEqual([...seen].sort(), [...expected].sort(), `${what}, size ${size}: each record exactly once`);
  }
}

const FARGATE_DEFINITION = { networkMode: 'awsvpc' as const, requiresCompatibilities: ['FARGATE' as const], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image: 'busybox' }] };
const FARGATE_SERVICE = { launchType: 'FARGATE' as const, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } };

const names = (prefix: string) => Array.from({ length: N }, (_, i) => `${prefix}-${i}`);

test('ECS: ListServiceDeployments pages through 101 deployments', async () => {
  const ecs = wharf.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: 'paging' }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'pager', ...FARGATE_DEFINITION }));
  await ecs.send(new CreateServiceCommand({ cluster: 'paging', serviceName: 'deploys', taskDefinition: 'pager', desiredCount: 0, ...FARGATE_SERVICE }));
  for (let i = 1; i < 101; i++) await ecs.send(new UpdateServiceCommand({ cluster: 'paging', service: 'deploys', forceNewDeployment: true }));
  const first = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'paging', service: 'deploys', maxResults: 100 }));
  const all = first.serviceDeployments!.map((sd) => sd.serviceDeploymentArn!);
  const rest = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'paging', service: 'deploys', maxResults: 100, nextToken: first.nextToken }));
  all.push(...rest.serviceDeployments!.map((sd) => sd.serviceDeploymentArn!));
  assert.equal(new Set(all).size, 101);
  await checkPaging('ListServiceDeployments', all, async (size, token) => {
    const out = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'paging', service: 'deploys', maxResults: size, nextToken: token }));
    return { items: out.serviceDeployments!.map((sd) => sd.serviceDeploymentArn!), token: out.nextToken };
  }, [1, 2, 3, 7, 10, 33, 50, 100]);
});

test('ECS: ListServices, ListTaskDefinitions (both sorts) and ListTaskDefinitionFamilies', async () => {
  const ecs = wharf.ecs();
  const services = names('svc');
  for (const name of services) await ecs.send(new CreateServiceCommand({ cluster: 'paging', serviceName: name, taskDefinition: 'pager', desiredCount: 0, ...FARGATE_SERVICE }));
  const serviceArns = (await ecs.send(new ListServicesCommand({ cluster: 'paging', maxResults: 100 }))).serviceArns!;
  assert.equal(serviceArns.length, N + 1);
  await checkPaging('ListServices', serviceArns, async (size, token) => {
    const out = await ecs.send(new ListServicesCommand({ cluster: 'paging', maxResults: size, nextToken: token }));
    return { items: out.serviceArns!, token: out.nextToken };
  });
  for (const family of names('fam')) await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }] }));
  for (let i = 0; i < N; i++) await ecs.send(new RegisterTaskDefinitionCommand({ family: 'fam-0', containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }] }));
  const families = (await ecs.send(new ListTaskDefinitionFamiliesCommand({ maxResults: 100 }))).families!;
  await checkPaging('ListTaskDefinitionFamilies', families, async (size, token) => {
    const out = await ecs.send(new ListTaskDefinitionFamiliesCommand({ maxResults: size, nextToken: token }));
    return { items: out.families!, token: out.nextToken };
  });
  for (const sort of ['ASC', 'DESC'] as const) {
    const all = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'fam-0', sort, maxResults: 100 }))).taskDefinitionArns!;
    assert.equal(all.length, N + 1);
    await checkPaging(`ListTaskDefinitions ${sort}`, all, async (size, token) => {
      const out = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'fam-0', sort, maxResults: size, nextToken: token }));
      return { items: out.taskDefinitionArns!, token: out.nextToken };
    });
  }
});

test('IAM ListRoles, ELBv2 DescribeTargetGroups, Logs DescribeLogGroups, Secrets ListSecrets, SSM DescribeParameters, CloudWatch DescribeAlarms, ECR DescribeRepositories', async () => {
  const iam = new IAMClient(config());
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  for (const name of names('role')) await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  await checkPaging('IAM ListRoles', names('role'), async (size, token) => {
    const out = await iam.send(new ListRolesCommand({ MaxItems: size, Marker: token }));
    return { items: out.Roles!.map((role) => role.RoleName!), token: out.IsTruncated ? out.Marker : undefined };
  });

  const elb = new ElasticLoadBalancingV2Client(config());
  for (const name of names('tg')) await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: 'vpc-12345', TargetType: 'ip' }));
  await checkPaging('ELBv2 DescribeTargetGroups', names('tg'), async (size, token) => {
    const out = await elb.send(new DescribeTargetGroupsCommand({ PageSize: size, Marker: token }));
    return { items: out.TargetGroups!.map((group) => group.TargetGroupName!), token: out.NextMarker };
  });

  const logs = new CloudWatchLogsClient(config());
  for (const name of names('group')) await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  await checkPaging('Logs DescribeLogGroups', names('group'), async (size, token) => {
    const out = await logs.send(new DescribeLogGroupsCommand({ limit: size, nextToken: token }));
    return { items: out.logGroups!.map((group) => group.logGroupName!), token: out.nextToken };
  });

  const secrets = new SecretsManagerClient(config());
  for (const name of names('secret')) await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  await checkPaging('Secrets ListSecrets', names('secret'), async (size, token) => {
    const out = await secrets.send(new ListSecretsCommand({ MaxResults: size, NextToken: token }));
    return { items: out.SecretList!.map((secret) => secret.Name!), token: out.NextToken };
  });

  const ssm = new SSMClient(config());
  for (const name of names('param')) await ssm.send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'String' }));
  await checkPaging('SSM DescribeParameters', names('param'), async (size, token) => {
    const out = await ssm.send(new DescribeParametersCommand({ MaxResults: size, NextToken: token }));
    return { items: out.Parameters!.map((parameter) => parameter.Name!), token: out.NextToken };
  });

  const cloudwatch = new CloudWatchClient(config());
  for (const name of names('alarm')) {
    await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: 'N', MetricName: 'M', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
  }
  await checkPaging('CloudWatch DescribeAlarms', names('alarm'), async (size, token) => {
    const out = await cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: size, NextToken: token }));
    return { items: out.MetricAlarms!.map((alarm) => alarm.AlarmName!), token: out.NextToken };
  });

  const ecr = new ECRClient(config());
  for (const name of names('repo')) await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  await checkPaging('ECR DescribeRepositories', names('repo'), async (size, token) => {
    const out = await ecr.send(new DescribeRepositoriesCommand({ maxResults: size, nextToken: token }));
    return { items: out.repositories!.map((repository) => repository.repositoryName!), token: out.nextToken };
  });
});
