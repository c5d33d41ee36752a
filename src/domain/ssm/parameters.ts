import {
  invalidAllowedPattern,
  labelLimitExceeded,
  maxVersionsWithLabel,
  parameterAlreadyExists,
  parameterNotFound,
  patternMismatch,
  validation,
  versionNotFound,
} from './errors.js';
import { isValidLabel } from './names.js';
import { DEFAULT_SECURE_KEY, parameterValueContext, type ParameterRecord, type ParameterTag, type ParameterTier, type ParameterType, type ParameterVersion } from './records.js';

const MAX_VERSIONS = 100;
const MAX_LABELS_PER_VERSION = 10;
const STANDARD_MAX_VALUE = 4096;
const ADVANCED_MAX_VALUE = 8192;

export interface PutParameterInput {
  readonly Name: string;
  readonly Value: string;
  readonly Type?: ParameterType;
  readonly Description?: string;
  readonly KeyId?: string;
  readonly Overwrite?: boolean;
  readonly AllowedPattern?: string;
  readonly Tags?: ParameterTag[];
  readonly Tier?: 'Standard' | 'Advanced' | 'Intelligent-Tiering';
  readonly DataType?: string;
}

export interface PutContext {
  readonly arn: string;
  readonly now: Date;
  readonly user: string;
  /** Seals a SecureString value for `context` (the cipher, injected so the rules stay pure). */
  readonly seal: (plaintext: string, context: string) => string;
}

/**
 * PutParameter: a new parameter (version 1) or, with Overwrite, the next
 * version. Tags only on creation; Type is required then and otherwise
 * inherited; Intelligent-Tiering picks Standard unless the value needs Advanced.
 */
export function putParameter(existing: ParameterRecord | undefined, input: PutParameterInput, ctx: PutContext): ParameterRecord {
  if (input.Tags && input.Tags.length > 0 && input.Overwrite) {
    throw validation(
      'Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.',
    );
  }
  if (existing && !input.Overwrite) throw parameterAlreadyExists();
  if (input.Value === '') throw validation("1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1.");
  const previous = existing?.versions.at(-1);
  const type = input.Type ?? previous?.type;
  // unverified wording
  if (!type) throw validation('A parameter type is required when you create a parameter.');
  const dataType = input.DataType ?? 'text';
  // unverified wording
  if (!['text', 'aws:ec2:image', 'aws:ssm:integration'].includes(dataType)) throw validation(`The following data type is not supported: ${dataType} (Data type names are all lowercase.)`);
  if (input.KeyId !== undefined && type !== 'SecureString') {
    // unverified wording
    throw validation('KeyId is required for SecureString type parameter only.');
  }
  const tier = chooseTier(input.Tier, input.Value, previous?.tier);
  const allowedPattern = input.AllowedPattern ?? previous?.allowedPattern;
  if (allowedPattern !== undefined) checkPattern(allowedPattern, input.Value);
  const version = (previous?.version ?? 0) + 1;
  const entry: ParameterVersion = {
    version,
    type,
    ...(type === 'SecureString'
      ? { sealed: ctx.seal(input.Value, parameterValueContext(ctx.arn, version)), keyId: input.KeyId ?? (previous?.type === 'SecureString' ? previous.keyId : undefined) ?? DEFAULT_SECURE_KEY }
      : { value: input.Value }),
    ...((input.Description ?? previous?.description) !== undefined ? { description: input.Description ?? previous?.description } : {}),
    ...(allowedPattern !== undefined ? { allowedPattern } : {}),
    tier,
    dataType,
    labels: [],
    lastModifiedDate: ctx.now.getTime(),
    lastModifiedUser: ctx.user,
  };
  let versions = [...(existing?.versions ?? []), entry];
  // Parameter Store keeps 100 versions: the oldest goes, unless a label holds it.
  if (versions.length > MAX_VERSIONS) {
    const oldest = versions[0]!;
    if (oldest.labels.length > 0) throw maxVersionsWithLabel(input.Name, oldest.version);
    versions = versions.slice(versions.length - MAX_VERSIONS);
  }
  return { name: existing?.name ?? input.Name, arn: ctx.arn, versions, tags: existing?.tags ?? [...(input.Tags ?? [])] };
}

function chooseTier(asked: PutParameterInput['Tier'], value: string, previous: ParameterTier | undefined): ParameterTier {
  const needsAdvanced = value.length > STANDARD_MAX_VALUE;
  if (value.length > ADVANCED_MAX_VALUE) {
    throw validation(`Advanced tier parameters support a maximum parameter value of ${ADVANCED_MAX_VALUE} characters.`); // unverified wording
  }
  if (asked === 'Advanced') return 'Advanced';
  // An advanced parameter cannot go back to standard.
  if (previous === 'Advanced') return 'Advanced';
  if (asked === 'Intelligent-Tiering') return needsAdvanced ? 'Advanced' : 'Standard';
  if (needsAdvanced) {
    throw validation(
      'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html',
    ); // unverified wording
  }
  return 'Standard';
}

function checkPattern(pattern: string, value: string): void {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch {
    throw invalidAllowedPattern('The request includes an invalid regular expression.'); // unverified wording
  }
  if (!regex.test(value)) throw patternMismatch(pattern);
}

/** The version a selector names: the latest, a number, or the one carrying a label. */
export function selectVersion(record: ParameterRecord, selector: { version?: number; label?: string; text?: string }): ParameterVersion {
  if (selector.version !== undefined) {
    const found = record.versions.find((v) => v.version === selector.version);
    if (!found) throw versionNotFound(record.name, String(selector.version));
    return found;
  }
  if (selector.label !== undefined) {
    const found = record.versions.find((v) => v.labels.includes(selector.label!));
    if (!found) throw versionNotFound(record.name, selector.label); // unverified wording for labels
    return found;
  }
  return record.versions.at(-1)!;
}

export function latest(record: ParameterRecord): ParameterVersion {
  return record.versions.at(-1)!;
}

/**
 * LabelParameterVersion: valid labels move to the version (from any other),
 * invalid ones are reported back, not refused.
 */
export function labelVersion(record: ParameterRecord, version: number | undefined, labels: readonly string[]): { record: ParameterRecord; invalid: string[]; version: number } {
  const target = version === undefined ? latest(record) : record.versions.find((v) => v.version === version);
  if (!target) throw versionNotFound(record.name, String(version));
  const valid = labels.filter(isValidLabel);
  const invalid = labels.filter((label) => !isValidLabel(label));
  const versions = record.versions.map((v) => {
    const kept = v.labels.filter((label) => !valid.includes(label));
    return { ...v, labels: v.version === target.version ? [...new Set([...kept, ...valid])] : kept };
  });
  if (versions.find((v) => v.version === target.version)!.labels.length > MAX_LABELS_PER_VERSION) throw labelLimitExceeded();
  return { record: { ...record, versions }, invalid, version: target.version };
}

export function unlabelVersion(record: ParameterRecord, version: number, labels: readonly string[]): { record: ParameterRecord; removed: string[]; invalid: string[] } {
  const target = record.versions.find((v) => v.version === version);
  if (!target) throw versionNotFound(record.name, String(version));
  const removed = labels.filter((label) => target.labels.includes(label));
  const invalid = labels.filter((label) => !target.labels.includes(label));
  const versions = record.versions.map((v) => (v.version === version ? { ...v, labels: v.labels.filter((label) => !removed.includes(label)) } : v));
  return { record: { ...record, versions }, removed, invalid };
}

export function requireParameter(record: ParameterRecord | undefined, name: string): ParameterRecord {
  if (!record) throw parameterNotFound(`Parameter ${name} not found.`); // unverified wording
  return record;
}
