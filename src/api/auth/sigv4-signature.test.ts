import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SigV4Signer } from './sigv4-signature.js';
import { seededRandom } from '../../domain/seeded-random.js';

/** A small deterministic generator, so a failure names its seed and comes back. */
const random = seededRandom;

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

const PATH_PIECES = ['a', 'Op', '.', '..', '', 'x%20y', 'caf%C3%A9', "it's", 'a+b', '~_-.', '(1)', '*', '%2F', 'é', 'q=1'];
const QUERY_NAMES = ['Action', 'Version', 'a b', 'X-Amz-Signature', 'x-amz-signature', 'é', 'k', 'K', 'a+b', "o'k"];
const QUERY_VALUES = ['', '1', 'x y', 'a%2Bb', '%E2%9C%93', "(*)!", 'DescribeClusters', '+', '~'];
const HEADER_VALUES = ['v', ' padded ', 'two  spaces', 'tab\there', 'a,b', 'application/x-amz-json-1.1', ''];

/** The signature the previous verifier computed: the SDK's signer re-signing the request as received. */
async function sdkSignature(request: { url: string; headers: Record<string, string>; signedHeaders: string[]; body: Buffer; date: Date; region: string; service: string }, secret: string): Promise<string> {
  const signer = new SignatureV4({ credentials: { accessKeyId: 'AKID', secretAccessKey: secret }, region: request.region, service: request.service, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  const headers: Record<string, string> = {};
  for (const name of request.signedHeaders) if (request.headers[name] !== undefined) headers[name] = request.headers[name]!;
  const mark = request.url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  if (mark >= 0) {
    for (const [name, value] of new URLSearchParams(request.url.slice(mark + 1))) {
      const existing = query[name];
      query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
  }
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: headers.host ?? '', path: mark < 0 ? request.url : request.url.slice(0, mark), query, headers, body: request.body },
    { signingDate: request.date, signableHeaders: new Set(request.signedHeaders), signingRegion: request.region, signingService: request.service },
  );
  const authorization = String((signed.headers as Record<string, string>).authorization);
  return authorization.slice(authorization.lastIndexOf('Signature=') + 10);
}

test('the signature equals the SDK signer re-signing the request, over random paths, queries, headers and bodies', async () => {
  const signer = new SigV4Signer();
  for (let seed = 1; seed <= 400; seed++) {
    const next = random(seed);
    const segments = Array.from({ length: Math.floor(next() * 5) }, () => pick(next, PATH_PIECES));
    let url = `/${segments.join('/')}${next() < 0.3 ? '/' : ''}`;
    if (next() < 0.6) {
      const params = Array.from({ length: 1 + Math.floor(next() * 4) }, () => `${encodeURIComponent(pick(next, QUERY_NAMES))}=${pick(next, QUERY_VALUES)}`);
      url += `?${params.join('&')}`;
    }
    const headers: Record<string, string> = { host: 'localhost:4566', 'x-amz-date': '20260101T000000Z', 'content-type': pick(next, HEADER_VALUES), 'x-amz-target': pick(next, ['ecs.A', 'x  y']) };
    if (next() < 0.3) headers['x-amz-meta'] = pick(next, HEADER_VALUES);
    if (next() < 0.3) headers['user-agent'] = 'sdk/1';
    if (next() < 0.2) headers.date = 'Thu, 01 Jan 2026 00:00:00 GMT';
    const body = Buffer.from(pick(next, ['', '{}', '{"cluster":"é"}', 'Action=X&Version=1']));
    if (next() < 0.3) headers['x-amz-content-sha256'] = next() < 0.5 ? 'UNSIGNED-PAYLOAD' : 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const names = Object.keys(headers).filter((name) => name === 'host' || next() < 0.8);
    if (next() < 0.2) names.push('authorization', 'missing-header');
    const signedHeaders = [...new Set(names)].sort();
    const region = pick(next, ['us-east-1', 'eu-west-3']);
    const service = pick(next, ['ecs', 'logs', 'sts']);
    const secret = pick(next, ['secret', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']);
    const date = new Date(Date.UTC(2026, 0, 1 + Math.floor(next() * 3)));
    const longDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const ours = signer.signature({ method: 'POST', url, headers, signedHeaders, longDate, region, service, secretAccessKey: secret, body });
    const theirs = await sdkSignature({ url, headers, signedHeaders, body, date, region, service }, secret);
    assert.equal(ours, theirs, `seed ${seed}: ${url} ${JSON.stringify(headers)} signed ${signedHeaders.join(';')}`);
  }
});

test('a cached signing key gives the same signature as a fresh one, and keys differ by date, region, service and secret', () => {
  const input = { method: 'POST', url: '/', headers: { host: 'h' }, signedHeaders: ['host'], longDate: '20260101T000000Z', region: 'us-east-1', service: 'ecs', secretAccessKey: 's', body: Buffer.from('{}') };
  const signer = new SigV4Signer();
  const first = signer.signature(input);
  assert.equal(signer.signature(input), first);
  assert.equal(new SigV4Signer().signature(input), first);
  const variants = [{ longDate: '20260102T000000Z' }, { region: 'us-west-2' }, { service: 'logs' }, { secretAccessKey: 't' }];
  const signatures = new Set(variants.map((change) => signer.signature({ ...input, ...change })));
  assert.equal(signatures.size, variants.length);
  assert.ok(!signatures.has(first));
  // Many more scopes than the cache holds: evicted keys are derived again, the same.
  for (let day = 1; day <= 200; day++) signer.signature({ ...input, region: `r-${day}` });
  assert.equal(signer.signature(input), first);
});
