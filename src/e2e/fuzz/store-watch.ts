import { statSync } from 'node:fs';
import { join } from 'node:path';

const FILES = ['wharf.db', 'wharf.db-wal', 'logs.db', 'logs.db-wal', 'metrics.db', 'metrics.db-wal'];

/**
 * Whether anything was committed to Wharf's SQLite files between two reads.
 * Wharf holds its databases in exclusive locking mode, so no second
 * connection may read them while it runs; but in WAL mode every commit
 * appends to the `-wal` file and no read touches a file, so the files'
 * sizes and nanosecond mtimes change exactly when something was written.
 */
export class StoreWatch {
  constructor(private readonly dataDir: string) {}

  version(): string {
    return FILES.map((file) => {
      try {
        const stat = statSync(join(this.dataDir, file), { bigint: true });
        return `${file}:${stat.size}:${stat.mtimeNs}`;
      } catch {
        return `${file}:absent`;
      }
    }).join(' ');
  }

  close(): void {}
}
