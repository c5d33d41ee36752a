import { validation } from './errors.js';

export const SECRET_REFERENCE_PREFIX = '/aws/reference/secretsmanager/';
const SERVICE_PREFIX = '/aws/service/';

/** Whether a name is one of the namespaces AWS itself answers (public parameters, Secrets Manager references). */
export function isReservedName(name: string): boolean {
  return name.startsWith('/aws/');
}

/** A reference reads a secret's value, so it must be asked for decrypted. */
export function requireDecryptionForSecret(withDecryption: boolean | undefined): void {
  if (!withDecryption) throw validation('WithDecryption flag must be True for retrieving a Secret Manager secret.');
}

/** The secret a `/aws/reference/secretsmanager/<id>[:stage]` name refers to. */
export function secretReference(name: string): { secretId: string; stage?: string } | undefined {
  if (!name.startsWith(SECRET_REFERENCE_PREFIX)) return undefined;
  const rest = name.slice(SECRET_REFERENCE_PREFIX.length);
  // An ARN holds colons itself; a stage follows the last one only for plain names.
  if (rest.startsWith('arn:')) return { secretId: rest };
  const colon = rest.lastIndexOf(':');
  return colon < 0 ? { secretId: rest } : { secretId: rest.slice(0, colon), stage: rest.slice(colon + 1) };
}

export interface PublicParameter {
  readonly name: string;
  readonly value: string;
}

/**
 * The ECS public parameters users read: the ECS-optimized AMI families'
 * `recommended` metadata and its fields. Wharf runs no EC2, so the image
 * ids are stable placeholders in AMI form, not images anyone can launch.
 */
const FAMILIES: readonly { path: string; os: string; image: string; source: string }[] = [
  { path: 'amazon-linux-2', os: 'Amazon Linux 2', image: 'amzn2-ami-ecs-hvm-2.0.20240709-x86_64-ebs', source: 'amzn2-ami-minimal-hvm-2.0.20240709.0-x86_64-ebs' },
  { path: 'amazon-linux-2/arm64', os: 'Amazon Linux 2', image: 'amzn2-ami-ecs-hvm-2.0.20240709-arm64-ebs', source: 'amzn2-ami-minimal-hvm-2.0.20240709.0-arm64-ebs' },
  { path: 'amazon-linux-2023', os: 'Amazon Linux 2023', image: 'al2023-ami-ecs-hvm-2023.0.20240709-kernel-6.1-x86_64', source: 'al2023-ami-minimal-2023.5.20240708.0-kernel-6.1-x86_64' },
  { path: 'amazon-linux-2023/arm64', os: 'Amazon Linux 2023', image: 'al2023-ami-ecs-hvm-2023.0.20240709-kernel-6.1-arm64', source: 'al2023-ami-minimal-2023.5.20240708.0-kernel-6.1-arm64' },
];

export function publicParameters(region: string): PublicParameter[] {
  return FAMILIES.flatMap((family) => {
    const base = `${SERVICE_PREFIX}ecs/optimized-ami/${family.path}/recommended`;
    const fields: Record<string, string | number> = {
      ecs_agent_version: '1.85.0',
      ecs_runtime_version: 'Docker version 25.0.3',
      image_id: placeholderAmi(`${region}|${family.image}`),
      image_name: family.image,
      os: family.os,
      schema_version: 1,
      source_image_name: family.source,
    };
    return [{ name: base, value: JSON.stringify(fields) }, ...Object.entries(fields).map(([key, value]) => ({ name: `${base}/${key}`, value: String(value) }))];
  });
}

/** `ami-` and 17 hex digits, the same for the same text (FNV-1a, widened). */
function placeholderAmi(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 0x01000193) >>> 0;
    b = Math.imul(b ^ text.charCodeAt(text.length - 1 - i), 0x01000193) >>> 0;
  }
  return `ami-${(a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0') + (a & 0xf).toString(16)).slice(0, 17)}`;
}

export function publicParameterArn(partition: string, region: string, name: string): string {
  return `arn:${partition}:ssm:${region}::parameter${name}`;
}
