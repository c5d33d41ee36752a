import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DIGEST, IMAGE_TAG, REPOSITORY_NAME, type ImageRecord, type RepositoryRecord } from '../../domain/ecr/records.js';
import { parseAwsRegistryHost } from '../../domain/ecr/image-reference.js';
import { DigestMismatchError, UploadUnknownError, type BlobStore, type RegistryCredentials } from '../../ports/blob-store.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Scope, Store, StoredRecord } from '../../ports/store.js';
import {
  blobUnknown,
  blobUploadUnknown,
  digestInvalid,
  manifestBlobUnknown,
  manifestInvalid,
  manifestUnknown,
  nameInvalid,
  nameUnknown,
  rangeInvalid,
  RegistryError,
  tagInvalid,
  unauthorized,
  unsupported,
} from './errors.js';
import { accepts, parseManifest } from './manifest.js';
import { blobLocation, manifestLocation, matchRoute, uploadLocation } from './paths.js';
import { RegistryRecords } from './records.js';

/** Manifests are kept in memory; ECR's limit is 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Upload sessions untouched this long are abandoned. */
const UPLOAD_TTL_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

export interface RegistryOptions {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly credentials: RegistryCredentials;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Caller {
  readonly scope: Scope;
}

interface UploadBinding extends Scope {
  readonly repository: string;
}

const API_VERSION = { 'docker-distribution-api-version': 'registry/2.0' };

/**
 * The Docker Registry HTTP API v2 (OCI distribution) that `docker push` and
 * `docker pull` speak, under `/v2/` on Wharf's port. Every request carries
 * Basic auth `AWS:<password>` from GetAuthorizationToken; the password's
 * account and region are the store scope the request acts in. Repositories
 * must exist (ECR does not create them on push). Blob bytes stream between
 * the socket and the BlobStore; only manifests are held in memory.
 *
 * Upload sessions belong to the repository and scope that started them; the
 * binding lives in this process, so a restart ends every session in progress
 * (docker starts the layer again). Sessions untouched for an hour are swept,
 * files of an earlier process's sessions included. (The BlobStore's sessions
 * are shared with the ECR API's layer uploads, which keep their own records.)
 */
export class Registry {
  private readonly records: RegistryRecords;
  private readonly uploads = new Map<string, UploadBinding>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: RegistryOptions) {
    this.records = new RegistryRecords(options.store);
  }

  /** Sweeps abandoned uploads now (those of an earlier process included) and every few minutes. */
  async start(): Promise<void> {
    await this.sweep();
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) => this.options.logger.warn({ err: error }, 'registry upload sweep failed'));
    }, SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Removes upload sessions untouched for `olderThanMs`; returns how many. */
  async sweep(olderThanMs = UPLOAD_TTL_MS): Promise<number> {
    const removed = await this.options.blobs.sweepUploads(olderThanMs);
    for (const id of [...this.uploads.keys()]) {
      if ((await this.options.blobs.uploadSize(id)) === undefined) this.uploads.delete(id);
    }
    return removed;
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await this.route(req, res);
    } catch (error) {
      if (res.headersSent || res.destroyed || (req.destroyed && !req.complete)) {
        // The client went away mid-body (an interrupted push or pull): nothing to answer.
        this.options.logger.debug({ err: error, url: req.url }, 'registry transfer interrupted');
        res.destroy();
        return;
      }
      const failure = this.toRegistryError(error);
      if (!req.complete) res.setHeader('connection', 'close');
      if (failure.status === 401) res.setHeader('www-authenticate', this.challenge(req));
      const body = failure.body();
      res.writeHead(failure.status, { ...API_VERSION, ...failure.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
  };

  private toRegistryError(error: unknown): RegistryError {
    if (error instanceof RegistryError) return error;
    if (error instanceof UploadUnknownError) return blobUploadUnknown(error.uploadId);
    if (error instanceof DigestMismatchError) return digestInvalid(undefined, { expected: error.expected, actual: error.actual });
    this.options.logger.error({ err: error }, 'registry request failed');
    return new RegistryError(500, 'UNKNOWN', 'unknown error');
  }

  private challenge(req: IncomingMessage): string {
    const host = req.headers.host && /^[A-Za-z0-9.:[\]-]+$/.test(req.headers.host) ? req.headers.host : '127.0.0.1';
    return `Basic realm="http://${host}/v2/",service="ecr.amazonaws.com"`;
  }

  private authenticate(req: IncomingMessage): Caller {
    const header = req.headers.authorization;
    if (!header) throw unauthorized();
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!match) throw unauthorized('Basic authentication with user AWS and a password from GetAuthorizationToken is required');
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const scope = colon < 0 || user !== 'AWS' ? undefined : this.options.credentials.verify(decoded.slice(colon + 1), this.options.clock.now());
    if (!scope) throw unauthorized('Your authorization token is invalid or has expired. Get a new one with aws ecr get-login-password and log in again.');
    return { scope };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const route = matchRoute(url.pathname);
    const caller = this.authenticate(req);
    // The registry answers to Wharf's host and to AWS's name for the caller's registry (reached through a hosts entry);
    // AWS's name of another account's or region's registry is not the one the token was issued for.
    const named = parseAwsRegistryHost(req.headers.host ?? '');
    if (named && (named.account !== caller.scope.account || named.region !== caller.scope.region)) {
      throw unauthorized(`The authorization token was issued for the registry of account ${caller.scope.account} in ${caller.scope.region}, not for ${req.headers.host}.`); // (unverified) wording
    }
    if (!route) throw new RegistryError(404, 'NOT_FOUND', `no registry route for ${url.pathname}`);
    const method = req.method ?? 'GET';
    if (route.kind === 'base') {
      if (method !== 'GET' && method !== 'HEAD') throw unsupported(`${method} is not supported on /v2/`);
      return sendJson(res, 200, {});
    }
    if (route.kind === 'catalog') return this.catalog(caller, url, res);

    if (!REPOSITORY_NAME.test(route.name)) throw nameInvalid(route.name);
    const repository = await this.records.repository(caller.scope, route.name);
    if (!repository) throw nameUnknown(route.name, caller.scope.account);
    const repo = repository.doc;

    switch (route.kind) {
      case 'tags':
        if (method !== 'GET') throw unsupported(`${method} is not supported on tags/list`);
        return this.tags(caller, repo, url, res);
      case 'manifest':
        if (method === 'GET' || method === 'HEAD') return this.getManifest(req, res, caller, repo, route.reference, method === 'HEAD');
        if (method === 'PUT') return this.putManifest(req, res, caller, repo, route.reference);
        if (method === 'DELETE') return this.deleteManifest(res, caller, repo, route.reference);
        throw unsupported(`${method} is not supported on manifests`);
      case 'blob':
        if (method === 'GET' || method === 'HEAD') return this.getBlob(req, res, caller, repo, route.digest, method === 'HEAD');
        if (method === 'DELETE') {
          checkDigest(route.digest);
          if (!(await this.records.unlink(caller.scope, repo.repositoryName, route.digest))) throw blobUnknown(route.digest);
          return sendEmpty(res, 202, { 'docker-content-digest': route.digest });
        }
        throw unsupported(`${method} is not supported on blobs`);
      case 'uploads':
        if (method !== 'POST') throw unsupported(`${method} is not supported on blobs/uploads/`);
        return this.startUpload(req, res, caller, repo, url);
      case 'upload': {
        const binding = this.uploads.get(route.uploadId);
        if (!binding || binding.account !== caller.scope.account || binding.region !== caller.scope.region || binding.repository !== repo.repositoryName) {
          throw blobUploadUnknown(route.uploadId);
        }
        if (method === 'GET') return this.uploadStatus(res, repo.repositoryName, route.uploadId);
        if (method === 'PATCH') return this.patchUpload(req, res, repo.repositoryName, route.uploadId);
        if (method === 'PUT') return this.finishUpload(req, res, caller, repo.repositoryName, route.uploadId, url);
        if (method === 'DELETE') {
          this.uploads.delete(route.uploadId);
          await this.options.blobs.cancelUpload(route.uploadId);
          return sendEmpty(res, 204);
        }
        throw unsupported(`${method} is not supported on an upload`);
      }
    }
  }

  // ---- blobs ----

  private async getBlob(req: IncomingMessage, res: ServerResponse, caller: Caller, repo: RepositoryRecord, digest: string, headOnly: boolean): Promise<void> {
    checkDigest(digest);
    const info = (await this.records.layer(caller.scope, repo.repositoryName, digest)) && (await this.options.blobs.stat(digest));
    if (!info) throw blobUnknown(digest);
    const headers: Record<string, string | number> = {
      ...API_VERSION,
      'docker-content-digest': digest,
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: `"${digest}"`,
      'cache-control': 'max-age=31536000',
    };
    const range = headOnly ? undefined : parseRange(req.headers.range, info.size);
    if (range === 'unsatisfiable') throw rangeInvalid('requested range not satisfiable', { 'content-range': `bytes */${info.size}` });
    if (range) {
      res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${info.size}` });
    } else {
      res.writeHead(200, { ...headers, 'content-length': info.size });
    }
    if (headOnly || info.size === 0) return void res.end();
    const bytes = this.options.blobs.read(digest, range);
    // A store that hands out a Node stream (the filesystem one) is piped as it is: no extra copy per chunk.
    await pipeline(bytes instanceof Readable ? bytes : Readable.from(bytes), res);
  }

  private async startUpload(req: IncomingMessage, res: ServerResponse, caller: Caller, repo: RepositoryRecord, url: URL): Promise<void> {
    const name = repo.repositoryName;
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount && from && DIGEST.test(mount) && REPOSITORY_NAME.test(from) && (await this.records.repository(caller.scope, from))) {
      // Cross-repository mount: the caller can read `from` (same account and region) and the blob is there.
      const info = (await this.records.layer(caller.scope, from, mount)) && (await this.options.blobs.stat(mount));
      if (info) {
        await this.records.link(caller.scope, name, mount, info.size, this.options.clock.now());
        return sendEmpty(res, 201, { location: blobLocation(name, mount), 'docker-content-digest': mount });
      }
    }
    const digest = url.searchParams.get('digest');
    const uploadId = await this.options.blobs.startUpload();
    if (digest !== null) {
      // Monolithic upload: the whole blob in this request's body.
      try {
        checkDigest(digest);
        await this.options.blobs.appendUpload(uploadId, req);
        const info = await this.options.blobs.finishUpload(uploadId, digest);
        await this.records.link(caller.scope, name, digest, info.size, this.options.clock.now());
        return sendEmpty(res, 201, { location: blobLocation(name, digest), 'docker-content-digest': digest });
      } finally {
        await this.options.blobs.cancelUpload(uploadId);
      }
    }
    this.uploads.set(uploadId, { ...caller.scope, repository: name });
    return sendEmpty(res, 202, { location: uploadLocation(name, uploadId), range: '0-0', 'docker-upload-uuid': uploadId });
  }

  private async uploadStatus(res: ServerResponse, name: string, uploadId: string): Promise<void> {
    const size = await this.options.blobs.uploadSize(uploadId);
    if (size === undefined) throw blobUploadUnknown(uploadId);
    return sendEmpty(res, 204, uploadHeaders(name, uploadId, size));
  }

  private async patchUpload(req: IncomingMessage, res: ServerResponse, name: string, uploadId: string): Promise<void> {
    const size = await this.options.blobs.uploadSize(uploadId);
    if (size === undefined) throw blobUploadUnknown(uploadId);
    const contentRange = req.headers['content-range'];
    if (contentRange !== undefined) {
      const match = /^(?:bytes )?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(contentRange.trim());
      if (!match || Number(match[1]) !== size || Number(match[2]) < Number(match[1])) {
        throw rangeInvalid(`the chunk must start at byte ${size}`, { location: uploadLocation(name, uploadId), range: rangeHeader(size), 'docker-upload-uuid': uploadId });
      }
    }
    const after = await this.options.blobs.appendUpload(uploadId, req);
    return sendEmpty(res, 202, uploadHeaders(name, uploadId, after));
  }

  private async finishUpload(req: IncomingMessage, res: ServerResponse, caller: Caller, name: string, uploadId: string, url: URL): Promise<void> {
    const digest = url.searchParams.get('digest');
    if (digest === null) throw digestInvalid('the digest parameter is required to finish an upload');
    checkDigest(digest);
    // The final chunk may come with the PUT.
    if (hasBody(req)) await this.options.blobs.appendUpload(uploadId, req);
    let info;
    try {
      info = await this.options.blobs.finishUpload(uploadId, digest);
    } catch (error) {
      if (error instanceof DigestMismatchError) {
        // As distribution does: a session that failed verification is over.
        this.uploads.delete(uploadId);
        await this.options.blobs.cancelUpload(uploadId);
      }
      throw error;
    }
    this.uploads.delete(uploadId);
    await this.records.link(caller.scope, name, digest, info.size, this.options.clock.now());
    return sendEmpty(res, 201, { location: blobLocation(name, digest), 'docker-content-digest': digest });
  }

  // ---- manifests ----

  private async findManifest(caller: Caller, repo: RepositoryRecord, reference: string) {
    if (DIGEST.test(reference)) return this.records.image(caller.scope, repo.repositoryName, reference);
    if (reference.startsWith('sha256:') || reference.includes(':')) throw digestInvalid('invalid digest', { digest: reference });
    if (!IMAGE_TAG.test(reference)) throw tagInvalid('invalid tag', { tag: reference });
    return this.records.imageByTag(caller.scope, repo.repositoryName, reference);
  }

  private async getManifest(req: IncomingMessage, res: ServerResponse, caller: Caller, repo: RepositoryRecord, reference: string, headOnly: boolean): Promise<void> {
    const record = await this.findManifest(caller, repo, reference);
    if (!record) throw manifestUnknown(reference);
    const image = record.doc;
    if (!accepts(req.headers.accept, image.imageManifestMediaType)) {
      throw new RegistryError(404, 'MANIFEST_UNKNOWN', `the manifest is a '${image.imageManifestMediaType}', which the Accept header does not list`, { reference });
    }
    const bytes = Buffer.from(image.manifestBase64, 'base64');
    res.writeHead(200, {
      ...API_VERSION,
      'content-type': image.imageManifestMediaType,
      'content-length': bytes.length,
      'docker-content-digest': image.imageDigest,
      etag: `"${image.imageDigest}"`,
    });
    res.end(headOnly ? undefined : bytes);
    if (!headOnly) this.notePull(caller.scope, record);
  }

  private notePull(scope: Scope, record: StoredRecord<ImageRecord>): void {
    this.records.recordPull(scope, record, this.options.clock.now()).catch((error: unknown) => {
      this.options.logger.debug({ err: error }, 'could not record an image pull');
    });
  }

  private async putManifest(req: IncomingMessage, res: ServerResponse, caller: Caller, repo: RepositoryRecord, reference: string): Promise<void> {
    const byDigest = DIGEST.test(reference);
    if (!byDigest && !IMAGE_TAG.test(reference)) throw tagInvalid('invalid tag', { tag: reference });
    const bytes = await readLimited(req, MAX_MANIFEST_BYTES);
    const manifest = parseManifest(bytes, req.headers['content-type']);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (byDigest && reference !== digest) throw digestInvalid('the manifest digest does not match the reference', { expected: reference, actual: digest });
    const name = repo.repositoryName;
    for (const blob of manifest.blobs) {
      const linked = await this.records.layer(caller.scope, name, blob.digest);
      if (!linked || !(await this.options.blobs.stat(blob.digest))) throw manifestBlobUnknown(blob.digest);
    }
    for (const child of manifest.children) {
      if (!(await this.records.image(caller.scope, name, child.digest))) throw manifestBlobUnknown(child.digest);
    }
    const image = {
      mediaType: manifest.mediaType,
      isIndex: manifest.kind === 'index',
      blobs: manifest.blobs.map((blob) => blob.digest),
      manifests: manifest.children.map((child) => child.digest),
      size: manifest.size,
      ...(manifest.artifactMediaType ? { artifactMediaType: manifest.artifactMediaType } : {}),
    };
    await this.records.putImage(caller.scope, name, { digest, manifest: image, manifestBase64: Buffer.from(bytes).toString('base64') }, byDigest ? undefined : reference, this.options.clock.now());
    return sendEmpty(res, 201, { location: manifestLocation(name, digest), 'docker-content-digest': digest });
  }

  private async deleteManifest(res: ServerResponse, caller: Caller, repo: RepositoryRecord, reference: string): Promise<void> {
    const name = repo.repositoryName;
    if (DIGEST.test(reference)) {
      if (!(await this.records.deleteImage(caller.scope, name, reference))) throw manifestUnknown(reference);
    } else {
      if (!IMAGE_TAG.test(reference)) throw tagInvalid('invalid tag', { tag: reference });
      if (!(await this.records.deleteTag(caller.scope, name, reference))) throw manifestUnknown(reference);
    }
    return sendEmpty(res, 202);
  }

  // ---- listings ----

  private async tags(caller: Caller, repo: RepositoryRecord, url: URL, res: ServerResponse): Promise<void> {
    const all = (await this.records.images(caller.scope, repo.repositoryName)).flatMap((record) => record.doc.imageTags).sort();
    const { n, last } = pageParams(url);
    const rest = last === undefined ? all : all.filter((tag) => tag > last);
    const page = n === undefined ? rest : rest.slice(0, n);
    if (n !== undefined && rest.length > n && page.length > 0) {
      res.setHeader('link', `</v2/${repo.repositoryName}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`);
    }
    return sendJson(res, 200, { name: repo.repositoryName, tags: page });
  }

  private async catalog(caller: Caller, url: URL, res: ServerResponse): Promise<void> {
    const { n, last } = pageParams(url);
    const limit = n ?? 1000;
    const names = await this.records.repositories(caller.scope, last, limit + 1);
    const page = names.slice(0, limit);
    if (names.length > limit && page.length > 0) res.setHeader('link', `</v2/_catalog?n=${limit}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`);
    return sendJson(res, 200, { repositories: page });
  }
}

function checkDigest(digest: string): void {
  if (!DIGEST.test(digest)) throw digestInvalid('invalid digest: only sha256 digests are supported', { digest });
}

function pageParams(url: URL): { n?: number; last?: string } {
  const nText = url.searchParams.get('n');
  const last = url.searchParams.get('last') ?? undefined;
  let n: number | undefined;
  if (nText !== null && nText !== '') {
    n = Number(nText);
    if (!Number.isInteger(n) || n < 0) throw new RegistryError(400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { n: nText });
  }
  return { ...(n !== undefined ? { n } : {}), ...(last !== undefined ? { last } : {}) };
}

/** A single `bytes=` range within `size`, 'unsatisfiable', or undefined for the whole blob. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined; // several ranges or another unit: serve the whole blob
  const [, first, second] = match as unknown as [string, string, string];
  if (first === '' && second === '') return undefined;
  if (first === '') {
    const suffix = Number(second);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = second === '' ? size - 1 : Math.min(Number(second), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function rangeHeader(size: number): string {
  return `0-${size > 0 ? size - 1 : 0}`;
}

function uploadHeaders(name: string, uploadId: string, size: number): Record<string, string> {
  return { location: uploadLocation(name, uploadId), range: rangeHeader(size), 'docker-upload-uuid': uploadId };
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return Number(req.headers['content-length'] ?? 0) > 0;
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new RegistryError(413, 'MANIFEST_INVALID', `manifest invalid: larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RegistryError(413, 'MANIFEST_INVALID', `manifest invalid: larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) throw manifestInvalid('manifest invalid: the body is empty');
  return Buffer.concat(chunks);
}

function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...API_VERSION, ...headers, 'content-length': 0 });
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...API_VERSION, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
