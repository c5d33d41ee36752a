import { DIGEST } from '../../domain/ecr/records.js';
import { manifestInvalid } from './errors.js';

/** The manifest media types docker and OCI clients push. */
export const MEDIA_TYPE = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const KNOWN = new Set<string>(Object.values(MEDIA_TYPE));
const SCHEMA1 = new Set(['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']);
const INDEXES = new Set<string>([MEDIA_TYPE.dockerList, MEDIA_TYPE.ociIndex]);

/** Layers that live elsewhere (Windows base layers): their bytes are never pushed, so they are not checked. */
const FOREIGN_LAYERS = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface ParsedManifest {
  readonly mediaType: string;
  readonly kind: 'image' | 'index';
  /** Blobs (config and distributable layers) that must exist in the repository before this manifest. */
  readonly blobs: readonly Descriptor[];
  /** Child manifests (of an index) that must exist in the repository before it. */
  readonly children: readonly Descriptor[];
  /** Config plus layer sizes (an image); 0 for an index, whose size is its children's. */
  readonly size: number;
  /** The config's media type (an image), as ECR reports artifactMediaType. */
  readonly artifactMediaType?: string;
}

export function isIndexMediaType(mediaType: string): boolean {
  return INDEXES.has(mediaType);
}

/**
 * Reads a pushed manifest: which of the four media types it is (the
 * Content-Type, else its own mediaType field, else its shape, as OCI allows),
 * and what it references. Throws MANIFEST_INVALID for anything else.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw manifestInvalid(`manifest invalid: the body is not JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) throw manifestInvalid('manifest invalid: the body is not a JSON object');
  const declared = normaliseType(contentType);
  const own = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  if (json.mediaType !== undefined && typeof json.mediaType !== 'string') throw manifestInvalid('manifest invalid: mediaType must be a string');
  if ((declared && SCHEMA1.has(declared)) || json.schemaVersion === 1) throw manifestInvalid('manifest invalid: schema 1 manifests are not supported; push with a current docker (schema 2 or OCI)');
  if (json.schemaVersion !== 2) throw manifestInvalid('manifest invalid: schemaVersion must be 2');
  if (declared && KNOWN.has(declared) && own !== undefined && own !== declared) {
    throw manifestInvalid(`manifest invalid: mediaType in manifest should be '${declared}' not '${own}'`);
  }
  const mediaType = (declared && KNOWN.has(declared) ? declared : undefined) ?? (own && KNOWN.has(own) ? own : undefined) ?? inferType(json, own);

  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(json.manifests)) throw manifestInvalid('manifest invalid: an index needs a manifests array');
    const children = json.manifests.map((item, index) => descriptor(item, `manifests[${index}]`));
    return { mediaType, kind: 'index', blobs: [], children, size: 0 };
  }
  const config = descriptor(json.config, 'config');
  if (json.layers !== undefined && !Array.isArray(json.layers)) throw manifestInvalid('manifest invalid: layers must be an array');
  const layers = ((json.layers ?? []) as unknown[]).map((item, index) => descriptor(item, `layers[${index}]`));
  if (mediaType === MEDIA_TYPE.dockerManifest && layers.length === 0) throw manifestInvalid('manifest invalid: a docker image manifest needs at least one layer');
  const blobs = [config, ...layers.filter((layer) => !FOREIGN_LAYERS.has(layer.mediaType))];
  const size = config.size + layers.reduce((sum, layer) => sum + layer.size, 0);
  return { mediaType, kind: 'image', blobs, children: [], size, artifactMediaType: config.mediaType };
}

function inferType(json: Record<string, unknown>, own: string | undefined): string {
  if (own !== undefined) throw manifestInvalid(`manifest invalid: unsupported manifest media type '${own}'`);
  if (Array.isArray(json.manifests)) return MEDIA_TYPE.ociIndex;
  if (json.config !== undefined) return MEDIA_TYPE.ociManifest;
  throw manifestInvalid('manifest invalid: neither an image manifest (config, layers) nor an index (manifests)');
}

function normaliseType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw manifestInvalid(`manifest invalid: ${where} must be a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw manifestInvalid(`manifest invalid: ${where}.mediaType is missing`);
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw manifestInvalid(`manifest invalid: ${where}.digest must be a sha256 digest`, { digest });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw manifestInvalid(`manifest invalid: ${where}.size must be a non-negative integer`);
  return { mediaType, digest, size };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a client's Accept header takes `mediaType`. No Accept header (or a
 * wildcard) takes anything; an index is only served to clients that list its
 * type, as distribution does.
 */
export function accepts(acceptHeader: string | string[] | undefined, mediaType: string): boolean {
  const values = (Array.isArray(acceptHeader) ? acceptHeader.join(',') : (acceptHeader ?? ''))
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .filter(Boolean);
  if (values.length === 0) return true;
  if (values.includes(mediaType) || values.includes('*/*') || values.includes('application/*')) return true;
  // A single image manifest is what every client can read; only indexes need asking for.
  return !isIndexMediaType(mediaType);
}
