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
  /** The resource policy as PutResourcePolicy stored it (JSON text). */
  readonly resourcePolicy?: string;
  /** Set on multi-Region secrets (the primary and its replicas): the primary's region. */
  readonly primaryRegion?: string;
  /** On a primary: its replicas, one per region. */
  readonly replicationStatus?: ReplicaStatus[];
  readonly rotation?: RotationState;
}

export interface ReplicaStatus {
  readonly region: string;
  readonly kmsKeyId?: string;
  readonly status: 'InSync' | 'Failed' | 'InProgress';
  readonly statusMessage: string;
}

export interface RotationRules {
  readonly AutomaticallyAfterDays?: number;
  readonly Duration?: string;
  readonly ScheduleExpression?: string;
}

/** What RotateSecret configured; CancelRotateSecret turns `enabled` off and keeps the rest. */
export interface RotationState {
  readonly enabled: boolean;
  readonly lambdaArn?: string;
  readonly rules?: RotationRules;
  /** Epoch ms. */
  readonly lastRotatedDate?: number;
}

/** What a secret value is sealed against: moving it to another secret or version does not open. */
export function secretValueContext(arn: string, versionId: string): string {
  return `secretsmanager|${arn}|${versionId}`;
}
