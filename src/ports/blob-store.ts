/**
 * Content-addressed blob storage for the registry (layers, image configs).
 * A blob becomes visible only once its bytes are complete and match their
 * digest; uploads in progress are private to their session and swept when
 * abandoned. The filesystem adapter keeps blobs in the data directory; a
 * multi-host Wharf can put an object store behind the same port.
 */
export interface BlobInfo {
  readonly digest: string;
  readonly size: number;
}

export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/** An upload id with no session: finished, cancelled, swept, or never started. */
export class UploadUnknownError extends Error {
  constructor(readonly uploadId: string) {
    super(`upload ${uploadId} is unknown`);
    this.name = 'UploadUnknownError';
  }
}

export interface BlobStore {
  stat(digest: string): Promise<BlobInfo | undefined>;
  /** The blob's bytes, optionally a byte range [start, end] inclusive; iterating fails if the blob is gone (stat first). */
  read(digest: string, range?: { start: number; end: number }): AsyncIterable<Uint8Array>;
  /** Starts an upload session; returns its id. */
  startUpload(): Promise<string>;
  /** Appends bytes to a session; returns the session's size afterwards (UploadUnknownError without a session). */
  appendUpload(uploadId: string, chunk: AsyncIterable<Uint8Array>): Promise<number>;
  uploadSize(uploadId: string): Promise<number | undefined>;
  /**
   * Verifies the session's bytes against `digest` and publishes the blob (idempotent when it already exists);
   * DigestMismatchError leaves the session as it was, UploadUnknownError without a session.
   */
  finishUpload(uploadId: string, digest: string): Promise<BlobInfo>;
  cancelUpload(uploadId: string): Promise<void>;
  /** Writes a whole blob at once (verified), for PutImage-style callers. */
  put(digest: string, bytes: Uint8Array): Promise<BlobInfo>;
  delete(digest: string): Promise<void>;
  /** Removes upload sessions untouched for longer than `olderThanMs`. */
  sweepUploads(olderThanMs: number): Promise<number>;
}

/**
 * Registry credentials: GetAuthorizationToken mints them, the registry checks
 * them. The password is a signed, expiring statement of the account and region
 * it acts in (docker sends it back as Basic auth with user `AWS`).
 */
export interface RegistryCredentials {
  mint(account: string, region: string, now: Date): { password: string; expiresAt: Date };
  /** The account and region a password acts in, or undefined when it is forged or expired. */
  verify(password: string, now: Date): { account: string; region: string } | undefined;
}
