import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFileOnce } from './private-files.js';

/**
 * A 32-byte server key kept as hex in `<dataDir>/<fileName>` with mode 0600,
 * made on first use: two processes starting on one
 * directory both end up with whichever key was written first (createFileOnce).
 */
export function dataDirKey(dataDir: string, fileName: string): Buffer {
  const file = join(dataDir, fileName);
  if (!existsSync(file)) createFileOnce(file, `${randomBytes(32).toString('hex')}\n`);
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
