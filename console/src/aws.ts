/**
 * The AWS SDK clients the console calls Wharf with: every call goes to this page's own origin
 * and is signed with SigV4 by the SDK, with the key pair from the sign-in form.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256Js } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credentials } from './session';
import { reportConnection } from './connection';

export interface Clients {
  readonly ecs: ECSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly scaling: ApplicationAutoScalingClient;
  readonly ecr: ECRClient;
  readonly secrets: SecretsManagerClient;
  readonly sts: STSClient;
  readonly credentials: Credentials;
}

function config(credentials: Credentials) {
  return {
    endpoint: window.location.origin,
    region: credentials.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    // One attempt: the console polls again anyway, and a failure is shown at once.
    maxAttempts: 1,
  };
}

/** A middleware on every client: a call that reaches Wharf says it is up; a network failure that it is not. */
function watched<T extends { middlewareStack: { add: (m: any, o: any) => void } }>(client: T): T {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      try {
        const out = await next(args);
        reportConnection(true);
        return out;
      } catch (error) {
        reportConnection(!isNetworkError(error));
        throw error;
      }
    },
    { step: 'finalizeRequest', name: 'wharfConnectionWatch', priority: 'low' },
  );
  return client;
}

export function makeClients(credentials: Credentials): Clients {
  const c = config(credentials);
  return {
    ecs: watched(new ECSClient(c)),
    cloudwatch: watched(new CloudWatchClient(c)),
    logs: watched(new CloudWatchLogsClient(c)),
    elb: watched(new ElasticLoadBalancingV2Client(c)),
    scaling: watched(new ApplicationAutoScalingClient(c)),
    ecr: watched(new ECRClient(c)),
    secrets: watched(new SecretsManagerClient(c)),
    sts: watched(new STSClient(c)),
    credentials,
  };
}

/** Sign-in: the key pair is good when STS GetCallerIdentity, signed with it, answers. */
export async function verifyCredentials(credentials: Credentials): Promise<string> {
  const sts = new STSClient(config(credentials));
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  return identity.Arn ?? identity.Account ?? credentials.accessKeyId;
}

export function isNetworkError(error: unknown): boolean {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode) return false;
  return e?.name === 'TypeError' || /Failed to fetch|NetworkError|network|Load failed/i.test(e?.message ?? '');
}

/** An error in words, with what to do about it. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (isNetworkError(error)) return 'Wharf did not answer. Is it running? Start it with `bash scripts/up.sh`; this page reconnects by itself.';
  const code = e?.name ?? 'Error';
  const message = e?.message ?? String(error);
  switch (code) {
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
    case 'SignatureDoesNotMatch':
    case 'InvalidSignatureException':
    case 'IncompleteSignature':
      return `The key pair was refused (${code}: ${message}). Check the access key id and secret access key, then sign in again.`;
    case 'AccessDeniedException':
    case 'AccessDenied':
      return `Not allowed (${message}). Sign in with a key pair that may do this.`;
    case 'ThrottlingException':
      return 'Wharf asked to slow down; the page tries again shortly.';
    default:
      return `${code}: ${message}`;
  }
}

/**
 * A signed POST to one of Wharf's own endpoints (the Spot interruption), signed exactly as the
 * SDK signs an API call, so the admin endpoint checks the same key pair.
 */
export async function signedWharfPost(credentials: Credentials, path: string, body: unknown): Promise<unknown> {
  const url = new URL(path, window.location.origin);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region: credentials.region,
    service: 'ecs',
    sha256: Sha256Js,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body: text,
  });
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: text });
  } catch (error) {
    reportConnection(false);
    throw error;
  }
  reportConnection(true);
  const answer = (await response.json().catch(() => ({}))) as { __type?: string; message?: string };
  if (!response.ok) throw Object.assign(new Error(answer.message ?? `HTTP ${response.status}`), { name: answer.__type ?? 'Error', $metadata: { httpStatusCode: response.status } });
  return answer;
}
