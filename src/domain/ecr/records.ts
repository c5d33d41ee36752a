import type { Tag } from '../ecs/tags.js';

/**
 * ECR's records, shared by the ECR API (api/ecr/), the registry that docker
 * pushes to and pulls from (dataplane/registry/) and the controllers that
 * apply lifecycle policies and pull task images. Blobs (layers, configs) live
 * in the BlobStore port, content-addressed; these records hold the metadata.
 */
export const ECR_KIND = {
  /** id: the repository name. */
  repository: 'ecr.repository',
  /** id: `<repository>@<manifest digest>` (see imageRecordId). */
  image: 'ecr.image',
  /**
   * id: `<repository>@<blob digest>` (see layerRecordId): a blob (layer or
   * config) uploaded to or mounted into a repository. Blob bytes are shared on
   * disk; this link is what makes a blob readable through one repository
   * (HEAD/GET blob, BatchCheckLayerAvailability) and referable by its manifests.
   */
  layer: 'ecr.layer',
  /** id: the ECR upload id (InitiateLayerUpload): an API layer upload in progress (see UploadRecord). */
  upload: 'ecr.upload',
  /** id: `registry` (one per account and region): the registry's policy, scanning and replication settings (see RegistryRecord). */
  registry: 'ecr.registry',
} as const;

/** The one id of ECR_KIND.registry in a scope. */
export const REGISTRY_ID = 'registry';

export interface RegistryScanningRule {
  readonly scanFrequency: 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL';
  readonly repositoryFilters: readonly { filter: string; filterType: 'WILDCARD' }[];
}

export interface ReplicationRule {
  readonly destinations: readonly { region: string; registryId: string }[];
  readonly repositoryFilters?: readonly { filter: string; filterType: 'PREFIX_MATCH' }[];
}

/** A registry's own settings (absent fields: ECR's defaults). */
export interface RegistryRecord {
  readonly policyText?: string;
  readonly scanningConfiguration?: { readonly scanType: 'BASIC' | 'ENHANCED'; readonly rules: readonly RegistryScanningRule[] };
  readonly replicationConfiguration?: { readonly rules: readonly ReplicationRule[] };
}

/** ECR's tag mutability settings; the *_WITH_EXCLUSION ones flip the rule for tags matching a filter (see isTagImmutable in domain/ecr/images.ts). */
export type ImageTagMutability = 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';

export interface ImageTagMutabilityExclusionFilter {
  readonly filterType: 'WILDCARD';
  readonly filter: string;
}

export interface RepositoryRecord {
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly registryId: string;
  /** `<registry host:port>/<name>`: what docker pushes to (see registryHost in the API). */
  readonly repositoryUri: string;
  readonly createdAt: number;
  imageTagMutability: ImageTagMutability;
  imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilter[];
  imageScanningConfiguration: { scanOnPush: boolean };
  readonly encryptionConfiguration: { encryptionType: 'AES256' | 'KMS' | 'KMS_DSSE'; kmsKey?: string };
  tags: Tag[];
  /** The lifecycle policy text as given (JSON), if any. */
  lifecyclePolicyText?: string;
  /** When the lifecycle controller last expired images under the policy (epoch ms). */
  lifecyclePolicyLastEvaluatedAt?: number;
  /** The last StartLifecyclePolicyPreview's outcome. */
  lifecyclePolicyPreview?: LifecyclePolicyPreviewRecord;
  /** The repository policy text as given (JSON), if any. */
  repositoryPolicyText?: string;
}

export interface LifecyclePolicyPreviewRecord {
  readonly lifecyclePolicyText: string;
  readonly status: 'COMPLETE';
  readonly results: readonly { imageDigest: string; imageTags: string[]; imagePushedAt: number; appliedRulePriority: number }[];
}

/** A layer upload through the ECR API (InitiateLayerUpload ... CompleteLayerUpload), bound to one repository. */
export interface UploadRecord {
  readonly uploadId: string;
  readonly repositoryName: string;
  /** The BlobStore session holding the bytes. */
  readonly blobUploadId: string;
  readonly initiatedAt: number;
}

/** One image: a manifest (or index) stored under its digest, with the tags that point at it. */
export interface ImageRecord {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageManifestMediaType: string;
  /** The manifest bytes exactly as pushed (base64: digests are over these bytes). */
  readonly manifestBase64: string;
  /** Config and layer digests (for a manifest) or child manifest digests (for an index). */
  readonly references: string[];
  /** Sum of the config and layer sizes (for an index: of its children known at push). */
  readonly imageSizeInBytes: number;
  imageTags: string[];
  readonly imagePushedAt: number;
  lastRecordedPullTime?: number;
  readonly artifactMediaType?: string;
  /** The last StartImageScan's outcome (see domain/ecr/scanning.ts). */
  readonly imageScanStatus?: { readonly status: string; readonly description: string };
  /** Set on a copy replication made: `<account>/<region>` of the registry it came from. Copies are not replicated again. */
  readonly replicatedFrom?: string;
}

export function imageRecordId(repositoryName: string, digest: string): string {
  return `${repositoryName}@${digest}`;
}

/** A blob linked into a repository (ECR_KIND.layer). */
export interface LayerRecord {
  readonly repositoryName: string;
  readonly layerDigest: string;
  readonly layerSize: number;
  readonly linkedAt: number;
}

export function layerRecordId(repositoryName: string, digest: string): string {
  return `${repositoryName}@${digest}`;
}

/**
 * Repository names: ECR's pattern (the service model's, anchored), 2-256
 * characters, lowercase, with / namespaces; separators `.`, `_`, `__` or runs of `-`.
 */
export const REPOSITORY_NAME = /^(?=.{2,256}$)[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** Tags as the distribution spec allows them. */
export const IMAGE_TAG = /^[\w][\w.-]{0,127}$/;

export const DIGEST = /^sha256:[a-f0-9]{64}$/;
