import { invalidParameter } from './errors.js';

const NAME = /^[A-Za-z0-9/_+=.@!-]+$/;

/** Names: 1-512 of letters, digits and `/_+=.@-` (the model allows `!` too). */
export function checkSecretName(name: string): void {
  if (!NAME.test(name) || name.length > 512) {
    throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  }
}

export function secretArn(partition: string, region: string, account: string, name: string, suffix: string): string {
  return `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}-${suffix}`;
}

/**
 * What a SecretId names. A full ARN ends in `-` and six random characters,
 * a partial ARN does not; since a name may itself end like a suffix, an ARN
 * gives two candidates: the name without the suffix (a full ARN, which must
 * then match exactly) and the whole resource (a partial ARN).
 */
export type SecretIdentifier =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'arn'; readonly arn: string; readonly region: string; readonly account: string; readonly fullArnName?: string; readonly partialName: string };

const ARN = /^arn:[a-z-]+:secretsmanager:([a-z0-9-]*):(\d*):secret:(.+)$/;

export function parseSecretId(secretId: string): SecretIdentifier {
  const match = ARN.exec(secretId);
  if (!match) return { kind: 'name', name: secretId };
  const [, region, account, resource] = match as unknown as [string, string, string, string];
  const suffixed = /^(.+)-[A-Za-z0-9]{6}$/.exec(resource);
  return { kind: 'arn', arn: secretId, region, account, ...(suffixed ? { fullArnName: suffixed[1]! } : {}), partialName: resource };
}

/**
 * The record ids a SecretId may name in `scope`, in the order to try, and
 * whether a found record answers to it. Another account's or region's ARN
 * names nothing here.
 */
export function lookupCandidates(id: SecretIdentifier, scope: { account: string; region: string }): string[] {
  if (id.kind === 'name') return [id.name];
  if (id.account !== scope.account || id.region !== scope.region) return [];
  return [...(id.fullArnName !== undefined ? [id.fullArnName] : []), id.partialName];
}

export function answersTo(id: SecretIdentifier, candidate: string, record: { arn: string; name: string }): boolean {
  if (id.kind === 'name') return record.name === id.name;
  // The suffix-less candidate came from a full ARN, which must match exactly; the other is a partial ARN.
  if (candidate === id.fullArnName && candidate !== id.partialName) return record.arn === id.arn;
  return record.name === candidate;
}
