import { cbor } from '@smithy/core/cbor';
import { GetAuthorizationTokenCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_KEY } from '../cli/config.js';
import { signedRequest, startTestWharf, type TestWharf } from './harness.js';

/**
 * Signature probes, as an attacker holding a captured request (or a careless
 * client) would send them, against every protocol Wharf speaks, its
 * registry, its admin endpoints and its task endpoint: each must be refused
 * with AWS's code and status, and a well-signed control must pass.
 */
let wharf: TestWharf;
let temporary: { id: string; secret: string; token: string };
let otherToken: string;

const sdk = () => ({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 });

before(async () => {
  // Listening on every address, so the admin rule can be probed from off loopback.
  wharf = await startTestWharf({ WHARF_HOST: '0.0.0.0' });
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const role = await new IAMClient(sdk()).send(new CreateRoleCommand({ RoleName: 'prober', AssumeRolePolicyDocument: trust }));
  const sts = new STSClient(sdk());
  const first = (await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'first' }))).Credentials!;
  const second = (await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'second' }))).Credentials!;
  temporary = { id: first.AccessKeyId!, secret: first.SecretAccessKey!, token: first.SessionToken! };
  otherToken = second.SessionToken!;
});
after(async () => {
  await wharf.stop();
});

type Family = 'json' | 'query';
interface Protocol {
  readonly name: string;
  readonly family: Family;
  readonly service: string;
  readonly contentType: string;
  readonly target?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body: string | Buffer;
  readonly decode: (response: { body: string; bytes: Buffer }) => string;
}

const jsonCode = (response: { body: string }) => String((JSON.parse(response.body) as { __type?: string }).__type ?? '').replace(/^.*#/, '');
const queryCode = (response: { body: string }) => /<Code>([^<]+)<\/Code>/.exec(response.body)?.[1] ?? '';
const cborCode = (response: { bytes: Buffer }) => String((cbor.deserialize(response.bytes) as { __type?: string }).__type ?? '').replace(/^.*#/, '');

const PROTOCOLS: readonly Protocol[] = [
  { name: 'JSON 1.1 (ECS)', family: 'json', service: 'ecs', contentType: 'application/x-amz-json-1.1', target: 'AmazonEC2ContainerServiceV20141113.ListClusters', body: '{}', decode: jsonCode },
  { name: 'JSON 1.0 (CloudWatch)', family: 'json', service: 'monitoring', contentType: 'application/x-amz-json-1.0', target: 'GraniteServiceVersion20100801.ListMetrics', body: '{}', decode: jsonCode },
  { name: 'Query (IAM)', family: 'query', service: 'iam', contentType: 'application/x-www-form-urlencoded; charset=utf-8', body: 'Action=ListRoles&Version=2010-05-08', decode: queryCode },
  { name: 'Query (ELBv2)', family: 'query', service: 'elasticloadbalancing', contentType: 'application/x-www-form-urlencoded; charset=utf-8', body: 'Action=DescribeLoadBalancers&Version=2015-12-01', decode: queryCode },
  {
    name: 'RPC v2 CBOR (CloudWatch)', family: 'json', service: 'monitoring', contentType: 'application/cbor', path: '/service/GraniteServiceVersion20100801/operation/ListMetrics',
    headers: { 'smithy-protocol': 'rpc-v2-cbor', accept: 'application/cbor' }, body: Buffer.from(cbor.serialize({})), decode: cborCode,
  },
];

/** AWS's answers, by protocol family: JSON services (JSON 1.0/1.1 and CBOR) and the Query services. */
const EXPECTED: Record<string, Record<Family, [string, number]>> = {
  unsigned: { json: ['MissingAuthenticationTokenException', 403], query: ['MissingAuthenticationToken', 403] },
  mismatch: { json: ['InvalidSignatureException', 403], query: ['SignatureDoesNotMatch', 403] },
  bodyHash: { json: ['InvalidSignatureException', 400], query: ['SignatureDoesNotMatch', 400] },
  unknownKey: { json: ['UnrecognizedClientException', 403], query: ['InvalidClientTokenId', 403] },
  incomplete: { json: ['IncompleteSignatureException', 400], query: ['IncompleteSignature', 400] },
  scope: { json: ['InvalidSignatureException', 403], query: ['SignatureDoesNotMatch', 403] },
};

type Options = Parameters<typeof signedRequest>[1];

for (const protocol of PROTOCOLS) {
  describe(`signature probes: ${protocol.name}`, () => {
    const send = (options: Partial<Options> = {}) =>
      signedRequest(wharf.endpoint, {
        service: protocol.service,
        contentType: protocol.contentType,
        body: protocol.body,
        ...(protocol.target ? { target: protocol.target } : {}),
        ...(protocol.path ? { path: protocol.path } : {}),
        ...options,
        headers: { ...protocol.headers, ...options.headers },
      });
    const refused = async (what: keyof typeof EXPECTED, options: Partial<Options>, message?: RegExp) => {
      const response = await send(options);
      const [code, status] = EXPECTED[what]![protocol.family];
      assert.equal(protocol.decode(response), code, `${what}: ${response.body}`);
      assert.equal(response.status, status, what);
      if (message) assert.match(response.body.replace(/&apos;/g, "'"), message);
    };

    test('a well-signed request passes, also 14 minutes off either way and with temporary credentials and their own token', async () => {
      for (const options of [{}, { signingDate: new Date(Date.now() - 14 * 60_000) }, { signingDate: new Date(Date.now() + 14 * 60_000) }, { keys: temporary, sessionToken: temporary.token }]) {
        const response = await send(options);
        assert.equal(response.status, 200, response.body);
      }
    });

    test('unsigned, wrong secret, unknown key', async () => {
      await refused('unsigned', { unsigned: true });
      await refused('mismatch', { keys: { id: DEFAULT_KEY.accessKeyId, secret: 'not-the-secret' } }, /signature we calculated does not match/);
      await refused('unknownKey', { keys: { id: 'AKIAUNKNOWNKEY000000', secret: 'whatever' } }, /security token included in the request is invalid/);
    });

    test('clock skew beyond 15 minutes either side', async () => {
      await refused('mismatch', { signingDate: new Date(Date.now() - 16 * 60_000) }, /Signature expired/);
      await refused('mismatch', { signingDate: new Date(Date.now() + 16 * 60_000) }, /Signature not yet current/);
    });

    test('a changed body or host after signing', async () => {
      const changed = typeof protocol.body === 'string' ? `${protocol.body} ` : Buffer.from(cbor.serialize({ Namespace: 'x' }));
      await refused('bodyHash', { tamper: { body: changed } });
      const port = new URL(wharf.endpoint).port;
      await refused('mismatch', { tamper: { host: `localhost:${port}` } });
    });

    test('temporary credentials without their token, or with another session token', async () => {
      await refused('unknownKey', { keys: temporary });
      await refused('unknownKey', { keys: temporary, sessionToken: otherToken });
    });

    test('a scope naming another service, or a region that does not exist', async () => {
      await refused('scope', { service: 's3' }, new RegExp(`Credential should be scoped to correct service: '${protocol.service}'`));
      await refused('scope', { region: 'xx-bogus-9' }, /Credential should be scoped to a valid region/);
      if (protocol.family === 'json') {
        await refused('scope', { service: 'sts' }, /Credential should be scoped to correct service/);
      } else {
        // The Query services are told apart by the scope: signed for STS, an IAM action is not STS's.
        const response = await send({ service: 'sts' });
        assert.equal(queryCode(response), 'InvalidAction');
        assert.equal(response.status, 400);
      }
    });

    test('X-Amz-Target, the content type and x-amz-* headers left out of SignedHeaders; UNSIGNED-PAYLOAD', async () => {
      if (protocol.target) await refused('incomplete', { unsignedHeaders: ['x-amz-target'] }, /'X-Amz-Target' must be a 'SignedHeader'/);
      await refused('incomplete', { unsignedHeaders: ['content-type'] }, /'Content-Type' must be a 'SignedHeader'/);
      await refused('incomplete', { headers: { 'x-amz-probe': 'a' }, unsignedHeaders: ['x-amz-probe'] }, /'X-Amz-Probe' must be a 'SignedHeader'/);
      // The security token may go unsigned (AWS documents services that take it so), but only with its own key.
      assert.equal((await send({ keys: temporary, sessionToken: temporary.token, unsignedHeaders: ['x-amz-security-token'] })).status, 200);
      await refused('unknownKey', { keys: temporary, sessionToken: otherToken, unsignedHeaders: ['x-amz-security-token'] });
      await refused('mismatch', { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, tamper: { body: protocol.body } });
    });
  });
}

describe('signature probes: the registry (/v2, Basic auth with ECR tokens)', () => {
  test('no credentials, a wrong password, a forged user: 401; an ECR token: 200', async () => {
    const v2 = `${wharf.endpoint}/v2/`;
    const none = await fetch(v2);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic /);
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    assert.equal((await fetch(v2, { headers: basic('AWS', 'not-a-token') })).status, 401);
    const token = (await new ECRClient(sdk()).send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
    const [user, password] = Buffer.from(token, 'base64').toString('utf8').split(':') as [string, string];
    assert.equal((await fetch(v2, { headers: basic('someone', password) })).status, 401);
    assert.equal((await fetch(v2, { headers: basic(user, `${password.slice(0, -2)}xx`) })).status, 401);
    assert.equal((await fetch(v2, { headers: basic(user, password) })).status, 200);
  });
});

describe('signature probes: the admin endpoints (/_wharf: loopback, or the admin key pair)', () => {
  const offLoopback = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

  test('from loopback a reset is allowed; health is open', async () => {
    assert.equal((await fetch(`${wharf.endpoint}/_wharf/health`)).status, 200);
  });

  test('from off loopback: unsigned or with temporary credentials refused, the admin key pair allowed', { skip: !offLoopback && 'no non-loopback IPv4 address' }, async () => {
    const endpoint = `http://${offLoopback}:${new URL(wharf.endpoint).port}`;
    const unsigned = await fetch(`${endpoint}/_wharf/spot-interruption`, { method: 'POST', body: '{}' });
    assert.equal(unsigned.status, 403);
    assert.equal((await unsigned.json() as { __type: string }).__type, 'AccessDeniedException');
    // A session (task role, AssumeRole) is never admin, even signed correctly.
    const session = await signedRequest(endpoint, { body: '{}', path: '/_wharf/spot-interruption', keys: temporary, sessionToken: temporary.token });
    assert.equal(session.status, 403);
    const forged = await signedRequest(endpoint, { body: '{}', path: '/_wharf/spot-interruption', keys: { id: DEFAULT_KEY.accessKeyId, secret: 'wrong' } });
    assert.equal(forged.status, 403);
    // The admin key pair gets past the rule (to the endpoint's own checks of the body).
    const admin = await signedRequest(endpoint, { body: '{}', path: '/_wharf/spot-interruption' });
    assert.notEqual(admin.status, 403, admin.body);
  });
});

describe('signature probes: the task endpoint (169.254.170.2)', () => {
  test('credentials and metadata only for a task calling from its own address; the API behind it still wants signatures', async (t) => {
    const { stdout } = await promisify(execFile)('ss', ['-Hltnp']).catch(() => ({ stdout: '' }));
    const line = stdout.split('\n').find((row) => row.includes('169.254.170.2:') && row.includes(`pid=${process.pid},`));
    if (!line) return t.skip('the task endpoint is not listening here (needs root and iptables)');
    const endpoint = `http://${/169\.254\.170\.2:\d+/.exec(line)![0]}`;
    const credentials = await fetch(`${endpoint}/v2/credentials/${'0'.repeat(36)}`);
    assert.ok(credentials.status >= 400 && credentials.status < 500, String(credentials.status));
    assert.doesNotMatch(await credentials.text(), /SecretAccessKey/);
    const metadata = await fetch(`${endpoint}/v4/${'0'.repeat(32)}`);
    assert.ok(metadata.status >= 400 && metadata.status < 500, String(metadata.status));
    const unsigned = await signedRequest(endpoint, { target: 'AmazonEC2ContainerServiceV20141113.ListClusters', body: '{}', unsigned: true });
    assert.equal(unsigned.status, 403);
    assert.equal(jsonCode(unsigned), 'MissingAuthenticationTokenException');
    const scoped = await signedRequest(endpoint, { target: 'AmazonEC2ContainerServiceV20141113.ListClusters', body: '{}', service: 'sts' });
    assert.equal(jsonCode(scoped), 'InvalidSignatureException');
    const signed = await signedRequest(endpoint, { target: 'AmazonEC2ContainerServiceV20141113.ListClusters', body: '{}', keys: temporary, sessionToken: temporary.token });
    assert.equal(signed.status, 200, signed.body);
  });
});
