/**
 * A container secret's `valueFrom`, as the ECS agent reads it:
 *
 * - a Secrets Manager ARN, full or partial, optionally followed by
 *   `:<json-key>:<version-stage>:<version-id>` (any of them may be empty);
 * - an SSM parameter ARN (`arn:...:ssm:<region>:<account>:parameter/<name>`);
 * - otherwise an SSM parameter name in the task's region (`/my-app/api-key`, `api-key`).
 */
export type SecretReference =
  | {
      readonly source: 'asm';
      /** The ARN without the ECS suffixes: what GetSecretValue's SecretId gets. */
      readonly secretId: string;
      readonly region: string;
      readonly account: string;
      readonly jsonKey?: string;
      readonly versionStage?: string;
      readonly versionId?: string;
    }
  | { readonly source: 'ssm'; readonly name: string; readonly region?: string; readonly account?: string };

const ASM = /^arn:([a-z-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const SSM = /^arn:([a-z-]+):ssm:([a-z0-9-]+):(\d{12}):parameter(\/.*)$/;

export function parseValueFrom(valueFrom: string): SecretReference | undefined {
  const asm = ASM.exec(valueFrom);
  if (asm) {
    const [, partition, region, account, rest] = asm as unknown as [string, string, string, string, string];
    // Secret names cannot hold ':', so whatever follows the name is the ECS suffixes.
    const [name, jsonKey, versionStage, versionId, ...extra] = rest.split(':');
    if (!name || extra.length > 0) return undefined;
    return {
      source: 'asm',
      secretId: `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`,
      region,
      account,
      ...(jsonKey ? { jsonKey } : {}),
      ...(versionStage ? { versionStage } : {}),
      ...(versionId ? { versionId } : {}),
    };
  }
  if (/^arn:[a-z-]+:secretsmanager:/.test(valueFrom)) return undefined;
  const ssm = SSM.exec(valueFrom);
  if (ssm) {
    const [, , region, account, path] = ssm as unknown as [string, string, string, string, string];
    // parameter/api-key names `api-key`; parameter/my-app/api-key names `/my-app/api-key`.
    const inner = path.slice(1);
    const name = inner.includes('/') ? `/${inner}` : inner;
    return name ? { source: 'ssm', name, region, account } : undefined;
  }
  if (valueFrom.startsWith('arn:')) return undefined;
  return valueFrom ? { source: 'ssm', name: valueFrom } : undefined;
}

/**
 * The value a reference resolves to: the whole secret string, or one key of
 * it when the secret is a JSON object (a non-string value is given as JSON,
 * as the agent does).
 */
export function pickJsonKey(secretString: string, jsonKey: string | undefined): { value: string } | { missingKey: string } | { notJson: true } {
  if (jsonKey === undefined) return { value: secretString };
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    return { notJson: true };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { notJson: true };
  if (!(jsonKey in parsed)) return { missingKey: jsonKey };
  const value = (parsed as Record<string, unknown>)[jsonKey];
  return { value: typeof value === 'string' ? value : JSON.stringify(value) };
}

/**
 * The ECS agent's wording after "ResourceInitializationError: unable to pull
 * secrets or registry auth: " (which `failSecrets` adds). The Secrets Manager
 * form is seen in public reports; the agent retries once before giving up.
 */
export const secretFailure = {
  asmError: (secretId: string, code: string, message: string) =>
    `execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${secretId} from secrets manager: ${code}: ${message}`,
  // The "invalid parameters: <names>" ending is the agent's (its SSM client reports GetParameters' InvalidParameters).
  ssmMissing: (names: readonly string[]) =>
    `execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: ${names.join(',')}`,
  // unverified wording
  jsonKeyMissing: (secretId: string, key: string) =>
    `execution resource retrieval failed: unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key ${key} (secret ${secretId})`,
  // unverified wording
  notJson: (secretId: string) =>
    `execution resource retrieval failed: unable to retrieve secret from asm: secret ${secretId} is not a JSON object, so a json key cannot be read from it`,
  // unverified wording
  malformed: (valueFrom: string) => `execution resource retrieval failed: invalid secret reference: ${valueFrom}`,
};
