import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
  UpdateSecretCommand,
  ValidateResourcePolicyCommand,
  type Filter,
} from '@aws-sdk/client-secrets-manager';
import { rejection, sdkClient, startTestWharf, type TestWharf } from './harness.js';

const POLICY = (principal: unknown) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });

describe('Secrets Manager beyond the happy path, through the SDK', () => {
  let wharf: TestWharf;
  const clients: Record<string, SecretsManagerClient> = {};
  const sm = (region = 'us-east-1') => (clients[region] ??= sdkClient(SecretsManagerClient, wharf, region));
  before(async () => {
    wharf = await startTestWharf();
  });
  after(() => wharf.stop());

  test('ListSecrets: words split on punctuation and case changes, prefix per word, all words, repeated keys, bad filters refused', async () => {
    const region = 'eu-west-3';
    await sm(region).send(new CreateSecretCommand({ Name: 'prod/credsDatabase', SecretString: '1', Description: 'Main payments database', Tags: [{ Key: 'Team', Value: 'blue' }] }));
    await sm(region).send(new CreateSecretCommand({ Name: 'dev/cache', SecretString: '2', Description: 'cache for payments' }));
    await sm(region).send(new CreateSecretCommand({ Name: 'MyData', SecretString: '3' }));
    const names = async (Filters: Filter[]) => (await sm(region).send(new ListSecretsCommand({ Filters }))).SecretList!.map((s) => s.Name).sort();
    assert.deepEqual(await names([{ Key: 'description', Values: ['PAYMENTS data'] }]), ['prod/credsDatabase']);
    assert.deepEqual(await names([{ Key: 'description', Values: ['pay'] }]), ['dev/cache', 'prod/credsDatabase']);
    assert.deepEqual(await names([{ Key: 'description', Values: ['ments'] }]), []);
    assert.deepEqual(await names([{ Key: 'all', Values: ['database'] }]), ['prod/credsDatabase']);
    assert.deepEqual(await names([{ Key: 'all', Values: ['creds:data'] }]), ['prod/credsDatabase']);
    assert.deepEqual(await names([{ Key: 'all', Values: ['TEAM'] }]), ['prod/credsDatabase']);
    assert.deepEqual(await names([{ Key: 'name', Values: ['Data'] }]), []);
    assert.deepEqual(await names([{ Key: 'name', Values: ['prod/'] }, { Key: 'name', Values: ['dev/'] }]), ['dev/cache', 'prod/credsDatabase']);
    assert.match(await rejection(sm(region).send(new ListSecretsCommand({ Filters: [{ Values: ['x'] }] }))), /^InvalidParameterException: Invalid filter key/);
    assert.match(await rejection(sm(region).send(new ListSecretsCommand({ Filters: [{ Key: 'name' }] }))), /^InvalidParameterException: Invalid filter values/);
  });

  test('DeleteSecret with ForceDeleteWithoutRecovery: a missing secret and one scheduled for deletion both succeed', async () => {
    const missing = await sm().send(new DeleteSecretCommand({ SecretId: 'never-was', ForceDeleteWithoutRecovery: true }));
    assert.equal(missing.Name, 'never-was');
    assert.match(missing.ARN!, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:never-was-/);
    await sm().send(new CreateSecretCommand({ Name: 'scheduled', SecretString: 'x' }));
    await sm().send(new DeleteSecretCommand({ SecretId: 'scheduled', RecoveryWindowInDays: 7 }));
    await sm().send(new DeleteSecretCommand({ SecretId: 'scheduled', ForceDeleteWithoutRecovery: true }));
    assert.match(await rejection(sm().send(new DescribeSecretCommand({ SecretId: 'scheduled' }))), /^ResourceNotFoundException/);
    assert.match(await rejection(sm().send(new DeleteSecretCommand({ SecretId: 'never-was' }))), /^ResourceNotFoundException/);
  });

  test('ClientRequestToken reused with another value is refused in AWS words; a first AWSPENDING value is also AWSCURRENT', async () => {
    const token = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    await sm().send(new CreateSecretCommand({ Name: 'tokened', SecretString: 'one', ClientRequestToken: token }));
    assert.equal(await rejection(sm().send(new CreateSecretCommand({ Name: 'tokened', SecretString: 'two', ClientRequestToken: token }))), 'ResourceExistsException: The operation failed because the secret tokened already exists.');
    assert.equal(await rejection(sm().send(new PutSecretValueCommand({ SecretId: 'tokened', SecretString: 'two', ClientRequestToken: token }))), "ResourceExistsException: You can't modify an existing version, you can only create a new version.");

    await sm().send(new CreateSecretCommand({ Name: 'pending-first' }));
    const put = await sm().send(new PutSecretValueCommand({ SecretId: 'pending-first', SecretString: 'p', VersionStages: ['AWSPENDING'] }));
    assert.deepEqual([...put.VersionStages!].sort(), ['AWSCURRENT', 'AWSPENDING']);
    assert.equal((await sm().send(new GetSecretValueCommand({ SecretId: 'pending-first' }))).SecretString, 'p');
  });

  test('resource policies: put, get, validate and delete; syntax errors and public policies under BlockPublicPolicy refused', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'shared', SecretString: 'x' }));
    assert.equal((await sm().send(new GetResourcePolicyCommand({ SecretId: 'shared' }))).ResourcePolicy, undefined);
    const mine = POLICY({ AWS: 'arn:aws:iam::123456789012:root' });
    const put = await sm().send(new PutResourcePolicyCommand({ SecretId: 'shared', ResourcePolicy: mine, BlockPublicPolicy: true }));
    assert.equal(put.Name, 'shared');
    assert.equal((await sm().send(new GetResourcePolicyCommand({ SecretId: 'shared' }))).ResourcePolicy, mine);
    assert.match(await rejection(sm().send(new PutResourcePolicyCommand({ SecretId: 'shared', ResourcePolicy: '{"Statement": [' }))), /^MalformedPolicyDocumentException/);
    assert.match(await rejection(sm().send(new PutResourcePolicyCommand({ SecretId: 'shared', ResourcePolicy: POLICY('*'), BlockPublicPolicy: true }))), /^PublicPolicyException/);
    await sm().send(new PutResourcePolicyCommand({ SecretId: 'shared', ResourcePolicy: POLICY('*') }));

    const good = await sm().send(new ValidateResourcePolicyCommand({ SecretId: 'shared', ResourcePolicy: mine }));
    assert.equal(good.PolicyValidationPassed, true);
    const bad = await sm().send(new ValidateResourcePolicyCommand({ ResourcePolicy: JSON.stringify({ Statement: [{ Effect: 'Maybe', Action: 'x', Principal: '*' }] }) }));
    assert.equal(bad.PolicyValidationPassed, false);
    assert.match(bad.ValidationErrors![0]!.ErrorMessage!, /Effect/);

    await sm().send(new DeleteResourcePolicyCommand({ SecretId: 'shared' }));
    assert.equal((await sm().send(new GetResourcePolicyCommand({ SecretId: 'shared' }))).ResourcePolicy, undefined);
  });

  test('replication copies the secret to other regions as read-only replicas that follow the primary', async () => {
    const created = await sm().send(new CreateSecretCommand({ Name: 'global', SecretString: 'v1', Description: 'everywhere', AddReplicaRegions: [{ Region: 'us-west-2' }] }));
    assert.deepEqual(created.ReplicationStatus, [{ Region: 'us-west-2', Status: 'InSync', StatusMessage: 'Replication succeeded' }]);
    const replica = await sm('us-west-2').send(new DescribeSecretCommand({ SecretId: 'global' }));
    assert.equal(replica.ARN, created.ARN!.replace(':us-east-1:', ':us-west-2:'));
    assert.equal(replica.PrimaryRegion, 'us-east-1');
    assert.equal(replica.Description, 'everywhere');
    assert.equal((await sm('us-west-2').send(new GetSecretValueCommand({ SecretId: 'global' }))).SecretString, 'v1');
    const primary = await sm().send(new DescribeSecretCommand({ SecretId: 'global' }));
    assert.equal(primary.PrimaryRegion, 'us-east-1');
    assert.equal(primary.ReplicationStatus![0]!.Status, 'InSync');

    // Changes reach the replica; the replica refuses them itself.
    await sm().send(new PutSecretValueCommand({ SecretId: 'global', SecretString: 'v2' }));
    assert.equal((await sm('us-west-2').send(new GetSecretValueCommand({ SecretId: 'global' }))).SecretString, 'v2');
    const readOnly = /^InvalidParameterException: Operation not permitted on a replica secret\. Call must be made in primary secret's region\.$/;
    assert.match(await rejection(sm('us-west-2').send(new PutSecretValueCommand({ SecretId: 'global', SecretString: 'x' }))), readOnly);
    assert.match(await rejection(sm('us-west-2').send(new UpdateSecretCommand({ SecretId: 'global', Description: 'x' }))), readOnly);
    assert.match(await rejection(sm('us-west-2').send(new DeleteSecretCommand({ SecretId: 'global' }))), readOnly);
    assert.match(await rejection(sm().send(new DeleteSecretCommand({ SecretId: 'global' }))), /^InvalidRequestException: .*replica regions/);

    // A region where the name is taken fails, unless overwriting is asked for.
    await sm('ap-south-1').send(new CreateSecretCommand({ Name: 'global', SecretString: 'local' }));
    const failed = await sm().send(new ReplicateSecretToRegionsCommand({ SecretId: 'global', AddReplicaRegions: [{ Region: 'ap-south-1' }] }));
    assert.equal(failed.ReplicationStatus![0]!.Status, 'Failed');
    assert.equal((await sm('ap-south-1').send(new GetSecretValueCommand({ SecretId: 'global' }))).SecretString, 'local');
    const forced = await sm().send(new ReplicateSecretToRegionsCommand({ SecretId: 'global', AddReplicaRegions: [{ Region: 'ap-south-1' }], ForceOverwriteReplicaSecret: true }));
    assert.equal(forced.ReplicationStatus![0]!.Status, 'InSync');
    assert.equal((await sm('ap-south-1').send(new GetSecretValueCommand({ SecretId: 'global' }))).SecretString, 'v2');

    // Stopping replication in the replica's region makes it standalone and writable.
    await sm('ap-south-1').send(new StopReplicationToReplicaCommand({ SecretId: 'global' }));
    assert.equal((await sm('ap-south-1').send(new DescribeSecretCommand({ SecretId: 'global' }))).PrimaryRegion, undefined);
    await sm('ap-south-1').send(new TagResourceCommand({ SecretId: 'global', Tags: [{ Key: 'mine', Value: 'now' }] }));
    assert.deepEqual((await sm().send(new DescribeSecretCommand({ SecretId: 'global' }))).ReplicationStatus!.map((r) => r.Region), ['us-west-2']);

    // Removing the last region deletes the replica; the primary is single-region again.
    const removed = await sm().send(new RemoveRegionsFromReplicationCommand({ SecretId: 'global', RemoveReplicaRegions: ['us-west-2'] }));
    assert.deepEqual(removed.ReplicationStatus, []);
    assert.match(await rejection(sm('us-west-2').send(new DescribeSecretCommand({ SecretId: 'global' }))), /^ResourceNotFoundException/);
    assert.equal((await sm().send(new DescribeSecretCommand({ SecretId: 'global' }))).PrimaryRegion, undefined);
    await sm().send(new DeleteSecretCommand({ SecretId: 'global', ForceDeleteWithoutRecovery: true }));
  });

  test('CreateSecret with a replica region that does not exist is refused whole: no secret is left behind', async () => {
    assert.match(await rejection(sm().send(new CreateSecretCommand({ Name: 'half-made', SecretString: 'x', AddReplicaRegions: [{ Region: 'fuzz-1' }] }))), /^InvalidParameterException: Invalid replica region: fuzz-1\.$/);
    assert.match(await rejection(sm().send(new DescribeSecretCommand({ SecretId: 'half-made' }))), /^ResourceNotFoundException/);
    // The name is free: the same create with a real region succeeds.
    await sm().send(new CreateSecretCommand({ Name: 'half-made', SecretString: 'x' }));
    await sm().send(new DeleteSecretCommand({ SecretId: 'half-made', ForceDeleteWithoutRecovery: true }));
  });

  test('RotateSecret keeps the configuration and fails as AWS does when it cannot invoke the function; CancelRotateSecret turns it off', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'rotated', SecretString: 'x' }));
    assert.match(await rejection(sm().send(new RotateSecretCommand({ SecretId: 'rotated' }))), /^InvalidRequestException/);
    const lambda = 'arn:aws:lambda:us-east-1:123456789012:function:rotator';
    assert.equal(
      await rejection(sm().send(new RotateSecretCommand({ SecretId: 'rotated', RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 30 } }))),
      'AccessDeniedException: Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
    );
    const rotating = await sm().send(new DescribeSecretCommand({ SecretId: 'rotated' }));
    assert.equal(rotating.RotationEnabled, true);
    assert.equal(rotating.RotationLambdaARN, lambda);
    assert.equal(rotating.RotationRules?.AutomaticallyAfterDays, 30);
    assert.deepEqual(Object.values(rotating.VersionIdsToStages!), [['AWSCURRENT']], 'no pending version was made');
    await sm().send(new CancelRotateSecretCommand({ SecretId: 'rotated' }));
    const cancelled = await sm().send(new DescribeSecretCommand({ SecretId: 'rotated' }));
    assert.equal(cancelled.RotationEnabled, false);
    assert.equal(cancelled.RotationLambdaARN, lambda);
  });
});
