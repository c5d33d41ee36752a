/** Store kinds of Secrets Manager. One record per secret (id: its name) holds every version. */
export const SECRETS_KIND = { secret: 'secretsmanager.secret' } as const;

export interface SecretTag {
  readonly Key: string;
  readonly Value: string;
}

export interface SecretVersion {
  readonly versionId: string;
  stages: string[];
  /** Epoch ms. */
  readonly createdDate: number;
  /**
   * The value as the cipher sealed it (context: `secretValueContext`); a
   * binary secret is its base64 text, sealed the same way.
   */
  readonly sealed: string;
  readonly binary: boolean;
}

export interface SecretRecord {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly tags: SecretTag[];
  /** Epoch ms. */
  readonly createdDate: number;
  readonly lastChangedDate: number;
  readonly lastAccessedDate?: number;
  /** When a scheduled deletion takes effect (epoch ms); the secret is gone after it. */
  readonly deletionDate?: number;
  readonly versions: SecretVersion[];
}

/** What a secret value is sealed against: moving it to another secret or version does not open. */
export function secretValueContext(arn: string, versionId: string): string {
  return `secretsmanager|${arn}|${versionId}`;
}
