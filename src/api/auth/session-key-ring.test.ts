import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SessionCredentials, SessionIdentity } from '../../ports/session-credentials.js';
import { StaticKeyRing } from './key-ring.js';
import { SessionKeyRing, sessionPrincipal } from './session-key-ring.js';
import { AuthFailure, SigV4Verifier } from './sigv4.js';

const now = new Date('2030-01-01T12:00:00Z');
const identity: SessionIdentity = { account: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/app/ecsTaskRole', sessionName: 'task-1' };

/** One known session, as an adapter would verify it. */
const sessions = (expiration: Date): SessionCredentials => ({
  mint: () => assert.fail('not used'),
  verify: (id, token) => (id === 'ASIAAAAAAAAAAAAAAAAA' && token === 'good-token' ? { identity, secretAccessKey: 'derived-secret', expiration } : undefined),
});
const configured = new StaticKeyRing([{ accessKeyId: 'AKIAWHARFLOCAL000001', secretAccessKey: 'static', account: '123456789012', admin: true }]);

async function signed(keys: { id: string; secret: string; token?: string }, signToken = true) {
  const signer = new SignatureV4({ credentials: { accessKeyId: keys.id, secretAccessKey: keys.secret, ...(keys.token && signToken ? { sessionToken: keys.token } : {}) }, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const request = await signer.sign({ method: 'POST', protocol: 'http:', hostname: 'localhost', path: '/', query: {}, headers: { host: 'localhost', 'content-type': 'application/x-www-form-urlencoded' }, body }, { signingDate: now });
  const headers: Record<string, string> = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
  if (keys.token && !signToken) headers['x-amz-security-token'] = keys.token;
  return { method: 'POST', url: '/', headers, body: Buffer.from(body) };
}

test('a session key verifies with its token and speaks for the assumed role in the role account', async () => {
  const verifier = new SigV4Verifier(new SessionKeyRing(configured, sessions(new Date(now.getTime() + 60_000))));
  const caller = await verifier.verify(await signed({ id: 'ASIAAAAAAAAAAAAAAAAA', secret: 'derived-secret', token: 'good-token' }), now);
  assert.equal(caller.key.account, '210987654321');
  assert.equal(caller.key.principalArn, 'arn:aws:sts::210987654321:assumed-role/ecsTaskRole/task-1');
  // A client that sends the token without signing it is accepted too (the token is still checked).
  await verifier.verify(await signed({ id: 'ASIAAAAAAAAAAAAAAAAA', secret: 'derived-secret', token: 'good-token' }, false), now);
  // Configured keys are untouched, and they alone may be admin.
  assert.equal((await verifier.verify(await signed({ id: 'AKIAWHARFLOCAL000001', secret: 'static' }), now)).key.account, '123456789012');
  assert.equal(configured.lookup('ASIAAAAAAAAAAAAAAAAA'), undefined);
});

test('bad, missing or expired tokens and wrong secrets are refused with the right kind', async () => {
  const live = new SigV4Verifier(new SessionKeyRing(configured, sessions(new Date(now.getTime() + 60_000))));
  const refused = (kind: string, message?: string) => (error: unknown) => error instanceof AuthFailure && error.kind === kind && (message === undefined || error.message === message);
  await assert.rejects(live.verify(await signed({ id: 'ASIAAAAAAAAAAAAAAAAA', secret: 'derived-secret', token: 'forged' }), now), refused('unknown-key', 'The security token included in the request is invalid.'));
  await assert.rejects(live.verify(await signed({ id: 'ASIAAAAAAAAAAAAAAAAA', secret: 'derived-secret' }), now), refused('unknown-key'));
  await assert.rejects(live.verify(await signed({ id: 'ASIAAAAAAAAAAAAAAAAA', secret: 'guessed', token: 'good-token' }), now), refused('mismatch'));
  const over = new SigV4Verifier(new SessionKeyRing(configured, sessions(now)));
  await assert.rejects(over.verify(await signed({ id: 'ASIAAAAAAAAAAAAAAAAA', secret: 'derived-secret', token: 'good-token' }), now), refused('expired', 'The security token included in the request is expired'));
});

test('GetSessionToken sessions speak for the caller itself', () => {
  assert.equal(sessionPrincipal({ account: '123456789012', roleArn: 'arn:aws:iam::123456789012:root', sessionName: 'AKIA' }), 'arn:aws:iam::123456789012:root');
});
