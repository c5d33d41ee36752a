/**
 * What the registry tests share: a Wharf of their own, repositories and
 * registry passwords from the ECR API through the aws CLI, and the docker CLI
 * with a private config directory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KEY, loadConfig } from '../cli/config.js';
import { startWharf, type RunningWharf } from '../main.js';
import { silentLogger } from '../ports/logger.js';
import { AWS_CLI, awsAt } from './harness.js';

export interface RegistryWharf {
  readonly endpoint: string;
  /** `127.0.0.1:<port>`: what docker pushes to. */
  readonly registryHost: string;
  readonly dataDir: string;
  /** Runs the aws CLI against this Wharf and parses what it prints. */
  aws(args: readonly string[], region?: string): Promise<any>;
  /** Creates repositories (name -> tag mutability) with `aws ecr create-repository`. */
  createRepositories(repositories: Record<string, 'MUTABLE' | 'IMMUTABLE'>, region?: string): Promise<void>;
  /** A registry password from `aws ecr get-login-password`, for the default account in `region`. */
  password(region?: string): Promise<string>;
  /** Basic auth header value for `password`. */
  auth(password: string): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRegistryWharf(): Promise<RegistryWharf> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-registry-'));
  const env = { WHARF_SANDBOX_POOL: '0' };
  let wharf: RunningWharf = await startWharf(loadConfig({ port: '0', 'data-dir': dataDir }, env), silentLogger);
  const port = wharf.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const aws = (args: readonly string[], region = 'us-east-1') => awsAt(endpoint, dataDir, args, { region });

  return {
    endpoint,
    registryHost: wharf.registryHost,
    dataDir,
    aws,
    async createRepositories(repositories, region = 'us-east-1') {
      for (const [name, mutability] of Object.entries(repositories)) {
        await aws(['ecr', 'create-repository', '--repository-name', name, '--image-tag-mutability', mutability], region);
      }
    },
    async password(region = 'us-east-1') {
      const env = { PATH: process.env.PATH ?? '', HOME: dataDir, AWS_ACCESS_KEY_ID: DEFAULT_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_KEY.secretAccessKey, AWS_DEFAULT_REGION: region };
      const result = await run(AWS_CLI, ['ecr', 'get-login-password', '--endpoint-url', endpoint], { env });
      if (result.code !== 0) throw new Error(`aws ecr get-login-password failed: ${result.stderr}`);
      return result.stdout.trim();
    },
    auth: (password) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`,
    async restart() {
      await wharf.close();
      wharf = await startWharf(loadConfig({ port: String(port), 'data-dir': dataDir }, env), silentLogger);
    },
    async stop() {
      await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
      await wharf.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop (the in-process Wharf must keep answering), optionally feeding stdin. */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The docker CLI with its own config directory (logins never touch the user's) and the classic builder. */
export function dockerCli(configDir: string) {
  const env = { ...process.env, DOCKER_CONFIG: configDir, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
  return async (args: readonly string[], options: { input?: string; cwd?: string; allowFailure?: boolean } = {}): Promise<RunResult> => {
    const result = await run('docker', args, { env, ...options });
    if (result.code !== 0 && !options.allowFailure) throw new Error(`docker ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
}
