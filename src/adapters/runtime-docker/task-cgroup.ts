/**
 * The task-level cgroup parent: Fargate bounds a task's cpu and memory as a
 * whole, on top of any per-container limits. Docker has no such notion, but
 * with the cgroupfs driver every container may be given a `CgroupParent`; all
 * of a task's containers get the same one, and the limits written on that
 * parent bound them together (the kernel OOM-kills inside it, and the engine
 * still reports OOMKilled=true with exit 137 for the victim).
 *
 * runc creates missing parent directories but never writes limits on them and
 * never removes them, so Wharf owns the `/<root>/<task>` level: it creates it
 * with the limits before the pause container starts in it, and removes it
 * (in every hierarchy runc populated) once the task's containers are gone.
 *
 * Paths are those of the host's cgroup tree: Wharf must see the same
 * /sys/fs/cgroup as dockerd (run it on the host, or in a container with the
 * host's cgroup namespace).
 */
import { mkdir, readdir, readFile, realpath, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../ports/logger.js';

export type CgroupLayout =
  /** cgroup v1 with the cgroupfs driver: one tree per controller under /sys/fs/cgroup/<controller>. */
  | 'v1'
  /** cgroup v2 (unified) with the cgroupfs driver: one tree, limits in memory.max / cpu.max. */
  | 'v2'
  /**
   * The systemd driver: a parent must then be a systemd slice whose limits are
   * set through systemd's D-Bus API, which Wharf does not do. Task-level limits
   * are not enforced (per-container limits still are); containers get no parent.
   */
  | 'unmanaged';

export interface TaskLimits {
  readonly cpuUnits?: number;
  readonly memoryMiB?: number;
}

/** The CFS period the quota is expressed against (the kernel's default, 100 ms). */
const CFS_PERIOD_US = 100_000;
/** How long removal waits for the kernel to let go of a cgroup (exiting tasks linger briefly). */
const REMOVE_DEADLINE_MS = 5_000;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Which layout the engine uses, from `GET /info`'s CgroupVersion and CgroupDriver. */
export function cgroupLayout(info: { CgroupVersion?: string; CgroupDriver?: string }): CgroupLayout {
  if (info.CgroupDriver !== undefined && info.CgroupDriver !== 'cgroupfs') return 'unmanaged';
  return info.CgroupVersion === '2' ? 'v2' : 'v1';
}

/** The parent path for a task, as given to the engine (`/<root>/<task>`). */
export function taskCgroupParent(root: string, sandboxName: string): string {
  return `/${checkSegment(root)}/${checkSegment(sandboxName)}`;
}

export class TaskCgroups {
  constructor(
    readonly layout: CgroupLayout,
    private readonly logger: Logger,
    private readonly fsRoot = '/sys/fs/cgroup',
  ) {}

  /** Creates the parent and writes the limits. Safe to call again for the same parent. */
  async create(parent: string, limits: TaskLimits): Promise<void> {
    checkParent(parent);
    if (this.layout === 'v1') await this.createV1(parent, limits);
    else if (this.layout === 'v2') await this.createV2(parent, limits);
    this.logger.debug({ parent, layout: this.layout, ...limits }, 'task cgroup parent created');
  }

  /**
   * Removes the parent in every hierarchy, children first (a container's own
   * cgroup can outlive it by a moment). Missing directories are fine; one the
   * kernel still holds after a few seconds is an error naming the directory.
   */
  async remove(parent: string): Promise<void> {
    if (this.layout === 'unmanaged' || parent === '') return;
    checkParent(parent);
    for (const dir of await this.directoriesOf(parent)) await removeTree(dir, Date.now() + REMOVE_DEADLINE_MS);
    this.logger.debug({ parent }, 'task cgroup parent removed');
  }

  /** The directories that exist for a parent right now (for tests and diagnostics). */
  async existing(parent: string): Promise<string[]> {
    const found: string[] = [];
    for (const dir of await this.directoriesOf(parent)) if (await isDirectory(dir)) found.push(dir);
    return found;
  }

  /**
   * Removes the task folders under `/<root>` that a dead Wharf left (a -9
   * between a task's end and its cleanup): a folder goes only when no
   * process is in it or below it, no container of the engine bears its name
   * (a stopped task of a live Wharf keeps its folder until that Wharf removes
   * it), and it is older than `minAgeMs` (a live Wharf makes the folder just
   * before the pause container that fills it). Returns the names removed.
   */
  async sweepLeftovers(root: string, containerNames: ReadonlySet<string>, minAgeMs: number, now = Date.now()): Promise<string[]> {
    if (this.layout === 'unmanaged') return [];
    const removed = new Set<string>();
    for (const dir of await this.directoriesOf(`/${checkSegment(root)}`)) {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (!entry.isDirectory() || containerNames.has(entry.name)) continue;
        const path = join(dir, entry.name);
        const info = await stat(path).catch(() => undefined);
        if (!info || now - info.mtimeMs < minAgeMs || (await hasProcesses(path))) continue;
        try {
          await removeTree(path, Date.now() + REMOVE_DEADLINE_MS);
          removed.add(entry.name);
        } catch (error) {
          this.logger.warn({ err: error, path }, 'a leftover task cgroup could not be removed');
        }
      }
    }
    return [...removed];
  }

  /** Removes the shared `/<root>` level once no task is left under it (tests use a root per run). */
  async removeRoot(root: string): Promise<void> {
    if (this.layout === 'unmanaged') return;
    for (const dir of await this.directoriesOf(`/${checkSegment(root)}`)) await removeTree(dir, Date.now() + REMOVE_DEADLINE_MS);
  }

  private async createV1(parent: string, limits: TaskLimits): Promise<void> {
    const memory = await this.hierarchy('memory');
    const cpu = await this.hierarchy('cpu');
    const cpuacct = await this.hierarchy('cpuacct');
    if (!memory || !cpu) throw new Error(`cgroup v1 memory and cpu hierarchies not found under ${this.fsRoot}`);

    const memoryDir = join(memory, parent);
    await mkdir(memoryDir, { recursive: true });
    if (limits.memoryMiB) {
      const bytes = String(limits.memoryMiB * 1024 * 1024);
      await writeFile(join(memoryDir, 'memory.limit_in_bytes'), bytes);
      // Fargate has no swap: memory+swap gets the same bound (absent when swap accounting is off).
      await writeOptional(join(memoryDir, 'memory.memsw.limit_in_bytes'), bytes);
    }

    const cpuDir = join(cpu, parent);
    await mkdir(cpuDir, { recursive: true });
    if (limits.cpuUnits) {
      await writeFile(join(cpuDir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      await writeFile(join(cpuDir, 'cpu.cfs_quota_us'), String(cfsQuota(limits.cpuUnits)));
      // Under contention tasks share the host in proportion to their size, as ECS's agent weighs containers.
      await writeFile(join(cpuDir, 'cpu.shares'), String(Math.max(2, limits.cpuUnits)));
    }
    // cpuacct mounted on its own: create it too so the task's CPU usage can be read at one place.
    if (cpuacct && cpuacct !== cpu) await mkdir(join(cpuacct, parent), { recursive: true });
  }

  private async createV2(parent: string, limits: TaskLimits): Promise<void> {
    // Controllers must be enabled in every ancestor's subtree_control before a
    // child can set cpu.max / memory.max; the root and `/<root>` hold no processes,
    // so enabling them there is allowed.
    const [, root] = parent.split('/');
    await enableControllers(this.fsRoot);
    await mkdir(join(this.fsRoot, root!), { recursive: true });
    await enableControllers(join(this.fsRoot, root!));
    const dir = join(this.fsRoot, parent);
    await mkdir(dir, { recursive: true });
    if (limits.memoryMiB) {
      await writeFile(join(dir, 'memory.max'), String(limits.memoryMiB * 1024 * 1024));
      await writeOptional(join(dir, 'memory.swap.max'), '0');
    }
    if (limits.cpuUnits) await writeFile(join(dir, 'cpu.max'), `${cfsQuota(limits.cpuUnits)} ${CFS_PERIOD_US}`);
  }

  /** The mount of one v1 controller, resolved through symlinks such as cpu -> cpu,cpuacct. */
  private async hierarchy(controller: string): Promise<string | undefined> {
    try {
      return await realpath(join(this.fsRoot, controller));
    } catch {
      return undefined;
    }
  }

  /** Every place runc may have made the parent: each distinct v1 hierarchy, or the single v2 tree. */
  private async directoriesOf(parent: string): Promise<string[]> {
    if (this.layout === 'v2') return [join(this.fsRoot, parent)];
    const mounts = new Set<string>();
    for (const entry of await readdir(this.fsRoot)) {
      const path = join(this.fsRoot, entry);
      if (!(await isDirectory(path))) continue;
      if (!(await exists(join(path, 'cgroup.procs')))) continue;
      mounts.add(await realpath(path));
    }
    return [...mounts].sort().map((mount) => join(mount, parent));
  }
}

/** cpuUnits/1024 CPUs as a CFS quota; the kernel refuses quotas under 1 ms. */
function cfsQuota(cpuUnits: number): number {
  return Math.max(1000, Math.round((cpuUnits / 1024) * CFS_PERIOD_US));
}

async function enableControllers(dir: string): Promise<void> {
  const available = (await readFile(join(dir, 'cgroup.controllers'), 'utf8')).split(/\s+/);
  const wanted = ['cpu', 'memory'].filter((c) => available.includes(c));
  if (wanted.length > 0) await writeFile(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
}

/**
 * rmdir children first, then the directory. A cgroup directory is "empty" for
 * rmdir when it has no child cgroups and no tasks (its control files do not
 * count), and EBUSY while the kernel still lists a task: then retry briefly.
 */
async function removeTree(dir: string, deadline: number): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) if (entry.isDirectory()) await removeTree(join(dir, entry.name), deadline);
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) {
        const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
        throw new Error(`cannot remove cgroup ${dir} (${code ?? String(err)})${procs.trim() ? `; processes still in it: ${procs.trim().split('\n').join(', ')}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Whether any process is in this cgroup or one below it. */
async function hasProcesses(dir: string): Promise<boolean> {
  const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  if (procs.trim() !== '') return true;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory() && (await hasProcesses(join(dir, entry.name)))) return true;
  return false;
}

async function writeOptional(file: string, value: string): Promise<void> {
  try {
    await writeFile(file, value);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function errno(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Path segments go into rmdir and mkdir as root: accept only plain names. */
function checkSegment(segment: string): string {
  if (!SEGMENT.test(segment)) throw new Error(`not a valid cgroup name: ${JSON.stringify(segment)}`);
  return segment;
}

function checkParent(parent: string): void {
  const parts = parent.split('/');
  if (parts.length !== 3 || parts[0] !== '') throw new Error(`not a Wharf task cgroup parent: ${JSON.stringify(parent)}`);
  checkSegment(parts[1]!);
  checkSegment(parts[2]!);
}
