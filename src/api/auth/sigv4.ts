import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isKnownRegion } from '../../domain/regions.js';
import { sha256Hex, SigV4Signer } from './sigv4-signature.js';

/**
 * SigV4 verification: compute the signature the caller's key gives this
 * request (`sigv4-signature.ts`, canonicalizing as the AWS SDK's signer
 * does) and compare it with the one sent. Only the
 * headers the client says it signed take part, so proxies adding headers do
 * not break a valid request.
 */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly account: string;
  /** Present for temporary credentials (task roles); must come back as x-amz-security-token. */
  readonly sessionToken?: string;
  readonly expiresAt?: Date;
  readonly principalArn?: string;
}

export interface KeyRing {
  /**
   * The key behind an access key id; temporary keys (ASIA...) also need the
   * session token the request carries. `expiresAt` is checked by the verifier.
   */
  lookup(accessKeyId: string, sessionToken?: string): AccessKey | undefined;
}

export interface SignedRequest {
  readonly method: string;
  /** The raw request target, path and query string as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Caller {
  readonly key: AccessKey;
  readonly region: string;
  readonly service: string;
}

export type AuthFailureKind = 'missing' | 'incomplete' | 'unknown-key' | 'mismatch' | 'expired' | 'body-hash' | 'scope';

/** What the addressed service demands of a signature beyond its validity. */
export interface VerifyExpectations {
  /** The signing name of the service the request addresses: the scope must name it. */
  readonly service?: string;
  /** Headers that must be signed when present (X-Amz-Target, Content-Type), lower case. */
  readonly signedWhenPresent?: readonly string[];
  /** Only S3 takes `x-amz-content-sha256: UNSIGNED-PAYLOAD`; everywhere else the body is signed. */
  readonly allowUnsignedPayload?: boolean;
}

export class AuthFailure extends Error {
  constructor(readonly kind: AuthFailureKind, message: string) {
    super(message);
    this.name = 'AuthFailure';
  }
}

/** AWS accepts a signature for 15 minutes either side of its own clock. */
const ALLOWED_SKEW_MS = 15 * 60 * 1000;

const AUTH_PATTERN = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const CREDENTIAL_PATTERN = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Reads the credential scope without verifying anything: routing needs the service name first. */
export function credentialScope(headers: IncomingHttpHeaders): { region: string; service: string } | undefined {
  const match = AUTH_PATTERN.exec(String(headers.authorization ?? ''));
  const scope = match && CREDENTIAL_PATTERN.exec(match[1]!);
  return scope ? { region: scope[3]!, service: scope[4]! } : undefined;
}

export class SigV4Verifier {
  private readonly signer = new SigV4Signer();

  constructor(private readonly keys: KeyRing) {}

  async verify(request: SignedRequest, now: Date, expect: VerifyExpectations = {}): Promise<Caller> {
    const authorization = request.headers.authorization;
    if (authorization === undefined) throw new AuthFailure('missing', 'Missing Authentication Token');
    const match = AUTH_PATTERN.exec(String(authorization));
    if (!match) {
      throw new AuthFailure('incomplete', `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters, with algorithm AWS4-HMAC-SHA256. Authorization=${String(authorization).split(/\s/)[0]}`);
    }
    const [, credential, signedHeaderList, signature] = match as unknown as [string, string, string, string];
    const scope = CREDENTIAL_PATTERN.exec(credential);
    if (!scope) throw new AuthFailure('incomplete', `Credential should be scoped to a valid region, service and aws4_request terminator. Credential=${credential}`);
    const [, accessKeyId, scopeDate, region, service] = scope as unknown as [string, string, string, string, string];

    const amzDate = String(request.headers['x-amz-date'] ?? '');
    const dateMatch = AMZ_DATE_PATTERN.exec(amzDate);
    if (!dateMatch) throw new AuthFailure('incomplete', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (amzDate.slice(0, 8) !== scopeDate) {
      throw new AuthFailure('mismatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
    }
    // AWS checks the scope before the key: a scope for another service or a made-up region is refused outright.
    if (expect.service !== undefined && service !== expect.service) {
      throw new AuthFailure('scope', `Credential should be scoped to correct service: '${expect.service}'. `);
    }
    if (!isKnownRegion(region)) throw new AuthFailure('scope', 'Credential should be scoped to a valid region. ');
    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host')) throw new AuthFailure('incomplete', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    // An unsigned X-Amz-Target would let a captured request be re-targeted (DescribeSecret -> DeleteSecret, same body);
    // an unsigned x-amz-* header (the security token, the content hash) could be swapped the same way.
    // The security token is the exception AWS documents (some services take it added after signing);
    // it cannot be swapped anyway: it must belong to the access key that signed.
    for (const name of expect.signedWhenPresent ?? []) {
      if (request.headers[name] !== undefined && !signedHeaders.includes(name)) throw unsignedHeader(name);
    }
    for (const name in request.headers) {
      if (name.startsWith('x-amz-') && name !== 'x-amz-security-token' && request.headers[name] !== undefined && !signedHeaders.includes(name)) throw unsignedHeader(name);
    }

    const sessionToken = securityToken(request);
    const key = this.keys.lookup(accessKeyId, sessionToken);
    if (!key) throw new AuthFailure('unknown-key', 'The security token included in the request is invalid.');
    if (key.sessionToken !== undefined && sessionToken !== key.sessionToken) {
      throw new AuthFailure('unknown-key', 'The security token included in the request is invalid.');
    }

    const signingDate = new Date(Date.UTC(+dateMatch[1]!, +dateMatch[2]! - 1, +dateMatch[3]!, +dateMatch[4]!, +dateMatch[5]!, +dateMatch[6]!));
    const skew = now.getTime() - signingDate.getTime();
    if (skew > ALLOWED_SKEW_MS) {
      throw new AuthFailure('expired', `Signature expired: ${amzDate} is now earlier than ${compactDate(new Date(now.getTime() - ALLOWED_SKEW_MS))} (${compactDate(now)} - 15 min.)`);
    }
    if (-skew > ALLOWED_SKEW_MS) {
      throw new AuthFailure('expired', `Signature not yet current: ${amzDate} is still later than ${compactDate(new Date(now.getTime() + ALLOWED_SKEW_MS))} (${compactDate(now)} + 15 min.)`);
    }
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) {
      throw new AuthFailure('expired', 'The security token included in the request is expired');
    }

    const declaredHash = request.headers['x-amz-content-sha256'];
    if (declaredHash === 'UNSIGNED-PAYLOAD' && !expect.allowUnsignedPayload) {
      // Outside S3 the service hashes the body itself, so a signature over UNSIGNED-PAYLOAD never matches.
      throw new AuthFailure('mismatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
    }
    let bodyHash: string | undefined;
    if (typeof declaredHash === 'string' && declaredHash !== 'UNSIGNED-PAYLOAD' && /^[0-9a-f]{64}$/.test(declaredHash)) {
      bodyHash = sha256Hex(request.body);
      if (bodyHash !== declaredHash) throw new AuthFailure('body-hash', 'The provided x-amz-content-sha256 header does not match what was computed.');
    }

    // The instant as the SDK's signer would print it: the header itself, unless a field overflowed (month 13) and the date moved.
    const exact = signingDate.getUTCFullYear() === +dateMatch[1]! && signingDate.getUTCMonth() + 1 === +dateMatch[2]! && signingDate.getUTCDate() === +dateMatch[3]! && signingDate.getUTCHours() === +dateMatch[4]! && signingDate.getUTCMinutes() === +dateMatch[5]! && signingDate.getUTCSeconds() === +dateMatch[6]!;
    const expected = this.expectedSignature(request, key, region, service, signedHeaders, exact ? amzDate : compactDate(signingDate), bodyHash);
    const given = Buffer.from(signature, 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new AuthFailure('mismatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
    }
    return { key, region, service };
  }

  private expectedSignature(request: SignedRequest, key: AccessKey, region: string, service: string, signedHeaders: string[], longDate: string, bodyHash: string | undefined): Buffer {
    // No session token here: it is part of the canonical request only when the client signed the header.
    return this.signer.signatureBytes({
      method: request.method,
      url: request.url,
      headers: request.headers,
      signedHeaders,
      longDate,
      region,
      service,
      secretAccessKey: key.secretAccessKey,
      body: request.body,
      ...(bodyHash !== undefined ? { bodyHash } : {}),
    });
  }
}

/** The session token of temporary credentials: the header, or the query parameter of a presigned URL. */
function securityToken(request: SignedRequest): string | undefined {
  const header = request.headers['x-amz-security-token'];
  if (typeof header === 'string') return header;
  const mark = request.url.indexOf('?');
  return mark < 0 ? undefined : (new URLSearchParams(request.url.slice(mark + 1)).get('X-Amz-Security-Token') ?? undefined);
}

function unsignedHeader(name: string): AuthFailure {
  return new AuthFailure('incomplete', `'${canonicalName(name)}' must be a 'SignedHeader' in the AWS Authorization.`); // unverified wording
}

/** `x-amz-target` -> `X-Amz-Target`, as AWS names headers in its messages. */
function canonicalName(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

function compactDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
