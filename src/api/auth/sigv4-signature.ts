import { createHmac, hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The SigV4 signature of a request as received, computed in one pass: the
 * canonical request is built once from the raw URL and the headers the
 * client signed, the body is hashed once, and the signing key is derived
 * once per (secret, date, region, service), as the SDKs cache it. It
 * canonicalizes exactly as the AWS SDK's own signer does (sigv4-signature.test.ts
 * holds the two equal over random requests), so any client the SDK signs for
 * verifies here.
 */
export interface SignatureInput {
  readonly method: string;
  /** The raw request target, path and query string as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Lower-case names from the Authorization header's SignedHeaders. */
  readonly signedHeaders: readonly string[];
  /** `YYYYMMDDTHHMMSSZ` of the signing instant. */
  readonly longDate: string;
  readonly region: string;
  readonly service: string;
  readonly secretAccessKey: string;
  /** The body's SHA-256 in hex when the caller has it already (it checked x-amz-content-sha256). */
  readonly bodyHash?: string;
  readonly body: Buffer;
}

/** Signing keys last a day and are the same for every request of that day: keep the recent ones. */
const SIGNING_KEY_CACHE_SIZE = 64;

export class SigV4Signer {
  private readonly signingKeys = new Map<string, Buffer>();

  /** The hex signature the client must have sent. */
  signature(input: SignatureInput): string {
    return this.signatureBytes(input).toString('hex');
  }

  /** The same signature as its 32 bytes, for a verifier to compare with what was sent without a round trip through hex. */
  signatureBytes(input: SignatureInput): Buffer {
    const shortDate = input.longDate.slice(0, 8);
    const scope = `${shortDate}/${input.region}/${input.service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${input.longDate}\n${scope}\n${sha256Hex(canonicalRequest(input))}`;
    return createHmac('sha256', this.signingKey(input.secretAccessKey, shortDate, input.region, input.service)).update(stringToSign).digest();
  }

  private signingKey(secret: string, shortDate: string, region: string, service: string): Buffer {
    const cacheKey = `${shortDate}\n${region}\n${service}\n${secret}`;
    const cached = this.signingKeys.get(cacheKey);
    if (cached) return cached;
    let key: Buffer = Buffer.from(`AWS4${secret}`, 'utf8');
    for (const part of [shortDate, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    // Oldest first out: a Map iterates in insertion order.
    if (this.signingKeys.size >= SIGNING_KEY_CACHE_SIZE) this.signingKeys.delete(this.signingKeys.keys().next().value!);
    this.signingKeys.set(cacheKey, key);
    return key;
  }
}

/** SHA-256 in hex, one shot: `crypto.hash` builds no Hash object for the collector to finalize. */
export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

/**
 * The canonical request. As the SDK's signer does when asked to re-sign:
 * `authorization` and `date` are dropped even if listed, `x-amz-date` is
 * always in (with the signing instant), and `x-amz-content-sha256`, when
 * signed, stands for the body's hash.
 */
export function canonicalRequest(input: SignatureInput): string {
  const names: string[] = [];
  const lines: string[] = [];
  let payloadHash: string | undefined;
  let dated = false;
  const sorted = input.signedHeaders.includes('x-amz-date') ? [...input.signedHeaders] : [...input.signedHeaders, 'x-amz-date'];
  sorted.sort();
  let previous: string | undefined;
  for (const name of sorted) {
    if (name === previous || name === 'authorization' || name === 'date') continue;
    previous = name;
    let value: string;
    if (name === 'x-amz-date') {
      if (dated) continue;
      dated = true;
      value = input.longDate;
    } else {
      const raw = input.headers[name];
      if (raw === undefined) continue;
      value = Array.isArray(raw) ? raw.join(',') : raw;
      if (name === 'x-amz-content-sha256') payloadHash = value;
      value = canonicalHeaderValue(value);
    }
    names.push(name);
    lines.push(`${name}:${value}\n`);
  }
  const mark = input.url.indexOf('?');
  const path = mark < 0 ? input.url : input.url.slice(0, mark);
  const query = mark < 0 ? '' : canonicalQuery(input.url.slice(mark + 1));
  payloadHash ??= input.bodyHash ?? sha256Hex(input.body);
  return `${input.method}\n${canonicalPath(path)}\n${query}\n${lines.join('')}\n${names.join(';')}\n${payloadHash}`;
}

const SIMPLE_VALUE = /^[^\r\n\t]*$/;

function canonicalHeaderValue(value: string): string {
  // The common case (no CR, LF, tab, doubled or edge spaces) needs no rewriting.
  if (SIMPLE_VALUE.test(value) && !value.includes('  ') && value[0] !== ' ' && value[value.length - 1] !== ' ') return value;
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

const PLAIN_PATH = /^\/[A-Za-z0-9\-_.~/]*$/;

/** The path with `.`, `..` and empty segments resolved, URI-escaped once more (the SDK escapes what it is given). */
function canonicalPath(path: string): string {
  if (path === '/') return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  if (PLAIN_PATH.test(normalized) && !normalized.includes('//')) return normalized;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/** Parameters decoded, re-escaped, sorted by name and then (for repeats) by value; X-Amz-Signature left out. */
function canonicalQuery(search: string): string {
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(search)) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    const key = escapeUri(name);
    const list = values.get(key);
    if (list) list.push(escapeUri(value));
    else values.set(key, [escapeUri(value)]);
  }
  return [...values.keys()]
    .sort()
    .map((key) => values.get(key)!.map((value) => `${key}=${value}`).sort().join('&'))
    .join('&');
}

function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
