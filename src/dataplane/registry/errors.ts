/**
 * The distribution spec's errors: `{"errors":[{"code","message","detail"}]}`
 * with the status the spec (and ECR) answers for each code.
 */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: unknown,
    /** Extra response headers (e.g. the upload's Range on a 416). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  body(): string {
    return JSON.stringify({ errors: [{ code: this.code, message: this.message, detail: this.detail ?? null }] });
  }
}

export const unauthorized = (message = 'authentication required') => new RegistryError(401, 'UNAUTHORIZED', message);

/** ECR's RepositoryNotFoundException wording. */
export const nameUnknown = (name: string, account: string) =>
  new RegistryError(404, 'NAME_UNKNOWN', `The repository with name '${name}' does not exist in the registry with id '${account}'`, { name });

export const nameInvalid = (name: string) => new RegistryError(400, 'NAME_INVALID', 'invalid repository name', { name });

export const blobUnknown = (digest: string) => new RegistryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest });

export const blobUploadUnknown = (id: string) => new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { uuid: id });

export const digestInvalid = (message = 'provided digest did not match uploaded content', detail?: unknown) => new RegistryError(400, 'DIGEST_INVALID', message, detail);

export const manifestUnknown = (reference: string) => new RegistryError(404, 'MANIFEST_UNKNOWN', 'Requested image not found', { reference });

export const manifestInvalid = (message: string, detail?: unknown) => new RegistryError(400, 'MANIFEST_INVALID', message, detail);

export const manifestBlobUnknown = (digest: string) => new RegistryError(400, 'MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { digest });

/**
 * Also how ECR refuses to move an immutable tag on the registry API (the docker
 * CLI prints "tag invalid: The image tag '...' already exists in the '...'
 * repository and cannot be overwritten because the repository is immutable.").
 */
export const tagInvalid = (message: string, detail?: unknown) => new RegistryError(400, 'TAG_INVALID', message, detail);

export const rangeInvalid = (message: string, headers: Record<string, string> = {}) => new RegistryError(416, 'RANGE_INVALID', message, undefined, headers);

export const unsupported = (message: string) => new RegistryError(405, 'UNSUPPORTED', message);
