import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { signedRequest, startTestWharf, type TestWharf } from './harness.js';

const CREATE = 'AmazonEC2ContainerServiceV20141113.CreateCluster';

describe('SigV4 and bad input are refused the way AWS refuses them, and nothing is written', () => {
  let wharf: TestWharf;
  before(async () => {
    wharf = await startTestWharf();
  });
  after(() => wharf.stop());

  async function clusterNames(): Promise<string[]> {
    const { clusterArns } = await wharf.ecs().send(new ListClustersCommand({}));
    return (clusterArns ?? []).map((arn) => arn.split('/')[1]!);
  }

  test('unsigned, wrong secret, unknown key and expired requests', async () => {
    const body = JSON.stringify({ clusterName: 'sneaky' });
    const unsigned = await signedRequest(wharf.endpoint, { target: CREATE, body, unsigned: true });
    assert.equal(unsigned.status, 403);
    assert.equal(JSON.parse(unsigned.body).__type, 'MissingAuthenticationTokenException');

    const wrongSecret = await signedRequest(wharf.endpoint, { target: CREATE, body, keys: { id: 'AKIAWHARFLOCAL000001', secret: 'not-the-secret' } });
    assert.equal(JSON.parse(wrongSecret.body).__type, 'InvalidSignatureException');
    assert.match(JSON.parse(wrongSecret.body).message, /^The request signature we calculated does not match the signature you provided/);

    const unknown = await signedRequest(wharf.endpoint, { target: CREATE, body, keys: { id: 'AKIAUNKNOWNKEY000000', secret: 'x' } });
    assert.deepEqual(JSON.parse(unknown.body), { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });

    const expired = await signedRequest(wharf.endpoint, { target: CREATE, body, signingDate: new Date(Date.now() - 20 * 60 * 1000) });
    assert.equal(JSON.parse(expired.body).__type, 'InvalidSignatureException');
    assert.match(JSON.parse(expired.body).message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);

    const garbage = await fetch(`${wharf.endpoint}/`, { method: 'POST', headers: { 'x-amz-target': CREATE, authorization: 'Bearer nonsense' }, body });
    assert.equal((await garbage.json()).__type, 'IncompleteSignatureException');

    // A body changed after signing no longer matches the signature.
    for (const result of [unsigned, wrongSecret, unknown, expired]) assert.ok(result.status >= 400 && result.status < 500);
    assert.ok(!(await clusterNames()).includes('sneaky'));
  });

  test('the aws CLI with a wrong secret gets InvalidSignatureException; STS answers in Query form', async () => {
    const ecs = await wharf.awsFails(['ecs', 'list-clusters'], { keys: { id: 'AKIAWHARFLOCAL000001', secret: 'wrong' } });
    assert.match(ecs.stderr, /\(InvalidSignatureException\)/);
    const sts = await wharf.awsFails(['sts', 'get-caller-identity'], { keys: { id: 'AKIAUNKNOWNKEY000000', secret: 'x' } });
    assert.match(sts.stderr, /\(InvalidClientTokenId\)/);
    const identity = await wharf.aws(['sts', 'get-caller-identity']);
    assert.deepEqual(identity, { UserId: '123456789012', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:root' });
  });

  test('malformed JSON, wrong types, unknown enums, oversized bodies: 4xx AWS errors, store unchanged', async () => {
    const before = await clusterNames();
    const cases: [string, string | Buffer, number, string][] = [
      [CREATE, '{"clusterName": ', 400, 'SerializationException'],
      [CREATE, '[1,2]', 400, 'SerializationException'],
      [CREATE, '{"clusterName": 42}', 400, 'SerializationException'],
      [CREATE, '{"clusterName": "typed", "tags": {"key": "a"}}', 400, 'SerializationException'],
      [CREATE, '{"clusterName": "enum", "settings": [{"name": "notASetting", "value": "x"}]}', 400, 'InvalidParameterException'],
      ['AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition', '{}', 400, 'InvalidParameterException'],
      ['AmazonEC2ContainerServiceV20141113.NoSuchOperation', '{}', 400, 'UnknownOperationException'],
      ['NoSuchService_2020.Op', '{}', 400, 'UnknownOperationException'],
      [CREATE, Buffer.alloc(9 * 1024 * 1024, 'a'), 413, 'RequestEntityTooLargeException'],
      ['AmazonEC2ContainerServiceV20141113.constructor', '{}', 400, 'UnknownOperationException'],
      ['AmazonEC2ContainerServiceV20141113.__proto__', '{}', 400, 'UnknownOperationException'],
      ['AmazonEC2ContainerServiceV20141113.toString', '{}', 400, 'UnknownOperationException'],
      [CREATE, '{"clusterName": "proto", "constructor": 1, "__proto__": {"x": 1}, "tags": [{"key": "a", "toString": 2}]}', 200, ''],
    ];
    for (const [target, body, status, code] of cases) {
      const result = await signedRequest(wharf.endpoint, { target, body });
      assert.equal(result.status, status, `${target} ${String(body).slice(0, 40)} -> ${result.body}`);
      if (status === 200) continue;
      const parsed = JSON.parse(result.body);
      assert.equal(parsed.__type, code);
      assert.equal(typeof parsed.message, 'string');
      assert.doesNotMatch(parsed.message, /\n\s+at /, 'no stack traces');
      assert.ok(result.headers.get('x-amzn-requestid'));
    }
    const missing = await signedRequest(wharf.endpoint, { target: 'AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition', body: '{}' });
    assert.equal(JSON.parse(missing.body).message, "1 validation error detected: Value null at 'taskDefinition' failed to satisfy constraint: Member must not be null");
    const enumError = await signedRequest(wharf.endpoint, { target: CREATE, body: '{"clusterName":"e","settings":[{"name":"nope","value":"x"}]}' });
    assert.match(JSON.parse(enumError.body).message, /Value 'nope' at 'settings.1.member.name' failed to satisfy constraint: Member must satisfy enum value set: \[containerInsights\]/);
    assert.deepEqual(await clusterNames(), [...before, 'proto'].sort());
  });
});
