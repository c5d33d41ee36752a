import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  type CreateRoleCommandInput,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_KEY } from '../cli/config.js';
import { HmacSessionCredentials } from '../adapters/session-credentials-hmac/hmac-session-credentials.js';
import { AWS_CLI, awsCliEnv, startTestWharf, type TestWharf } from './harness.js';

const run = promisify(execFile);

const TRUST = { Version: '2012-10-17', Statement: [{ Sid: '', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const INLINE = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::my-bucket/*' }] };
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

interface SessionKeys {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
}

describe('IAM roles and STS temporary credentials through the aws CLI', () => {
  let wharf: TestWharf;
  /** The CLI as a user runs it: in a directory holding trust.json, optionally with temporary credentials. */
  const cli = (args: readonly string[], session?: SessionKeys) =>
    run(AWS_CLI, [...args, '--endpoint-url', wharf.endpoint, '--output', 'json'], {
      cwd: wharf.dataDir,
      env: {
        ...awsCliEnv(wharf.dataDir, session ? { keys: { id: session.AccessKeyId, secret: session.SecretAccessKey } } : {}),
        ...(session ? { AWS_SESSION_TOKEN: session.SessionToken } : {}),
      },
    });
  const aws = async (args: readonly string[], session?: SessionKeys) => {
    const { stdout } = await cli(args, session);
    return stdout.trim() ? JSON.parse(stdout) : {};
  };
  /** Runs a command that must fail; returns its stderr. */
  const fails = async (args: readonly string[], session?: SessionKeys): Promise<string> => {
    try {
      const { stdout } = await cli(args, session);
      throw new Error(`expected aws ${args.join(' ')} to fail, it printed ${stdout}`);
    } catch (error) {
      const failure = error as { code?: number; stderr?: string };
      if (typeof failure.code !== 'number') throw error;
      return failure.stderr ?? '';
    }
  };

  let iam: IAMClient;
  const sdkCredentials = (session?: SessionKeys) =>
    session ? { accessKeyId: session.AccessKeyId, secretAccessKey: session.SecretAccessKey, sessionToken: session.SessionToken } : { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey };
  const sts = (session?: SessionKeys) => new STSClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: sdkCredentials(session), maxAttempts: 1 });
  const ecs = (session?: SessionKeys) => new ECSClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: sdkCredentials(session), maxAttempts: 1 });

  before(async () => {
    wharf = await startTestWharf();
    iam = new IAMClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: sdkCredentials(), maxAttempts: 1 });
    writeFileSync(join(wharf.dataDir, 'trust.json'), JSON.stringify(TRUST, null, 2));
    writeFileSync(join(wharf.dataDir, 'policy.json'), JSON.stringify(INLINE, null, 2));
  });
  after(() => wharf.stop());

  test('create-role with file://trust.json, then get-caller-identity', async () => {
    const { Role } = await aws(['iam', 'create-role', '--role-name', 'ecsTaskRole', '--assume-role-policy-document', 'file://trust.json']);
    assert.equal(Role.RoleName, 'ecsTaskRole');
    assert.equal(Role.Path, '/');
    assert.equal(Role.Arn, 'arn:aws:iam::123456789012:role/ecsTaskRole');
    assert.match(Role.RoleId, /^AROA[A-Z0-9]{17}$/);
    assert.ok(Math.abs(Date.parse(Role.CreateDate) - Date.now()) < 60_000);
    // IAM sends the document URL-encoded; the CLI decodes it back to the object.
    assert.deepEqual(Role.AssumeRolePolicyDocument, TRUST);

    const identity = await aws(['sts', 'get-caller-identity']);
    assert.deepEqual(identity, { UserId: '123456789012', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:root' });
  });

  test('the role lifecycle through the CLI: get, list with paging, an inline policy, a delete conflict', async () => {
    await aws(['iam', 'create-role', '--role-name', 'ecsTaskExecutionRole', '--path', '/service-role/', '--assume-role-policy-document', 'file://trust.json', '--description', 'pulls images']);
    const { Role } = await aws(['iam', 'get-role', '--role-name', 'ecsTaskExecutionRole']);
    assert.equal(Role.Arn, 'arn:aws:iam::123456789012:role/service-role/ecsTaskExecutionRole');
    assert.equal(Role.Description, 'pulls images');
    assert.equal(Role.MaxSessionDuration, 3600);
    assert.deepEqual(Role.AssumeRolePolicyDocument, TRUST);

    // --page-size makes the CLI walk the pages with MaxItems=1 and Marker.
    const all = await aws(['iam', 'list-roles', '--page-size', '1']);
    assert.deepEqual(all.Roles.map((role: { RoleName: string }) => role.RoleName), ['ecsTaskExecutionRole', 'ecsTaskRole']);

    await aws(['iam', 'put-role-policy', '--role-name', 'ecsTaskExecutionRole', '--policy-name', 'read-bucket', '--policy-document', 'file://policy.json']);
    const inline = await aws(['iam', 'get-role-policy', '--role-name', 'ecsTaskExecutionRole', '--policy-name', 'read-bucket']);
    assert.deepEqual(inline, { RoleName: 'ecsTaskExecutionRole', PolicyName: 'read-bucket', PolicyDocument: INLINE });
    assert.match(await fails(['iam', 'delete-role', '--role-name', 'ecsTaskExecutionRole']), /\(DeleteConflict\) when calling the DeleteRole operation: Cannot delete entity, must delete policies first\./);
  });

  test('the rest of the role calls through the SDK, with IAM\'s error codes and statuses', async () => {
    const name = 'ecsTaskExecutionRole';
    const expectError = async (call: Promise<unknown>, code: string, status: number, message?: RegExp) => {
      await assert.rejects(call, (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => {
        assert.equal(error.name, code);
        assert.equal(error.$metadata.httpStatusCode, status);
        if (message) assert.match(error.message, message);
        return true;
      });
    };

    const servicePath = await iam.send(new ListRolesCommand({ PathPrefix: '/service-role/' }));
    assert.deepEqual(servicePath.Roles!.map((role) => role.RoleName), [name]);
    assert.equal(servicePath.IsTruncated, false);
    const firstPage = await iam.send(new ListRolesCommand({ MaxItems: 1 }));
    assert.equal(firstPage.IsTruncated, true);
    const secondPage = await iam.send(new ListRolesCommand({ MaxItems: 1, Marker: firstPage.Marker! }));
    assert.deepEqual([firstPage.Roles![0]!.RoleName, secondPage.Roles![0]!.RoleName, secondPage.IsTruncated], [name, 'ecsTaskRole', false]);

    await iam.send(new UpdateRoleCommand({ RoleName: name, Description: 'pulls images and writes logs', MaxSessionDuration: 7200 }));
    const newTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: JSON.stringify(newTrust) }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }));
    assert.deepEqual([Role!.Description, Role!.MaxSessionDuration], ['pulls images and writes logs', 7200]);
    assert.ok(Role!.CreateDate instanceof Date);
    // The SDK hands the document over as IAM sends it: URL-encoded.
    assert.deepEqual(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!)), newTrust);

    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames, ['read-bucket']);
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: EXECUTION_POLICY }));
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies, [{ PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_POLICY }]);
    await expectError(iam.send(new DeleteRoleCommand({ RoleName: name })), 'DeleteConflictException', 409, /^Cannot delete entity, must detach all policies first\.$/);
    await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: EXECUTION_POLICY }));
    await expectError(iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: EXECUTION_POLICY })), 'NoSuchEntityException', 404, new RegExp(`^Policy ${EXECUTION_POLICY} was not found\\.$`));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: 'read-bucket' }));
    await expectError(iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'read-bucket' })), 'NoSuchEntityException', 404, /^The role policy with name read-bucket cannot be found\.$/);

    await iam.send(new TagRoleCommand({ RoleName: name, Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'Team', Value: 'infra' }] }));
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags, [{ Key: 'Team', Value: 'infra' }, { Key: 'env', Value: 'dev' }]);
    await iam.send(new UntagRoleCommand({ RoleName: name, TagKeys: ['env'] }));
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags, [{ Key: 'Team', Value: 'infra' }]);

    await iam.send(new DeleteRoleCommand({ RoleName: name }));
    await expectError(iam.send(new GetRoleCommand({ RoleName: name })), 'NoSuchEntityException', 404, /^The role with name ecsTaskExecutionRole cannot be found\.$/);

    const create = (input: Partial<CreateRoleCommandInput>) => iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify(TRUST), ...input }));
    await expectError(create({ RoleName: 'ECSTASKROLE' }), 'EntityAlreadyExistsException', 409, /^Role with name ECSTASKROLE already exists\.$/);
    await expectError(create({ AssumeRolePolicyDocument: '{"Statement": [' }), 'MalformedPolicyDocumentException', 400, /^This policy contains invalid Json$/);
    await expectError(create({ AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ ...TRUST.Statement[0], Resource: '*' }] }) }), 'MalformedPolicyDocumentException', 400, /^Has prohibited field Resource$/);
    await expectError(create({ RoleName: 'bad name' }), 'ValidationError', 400, /Member must satisfy regular expression pattern/);
    await expectError(create({ MaxSessionDuration: 60 }), 'ValidationError', 400, /greater than or equal to 3600/);
    await expectError(create({ Path: 'a/' }), 'ValidationError', 400, /The specified value for path is invalid/);
    await expectError(
      iam.send(new PutRolePolicyCommand({ RoleName: 'ecsTaskRole', PolicyName: 'p', PolicyDocument: '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}' })),
      'MalformedPolicyDocumentException',
      400,
      /^Policy document must be version 2012-10-17 or greater\.$/,
    );
    await expectError(iam.send(new AttachRolePolicyCommand({ RoleName: 'nobody', PolicyArn: EXECUTION_POLICY })), 'NoSuchEntityException', 404);
    assert.deepEqual((await iam.send(new ListRolesCommand({}))).Roles!.map((role) => role.RoleName), ['ecsTaskRole']);
  });

  let session: SessionKeys;
  let roleId: string;

  test('assume-role hands out temporary credentials that speak for the role', async () => {
    roleId = (await iam.send(new GetRoleCommand({ RoleName: 'ecsTaskRole' }))).Role!.RoleId!;
    const assumed = await aws(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::123456789012:role/ecsTaskRole', '--role-session-name', 'my-session']);
    session = assumed.Credentials;
    assert.match(session.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(session.SecretAccessKey.length, 40);
    const lifetime = Date.parse(assumed.Credentials.Expiration) - Date.now();
    assert.ok(lifetime > 3500_000 && lifetime <= 3600_000, `an hour by default, got ${lifetime} ms`);
    assert.deepEqual(assumed.AssumedRoleUser, { AssumedRoleId: `${roleId}:my-session`, Arn: 'arn:aws:sts::123456789012:assumed-role/ecsTaskRole/my-session' });

    const identity = await aws(['sts', 'get-caller-identity'], session);
    assert.deepEqual(identity, { UserId: `${roleId}:my-session`, Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/ecsTaskRole/my-session' });
    await ecs(session).send(new CreateClusterCommand({ clusterName: 'from-a-role' }));
    const clusters = await aws(['ecs', 'list-clusters'], session);
    assert.ok(clusters.clusterArns.includes('arn:aws:ecs:us-east-1:123456789012:cluster/from-a-role'));
  });

  test('assume-role refusals: unknown role, too long a session, bad session name, chained beyond an hour', async () => {
    assert.match(
      await fails(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::123456789012:role/nope', '--role-session-name', 's1']),
      /\(AccessDenied\) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/nope/,
    );
    const assume = (input: { RoleArn?: string; RoleSessionName?: string; DurationSeconds?: number }, session?: SessionKeys) =>
      sts(session).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/ecsTaskRole', RoleSessionName: 's1', ...input }));
    const refused = (code: string, message: RegExp) => (error: { name: string; message: string }) => error.name === code && message.test(error.message);
    await assert.rejects(assume({ DurationSeconds: 7200 }), refused('ValidationError', /^The requested DurationSeconds exceeds the MaxSessionDuration set for this role\.$/));
    await assert.rejects(assume({ RoleSessionName: 'has space' }), refused('ValidationError', /roleSessionName/));
    await assert.rejects(assume({ RoleArn: 'not-an-arn-but-long-enough' }), refused('ValidationError', /^Request ARN is invalid$/));
    await assert.rejects(assume({ RoleArn: 'arn:aws:iam::123456789012:role/other-path/ecsTaskRole' }), refused('AccessDenied', /not authorized to perform: sts:AssumeRole/));
    const chained = await assume({ RoleSessionName: 'chained', DurationSeconds: 900 }, session);
    assert.equal(chained.AssumedRoleUser!.Arn, 'arn:aws:sts::123456789012:assumed-role/ecsTaskRole/chained');
    await assert.rejects(assume({ RoleSessionName: 'chained', DurationSeconds: 7200 }, session), refused('ValidationError', /role chaining/));
  });

  test('a tampered session token is refused; an expired one is refused as expired', async () => {
    const last = session.SessionToken.at(-5) === 'A' ? 'B' : 'A';
    const tampered = { ...session, SessionToken: `${session.SessionToken.slice(0, -5)}${last}${session.SessionToken.slice(-4)}` };
    assert.match(await fails(['sts', 'get-caller-identity'], tampered), /\(InvalidClientTokenId\) when calling the GetCallerIdentity operation: The security token included in the request is invalid\./);
    await assert.rejects(ecs(tampered).send(new ListClustersCommand({})), { name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    // A session key without its token is no key at all.
    await assert.rejects(ecs({ ...session, SessionToken: '' }).send(new ListClustersCommand({})), { name: 'UnrecognizedClientException' });

    // Minted through this Wharf's own key an hour ago for 15 minutes: genuine, but over.
    const minted = HmacSessionCredentials.inDataDir(wharf.dataDir).mint(
      { account: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/ecsTaskRole', sessionName: 'old' },
      new Date(Date.now() - 3600_000),
      900,
    );
    const expired = { AccessKeyId: minted.accessKeyId, SecretAccessKey: minted.secretAccessKey, SessionToken: minted.sessionToken };
    assert.match(await fails(['sts', 'get-caller-identity'], expired), /\(ExpiredToken\) when calling the GetCallerIdentity operation: The security token included in the request is expired/);
    await assert.rejects(ecs(expired).send(new ListClustersCommand({})), { name: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    // The same credentials while still valid are accepted: the refusal is the expiry, not the minting.
    const fresh = HmacSessionCredentials.inDataDir(wharf.dataDir).mint({ account: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/ecsTaskRole', sessionName: 'fresh' }, new Date(), 900);
    const caller = await sts({ AccessKeyId: fresh.accessKeyId, SecretAccessKey: fresh.secretAccessKey, SessionToken: fresh.sessionToken }).send(new GetCallerIdentityCommand({}));
    assert.equal(caller.Arn, 'arn:aws:sts::123456789012:assumed-role/ecsTaskRole/fresh');
  });

  test('temporary credentials survive a Wharf restart', async () => {
    await wharf.restart();
    const identity = await aws(['sts', 'get-caller-identity'], session);
    assert.equal(identity.Arn, 'arn:aws:sts::123456789012:assumed-role/ecsTaskRole/my-session');
    assert.equal(identity.UserId, `${roleId}:my-session`);
    assert.ok(((await ecs(session).send(new ListClustersCommand({}))).clusterArns ?? []).includes('arn:aws:ecs:us-east-1:123456789012:cluster/from-a-role'));
  });
});
