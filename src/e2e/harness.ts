import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, type Service, type Task } from '@aws-sdk/client-ecs';
import { DEFAULT_KEY, loadConfig } from '../cli/config.js';
import { startWharf, type RunningWharf, type WharfParts } from '../main.js';
import { silentLogger } from '../ports/logger.js';

const run = promisify(execFile);

/** The aws CLI v2 the tests judge Wharf by (Debian's awscli package). */
export const AWS_CLI = '/usr/bin/aws';

export interface TestWharf {
  readonly endpoint: string;
  readonly dataDir: string;
  /** Runs `aws <args> --endpoint-url ... --output json` and parses stdout. */
  aws(args: readonly string[], options?: AwsOptions): Promise<any>;
  /** Like aws() but expects failure: returns exit code and stderr. */
  awsFails(args: readonly string[], options?: AwsOptions): Promise<{ code: number; stderr: string }>;
  ecs(region?: string, keys?: Keys): ECSClient;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

type Keys = { id: string; secret: string };
export interface AwsOptions {
  region?: string;
  keys?: Keys;
}

/** The aws CLI's environment: the given keys and region, and HOME set to `home` (no user config leaks in). */
export function awsCliEnv(home: string, options: AwsOptions = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: options.keys?.id ?? DEFAULT_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.keys?.secret ?? DEFAULT_KEY.secretAccessKey,
    AWS_DEFAULT_REGION: options.region ?? 'us-east-1',
    AWS_PAGER: '',
  };
}

/** `aws <args> --endpoint-url <endpoint> --output json`, in awsCliEnv. */
function runAwsCli(endpoint: string, home: string, args: readonly string[], options: AwsOptions = {}) {
  return run(AWS_CLI, [...args, '--endpoint-url', endpoint, '--output', 'json'], { env: awsCliEnv(home, options), maxBuffer: 16 * 1024 * 1024 });
}

/** Runs the aws CLI against the Wharf at `endpoint` and parses what it prints. */
export async function awsAt(endpoint: string, home: string, args: readonly string[], options?: AwsOptions): Promise<any> {
  const { stdout } = await runAwsCli(endpoint, home, args, options);
  return stdout.trim() ? JSON.parse(stdout) : {};
}

/** What every SDK client of these tests is built with: the Wharf's endpoint, the default key unless `keys`, no retries. */
interface SdkClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

/**
 * An SDK client of any service (`new Client(...)`, e.g. SSMClient) for the Wharf
 * at `wharf.endpoint`, signed with the default key unless `keys`, with no
 * retries: a test sees every answer.
 */
export function sdkClient<C>(Client: new (config: SdkClientConfig) => C, wharf: { readonly endpoint: string }, region = 'us-east-1', keys?: Keys): C {
  return new Client({
    endpoint: wharf.endpoint,
    region,
    credentials: { accessKeyId: keys?.id ?? DEFAULT_KEY.accessKeyId, secretAccessKey: keys?.secret ?? DEFAULT_KEY.secretAccessKey },
    maxAttempts: 1,
  });
}

/** An SDK ECS client for the Wharf at `endpoint` (no retries: a test sees every answer). */
export function ecsClientAt(endpoint: string, region = 'us-east-1', keys?: Keys): ECSClient {
  return sdkClient(ECSClient, { endpoint }, region, keys);
}

/** The SDK's error for a call expected to fail, as "Name: message"; throws if the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  throw new Error('expected the call to fail');
}

/** One service, described through the SDK (quick enough to poll). */
export async function describeOneService(ecs: ECSClient, cluster: string, service: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0]!;
}

/** A service's tasks with the given desired status, described through the SDK. */
export async function serviceTasksOf(ecs: ECSClient, cluster: string, service: string, desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<Task[]> {
  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus }));
  if (!taskArns?.length) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks!;
}

/** What `aws ecs wait services-stable` waits for, plus a COMPLETED rollout and nothing pending. */
export function isSteady(service: Service): boolean {
  return service.deployments?.length === 1 && service.deployments[0]!.rolloutState === 'COMPLETED' && service.runningCount === service.desiredCount && service.pendingCount === 0;
}

/** Starts a real Wharf on an ephemeral loopback port with its own data directory. */
export async function startTestWharf(wharfEnv: NodeJS.ProcessEnv = {}, parts: WharfParts = {}): Promise<TestWharf> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-e2e-'));
  const config = loadConfig({ port: '0', 'data-dir': dataDir }, wharfEnv);
  let wharf: RunningWharf = await startWharf(config, silentLogger, undefined, parts);
  let port = wharf.port;

  const endpoint = () => `http://127.0.0.1:${port}`;

  return {
    get endpoint() {
      return endpoint();
    },
    dataDir,
    aws: (args, options) => awsAt(endpoint(), dataDir, args, options),
    async awsFails(args, options) {
      try {
        const { stdout } = await runAwsCli(endpoint(), dataDir, args, options);
        throw new Error(`expected aws ${args.join(' ')} to fail, it printed ${stdout}`);
      } catch (error) {
        const failure = error as { code?: number; stderr?: string };
        if (typeof failure.code !== 'number') throw error;
        return { code: failure.code, stderr: failure.stderr ?? '' };
      }
    },
    ecs: (region, keys) => ecsClientAt(endpoint(), region, keys),
    async restart() {
      await wharf.close();
      wharf = await startWharf(loadConfig({ port: String(port), 'data-dir': dataDir }, wharfEnv), silentLogger, undefined, parts);
      port = wharf.port;
    },
    async stop() {
      // Reset removes the containers of this Wharf's tasks before it goes.
      await fetch(`${endpoint()}/_wharf/reset`, { method: 'POST' });
      await wharf.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const WHARF_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'wharf.js');

/**
 * Starts `wharf up` as a child process (so a test can kill -9 it) on `port`
 * (0: an ephemeral one) with `dataDir`; resolves once it listens.
 */
export function spawnWharf(dataDir: string, port: number, wharfEnv: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, [WHARF_BIN, 'up', '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WHARF_LOG_LEVEL: 'warn', ...wharfEnv },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, endpoint: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`wharf exited with ${code}: ${output}`)));
  });
}

/**
 * Runs a boto3 script against `wharf` and parses the JSON it prints with
 * `out(value)`. `client(name)` makes a client of that service at Wharf with
 * the default key pair and no retries; `err(call)` returns a ClientError's
 * [code, message] (or None). `prelude` lines run first (a protocol choice).
 */
export async function boto3(wharf: { readonly endpoint: string; readonly dataDir: string }, script: string, prelude: readonly string[] = []): Promise<any> {
  const program = [
    'import boto3, json, datetime, botocore.config, botocore.exceptions, botocore.model',
    ...prelude,
    'def client(name):',
    `    return boto3.client(name, endpoint_url=${JSON.stringify(wharf.endpoint)}, region_name='us-east-1', aws_access_key_id=${JSON.stringify(DEFAULT_KEY.accessKeyId)}, aws_secret_access_key=${JSON.stringify(DEFAULT_KEY.secretAccessKey)}, config=botocore.config.Config(retries={'max_attempts': 1}))`,
    'def err(call):',
    '    try:',
    '        call()',
    '    except botocore.exceptions.ClientError as e:',
    "        return [e.response['Error']['Code'], e.response['Error']['Message']]",
    'def out(value): print(json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else repr(v)))',
    script.trim(),
  ].join('\n');
  const { stdout } = await run('python3', ['-c', program], { env: { ...process.env, HOME: wharf.dataDir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
  return JSON.parse(stdout);
}

/** The seed guide's task-definition.json, verbatim. */
export const SEED_TASK_DEFINITION = {
  family: 'my-app',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '512',
  memory: '1024',
  executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
  taskRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskRole',
  containerDefinitions: [
    {
      name: 'app',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:latest',
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': '/ecs/my-app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' },
      },
      environment: [{ name: 'NODE_ENV', value: 'production' }],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password' }],
      healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], interval: 30, timeout: 5, retries: 3 },
    },
  ],
};

/**
 * A raw signed request, for inputs the real clients refuse to send
 * (malformed JSON, wrong types, expired dates).
 */
export async function signedRequest(
  endpoint: string,
  options: {
    target?: string;
    body: string | Buffer;
    contentType?: string;
    region?: string;
    service?: string;
    signingDate?: Date;
    keys?: { id: string; secret: string };
    unsigned?: boolean;
    /** The request path (default `/`): RPC v2 CBOR names the operation there. */
    path?: string;
    /** More headers, signed unless named in `unsignedHeaders`. */
    headers?: Record<string, string>;
    /** Temporary credentials' token, sent (and signed) as x-amz-security-token. */
    sessionToken?: string;
    /** Headers present on the request but left out of SignedHeaders. */
    unsignedHeaders?: readonly string[];
    /** Changes made after signing, as an attacker replaying a captured request would. */
    tamper?: { body?: string | Buffer; host?: string };
  },
): Promise<{ status: number; body: string; bytes: Buffer; headers: Headers }> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Hash } = await import('@smithy/hash-node');
  const url = new URL(endpoint);
  const path = options.path ?? '/';
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': options.contentType ?? 'application/x-amz-json-1.1',
    ...(options.target ? { 'x-amz-target': options.target } : {}),
    ...(options.sessionToken ? { 'x-amz-security-token': options.sessionToken } : {}),
    ...options.headers,
  };
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  if (!options.unsigned) {
    const signer = new SignatureV4({
      credentials: { accessKeyId: options.keys?.id ?? DEFAULT_KEY.accessKeyId, secretAccessKey: options.keys?.secret ?? DEFAULT_KEY.secretAccessKey },
      region: options.region ?? 'us-east-1',
      service: options.service ?? 'ecs',
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: {}, headers, body },
      { signingDate: options.signingDate ?? new Date(), ...(options.unsignedHeaders ? { unsignableHeaders: new Set(options.unsignedHeaders) } : {}) },
    );
    Object.assign(headers, signed.headers);
  }
  // fetch sets Host from the URL; a changed host is sent over a raw request instead.
  const sentBody = options.tamper?.body === undefined ? body : typeof options.tamper.body === 'string' ? Buffer.from(options.tamper.body) : options.tamper.body;
  if (options.tamper?.host !== undefined) return rawPost(url, path, { ...headers, host: options.tamper.host }, sentBody);
  delete headers.host;
  const response = await fetch(endpoint + path, { method: 'POST', headers, body: new Uint8Array(sentBody) });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body: bytes.toString('utf8'), bytes, headers: response.headers };
}

async function rawPost(url: URL, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string; bytes: Buffer; headers: Headers }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: Number(url.port), path, method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') out.set(name, value);
        resolve({ status: res.statusCode ?? 0, body: bytes.toString('utf8'), bytes, headers: out });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls `read` until `done` holds, failing with the last value after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last, null, 1)?.slice(0, 2000)}`);
}

/** Runs the docker CLI and returns stdout. */
export async function docker(args: readonly string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * The URL a load balancer's listener is served at on this host (its bound
 * address, not the DNS name: not every resolver sends *.localhost to
 * loopback), once Wharf serves it.
 */
export async function servedListenerUrl(wharf: { readonly endpoint: string }, loadBalancerName: string, port?: number): Promise<string> {
  const listeners = await waitFor(
    async () => ((await (await fetch(`${wharf.endpoint}/_wharf/load-balancers`)).json()) as { listeners: { loadBalancerName: string; port: number; boundHost: string; boundPort: number }[] }).listeners,
    (all) => all.some((l) => l.loadBalancerName === loadBalancerName && (port === undefined || l.port === port)),
    30_000,
    `the listener of ${loadBalancerName} served`,
  );
  const listener = listeners.find((l) => l.loadBalancerName === loadBalancerName && (port === undefined || l.port === port))!;
  return `http://${listener.boundHost}:${listener.boundPort}`;
}
