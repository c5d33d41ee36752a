import { CreateRoleCommand, GetRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_KEY } from '../cli/config.js';
import { signedRequest, startTestWharf, type TestWharf } from './harness.js';

/** Values AWS refuses, sent through real clients and raw signed requests: each refused, nothing stored. */
let wharf: TestWharf;
const sdk = () => ({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

before(async () => {
  wharf = await startTestWharf();
});
after(async () => {
  await wharf.stop();
});

const ecs = (operation: string, body: unknown) => signedRequest(wharf.endpoint, { target: `AmazonEC2ContainerServiceV20141113.${operation}`, body: JSON.stringify(body) });
const query = (service: string, body: string) => signedRequest(wharf.endpoint, { service, contentType: 'application/x-www-form-urlencoded; charset=utf-8', body });

test('aws iam create-role with a control character in the description is refused as IAM refuses it, and the role list stays readable', async () => {
  const failure = await wharf.awsFails(['iam', 'create-role', '--role-name', 'ctl', '--assume-role-policy-document', TRUST, '--description', 'a\u0001b']);
  assert.match(failure.stderr, /ValidationError/);
  assert.match(failure.stderr, /1 validation error detected: Value '.*' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF\]\*/);
  const iam = new IAMClient(sdk());
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'ctl' })), { name: 'NoSuchEntityException' });
  // A tag value outside IAM's pattern too; then a valid role: ListRoles parses.
  await assert.rejects(iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'k', Value: 'x\u0002' }] })), { name: 'ValidationError' });
  await iam.send(new CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: TRUST, Description: 'tab\tand é' }));
  assert.deepEqual((await iam.send(new ListRolesCommand({}))).Roles!.map((role) => role.RoleName), ['plain']);
});

test('error messages echoing a forbidden character are still well-formed XML', async () => {
  const response = await query('iam', `Action=GetRole&Version=2010-05-08&RoleName=${encodeURIComponent('bad\u0001name')}`);
  assert.equal(response.status, 400);
  assert.doesNotMatch(response.body, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  assert.match(response.body, /<Code>ValidationError<\/Code>/);
});

test('a Query list member sent as a scalar is refused, not read as an empty list', async () => {
  const response = await query('elasticloadbalancing', 'Action=RegisterTargets&Version=2015-12-01&TargetGroupArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Atargetgroup%2Fx%2F0123456789abcdef&Targets=x');
  assert.equal(response.status, 400);
  assert.match(response.body, /<Code>ValidationError<\/Code>/);
});

test('32,000 RegisterTargets members are refused with TooManyTargets', async () => {
  const parts = ['Action=RegisterTargets', 'Version=2015-12-01', 'TargetGroupArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Atargetgroup%2Fx%2F0123456789abcdef'];
  for (let i = 1; i <= 32_000; i++) parts.push(`Targets.member.${i}.Id=10.0.${i >> 8 & 255}.${i & 255}`);
  const response = await query('elasticloadbalancing', parts.join('&'));
  assert.equal(response.status, 400, response.body);
  assert.match(response.body, /<Code>TooManyTargets<\/Code>/);
});

test('other requests are answered while a 3 MB Query body is decoded: parsing gives way to the event loop', async () => {
  const names = Array.from({ length: 100_000 }, (_, index) => `Names.member.${index + 1}=group-${index}`);
  let largeAnswered = false;
  const large = query('elasticloadbalancing', `Action=DescribeTargetGroups&Version=2015-12-01&${names.join('&')}`).finally(() => (largeAnswered = true));
  // Small calls one after another until the large one is answered. Decoded in one synchronous
  // go, the large body would let through only the few that arrived while it was uploading.
  let answeredMeanwhile = 0;
  while (!largeAnswered) {
    const small = await ecs('ListClusters', {});
    assert.equal(small.status, 200, small.body);
    if (!largeAnswered) answeredMeanwhile++;
  }
  const response = await large;
  assert.equal(response.status, 400, response.body);
  assert.match(response.body, /<Code>TargetGroupNotFound<\/Code>/);
  assert.ok(answeredMeanwhile >= 50, `${answeredMeanwhile} small requests answered while the large one was decoded`);
});

test('a lone UTF-16 surrogate is refused at the codec with SerializationException (JSON escapes, form bytes)', async () => {
  const json = await signedRequest(wharf.endpoint, { target: 'AmazonEC2ContainerServiceV20141113.PutAccountSetting', body: '{"name":"containerInsights","value":"enabled","principalArn":"arn:aws:iam::000000000000:user/\\ud800"}' });
  assert.equal(json.status, 400);
  assert.equal(JSON.parse(json.body).__type, 'SerializationException');
  const form = await query('iam', 'Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D&Description=%ED%A0%80');
  assert.equal(form.status, 400);
  assert.match(form.body, /<Code>SerializationException<\/Code>/);
});

test('ECS refuses foreign or malformed principals and role ARNs; Logs refuses a KMS key that is not a key ARN', async () => {
  for (const principalArn of ['arn:aws:iam::999999999999:root', "' OR 1=1 --"]) {
    const response = await ecs('PutAccountSetting', { name: 'containerInsights', value: 'enabled', principalArn });
    assert.equal(response.status, 400, principalArn);
    assert.equal(JSON.parse(response.body).__type, 'InvalidParameterException');
  }
  const own = await ecs('PutAccountSetting', { name: 'containerInsights', value: 'enabled', principalArn: `arn:aws:iam::${DEFAULT_KEY.account}:user/alice` });
  assert.equal(own.status, 200, own.body);
  for (const role of [{ taskRoleArn: "' OR 1=1 --" }, { executionRoleArn: 'arn:aws:iam::123456789012:user/not-a-role' }]) {
    const response = await ecs('RegisterTaskDefinition', { family: 'bad-role', containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }], ...role });
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.body), { __type: 'ClientException', message: 'Role is not valid' });
  }
  assert.equal(JSON.parse((await ecs('ListTaskDefinitionFamilies', {})).body).families.length, 0);
  const logs = await signedRequest(wharf.endpoint, { service: 'logs', target: 'Logs_20140328.CreateLogGroup', body: JSON.stringify({ logGroupName: 'g', kmsKeyId: 'anything' }) });
  assert.equal(logs.status, 400);
  assert.equal(JSON.parse(logs.body).__type, 'InvalidParameterException');
});
