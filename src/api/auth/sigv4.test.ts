import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthFailure, SigV4Verifier, type AccessKey, type SignedRequest, type VerifyExpectations } from './sigv4.js';

const KEY: AccessKey = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', account: '123456789012' };
const verifier = new SigV4Verifier({ lookup: (id) => (id === KEY.accessKeyId ? KEY : undefined) });
const NOW = new Date('2026-01-01T00:00:00Z');

async function sign(options: { service?: string; region?: string; headers?: Record<string, string>; unsignable?: string[]; body?: string }): Promise<SignedRequest> {
  const headers: Record<string, string> = { host: 'localhost:4566', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DescribeSecret', ...options.headers };
  const signer = new SignatureV4({ credentials: KEY, region: options.region ?? 'us-east-1', service: options.service ?? 'secretsmanager', sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  const body = options.body ?? '{"SecretId":"a"}';
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: 'localhost', port: 4566, path: '/', query: {}, headers, body },
    { signingDate: NOW, unsignableHeaders: new Set(options.unsignable ?? []) },
  );
  return { method: 'POST', url: '/', headers: signed.headers as Record<string, string>, body: Buffer.from(body) };
}

async function refusal(request: SignedRequest, expect: VerifyExpectations): Promise<AuthFailure> {
  try {
    await verifier.verify(request, NOW, expect);
  } catch (error) {
    assert.ok(error instanceof AuthFailure);
    return error;
  }
  assert.fail('the request was accepted');
}

const SECRETS: VerifyExpectations = { service: 'secretsmanager', signedWhenPresent: ['x-amz-target', 'content-type'] };

test('a well-signed request is accepted', async () => {
  const caller = await verifier.verify(await sign({}), NOW, SECRETS);
  assert.equal(caller.region, 'us-east-1');
});

test('a scope naming another service is refused', async () => {
  const failure = await refusal(await sign({ service: 'sts' }), SECRETS);
  assert.equal(failure.kind, 'scope');
  assert.equal(failure.message, "Credential should be scoped to correct service: 'secretsmanager'. ");
});

test('a region that does not exist is refused', async () => {
  const failure = await refusal(await sign({ region: 'xx-bogus-9' }), SECRETS);
  assert.equal(failure.kind, 'scope');
  assert.equal(failure.message, 'Credential should be scoped to a valid region. ');
  await verifier.verify(await sign({ region: 'cn-northwest-1' }), NOW, SECRETS);
});

test('X-Amz-Target, the content type and every x-amz-* header must be signed', async () => {
  const untargeted = await refusal(await sign({ unsignable: ['x-amz-target'] }), SECRETS);
  assert.equal(untargeted.kind, 'incomplete');
  assert.match(untargeted.message, /'X-Amz-Target' must be a 'SignedHeader'/);
  assert.equal((await refusal(await sign({ unsignable: ['content-type'] }), SECRETS)).kind, 'incomplete');
  assert.equal((await refusal(await sign({ headers: { 'x-amz-meta': 'a' }, unsignable: ['x-amz-meta'] }), SECRETS)).kind, 'incomplete');
});

test('UNSIGNED-PAYLOAD is refused outside S3', async () => {
  const request = await sign({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  assert.equal((await refusal({ ...request, body: Buffer.from('{"SecretId":"b"}') }, SECRETS)).kind, 'mismatch');
  // S3 (which Wharf does not serve) would take it.
  await verifier.verify(request, NOW, { ...SECRETS, allowUnsignedPayload: true });
});

test('a changed body, header or secret no longer verifies, and a declared body hash must match the body', async () => {
  const request = await sign({});
  assert.equal((await refusal({ ...request, body: Buffer.from('{"SecretId":"b"}') }, SECRETS)).kind, 'mismatch');
  assert.equal((await refusal({ ...request, headers: { ...request.headers, 'x-amz-target': 'secretsmanager.DeleteSecret' } }, SECRETS)).kind, 'mismatch');
  const otherSecret = new SigV4Verifier({ lookup: (id) => (id === KEY.accessKeyId ? { ...KEY, secretAccessKey: 'other' } : undefined) });
  await assert.rejects(otherSecret.verify(request, NOW, SECRETS), (error: unknown) => error instanceof AuthFailure && error.kind === 'mismatch');
  const hashed = await sign({ headers: { 'x-amz-content-sha256': '0'.repeat(64) } });
  assert.equal((await refusal(hashed, SECRETS)).kind, 'body-hash');
  // The same request verifies again and again (the signing key comes from the cache the second time).
  for (let i = 0; i < 3; i++) await verifier.verify(request, NOW, SECRETS);
});
