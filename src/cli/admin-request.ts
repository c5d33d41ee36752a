import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { DEFAULT_KEY } from './config.js';

/**
 * Headers for a call to Wharf's admin endpoints (`/_wharf/*`), signed with the
 * environment's key pair (or the default one), so a Wharf that is not on
 * loopback accepts the call from an admin key; loopback needs none.
 */
export async function signedAdminHeaders(method: string, url: URL, body: string, region: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const fromEnv = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  const signer = new SignatureV4({
    credentials: fromEnv
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey },
    region,
    service: 'ecs',
    sha256: Hash.bind(null, 'sha256'),
  });
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/json' };
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers,
    body,
  });
  const { host: _host, ...rest } = signed.headers;
  return rest;
}
