import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { rejection, sdkClient, startTestWharf, type TestWharf } from './harness.js';

describe('SSM Parameter Store beyond the happy path, through the SDK', () => {
  let wharf: TestWharf;
  let ssm: SSMClient;
  let sm: SecretsManagerClient;
  before(async () => {
    wharf = await startTestWharf();
    ssm = sdkClient(SSMClient, wharf);
    sm = sdkClient(SecretsManagerClient, wharf);
  });
  after(() => wharf.stop());

  test('a top-level name with or without its leading slash is one parameter; Path "/" lists the top level; GetParameter by ARN', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/toplevel', Value: 'one', Type: 'String' }));
    assert.equal((await ssm.send(new GetParameterCommand({ Name: 'toplevel' }))).Parameter!.Value, 'one');
    assert.match(await rejection(ssm.send(new PutParameterCommand({ Name: 'toplevel', Value: 'two', Type: 'String' }))), /^ParameterAlreadyExists/);
    await ssm.send(new PutParameterCommand({ Name: 'toplevel', Value: 'two', Overwrite: true }));
    const got = (await ssm.send(new GetParameterCommand({ Name: '/toplevel' }))).Parameter!;
    assert.equal(got.Value, 'two');
    assert.equal(got.Version, 2);
    assert.equal((await ssm.send(new GetParameterCommand({ Name: got.ARN! }))).Parameter!.Value, 'two');
    await ssm.send(new PutParameterCommand({ Name: 'plain', Value: 'p', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/deep/er', Value: 'd', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/deep/est/x', Value: 'x', Type: 'String' }));
    assert.equal((await ssm.send(new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:123456789012:parameter/deep/er' }))).Parameter!.Value, 'd');
    const top = (await ssm.send(new GetParametersByPathCommand({ Path: '/' }))).Parameters!.map((p) => p.Name).sort();
    assert.deepEqual(top, ['/toplevel', 'plain']);
    const everything = (await ssm.send(new GetParametersByPathCommand({ Path: '/', Recursive: true }))).Parameters!.map((p) => p.Name).sort();
    assert.deepEqual(everything, ['/deep/er', '/deep/est/x', '/toplevel', 'plain']);
    await ssm.send(new DeleteParameterCommand({ Name: 'toplevel' }));
    assert.match(await rejection(ssm.send(new GetParameterCommand({ Name: '/toplevel' }))), /^ParameterNotFound/);
  });

  test('DescribeParameters and GetParametersByPath check filter keys, options, values and paths in AWS words; tag filters take BeginsWith', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/f/one', Value: '1', Type: 'String', Tags: [{ Key: 'team', Value: 'payments-core' }] }));
    const describe = (ParameterFilters: { Key: string; Option?: string; Values?: string[] }[]) => ssm.send(new DescribeParametersCommand({ ParameterFilters }));
    assert.deepEqual((await describe([{ Key: 'tag:team', Option: 'BeginsWith', Values: ['payments'] }])).Parameters!.map((p) => p.Name), ['/f/one']);
    assert.equal(await rejection(describe([{ Key: 'Label', Values: ['x'] }])), 'InvalidFilterKey: The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].');
    assert.equal(await rejection(describe([{ Key: 'Name' }])), 'InvalidFilterValue: The following filter values are missing : null for filter key Name.');
    assert.equal(await rejection(describe([{ Key: 'Type', Values: ['Strung'] }])), 'InvalidFilterValue: The following filter value is not valid: Strung. Valid values include: [String, StringList, SecureString].');
    assert.equal(await rejection(describe([{ Key: 'Type', Option: 'Contains', Values: ['String'] }])), 'InvalidFilterOption: The following filter option is not valid: Contains. Valid options include: [BeginsWith, Equals].');
    assert.match(await rejection(describe([{ Key: 'Name', Values: ['a'] }, { Key: 'Name', Values: ['b'] }])), /^InvalidFilterKey: The following filter is duplicated in the request: Name\./);
    assert.match(await rejection(describe([{ Key: 'Path', Values: ['f/one'] }])), /^ValidationException: The parameter doesn't meet the parameter name requirements\./);
    const byPath = (ParameterFilters: { Key: string; Option?: string; Values?: string[] }[]) => ssm.send(new GetParametersByPathCommand({ Path: '/f', ParameterFilters }));
    assert.equal(await rejection(byPath([{ Key: 'Tier', Values: ['Standard'] }])), 'InvalidFilterKey: The following filter key is not valid: Tier. Valid filter keys include: [Type, KeyId].');
    assert.equal(await rejection(byPath([{ Key: 'tag:team', Values: ['x'] }])), 'InvalidFilterKey: The following filter key is not valid: tag:team. Valid filter keys include: [Type, KeyId].');
  });

  test('/aws/reference/secretsmanager reads a secret (WithDecryption required); /aws/service answers the ECS-optimized AMI parameters', async () => {
    const secret = await sm.send(new CreateSecretCommand({ Name: 'db/password', SecretString: 'hunter2' }));
    const name = '/aws/reference/secretsmanager/db/password';
    assert.equal(await rejection(ssm.send(new GetParameterCommand({ Name: name }))), 'ValidationException: WithDecryption flag must be True for retrieving a Secret Manager secret.');
    const read = (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter!;
    assert.equal(read.Value, 'hunter2');
    assert.equal(read.Type, 'SecureString');
    assert.equal(read.ARN, secret.ARN);
    assert.equal(JSON.parse(read.SourceResult!).VersionId, secret.VersionId);
    assert.match(await rejection(ssm.send(new GetParameterCommand({ Name: '/aws/reference/secretsmanager/nope', WithDecryption: true }))), /^ParameterNotFound/);
    const both = await ssm.send(new GetParametersCommand({ Names: [name, '/aws/reference/secretsmanager/nope'], WithDecryption: true }));
    assert.equal(both.Parameters![0]!.Value, 'hunter2');
    assert.deepEqual(both.InvalidParameters, ['/aws/reference/secretsmanager/nope']);

    const ami = (await ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id' }))).Parameter!;
    assert.match(ami.Value!, /^ami-[0-9a-f]{17}$/);
    assert.equal(ami.ARN, 'arn:aws:ssm:us-east-1::parameter/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id');
    const recommended = JSON.parse((await ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended' }))).Parameter!.Value!);
    assert.equal(recommended.os, 'Amazon Linux 2023');
    assert.match(recommended.image_name, /^al2023-ami-ecs-hvm-/);
    const listed = (await ssm.send(new GetParametersByPathCommand({ Path: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended' }))).Parameters!.map((p) => p.Name);
    assert.ok(listed.includes('/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id'));
    assert.match(await rejection(ssm.send(new GetParameterCommand({ Name: '/aws/service/not/a/thing' }))), /^ParameterNotFound/);
  });

  test('an empty value is refused; the 101st version with a labelled oldest version raises ParameterMaxVersionLimitExceeded', async () => {
    assert.match(await rejection(ssm.send(new PutParameterCommand({ Name: 'empty', Value: '', Type: 'String' }))), /^ValidationException: 1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1\.$/);
    await ssm.send(new PutParameterCommand({ Name: '/many', Value: 'v1', Type: 'String' }));
    await ssm.send(new LabelParameterVersionCommand({ Name: '/many', ParameterVersion: 1, Labels: ['first'] }));
    for (let v = 2; v <= 100; v++) await ssm.send(new PutParameterCommand({ Name: '/many', Value: `v${v}`, Overwrite: true }));
    assert.equal(
      await rejection(ssm.send(new PutParameterCommand({ Name: '/many', Value: 'v101', Overwrite: true }))),
      "ParameterMaxVersionLimitExceeded: You attempted to create a new version of /many by calling the PutParameter API with the overwrite flag. Version 1, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.",
    );
    await ssm.send(new LabelParameterVersionCommand({ Name: '/many', ParameterVersion: 100, Labels: ['first'] }));
    assert.equal((await ssm.send(new PutParameterCommand({ Name: '/many', Value: 'v101', Overwrite: true }))).Version, 101);
    assert.match(await rejection(ssm.send(new GetParameterCommand({ Name: '/many:1' }))), /^ParameterVersionNotFound/);
  });
});
