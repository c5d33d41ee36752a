import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  type Filter,
  type GetRandomPasswordCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { rejection, sdkClient, startTestWharf, type TestWharf } from './harness.js';

const ARN = /^arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-[A-Za-z0-9]{6}$/;

describe('Secrets Manager through the aws CLI and the SDK', () => {
  let wharf: TestWharf;
  let sm: SecretsManagerClient;
  before(async () => {
    wharf = await startTestWharf();
    sm = sdkClient(SecretsManagerClient, wharf);
  });
  after(() => wharf.stop());

  const value = async (SecretId: string, extra: { VersionId?: string; VersionStage?: string } = {}) => (await sm.send(new GetSecretValueCommand({ SecretId, ...extra }))).SecretString;

  test('the aws CLI: create-secret, get-secret-value by name, full ARN and partial ARN; the errors in its words', async () => {
    const created = await wharf.aws(['secretsmanager', 'create-secret', '--name', 'db-password', '--secret-string', 's3cr3t']);
    assert.match(created.ARN, ARN);
    assert.equal(created.Name, 'db-password');
    assert.match(created.VersionId, /^[0-9a-f-]{36}$/);
    const got = await wharf.aws(['secretsmanager', 'get-secret-value', '--secret-id', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password']);
    assert.equal(got.SecretString, 's3cr3t');
    assert.deepEqual(got.VersionStages, ['AWSCURRENT']);
    assert.equal(await value(created.ARN), 's3cr3t');
    assert.equal(await value('db-password'), 's3cr3t');

    const missing = await wharf.awsFails(['secretsmanager', 'get-secret-value', '--secret-id', 'nope']);
    assert.match(missing.stderr, /\(ResourceNotFoundException\) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret\./);
    assert.match(await rejection(sm.send(new CreateSecretCommand({ Name: 'db-password', SecretString: 'x' }))), /^ResourceExistsException: The operation failed because the secret db-password already exists\.$/);
    assert.match(await rejection(value('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-ZZZZZZ')), /^ResourceNotFoundException/);
    assert.match(await rejection(value('arn:aws:secretsmanager:us-east-1:999999999999:secret:db-password')), /^ResourceNotFoundException/);
    assert.match(await rejection(sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'x', SecretBinary: new Uint8Array([1]) }))), /^InvalidParameterException/);
    assert.match(await rejection(sm.send(new CreateSecretCommand({ Name: 'bad name#', SecretString: 'x' }))), /^InvalidParameterException/);
  });

  test('describe-secret shows tags, dates and the version map, never the value', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'described', SecretString: 'hidden-value', Description: 'the database', KmsKeyId: 'alias/mine', Tags: [{ Key: 'team', Value: 'core' }] }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'described' }));
    assert.equal(described.Description, 'the database');
    assert.equal(described.KmsKeyId, 'alias/mine');
    assert.deepEqual(described.Tags, [{ Key: 'team', Value: 'core' }]);
    assert.deepEqual(Object.values(described.VersionIdsToStages!), [['AWSCURRENT']]);
    assert.ok(described.CreatedDate instanceof Date && described.LastChangedDate instanceof Date);
    assert.ok(!JSON.stringify(described).includes('hidden-value'));
  });

  test('put-secret-value moves AWSCURRENT, the old version becomes AWSPREVIOUS; custom stages and update-secret-version-stage', async () => {
    const first = await sm.send(new CreateSecretCommand({ Name: 'rotating', SecretString: 'one' }));
    const second = await sm.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'two' }));
    assert.deepEqual(second.VersionStages, ['AWSCURRENT']);
    assert.equal(await value('rotating'), 'two');
    assert.equal(await value('rotating', { VersionStage: 'AWSPREVIOUS' }), 'one');
    assert.equal(await value('rotating', { VersionId: first.VersionId! }), 'one');

    const third = await sm.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'three', VersionStages: ['CANARY'] }));
    assert.equal(await value('rotating'), 'two');
    assert.equal(await value('rotating', { VersionStage: 'CANARY' }), 'three');
    const stages = (await sm.send(new DescribeSecretCommand({ SecretId: 'rotating' }))).VersionIdsToStages;
    assert.deepEqual(stages, { [first.VersionId!]: ['AWSPREVIOUS'], [second.VersionId!]: ['AWSCURRENT'], [third.VersionId!]: ['CANARY'] });

    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rotating', VersionStage: 'AWSCURRENT', MoveToVersionId: third.VersionId!, RemoveFromVersionId: second.VersionId! }));
    assert.equal(await value('rotating'), 'three');
    assert.equal(await value('rotating', { VersionStage: 'AWSPREVIOUS' }), 'two');
    assert.match(await rejection(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rotating', VersionStage: 'AWSCURRENT', MoveToVersionId: first.VersionId! }))), /^InvalidParameterException/);
    assert.match(await rejection(value('rotating', { VersionStage: 'NOPE' })), /^ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: NOPE$/);
    assert.match(await rejection(value('rotating', { VersionId: first.VersionId!, VersionStage: 'AWSCURRENT' })), /^InvalidRequestException/);

    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'rotating', IncludeDeprecated: true }));
    assert.equal(all.Versions!.length, 3);
    const active = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'rotating' }));
    assert.deepEqual(active.Versions!.map((v) => v.VersionId).sort(), [second.VersionId, third.VersionId].sort());
  });

  test('ClientRequestToken: a retried request makes no new version; another value under the same token is refused', async () => {
    const token = 'a'.repeat(32);
    await sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'v1' }));
    assert.equal((await sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token }))).VersionId, token);
    assert.equal((await sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token }))).VersionId, token);
    assert.equal(Object.keys((await sm.send(new DescribeSecretCommand({ SecretId: 'idem' }))).VersionIdsToStages!).length, 2);
    assert.match(
      await rejection(sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'other', ClientRequestToken: token }))),
      /^ResourceExistsException: You can't modify an existing version, you can only create a new version\.$/,
    );
  });

  test('update-secret changes the description and, with a value, makes a new current version; binary secrets round-trip', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'upd', SecretString: 'a' }));
    const updated = await sm.send(new UpdateSecretCommand({ SecretId: 'upd', Description: 'new words', SecretString: 'b' }));
    assert.ok(updated.VersionId);
    assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: 'upd' }))).Description, 'new words');
    assert.equal(await value('upd'), 'b');
    assert.equal(await value('upd', { VersionStage: 'AWSPREVIOUS' }), 'a');

    await sm.send(new CreateSecretCommand({ Name: 'bin', SecretBinary: new Uint8Array([0, 1, 2, 3, 4]) }));
    assert.deepEqual([...(await sm.send(new GetSecretValueCommand({ SecretId: 'bin' }))).SecretBinary!], [0, 1, 2, 3, 4]);
  });

  test('delete-secret schedules deletion: the secret refuses use, hides from list-secrets, and restore-secret brings it back', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'x' }));
    assert.match(await rejection(sm.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 3 }))), /^InvalidParameterException/);
    assert.match(
      await rejection(sm.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }))),
      /^InvalidParameterException: You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays\.$/,
    );
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 7 }));
    const week = deleted.DeletionDate!.getTime() - Date.now();
    assert.ok(week > 6 * 86_400_000 && week <= 7 * 86_400_000);
    const marked = /^InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion\.$/;
    assert.match(await rejection(value('doomed')), marked);
    assert.match(await rejection(sm.send(new PutSecretValueCommand({ SecretId: 'doomed', SecretString: 'y' }))), marked);
    assert.match(await rejection(sm.send(new DeleteSecretCommand({ SecretId: 'doomed' }))), marked);
    assert.match(await rejection(sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'y' }))), /^InvalidRequestException/);
    assert.ok((await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))).DeletedDate);
    const names = async (IncludePlannedDeletion?: boolean) => (await sm.send(new ListSecretsCommand({ IncludePlannedDeletion }))).SecretList!.map((s) => s.Name);
    assert.ok(!(await names()).includes('doomed'));
    assert.ok((await names(true)).includes('doomed'));
    await sm.send(new RestoreSecretCommand({ SecretId: 'doomed' }));
    assert.equal(await value('doomed'), 'x');
    assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))).DeletedDate, undefined);

    await sm.send(new DeleteSecretCommand({ SecretId: 'doomed', ForceDeleteWithoutRecovery: true }));
    assert.match(await rejection(sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))), /^ResourceNotFoundException/);
    await sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'reborn' }));
    assert.equal(await value('doomed'), 'reborn');
  });

  test('list-secrets filters by name, description, tag key and value, and all; pages with MaxResults', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'app/one', SecretString: '1', Description: 'first app', Tags: [{ Key: 'env', Value: 'prod' }] }));
    await sm.send(new CreateSecretCommand({ Name: 'app/two', SecretString: '2', Tags: [{ Key: 'env', Value: 'dev' }] }));
    const names = async (Filters: Filter[]) => (await sm.send(new ListSecretsCommand({ Filters }))).SecretList!.map((s) => s.Name).sort();
    assert.deepEqual(await names([{ Key: 'name', Values: ['app/'] }]), ['app/one', 'app/two']);
    assert.deepEqual(await names([{ Key: 'description', Values: ['first'] }]), ['app/one']);
    assert.deepEqual(await names([{ Key: 'tag-key', Values: ['env'] }]), ['app/one', 'app/two']);
    assert.deepEqual(await names([{ Key: 'tag-value', Values: ['dev'] }]), ['app/two']);
    assert.deepEqual(await names([{ Key: 'all', Values: ['prod'] }]), ['app/one']);
    assert.deepEqual(await names([{ Key: 'name', Values: ['app/'] }, { Key: 'tag-value', Values: ['!dev'] }]), ['app/one']);
    const cli = await wharf.aws(['secretsmanager', 'list-secrets', '--filters', 'Key=name,Values=app/']);
    assert.deepEqual(cli.SecretList.map((s: { Name: string }) => s.Name).sort(), ['app/one', 'app/two']);
    assert.ok(cli.SecretList.every((s: Record<string, unknown>) => s.SecretString === undefined && s.SecretVersionsToStages));

    const all = (await sm.send(new ListSecretsCommand({}))).SecretList!.map((s) => s.Name);
    const first = await sm.send(new ListSecretsCommand({ MaxResults: 2 }));
    assert.equal(first.SecretList!.length, 2);
    const rest = await sm.send(new ListSecretsCommand({ MaxResults: 100, NextToken: first.NextToken! }));
    assert.deepEqual([...first.SecretList!, ...rest.SecretList!].map((s) => s.Name), all);
    assert.equal(rest.NextToken, undefined);
    const descending = (await sm.send(new ListSecretsCommand({ SortOrder: 'desc' }))).SecretList!.map((s) => s.Name);
    assert.deepEqual(descending, [...all].reverse());
  });

  test('tag-resource and untag-resource', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'tagged', SecretString: 'x' }));
    await sm.send(new TagResourceCommand({ SecretId: 'tagged', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await sm.send(new UntagResourceCommand({ SecretId: 'tagged', TagKeys: ['a'] }));
    assert.deepEqual((await sm.send(new DescribeSecretCommand({ SecretId: 'tagged' }))).Tags, [{ Key: 'b', Value: '2' }]);
  });

  test('get-random-password honours its options', async () => {
    const password = async (input: GetRandomPasswordCommandInput) => (await sm.send(new GetRandomPasswordCommand(input))).RandomPassword!;
    const plain = await password({});
    assert.equal(plain.length, 32);
    assert.match(plain, /[a-z]/);
    assert.match(plain, /[A-Z]/);
    assert.match(plain, /[0-9]/);
    assert.match(await password({ PasswordLength: 20, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }), /^[0-9]{20}$/);
    const spaced = await password({ PasswordLength: 6, ExcludeCharacters: 'abc', IncludeSpace: true, RequireEachIncludedType: true });
    assert.equal(spaced.length, 6);
    assert.ok(spaced.includes(' ') && !/[abc]/.test(spaced));
    assert.match(await rejection(password({ PasswordLength: 3 })), /^InvalidParameterException: Password length is too short based on the required types\.$/);
  });

  test('batch-get-secret-value by ids (errors per secret) and by filters', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'batch/a', SecretString: 'A' }));
    await sm.send(new CreateSecretCommand({ Name: 'batch/b', SecretString: 'B' }));
    const byIds = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['batch/a', 'batch/missing'] }));
    assert.deepEqual(byIds.SecretValues!.map((v) => v.SecretString), ['A']);
    assert.deepEqual(byIds.Errors, [{ SecretId: 'batch/missing', ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }]);
    const byFilters = await sm.send(new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['batch/'] }] }));
    assert.deepEqual(byFilters.SecretValues!.map((v) => v.SecretString).sort(), ['A', 'B']);
    assert.match(await rejection(sm.send(new BatchGetSecretValueCommand({}))), /^InvalidParameterException/);
  });
});
