import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DIGEST } from '../../domain/ecr/records.js';
import { DigestMismatchError, UploadUnknownError, type BlobInfo, type BlobStore } from '../../ports/blob-store.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What is known about an upload while this process runs it: the running hash of its bytes. */
interface Session {
  hash: Hash;
  size: number;
}

/**
 * Blobs as files under `<root>/blobs/sha256/<first two hex>/<hex>`, uploads as
 * files under `<root>/uploads/<id>`. Bytes are hashed while they are appended,
 * checked against the digest when the upload finishes, and published with one
 * rename, so a reader sees a whole verified blob or nothing: an upload that is
 * interrupted (a dropped connection, a killed process) only ever leaves a file
 * in uploads/, which sweepUploads removes. Two uploads of the same blob may
 * finish at once: both renames put identical bytes at the same name, and the
 * one that finds the blob already there just drops its copy.
 *
 * Files are not fsynced: a crashed process never shows a half blob, but a
 * power loss may lose recent blobs (the next push uploads them again).
 */
export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly sessions = new Map<string, Session>();
  /** The last queued step per upload: appends and the finish of one session run one at a time. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly busy = new Set<string>();
  private ready: Promise<void> | undefined;

  constructor(root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.uploadsDir = join(root, 'uploads');
  }

  private prepare(): Promise<void> {
    this.ready ??= Promise.all([mkdir(this.blobsDir, { recursive: true, mode: PRIVATE_DIR_MODE }), mkdir(this.uploadsDir, { recursive: true, mode: PRIVATE_DIR_MODE })]).then(() => undefined);
    return this.ready;
  }

  /** The file of a digest, or undefined for anything that is not a sha256 digest (never a path outside the store). */
  private blobPath(digest: string): string | undefined {
    if (!DIGEST.test(digest)) return undefined;
    const hex = digest.slice('sha256:'.length);
    return join(this.blobsDir, hex.slice(0, 2), hex);
  }

  private uploadPath(uploadId: string): string | undefined {
    return UPLOAD_ID.test(uploadId) ? join(this.uploadsDir, uploadId) : undefined;
  }

  async stat(digest: string): Promise<BlobInfo | undefined> {
    const file = this.blobPath(digest);
    if (!file) return undefined;
    const info = await statOrUndefined(file);
    return info?.isFile() ? { digest, size: info.size } : undefined;
  }

  read(digest: string, range?: { start: number; end: number }): AsyncIterable<Uint8Array> {
    const file = this.blobPath(digest);
    if (!file) throw notFound(digest);
    // The file stream itself, in 1 MiB reads: the registry pipes it straight into the response, which is
    // what makes a pull as cheap as distribution's. An open file keeps its bytes if the blob is replaced meanwhile.
    return createReadStream(file, { highWaterMark: 1024 * 1024, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async startUpload(): Promise<string> {
    await this.prepare();
    const id = randomUUID();
    await writeFile(join(this.uploadsDir, id), new Uint8Array(0), { flag: 'wx', mode: PRIVATE_FILE_MODE });
    this.sessions.set(id, { hash: createHash('sha256'), size: 0 });
    return id;
  }

  appendUpload(uploadId: string, chunk: AsyncIterable<Uint8Array>): Promise<number> {
    return this.serially(uploadId, async (file, session) => {
      const hashing = new Transform({
        transform(data: Buffer, _encoding, done) {
          session.hash.update(data);
          session.size += data.length;
          done(null, data);
        },
      });
      try {
        await pipeline(chunk, hashing, createWriteStream(file, { flags: 'a', mode: PRIVATE_FILE_MODE, highWaterMark: 256 * 1024 }));
      } catch (error) {
        // The file may hold bytes the hash never saw (or the reverse): rebuild both from the file next time.
        this.sessions.delete(uploadId);
        throw error;
      }
      return session.size;
    });
  }

  async uploadSize(uploadId: string): Promise<number | undefined> {
    const file = this.uploadPath(uploadId);
    if (!file) return undefined;
    const info = await statOrUndefined(file);
    if (!info) {
      this.sessions.delete(uploadId);
      return undefined;
    }
    const session = this.sessions.get(uploadId);
    // While an append runs the file may be ahead of what the session has counted; the file is the truth.
    return session && session.size <= info.size ? session.size : info.size;
  }

  finishUpload(uploadId: string, digest: string): Promise<BlobInfo> {
    return this.serially(uploadId, async (file, session) => {
      const actual = `sha256:${session.hash.copy().digest('hex')}`;
      if (actual !== digest) throw new DigestMismatchError(digest, actual);
      const size = session.size;
      await this.publish(file, digest);
      this.sessions.delete(uploadId);
      return { digest, size };
    });
  }

  async cancelUpload(uploadId: string): Promise<void> {
    const file = this.uploadPath(uploadId);
    this.sessions.delete(uploadId);
    if (file) await rm(file, { force: true });
  }

  async put(digest: string, bytes: Uint8Array): Promise<BlobInfo> {
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
    const existing = await this.stat(digest);
    if (existing) return existing;
    await this.prepare();
    const temp = join(this.uploadsDir, randomUUID());
    await writeFile(temp, bytes, { flag: 'wx', mode: PRIVATE_FILE_MODE });
    await this.publish(temp, digest);
    return { digest, size: bytes.length };
  }

  async delete(digest: string): Promise<void> {
    const file = this.blobPath(digest);
    if (!file) return;
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async sweepUploads(olderThanMs: number): Promise<number> {
    await this.prepare();
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of await readdir(this.uploadsDir)) {
      const file = join(this.uploadsDir, name);
      const info = await statOrUndefined(file);
      // Whole milliseconds, as Date.now() counts: a file written this very millisecond is as old as `now`, not newer.
      if (!info || Math.floor(info.mtimeMs) > cutoff) continue;
      // A session in the middle of an append or finish is not stale, whatever its mtime says.
      if (this.busy.has(name)) continue;
      await rm(file, { force: true, recursive: true });
      this.sessions.delete(name);
      removed++;
    }
    return removed;
  }

  /** Moves a verified file to its blob name; when the blob is already there the copy is dropped. */
  private async publish(file: string, digest: string): Promise<void> {
    const target = this.blobPath(digest)!;
    if (await this.stat(digest)) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(join(target, '..'), { recursive: true, mode: PRIVATE_DIR_MODE });
    // rename(2) is atomic: readers see no blob or the whole blob. A concurrent
    // publish of the same digest replaces identical bytes with identical bytes.
    await rename(file, target);
  }

  /**
   * Runs `step` after every earlier step of the same session, with its file
   * and its running hash (rebuilt from the file when this process does not
   * know the session, e.g. after a failed append or a restart).
   */
  private serially<T>(uploadId: string, step: (file: string, session: Session) => Promise<T>): Promise<T> {
    const file = this.uploadPath(uploadId);
    if (!file) return Promise.reject(new UploadUnknownError(uploadId));
    const previous = this.locks.get(uploadId) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        this.busy.add(uploadId);
        try {
          return await step(file, await this.session(uploadId, file));
        } finally {
          this.busy.delete(uploadId);
        }
      });
    this.locks.set(uploadId, run);
    const forget = () => {
      if (this.locks.get(uploadId) === run) this.locks.delete(uploadId);
    };
    run.then(forget, forget);
    return run;
  }

  private async session(uploadId: string, file: string): Promise<Session> {
    const known = this.sessions.get(uploadId);
    if (known) {
      if (await statOrUndefined(file)) return known;
      this.sessions.delete(uploadId);
      throw new UploadUnknownError(uploadId);
    }
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of createReadStream(file)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UploadUnknownError(uploadId);
      throw error;
    }
    const session: Session = { hash, size };
    this.sessions.set(uploadId, session);
    return session;
  }
}

function notFound(digest: string): Error {
  return Object.assign(new Error(`blob ${digest} not found`), { code: 'ENOENT' });
}

async function statOrUndefined(file: string) {
  try {
    return await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
