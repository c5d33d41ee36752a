/** Store kinds of Parameter Store: one record per parameter (id: its name) holding every version. */
export const SSM_KIND = { parameter: 'ssm.parameter' } as const;

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterTier = 'Standard' | 'Advanced';

export interface ParameterTag {
  readonly Key: string;
  readonly Value: string;
}

export interface ParameterVersion {
  readonly version: number;
  readonly type: ParameterType;
  /** String and StringList values, as given. */
  readonly value?: string;
  /** SecureString values, sealed by the cipher (context: `parameterValueContext`). */
  readonly sealed?: string;
  readonly keyId?: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly tier: ParameterTier;
  readonly dataType: string;
  labels: string[];
  /** Epoch ms. */
  readonly lastModifiedDate: number;
  readonly lastModifiedUser: string;
}

export interface ParameterRecord {
  readonly name: string;
  readonly arn: string;
  readonly versions: ParameterVersion[];
  readonly tags: ParameterTag[];
}

export function parameterValueContext(arn: string, version: number): string {
  return `ssm|${arn}|${version}`;
}

export const DEFAULT_SECURE_KEY = 'alias/aws/ssm';
