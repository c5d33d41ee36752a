import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ConfiguredKey } from '../api/auth/key-ring.js';
import { AwsError } from '../domain/errors.js';
import { parseHostRegistration, type HostRegistration } from '../domain/hosts/host-registration.js';

export const DEFAULT_ACCOUNT = '123456789012';
/** Printed at start-up; fine for a laptop, replace it for anything shared. */
export const DEFAULT_KEY: ConfiguredKey = {
  accessKeyId: 'AKIAWHARFLOCAL000001',
  secretAccessKey: 'wharf/local/secret/key/for/development',
  account: DEFAULT_ACCOUNT,
  admin: true,
};

export interface WharfConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly accessKeys: readonly ConfiguredKey[];
  readonly logLevel: string;
  /** The Docker engine's socket; the engine's default when absent. */
  readonly dockerSocket?: string;
  /** How long STOPPED tasks stay describable before their containers and records are removed. */
  readonly stoppedTaskRetentionMs: number;
  /** Started sandboxes kept ready so a task waits for one container start, not two (0: none). */
  readonly sandboxPoolSize: number;
  /** What Wharf places on the engine's host, instead of what the host reports (above it over-commits). */
  readonly capacityCap: { readonly cpuUnits?: number; readonly memoryMiB?: number };
  /**
   * Every waiting period ECS imposes (stopped-task retention, the Spot interruption warning, ...) is
   * divided by this, for development and tests; it changes how long waits are, never what happens. 1: as ECS.
   */
  readonly timeScale: number;
  /**
   * Whether task containers get AWS_ENDPOINT_URL=http://169.254.170.2, so unmodified SDKs call this
   * Wharf's APIs. On unless WHARF_TASK_ENDPOINT_URL is off (false, 0, no).
   */
  readonly taskEndpointUrl: boolean;
  /**
   * The key secret values are sealed with, when the operator supplies it (32 bytes: raw, base64 or hex):
   * WHARF_SECRETS_KEY (the key's text), else --secrets-key-file / WHARF_SECRETS_KEY_FILE / `secretsKeyFile`.
   * Absent: `<dataDir>/secrets.key`, made on first start.
   */
  readonly secretsKey?: { readonly source: string; readonly material: Buffer };
  /**
   * How ECR names repositories (repositoryUri, proxyEndpoint): `wharf` (default) uses the host and port
   * docker can push to as is; `aws` uses AWS's `<account>.dkr.ecr.<region>.amazonaws.com`, for test suites
   * that assert on it (the registry answers to both names). --ecr-uri-style / WHARF_ECR_URI_STYLE / `ecrUriStyle`.
   */
  readonly ecrUriStyle: 'wharf' | 'aws';
  /**
   * Whether IAM policies are enforced: role sessions (task roles, AssumeRole) are held to their roles'
   * policies, trust policies to AssumeRole and ECS, execution roles to what a task start does.
   * Off by default. --enforce-iam / WHARF_ENFORCE_IAM=1 / `enforceIam: true`.
   */
  readonly enforceIam: boolean;
  /**
   * Where the state lives: the data directory's SQLite files (the default), or a PostgreSQL database
   * that several Wharf processes share (one leads the controllers, every one answers the API).
   * --store / WHARF_STORE / `store`: `sqlite` or a `postgres://` URL.
   */
  readonly store: StoreConfig;
  /**
   * Remote Docker engines to register as container instances: the config file's `hosts`,
   * each in the shape `wharf hosts add` sends (`{name, url, cluster?, region?, account?, attributes?,
   * tls?, taskSubnet?}`; relative TLS paths are taken from the config file's folder). None when absent.
   */
  readonly hosts: readonly HostRegistration[];
}

export type StoreConfig = { readonly kind: 'sqlite' } | { readonly kind: 'postgres'; readonly url: string };

export class ConfigError extends Error {}

interface ConfigFile {
  host?: string;
  port?: number;
  dataDir?: string;
  logLevel?: string;
  timeScale?: number;
  secretsKeyFile?: string;
  ecrUriStyle?: string;
  enforceIam?: boolean;
  store?: string;
  accessKeys?: { accessKeyId: string; secretAccessKey: string; account?: string; admin?: boolean }[];
  hosts?: unknown;
}

/**
 * Flags win over environment variables, which win over the config file,
 * which wins over the defaults (127.0.0.1:4566, ./.wharf).
 */
export function loadConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv): WharfConfig {
  const configPath = flags.config ?? env.WHARF_CONFIG;
  const file: ConfigFile = configPath ? readConfigFile(configPath) : {};
  const portText = flags.port ?? env.WHARF_PORT ?? (file.port !== undefined ? String(file.port) : undefined) ?? '4566';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a TCP port number (0-65535), got '${portText}'.`);
  const dataDir = resolve(flags['data-dir'] ?? env.WHARF_DATA_DIR ?? file.dataDir ?? '.wharf');
  const keys: ConfiguredKey[] = [DEFAULT_KEY];
  for (const key of file.accessKeys ?? []) keys.push({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, account: key.account ?? DEFAULT_ACCOUNT, admin: key.admin ?? false });
  keys.push(...parseAccessKeys(env.WHARF_ACCESS_KEYS ?? ''));
  return {
    host: flags.host ?? env.WHARF_HOST ?? file.host ?? '127.0.0.1',
    port,
    dataDir,
    accessKeys: keys,
    logLevel: flags['log-level'] ?? env.WHARF_LOG_LEVEL ?? file.logLevel ?? 'info',
    ...(env.WHARF_DOCKER_SOCKET ? { dockerSocket: env.WHARF_DOCKER_SOCKET } : {}),
    stoppedTaskRetentionMs: 60 * 60 * 1000,
    sandboxPoolSize: env.WHARF_SANDBOX_POOL === '0' ? 0 : (optionalPositive('WHARF_SANDBOX_POOL', env.WHARF_SANDBOX_POOL, (value) => value) ?? 2),
    capacityCap: {
      ...optionalPositive('WHARF_CAPACITY_CPU_UNITS', env.WHARF_CAPACITY_CPU_UNITS, (value) => ({ cpuUnits: value })),
      ...optionalPositive('WHARF_CAPACITY_MEMORY_MIB', env.WHARF_CAPACITY_MEMORY_MIB, (value) => ({ memoryMiB: value })),
    },
    timeScale: parseTimeScale(flags['time-scale'], env.WHARF_TIME_SCALE, file.timeScale),
    taskEndpointUrl: !/^(off|false|0|no)$/i.test(env.WHARF_TASK_ENDPOINT_URL ?? ''),
    ...secretsKey(flags['secrets-key-file'] ?? env.WHARF_SECRETS_KEY_FILE ?? file.secretsKeyFile, env.WHARF_SECRETS_KEY, dataDir),
    ecrUriStyle: parseEcrUriStyle(flags['ecr-uri-style'] ?? (env.WHARF_ECR_URI_STYLE || undefined) ?? file.ecrUriStyle),
    enforceIam: parseEnforceIam(flags['enforce-iam'], env.WHARF_ENFORCE_IAM, file.enforceIam),
    store: parseStore(flags.store ?? (env.WHARF_STORE || undefined) ?? file.store),
    hosts: configuredHosts(file.hosts, configPath),
  };
}

/** The config file's `hosts`, each checked as `POST /_wharf/hosts` checks it; a bad one names its index. */
function configuredHosts(value: unknown, configPath: string | undefined): HostRegistration[] {
  if (value === undefined) return [];
  const where = `the config file ${configPath}`;
  if (!Array.isArray(value)) throw new ConfigError(`hosts in ${where} must be an array of host registrations ({"name", "url": "tcp://ADDR:PORT", ...}).`);
  const folder = dirname(resolve(configPath!));
  const byName = new Map<string, number>();
  return value.map((entry: unknown, index) => {
    let host: HostRegistration;
    try {
      host = parseHostRegistration(withAbsoluteTls(entry, folder), { account: DEFAULT_ACCOUNT });
    } catch (error) {
      if (error instanceof AwsError) throw new ConfigError(`hosts[${index}] in ${where}: ${error.message}`);
      throw error;
    }
    const earlier = byName.get(host.name);
    if (earlier !== undefined) throw new ConfigError(`hosts[${index}] in ${where}: the name ${host.name} is hosts[${earlier}]'s too; each host needs its own name.`);
    byName.set(host.name, index);
    return host;
  });
}

/** An entry with its relative TLS paths taken from `folder`; anything else as it is, for the parser to judge. */
function withAbsoluteTls(entry: unknown, folder: string): unknown {
  if (typeof entry !== 'object' || entry === null || !('tls' in entry)) return entry;
  const tls = (entry as { tls: unknown }).tls;
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) return entry;
  const absolute = Object.fromEntries(Object.entries(tls).map(([member, path]) => [member, typeof path === 'string' && path !== '' ? resolve(folder, path) : path]));
  return { ...entry, tls: absolute };
}

/** `--enforce-iam` (a boolean flag) > WHARF_ENFORCE_IAM (1/true/on/yes or 0/false/off/no) > the file's `enforceIam` > off. */
function parseEnforceIam(flag: unknown, envText: string | undefined, fileValue: unknown): boolean {
  if (flag !== undefined) return flag === true || /^(1|true|on|yes)$/i.test(String(flag));
  if (envText !== undefined && envText !== '') {
    if (/^(1|true|on|yes)$/i.test(envText)) return true;
    if (/^(0|false|off|no)$/i.test(envText)) return false;
    throw new ConfigError(`WHARF_ENFORCE_IAM must be 1 or 0, got '${envText}'.`);
  }
  if (fileValue !== undefined && typeof fileValue !== 'boolean') throw new ConfigError('enforceIam in the config file must be true or false.');
  return fileValue === true;
}

/** The operator's secrets key, read now so a wrong path fails at start-up, not at the first secret. */
function secretsKey(file: string | undefined, text: string | undefined, dataDir: string): { secretsKey?: { source: string; material: Buffer } } {
  if (text !== undefined && text !== '') return { secretsKey: { source: 'WHARF_SECRETS_KEY', material: Buffer.from(text, 'utf8') } };
  if (file === undefined || file === '') {
    checkDataDirSecretsKey(join(dataDir, 'secrets.key'));
    return {};
  }
  try {
    return { secretsKey: { source: `the secrets key file ${file}`, material: readFileSync(file) } };
  } catch (error) {
    throw new ConfigError(`Cannot read the secrets key file ${file}: ${(error as Error).message}`);
  }
}

/** `sqlite` (or nothing): the data directory's files; `postgres://` or `postgresql://` URL: that database. */
export function parseStore(text: unknown): StoreConfig {
  if (text === undefined || text === 'sqlite') return { kind: 'sqlite' };
  if (typeof text === 'string' && /^postgres(ql)?:\/\/[^/]/.test(text)) {
    try {
      new URL(text);
      return { kind: 'postgres', url: text };
    } catch {
      // Falls through to the error below.
    }
  }
  throw new ConfigError(`--store must be 'sqlite' (the data directory's files) or a PostgreSQL URL such as postgres://user:password@host:5432/wharf, got '${redactedUrl(String(text))}'.`);
}

/** A URL with its password hidden, for banners, logs and errors; text that is no URL, as it is but for a `:password@`. */
export function redactedUrl(text: string): string {
  try {
    const parsed = new URL(text);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return text.replace(/:[^:@/]*@/, ':***@');
  }
}

function parseEcrUriStyle(text: string | undefined): 'wharf' | 'aws' {
  if (text === undefined || text === 'wharf') return 'wharf';
  if (text === 'aws') return 'aws';
  throw new ConfigError(`--ecr-uri-style must be 'wharf' (the host docker pushes to) or 'aws' (<account>.dkr.ecr.<region>.amazonaws.com), got '${text}'.`);
}

/** `--time-scale` > `WHARF_TIME_SCALE` > the file's `timeScale` > 1; a positive finite number. */
function parseTimeScale(flag: string | undefined, envText: string | undefined, fileValue: unknown): number {
  const [source, raw] =
    flag !== undefined ? ['--time-scale', flag] : envText !== undefined && envText !== '' ? ['WHARF_TIME_SCALE', envText] : fileValue !== undefined ? ['timeScale in the config file', fileValue] : ['', 1];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${source} must be a positive number (1 waits as long as ECS, 30 waits a thirtieth as long), got '${String(raw)}'.`);
  }
  return value;
}

function optionalPositive<T>(name: string, text: string | undefined, wrap: (value: number) => T): T | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive whole number, got '${text}'.`);
  return wrap(value);
}

/**
 * The data directory's own key must be owner-only and 32 bytes: refused here, with the fix, rather
 * than used (it may have leaked) or replaced (every sealed secret would be lost).
 */
function checkDataDirSecretsKey(path: string): void {
  if (!existsSync(path)) return;
  const stat = statSync(path);
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}). Run chmod 600 on it, and replace the key if it may have leaked.`);
  }
  if (stat.size !== 32) throw new ConfigError(`${path} must hold exactly 32 bytes, it holds ${stat.size}. Restore the right key file; without it stored secrets cannot be read.`);
}

/** `KEY:SECRET[:ACCOUNT],...` */
export function parseAccessKeys(text: string): ConfiguredKey[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [accessKeyId, secretAccessKey, account] = entry.split(':');
      if (!accessKeyId || !secretAccessKey) throw new ConfigError(`WHARF_ACCESS_KEYS entries must look like KEY:SECRET[:ACCOUNT], got '${entry}'.`);
      if (account !== undefined && !/^\d{12}$/.test(account)) throw new ConfigError(`The account in WHARF_ACCESS_KEYS must be 12 digits, got '${account}'.`);
      return { accessKeyId, secretAccessKey, account: account ?? DEFAULT_ACCOUNT };
    });
}

function readConfigFile(path: string): ConfigFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
  } catch (error) {
    throw new ConfigError(`Cannot read the config file ${path}: ${(error as Error).message}`);
  }
}
