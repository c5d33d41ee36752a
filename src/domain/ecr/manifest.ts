/**
 * What ECR reads from an image manifest: its media type, the blobs (config,
 * layers) or child manifests it references, its size and its artifact media
 * type. Pure: the caller hands the manifest text, and hashes it itself.
 */

export const MEDIA_TYPE = {
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema2: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const INDEX_TYPES: readonly string[] = [MEDIA_TYPE.dockerManifestList, MEDIA_TYPE.ociIndex];

export interface ParsedManifest {
  readonly mediaType: string;
  /** An index (manifest list): its references are child manifests, not blobs. */
  readonly isIndex: boolean;
  /** Config and layer digests that must be in the registry (foreign layers, which carry urls, are not pushed). */
  readonly blobs: readonly string[];
  /** Child manifest digests, for an index. */
  readonly manifests: readonly string[];
  /** Config plus layer sizes (for an index: 0, the caller adds its children's). */
  readonly size: number;
  /** The config's media type (what ECR calls artifactMediaType). */
  readonly artifactMediaType?: string;
  /** The `subject` a referrer (signature, SBOM) points at. */
  readonly subjectDigest?: string;
}

export type ManifestProblem = { readonly problem: string };

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  urls?: unknown;
}

const DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function descriptor(value: unknown): Descriptor | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Descriptor) : undefined;
}

/**
 * Reads a manifest. `declaredMediaType` (PutImage's imageManifestMediaType or
 * the registry's Content-Type) wins when the manifest names none; a manifest
 * naming one that differs from the declared one is refused, as ECR does.
 */
export function parseManifest(text: string, declaredMediaType?: string): ParsedManifest | ManifestProblem {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'the manifest is not valid JSON' };
  }
  const doc = descriptor(json) as (Record<string, unknown> & Descriptor) | undefined;
  if (!doc) return { problem: 'the manifest is not a JSON object' };
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (own && declaredMediaType && own !== declaredMediaType) {
    return { problem: `the manifest's mediaType '${own}' does not match the declared media type '${declaredMediaType}'` };
  }
  const schemaVersion = doc.schemaVersion;
  let mediaType = own ?? declaredMediaType;
  if (!mediaType) {
    if (schemaVersion === 1) mediaType = doc.signatures ? MEDIA_TYPE.dockerSchema1Signed : MEDIA_TYPE.dockerSchema1;
    else if (Array.isArray(doc.manifests)) mediaType = MEDIA_TYPE.ociIndex;
    else {
      const config = descriptor(doc.config);
      mediaType = typeof config?.mediaType === 'string' && config.mediaType.startsWith('application/vnd.docker.') ? MEDIA_TYPE.dockerSchema2 : MEDIA_TYPE.ociManifest;
    }
  }
  const subject = descriptor(doc.subject);
  const subjectDigest = typeof subject?.digest === 'string' ? subject.digest : undefined;

  if (mediaType === MEDIA_TYPE.dockerSchema1 || mediaType === MEDIA_TYPE.dockerSchema1Signed) {
    if (!Array.isArray(doc.fsLayers)) return { problem: 'a schema 1 manifest needs fsLayers' };
    const blobs = new Set<string>();
    for (const layer of doc.fsLayers) {
      const sum = descriptor(layer) as { blobSum?: unknown } | undefined;
      if (typeof sum?.blobSum !== 'string' || !DIGEST_PATTERN.test(sum.blobSum)) return { problem: 'a schema 1 layer has no valid blobSum' };
      blobs.add(sum.blobSum);
    }
    return { mediaType, isIndex: false, blobs: [...blobs], manifests: [], size: 0 };
  }

  if (INDEX_TYPES.includes(mediaType) || Array.isArray(doc.manifests)) {
    if (!Array.isArray(doc.manifests)) return { problem: 'an index needs manifests' };
    const manifests: string[] = [];
    for (const item of doc.manifests) {
      const child = descriptor(item);
      if (typeof child?.digest !== 'string' || !DIGEST_PATTERN.test(child.digest)) return { problem: 'an index entry has no valid digest' };
      manifests.push(child.digest);
    }
    return { mediaType, isIndex: true, blobs: [], manifests: [...new Set(manifests)], size: 0, ...(subjectDigest ? { subjectDigest } : {}) };
  }

  const config = descriptor(doc.config);
  if (!config || typeof config.digest !== 'string' || !DIGEST_PATTERN.test(config.digest)) return { problem: 'the manifest has no valid config descriptor' };
  if (!Array.isArray(doc.layers)) return { problem: 'the manifest has no layers list' };
  const blobs = [config.digest];
  let size = typeof config.size === 'number' ? config.size : 0;
  for (const item of doc.layers) {
    const layer = descriptor(item);
    if (typeof layer?.digest !== 'string' || !DIGEST_PATTERN.test(layer.digest)) return { problem: 'a layer has no valid digest' };
    if (typeof layer.size === 'number') size += layer.size;
    // Foreign layers (Windows base images) live elsewhere: they name urls and are never pushed.
    if (Array.isArray(layer.urls) && layer.urls.length > 0) continue;
    blobs.push(layer.digest);
  }
  return {
    mediaType,
    isIndex: false,
    blobs: [...new Set(blobs)],
    manifests: [],
    size,
    ...(typeof config.mediaType === 'string' ? { artifactMediaType: config.mediaType } : {}),
    ...(subjectDigest ? { subjectDigest } : {}),
  };
}

export function isManifestProblem(value: ParsedManifest | ManifestProblem): value is ManifestProblem {
  return 'problem' in value;
}
