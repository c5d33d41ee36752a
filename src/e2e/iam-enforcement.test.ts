import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_KEY } from '../cli/config.js';
import { docker, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureNodeSdkImage, ensureTestImage } from './test-images.js';

const ACCOUNT = '123456789012';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
const CLUSTER = 'iam';
const ROOT = { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey };
const trust = (principal: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const ECS_TRUST = trust({ Service: 'ecs-tasks.amazonaws.com' });
const allow = (action: string, resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });

/** An SDK inside a task: the task role assumes `reader` and prints what STS answered. */
const ASSUME_SCRIPT = `const { STSClient, AssumeRoleCommand } = require('@aws-sdk/client-sts');
new STSClient({ maxAttempts: 1 }).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::${ACCOUNT}:role/reader', RoleSessionName: 'from-task' })).then(
  (out) => console.log(JSON.stringify({ Arn: out.AssumedRoleUser.Arn })),
  (err) => console.log(JSON.stringify({ error: err.name, message: err.message })),
);`;

describe('IAM enforcement (--enforce-iam): the guide role pitfalls, in AWS words', () => {
  let wharf: TestWharf;
  let image: string;
  let sdkImage: string;
  let iam: IAMClient;
  let secretArn: string;
  let home: string;

  before(async () => {
    [image, sdkImage] = await Promise.all([ensureTestImage(), ensureNodeSdkImage()]);
    wharf = await startTestWharf({ WHARF_ENFORCE_IAM: '1' });
    home = mkdtempSync(join(tmpdir(), 'wharf-iam-'));
    iam = new IAMClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    const sm = new SecretsManagerClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    await wharf.ecs().send(new CreateClusterCommand({ clusterName: CLUSTER }));
    secretArn = (await sm.send(new CreateSecretCommand({ Name: 'db', SecretString: 's3cr3t' }))).ARN!;
    // The commands, through the aws CLI.
    writeFileSync(join(home, 'trust-ecs-tasks.json'), ECS_TRUST);
    await wharf.aws(['iam', 'create-role', '--role-name', 'ecsTaskExecutionRole', '--assume-role-policy-document', `file://${join(home, 'trust-ecs-tasks.json')}`]);
    await wharf.aws(['iam', 'attach-role-policy', '--role-name', 'ecsTaskExecutionRole', '--policy-arn', 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy']);
    await iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskRole', AssumeRolePolicyDocument: ECS_TRUST }));
    await iam.send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'lambda-only', AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }) }));
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'with-secret', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
        containerDefinitions: [{ name: 'app', image, command: ['sleep', '1000'], stopTimeout: 2, secrets: [{ name: 'DB_PASSWORD', valueFrom: secretArn }] }],
      }),
    );
    await wharf.ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'sdk-assume', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskRole`, executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
        containerDefinitions: [{ name: 'caller', image: sdkImage, entryPoint: ['/usr/local/bin/node', '-e', ASSUME_SCRIPT] }],
      }),
    );
  });
  after(async () => {
    await wharf.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const describeTask = async (arn: string): Promise<Task> => (await wharf.ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0]!;
  const runTask = async (family: string): Promise<string> =>
    (await wharf.ecs().send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK }))).tasks![0]!.taskArn!;

  test('an execution role that may not read the secret: the task stops before it starts, in ECS words', async () => {
    const arn = await runTask('with-secret');
    const stopped = await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'STOPPED', 60_000, 'the task to stop');
    const taskId = arn.split('/').pop();
    assert.equal(stopped.stopCode, 'TaskFailedToStart');
    // ECS cuts stoppedReason at 255 characters; the agent's whole sentence is this one.
    const reason = `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${secretArn} from secrets manager: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ecsTaskExecutionRole/${taskId} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretArn} because no identity-based policy allows the secretsmanager:GetSecretValue action`;
    assert.equal(stopped.stoppedReason, reason.slice(0, 255));
    assert.equal(stopped.containers![0]!.runtimeId, undefined, 'no container was made');
  });

  test('with AmazonECSTaskExecutionRolePolicy and an inline read-db policy it starts', async () => {
    writeFileSync(join(home, 'read-db-secret.json'), allow('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-*`));
    await wharf.aws(['iam', 'put-role-policy', '--role-name', 'ecsTaskExecutionRole', '--policy-name', 'read-db', '--policy-document', `file://${join(home, 'read-db-secret.json')}`]);
    const arn = await runTask('with-secret');
    const running = await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED', 60_000, 'the task to run');
    assert.equal(running.lastStatus, 'RUNNING', running.stoppedReason);
    await wharf.ecs().send(new StopTaskCommand({ cluster: CLUSTER, task: arn }));
  });

  test('an execution role that may not pull from ECR or write its awslogs group: the task fails as ECS reports it', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'execBare', AssumeRolePolicyDocument: ECS_TRUST }));
    await iam.send(new CreateRoleCommand({ RoleName: 'execTokenOnly', AssumeRolePolicyDocument: ECS_TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'execTokenOnly', PolicyName: 'token', PolicyDocument: allow('ecr:GetAuthorizationToken', '*') }));
    const ecrImage = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:latest`;
    const register = (family: string, role: string, container: Record<string, unknown>) =>
      wharf.ecs().send(
        new RegisterTaskDefinitionCommand({
          family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
          containerDefinitions: [{ name: 'app', image, command: ['sleep', '1'], ...container } as any],
        }),
      );
    await register('ecr-bare', 'execBare', { image: ecrImage });
    await register('ecr-token-only', 'execTokenOnly', { image: ecrImage });
    await register('logs-bare', 'execBare', { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'true' } } });
    const stoppedTask = async (family: string) => {
      const arn = await runTask(family);
      return { task: await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'STOPPED', 60_000, `${family} to stop`), taskId: arn.split('/').pop()! };
    };
    const [bare, tokenOnly, logs] = await Promise.all([stoppedTask('ecr-bare'), stoppedTask('ecr-token-only'), stoppedTask('logs-bare')]);
    const user = (role: string, taskId: string) => `User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${taskId}`;
    assert.equal(
      bare.task.stoppedReason,
      `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: ${user('execBare', bare.taskId)} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`.slice(0, 255),
    );
    assert.match(tokenOnly.task.stoppedReason!, /^CannotPullContainerError: pull image manifest has been retried 5 time\(s\): failed to resolve ref .*403 Forbidden/);
    assert.equal(
      logs.task.stoppedReason,
      `ResourceInitializationError: failed to validate logger args: create log group has been retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: ${user('execBare', logs.taskId)} is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app because no identity-based policy allows the logs:CreateLogGroup action : exit status 1`.slice(0, 255),
    );
  });

  test('simulate-principal-policy answers what Wharf decides', async () => {
    const out = await wharf.aws([
      'iam', 'simulate-principal-policy', '--policy-source-arn', `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      '--action-names', 'secretsmanager:GetSecretValue', 'ecr:BatchGetImage', 'logs:CreateLogGroup', '--resource-arns', secretArn,
    ]);
    const decisions = Object.fromEntries(out.EvaluationResults.map((r: any) => [r.EvalActionName, r.EvalDecision]));
    assert.deepEqual(decisions, { 'secretsmanager:GetSecretValue': 'allowed', 'ecr:BatchGetImage': 'allowed', 'logs:CreateLogGroup': 'implicitDeny' });
    const matched = out.EvaluationResults.find((r: any) => r.EvalActionName === 'secretsmanager:GetSecretValue').MatchedStatements;
    assert.deepEqual(matched.map((m: any) => [m.SourcePolicyId, m.SourcePolicyType]), [['read-db', 'role']]);

    // SimulateCustomPolicy: the documents given, deny over allow.
    const custom = await iam.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [allow('ssm:*', '*'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ssm:PutParameter', Resource: '*' }] })],
        ActionNames: ['ssm:GetParameters', 'ssm:PutParameter', 'ecs:RunTask'],
      }),
    );
    assert.deepEqual(custom.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision]), [['ssm:GetParameters', 'allowed'], ['ssm:PutParameter', 'explicitDeny'], ['ecs:RunTask', 'implicitDeny']]);
  });

  test("an SDK call from inside a task with its task role: refused with AWS's message, allowed once a policy allows it", async () => {
    const callerOutput = async (): Promise<any> => {
      const arn = await runTask('sdk-assume');
      const stopped = await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'STOPPED', 90_000, 'the SDK task to finish');
      const output = await docker(['logs', stopped.containers![0]!.runtimeId!]);
      const line = output.split('\n').find((l) => l.startsWith('{'));
      assert.ok(line, output);
      return { ...JSON.parse(line!), taskId: arn.split('/').pop() };
    };
    const refused = await callerOutput();
    assert.equal(refused.error, 'AccessDenied');
    assert.equal(
      refused.message,
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/ecsTaskRole/${refused.taskId} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/reader because no identity-based policy allows the sts:AssumeRole action`,
    );
    await iam.send(new PutRolePolicyCommand({ RoleName: 'ecsTaskRole', PolicyName: 'assume-reader', PolicyDocument: allow('sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/reader`) }));
    const allowed = await callerOutput();
    assert.equal(allowed.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/reader/from-task`, JSON.stringify(allowed));
  });

  test('a task role that does not trust ecs-tasks.amazonaws.com, or does not exist: RunTask fails as ECS says', async () => {
    for (const role of ['lambda-only', 'no-such-role']) {
      const roleArn = `arn:aws:iam::${ACCOUNT}:role/${role}`;
      await wharf.ecs().send(
        new RegisterTaskDefinitionCommand({
          family: `untrusted-${role}`, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', taskRoleArn: roleArn,
          containerDefinitions: [{ name: 'app', image, command: ['sleep', '1'] }],
        }),
      );
      await assert.rejects(runTask(`untrusted-${role}`), (err: any) => {
        assert.equal(err.name, 'ClientException');
        assert.equal(err.message, `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`);
        return true;
      });
    }
  });

  test('AssumeRole of a role whose trust policy does not name the caller is refused; the root keys stay admin otherwise', async () => {
    const sts = new STSClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/lambda-only`, RoleSessionName: 'cli-session' })), (err: any) => {
      assert.equal(err.name, 'AccessDenied');
      assert.equal(err.message, `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/lambda-only`);
      return true;
    });
    // A session of `reader` (no policies) may not read the secret: AccessDeniedException over JSON.
    const session = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/reader`, RoleSessionName: 'cli' }))).Credentials!;
    const asReader = new SecretsManagerClient({ endpoint: wharf.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! } });
    await assert.rejects(asReader.send(new GetSecretValueCommand({ SecretId: 'db' })), (err: any) => {
      assert.equal(err.name, 'AccessDeniedException');
      assert.match(err.message, new RegExp(`^User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/cli is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretArn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} because no identity-based policy allows`));
      return true;
    });
    const readerCredentials = { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! };
    const whoAmI = await new STSClient({ endpoint: wharf.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: readerCredentials }).send(new GetCallerIdentityCommand({}));
    assert.equal(whoAmI.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/reader/cli`, 'GetCallerIdentity needs no permission');
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/SecretsManagerReadWrite' }));
    assert.equal((await asReader.send(new GetSecretValueCommand({ SecretId: 'db' }))).SecretString, 's3cr3t');
  });
});

describe('IAM enforcement off (the default): roles are stored, not evaluated', () => {
  let wharf: TestWharf;
  before(async () => {
    wharf = await startTestWharf();
  });
  after(() => wharf.stop());

  test('any role may be assumed and its session may do anything', async () => {
    const iam = new IAMClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    const sm = new SecretsManagerClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    await iam.send(new CreateRoleCommand({ RoleName: 'lambda-only', AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }) }));
    await sm.send(new CreateSecretCommand({ Name: 'db', SecretString: 'open' }));
    const sts = new STSClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    const session = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/lambda-only`, RoleSessionName: 'cli-session' }))).Credentials!;
    const asRole = new SecretsManagerClient({ endpoint: wharf.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! } });
    assert.equal((await asRole.send(new GetSecretValueCommand({ SecretId: 'db' }))).SecretString, 'open');
  });
});
