import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The data directory holds the store (secrets sealed, but names, ARNs and
 * tags in clear), the logs, the metrics, the keys and the registry's blobs:
 * it is the owner's alone. The directory and every directory in it are 0700,
 * every file 0600, made so at creation and put back at start-up if an
 * operator (or an older Wharf, which left its databases 0644) loosened them.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and its parents) owner-only; an existing one is tightened. */
export function createPrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates an empty file owner-only if missing (SQLite then opens it as a new
 * database and gives its -wal and -shm files the same permissions).
 */
export function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * Writes `content` to `file` owner-only unless the file exists, whole or not
 * at all: written beside it first, then hard-linked into place, which fails
 * if another process got there first. Of several Wharfs starting on one
 * shared data directory, every one then reads the same complete key, never
 * a file another has created but not yet filled.
 */
export function createFileOnce(file: string, content: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  writeFileSync(draft, content, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
}

/**
 * Tightens the whole tree: group and other bits are cleared on every
 * directory and regular file (symlinks are not followed). Returns how many
 * entries were changed, for the start-up log.
 */
export function securePrivateTree(root: string): number {
  createPrivateDir(root);
  let changed = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (tighten(path, PRIVATE_DIR_MODE)) changed++;
        walk(path);
      } else if (entry.isFile()) {
        if (tighten(path, PRIVATE_FILE_MODE)) changed++;
      }
    }
  };
  walk(root);
  return changed;
}

function tighten(path: string, mode: number): boolean {
  try {
    const current = lstatSync(path).mode & 0o777;
    if ((current & 0o077) === 0) return false;
    chmodSync(path, mode);
    return true;
  } catch (error) {
    // Removed meanwhile (an upload finishing): nothing to tighten.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
