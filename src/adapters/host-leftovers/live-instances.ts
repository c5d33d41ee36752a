import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Which Wharf instances are alive on this host, for sweeping what dead ones
 * left behind (iptables rules commented `wharf:<instance id>`).
 *
 * The rule: an instance is live while some process holds its data
 * directory's `wharf.db` open. A Wharf opens its store (with SQLite's
 * exclusive lock) before it reads its instance id and before it adds any
 * rule, and keeps it open until it exits; a process killed with -9 holds
 * nothing. So the ids are read from `<dir>/instance-id` beside every
 * `wharf.db` some process on the host has open (/proc/<pid>/fd), which needs
 * no cooperation from the other Wharfs, whatever their version. Processes
 * whose descriptors cannot be read (another user's, without root) make the
 * answer incomplete, so `complete` is false and callers sweep nothing.
 */
export interface LiveInstances {
  readonly ids: ReadonlySet<string>;
  /** False when some process could not be looked into: then no instance may be presumed dead. */
  readonly complete: boolean;
}

export async function liveInstances(procRoot = '/proc'): Promise<LiveInstances> {
  const ids = new Set<string>();
  let complete = true;
  const dataDirs = new Set<string>();
  for (const pid of await readdir(procRoot)) {
    if (!/^\d+$/.test(pid)) continue;
    let fds: string[];
    try {
      fds = await readdir(join(procRoot, pid, 'fd'));
    } catch (error) {
      // Exited meanwhile: it holds nothing. Not allowed to look: we cannot tell.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') complete = false;
      continue;
    }
    for (const fd of fds) {
      const target = await readlink(join(procRoot, pid, 'fd', fd)).catch(() => '');
      if (basename(target) === 'wharf.db') dataDirs.add(dirname(target));
      // A running Wharf whose data directory was deleted under it: its id is unreadable, so nothing is presumed dead.
      else if (basename(target) === 'wharf.db (deleted)') complete = false;
    }
  }
  for (const dir of dataDirs) {
    const id = (await readFile(join(dir, 'instance-id'), 'utf8').catch(() => '')).trim();
    if (id) ids.add(id);
  }
  return { ids, complete };
}
