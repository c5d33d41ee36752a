/**
 * ECS Exec sessions as stored: ExecuteCommand writes one, the exec endpoint
 * takes its token (once) and runs it, SSM's ResumeSession / TerminateSession
 * act on it. Only the SHA-256 of the token's secret is kept.
 */

export const EXEC_SESSION_KIND = 'ecs.exec-session';

/** A token is good for this long after ExecuteCommand (or ResumeSession) minted it. */
export const EXEC_TOKEN_TTL_MS = 5 * 60_000;

export type ExecSessionStatus = 'Pending' | 'Connected' | 'Terminated';

export interface ExecLogDestination {
  readonly logGroupName: string;
  readonly logStreamName: string;
}

export interface ExecSessionRecord {
  readonly sessionId: string;
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly taskArn: string;
  readonly taskId: string;
  readonly containerName: string;
  readonly containerArn: string;
  readonly command: string;
  readonly interactive: boolean;
  readonly createdAt: number;
  /** Hex SHA-256 of the current token's secret. */
  tokenDigest: string;
  tokenExpiresAt: number;
  /** Set when the endpoint accepted the token: it is single-use. */
  tokenUsedAt?: number;
  status: ExecSessionStatus;
  terminatedAt?: number;
  /** Where the session's output is recorded (the cluster's executeCommandConfiguration). */
  readonly log?: ExecLogDestination;
  /** The command's process while it runs, so a restarted Wharf can kill what a crash left behind. */
  process?: { readonly containerId: string; readonly pid: string };
}

/** Ended sessions stay describable to ResumeSession / TerminateSession this long, then go. */
export const EXEC_SESSION_RETENTION_MS = 60 * 60_000;

/**
 * What a sweep does with a stored session no endpoint is serving: a
 * Connected one was left by a Wharf that stopped mid-session (its process
 * is to be killed and the session ended); ended or never-used ones go after
 * the retention period.
 */
export function sweepDecision(record: ExecSessionRecord, now: number): 'keep' | 'orphaned' | 'delete' {
  if (record.status === 'Connected') return 'orphaned';
  if (record.status === 'Terminated') return now - (record.terminatedAt ?? record.createdAt) > EXEC_SESSION_RETENTION_MS ? 'delete' : 'keep';
  return now - record.tokenExpiresAt > EXEC_SESSION_RETENTION_MS ? 'delete' : 'keep';
}

/** Where the exec endpoint listens on Wharf's port. */
export const EXEC_PATH_PREFIX = '/_wharf/exec/data-channel/';

/** The session's `streamUrl` (AWS's is `wss://ssmmessages.<region>.amazonaws.com/v1/data-channel/<id>?role=publish_subscribe`). */
export function execStreamUrl(host: string, sessionId: string): string {
  return `ws://${host}${EXEC_PATH_PREFIX}${encodeURIComponent(sessionId)}?role=publish_subscribe`;
}

/** `ecs-execute-command-<17 hex>`, as ECS names them. */
export function execSessionId(hex17: string): string {
  return `ecs-execute-command-${hex17}`;
}

/**
 * The token handed to the client: the store scope and the session, so the
 * endpoint can find the record, and a random secret (hex) only its digest
 * of which is stored.
 */
export interface ExecToken {
  readonly account: string;
  readonly region: string;
  readonly sessionId: string;
  readonly secret: string;
}

export function formatExecToken(token: ExecToken): string {
  return [token.account, token.region, token.sessionId, token.secret].join('.');
}

export function parseExecToken(value: unknown): ExecToken | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  const [account, region, sessionId, secret] = parts as [string, string, string, string];
  if (!/^\d{12}$/.test(account) || !/^[a-z0-9-]{1,32}$/.test(region) || !/^[A-Za-z0-9-]{1,96}$/.test(sessionId) || !/^[0-9a-f]{32,128}$/.test(secret)) return undefined;
  return { account, region, sessionId, secret };
}

export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Whether a presented token (its secret's digest) may open the session now. */
export function checkExecToken(record: ExecSessionRecord | undefined, digest: string, now: number): TokenCheck {
  if (!record) return { ok: false, reason: 'session not found' };
  if (record.status === 'Terminated') return { ok: false, reason: 'session terminated' };
  if (record.tokenDigest !== digest) return { ok: false, reason: 'token does not match' };
  if (record.tokenUsedAt !== undefined) return { ok: false, reason: 'token already used' };
  if (now > record.tokenExpiresAt) return { ok: false, reason: 'token expired' };
  return { ok: true };
}

/**
 * The command as the agent runs it: split into words like a shell would
 * (quotes and backslashes), but never through a shell, so `a | b` needs
 * `sh -c "a | b"` as on ECS.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i += 1) {
    const char = command[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1]!)) word += command[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

interface ExecuteCommandConfiguration {
  readonly logging?: 'NONE' | 'DEFAULT' | 'OVERRIDE';
  readonly logConfiguration?: { readonly cloudWatchLogGroupName?: string; readonly s3BucketName?: string };
}

/**
 * Where ECS records a session's output, from the cluster's
 * `configuration.executeCommandConfiguration`: NONE -> nowhere; DEFAULT (or
 * no configuration) -> the container's awslogs group, if it has one;
 * OVERRIDE -> the configured CloudWatch Logs group. The stream is named
 * after the session, as Session Manager's logging does. // unverified wording of the stream name
 * S3 destinations are not recorded (Wharf has no S3).
 */
export function execLogDestination(
  clusterConfiguration: Readonly<Record<string, unknown>> | undefined,
  containerLog: { readonly logDriver: string; readonly options?: Readonly<Record<string, string>> } | undefined,
  sessionId: string,
): ExecLogDestination | undefined {
  const config = (clusterConfiguration?.['executeCommandConfiguration'] ?? {}) as ExecuteCommandConfiguration;
  const logging = config.logging ?? 'DEFAULT';
  if (logging === 'NONE') return undefined;
  if (logging === 'OVERRIDE') {
    const group = config.logConfiguration?.cloudWatchLogGroupName;
    return group ? { logGroupName: group, logStreamName: sessionId } : undefined;
  }
  const group = containerLog?.logDriver === 'awslogs' ? containerLog.options?.['awslogs-group'] : undefined;
  return group ? { logGroupName: group, logStreamName: sessionId } : undefined;
}
