import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  UnlabelParameterVersionCommand,
  type DescribeParametersCommandInput,
  type GetParametersByPathCommandInput,
  type PutParameterCommandInput,
} from '@aws-sdk/client-ssm';
import { rejection, sdkClient, startTestWharf, type TestWharf } from './harness.js';

describe('SSM Parameter Store through the aws CLI and the SDK', () => {
  let wharf: TestWharf;
  let ssm: SSMClient;
  before(async () => {
    wharf = await startTestWharf();
    ssm = sdkClient(SSMClient, wharf);
  });
  after(() => wharf.stop());

  const put = (Name: string, Value: string, extra: Partial<PutParameterCommandInput> = {}) =>
    ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', ...extra }));

  test('the aws CLI: a SecureString put and read back; without decryption only an opaque token', async () => {
    const put1 = await wharf.aws(['ssm', 'put-parameter', '--name', '/my-app/api-key', '--type', 'SecureString', '--value', 'k3y']);
    assert.deepEqual(put1, { Version: 1, Tier: 'Standard' });
    const decrypted = await wharf.aws(['ssm', 'get-parameter', '--name', '/my-app/api-key', '--with-decryption']);
    assert.equal(decrypted.Parameter.Value, 'k3y');
    assert.equal(decrypted.Parameter.Type, 'SecureString');
    assert.equal(decrypted.Parameter.ARN, 'arn:aws:ssm:us-east-1:123456789012:parameter/my-app/api-key');
    const sealed = (await ssm.send(new GetParameterCommand({ Name: '/my-app/api-key' }))).Parameter!;
    assert.notEqual(sealed.Value, 'k3y');
    assert.match(sealed.Value!, /^[A-Za-z0-9+/]+=*$/);
    assert.ok(!Buffer.from(sealed.Value!, 'base64').toString('utf8').includes('k3y'));
    const described = (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/my-app/api-key'] }] }))).Parameters!;
    assert.equal(described[0]!.KeyId, 'alias/aws/ssm');

    const exists = await wharf.awsFails(['ssm', 'put-parameter', '--name', '/my-app/api-key', '--type', 'SecureString', '--value', 'again']);
    assert.match(exists.stderr, /\(ParameterAlreadyExists\) when calling the PutParameter operation: The parameter already exists\. To overwrite this value, set the overwrite option in the request to true\./);
    const missing = await wharf.awsFails(['ssm', 'get-parameter', '--name', '/my-app/none']);
    assert.match(missing.stderr, /\(ParameterNotFound\) when calling the GetParameter operation/);
  });

  test('versions: Overwrite makes 2..n, selectors name:version and name:label, history, labels', async () => {
    await put('/cfg/level', 'one', { Description: 'the level' });
    assert.equal((await put('/cfg/level', 'two', { Overwrite: true })).Version, 2);
    assert.equal((await put('/cfg/level', 'three', { Overwrite: true, Type: undefined })).Version, 3);
    const get = async (Name: string) => (await ssm.send(new GetParameterCommand({ Name }))).Parameter!;
    assert.equal((await get('/cfg/level')).Value, 'three');
    const pinned = await get('/cfg/level:1');
    assert.deepEqual([pinned.Value, pinned.Version, pinned.Selector, pinned.Name], ['one', 1, ':1', '/cfg/level']);
    assert.match(await rejection(get('/cfg/level:9')), /^ParameterVersionNotFound: Systems Manager could not find version 9 of \/cfg\/level\./);

    const labelled = await ssm.send(new LabelParameterVersionCommand({ Name: '/cfg/level', ParameterVersion: 2, Labels: ['stable', '1bad', 'awsx'] }));
    assert.deepEqual(labelled.InvalidLabels, ['1bad', 'awsx']);
    assert.equal(labelled.ParameterVersion, 2);
    assert.equal((await get('/cfg/level:stable')).Value, 'two');
    // A label moves: it sits on one version at a time.
    await ssm.send(new LabelParameterVersionCommand({ Name: '/cfg/level', Labels: ['stable'] }));
    assert.equal((await get('/cfg/level:stable')).Value, 'three');

    const history = (await ssm.send(new GetParameterHistoryCommand({ Name: '/cfg/level' }))).Parameters!;
    assert.deepEqual(history.map((h) => [h.Version, h.Value, h.Labels]), [[1, 'one', []], [2, 'two', []], [3, 'three', ['stable']]]);
    assert.ok(history.every((h) => h.Description === 'the level' && h.LastModifiedUser));
    const firstPage = await ssm.send(new GetParameterHistoryCommand({ Name: '/cfg/level', MaxResults: 2 }));
    const secondPage = await ssm.send(new GetParameterHistoryCommand({ Name: '/cfg/level', MaxResults: 2, NextToken: firstPage.NextToken! }));
    assert.deepEqual([...firstPage.Parameters!, ...secondPage.Parameters!].map((h) => h.Version), [1, 2, 3]);

    const unlabelled = await ssm.send(new UnlabelParameterVersionCommand({ Name: '/cfg/level', ParameterVersion: 3, Labels: ['stable', 'never'] }));
    assert.deepEqual([unlabelled.RemovedLabels, unlabelled.InvalidLabels], [['stable'], ['never']]);
  });

  test('GetParameters reports what it could not find; SecureString history is sealed without decryption', async () => {
    await put('/multi/a', 'A');
    await put('/multi/list', 'x,y', { Type: 'StringList' });
    const answer = await ssm.send(new GetParametersCommand({ Names: ['/multi/a', '/multi/list', '/multi/none', '/multi/a:7'], WithDecryption: true }));
    assert.deepEqual(answer.Parameters!.map((p) => [p.Name, p.Value, p.Type]), [['/multi/a', 'A', 'String'], ['/multi/list', 'x,y', 'StringList']]);
    assert.deepEqual(answer.InvalidParameters, ['/multi/none', '/multi/a:7']);
    const history = (await ssm.send(new GetParameterHistoryCommand({ Name: '/my-app/api-key' }))).Parameters!;
    assert.notEqual(history[0]!.Value, 'k3y');
    assert.equal((await ssm.send(new GetParameterHistoryCommand({ Name: '/my-app/api-key', WithDecryption: true }))).Parameters![0]!.Value, 'k3y');
  });

  test('GetParametersByPath: one level or recursive, filters, paging', async () => {
    await put('/tree/a', '1');
    await put('/tree/b', '2', { Type: 'SecureString' });
    await put('/tree/sub/c', '3');
    await put('/tree/sub/deeper/d', '4');
    await put('/treehouse', 'not under /tree');
    const names = async (input: Partial<GetParametersByPathCommandInput>) =>
      (await ssm.send(new GetParametersByPathCommand({ Path: '/tree', ...input }))).Parameters!.map((p) => p.Name);
    assert.deepEqual(await names({}), ['/tree/a', '/tree/b']);
    assert.deepEqual(await names({ Recursive: true }), ['/tree/a', '/tree/b', '/tree/sub/c', '/tree/sub/deeper/d']);
    assert.deepEqual(await names({ Recursive: true, ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }] }), ['/tree/b']);
    const decrypted = await ssm.send(new GetParametersByPathCommand({ Path: '/tree/', WithDecryption: true, ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }] }));
    assert.equal(decrypted.Parameters![0]!.Value, '2');
    const first = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', Recursive: true, MaxResults: 3 }));
    assert.equal(first.Parameters!.length, 3);
    const next = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', Recursive: true, MaxResults: 3, NextToken: first.NextToken! }));
    assert.deepEqual(next.Parameters!.map((p) => p.Name), ['/tree/sub/deeper/d']);
    assert.match(await rejection(ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] }))), /^InvalidFilterKey/);
  });

  test('DescribeParameters filters (ParameterFilters and the older Filters) and pages', async () => {
    await put('/desc/one', '1', { Tags: [{ Key: 'team', Value: 'core' }] });
    await put('/desc/two', '2', { Tier: 'Advanced' });
    const names = async (input: DescribeParametersCommandInput) =>
      (await ssm.send(new DescribeParametersCommand(input))).Parameters!.map((p) => p.Name);
    assert.deepEqual(await names({ ParameterFilters: [{ Key: 'Path', Values: ['/desc'] }] }), ['/desc/one', '/desc/two']);
    assert.deepEqual(await names({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/desc/t'] }] }), ['/desc/two']);
    assert.deepEqual(await names({ ParameterFilters: [{ Key: 'Tier', Values: ['Advanced'] }] }), ['/desc/two']);
    assert.deepEqual(await names({ ParameterFilters: [{ Key: 'tag:team', Values: ['core'] }] }), ['/desc/one']);
    assert.deepEqual(await names({ Filters: [{ Key: 'Name', Values: ['/desc/o'] }] }), ['/desc/one']);
    const all = await names({});
    const first = await ssm.send(new DescribeParametersCommand({ MaxResults: 2 }));
    const rest = await ssm.send(new DescribeParametersCommand({ MaxResults: 50, NextToken: first.NextToken! }));
    assert.deepEqual([...first.Parameters!, ...rest.Parameters!].map((p) => p.Name), all);
    assert.match(await rejection(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Colour', Values: ['x'] }] }))), /^ValidationException: 1 validation error detected/);
  });

  test('tags: only without Overwrite at put, then Add/Remove/ListTagsForResource', async () => {
    await put('/tags/p', 'v', { Tags: [{ Key: 'a', Value: '1' }] });
    assert.match(await rejection(put('/tags/p', 'w', { Overwrite: true, Tags: [{ Key: 'b', Value: '2' }] })), /^ValidationException: Invalid request: tags and overwrite can't be used together/);
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', Tags: [{ Key: 'b', Value: '2' }] }));
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', TagKeys: ['a'] }));
    assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p' }))).TagList, [{ Key: 'b', Value: '2' }]);
    assert.match(await rejection(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/none' }))), /^InvalidResourceId/);
  });

  test('names, types and tiers are checked; deletion', async () => {
    assert.match(await rejection(put('/aws/mine', 'x')), /^ValidationException: Parameter name: can't be prefixed with "aws" or "ssm"/);
    assert.match(await rejection(put('a/b', 'x')), /^ValidationException/);
    assert.match(await rejection(put('/' + Array.from({ length: 16 }, (_, i) => `l${i}`).join('/'), 'x')), /^HierarchyLevelLimitExceededException/);
    assert.match(await rejection(ssm.send(new PutParameterCommand({ Name: '/typeless', Value: 'x' }))), /^ValidationException/);
    assert.match(await rejection(put('/big', 'x'.repeat(5000))), /^ValidationException/);
    assert.equal((await put('/big', 'x'.repeat(5000), { Tier: 'Intelligent-Tiering' })).Tier, 'Advanced');
    assert.match(await rejection(put('/pattern', 'abc', { AllowedPattern: '^[0-9]+$' })), /^ParameterPatternMismatchException/);

    await put('plain-name', 'x');
    assert.equal((await ssm.send(new GetParameterCommand({ Name: 'plain-name' }))).Parameter!.ARN, 'arn:aws:ssm:us-east-1:123456789012:parameter/plain-name');
    await ssm.send(new DeleteParameterCommand({ Name: 'plain-name' }));
    assert.match(await rejection(ssm.send(new DeleteParameterCommand({ Name: 'plain-name' }))), /^ParameterNotFound/);
    await put('/del/a', 'a');
    const deleted = await ssm.send(new DeleteParametersCommand({ Names: ['/del/a', '/del/none'] }));
    assert.deepEqual([deleted.DeletedParameters, deleted.InvalidParameters], [['/del/a'], ['/del/none']]);
  });
});
