import { invalidParameter, invalidRequest } from './errors.js';
import type { ReplicaStatus, SecretRecord } from './records.js';

/** A replica is read-only: every change goes through the primary. */
export function requireNotReplica(secret: SecretRecord, region: string): void {
  if (isReplica(secret, region)) {
    // unverified wording
    throw invalidParameter("Operation not permitted on a replica secret. Call must be made in primary secret's region.");
  }
}

export function isReplica(secret: SecretRecord, region: string): boolean {
  return secret.primaryRegion !== undefined && secret.primaryRegion !== region;
}

/** The same ARN in another region: a replica keeps its primary's name and suffix. */
export function arnInRegion(arn: string, region: string): string {
  const parts = arn.split(':');
  parts[3] = region;
  return parts.join(':');
}

export interface ReplicaRequest {
  readonly Region: string;
  readonly KmsKeyId?: string;
}

/** The regions asked for, checked: region names, not the primary's own, none twice. Every region of this Wharf exists. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function checkReplicaRegions(requests: readonly ReplicaRequest[], primaryRegion: string): void {
  const seen = new Set<string>();
  for (const request of requests) {
    // unverified wording
    if (request.Region === primaryRegion) throw invalidParameter(`Invalid replica region: ${request.Region} is the primary region of the secret.`);
    // unverified wording
    if (!REGION.test(request.Region)) throw invalidParameter(`Invalid replica region: ${request.Region}.`);
    // unverified wording
    if (seen.has(request.Region)) throw invalidParameter(`Duplicate replica region: ${request.Region}.`);
    seen.add(request.Region);
  }
}

/**
 * What a target region holds decides a replica's status: a free name (or one
 * the caller allows overwriting) replicates, another secret of that name
 * makes it Failed with AWS's status message.
 */
export function replicaOutcome(request: ReplicaRequest, occupiedByOther: boolean, force: boolean): ReplicaStatus {
  const kms = request.KmsKeyId !== undefined ? { kmsKeyId: request.KmsKeyId } : {};
  if (occupiedByOther && !force) {
    return { region: request.Region, ...kms, status: 'Failed', statusMessage: 'Replication failed: Secret with this name already exists in this region.' }; // unverified wording
  }
  return { region: request.Region, ...kms, status: 'InSync', statusMessage: 'Replication succeeded' };
}

/** The primary with its replica list updated (regions replaced by the new outcomes). */
export function withReplicas(primary: SecretRecord, region: string, outcomes: readonly ReplicaStatus[]): SecretRecord {
  const replaced = new Set(outcomes.map((o) => o.region));
  const kept = (primary.replicationStatus ?? []).filter((r) => !replaced.has(r.region));
  const replicationStatus = [...kept, ...outcomes];
  return { ...primary, primaryRegion: region, replicationStatus };
}

/** The primary without the named regions; with none left it is a single-region secret again. */
export function withoutReplicas(primary: SecretRecord, regions: readonly string[]): SecretRecord {
  const replicationStatus = (primary.replicationStatus ?? []).filter((r) => !regions.includes(r.region));
  if (replicationStatus.length > 0) return { ...primary, replicationStatus };
  const { replicationStatus: _gone, primaryRegion: _primary, ...rest } = primary;
  return rest;
}

/** The regions holding an in-sync copy, which every change to the primary rewrites. */
export function syncedRegions(primary: SecretRecord): string[] {
  return (primary.replicationStatus ?? []).filter((r) => r.status === 'InSync').map((r) => r.region);
}

/**
 * A replica's record, but for its values (the caller seals them for the
 * replica's ARN): the primary's metadata under the replica region's ARN,
 * without the primary's replica list or resource policy.
 */
export function replicaRecord(primary: SecretRecord, primaryRegion: string, replica: ReplicaStatus): SecretRecord {
  const { replicationStatus: _list, resourcePolicy: _policy, rotation: _rotation, ...rest } = primary;
  return {
    ...rest,
    arn: arnInRegion(primary.arn, replica.region),
    primaryRegion,
    ...(replica.kmsKeyId !== undefined ? { kmsKeyId: replica.kmsKeyId } : {}),
  };
}

/** StopReplicationToReplica: the replica becomes a standalone secret of its region. */
export function promoted(replica: SecretRecord): SecretRecord {
  const { primaryRegion: _primary, ...rest } = replica;
  return rest;
}

/** A primary with replicas cannot be deleted until they are removed. */
export function requireNoReplicas(secret: SecretRecord): void {
  const regions = (secret.replicationStatus ?? []).map((r) => r.region);
  if (regions.length > 0) {
    // unverified wording
    throw invalidRequest(`You can't delete secret ${secret.name} that still has replica regions [${regions.join(', ')}]`);
  }
}
