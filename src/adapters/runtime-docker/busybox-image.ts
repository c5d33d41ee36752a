/**
 * Builds small local images out of the host's static /bin/busybox, for the
 * pause container and for tests: no registry is reachable, so nothing can be
 * pulled, and a `docker build` would need a RUN step (a container start) just to
 * make the applet symlinks.
 *
 * Instead the image is assembled in memory in the `docker save` format (one
 * layer tarball, an image config, manifest.json) and handed to `POST
 * /images/load`. Every byte is fixed (mtimes, owners, the `created` date), so
 * the image id is a pure function of the busybox binary and the command: any
 * number of processes loading it at the same time produce the same id, leave no
 * dangling duplicates and never fight over the tag.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { isNotFound } from './engine-errors.js';
import { drainProgress } from './json-lines.js';

export interface BusyboxImageSpec {
  /** repository:tag to load the image as, e.g. `wharf/pause:1`. */
  readonly tag: string;
  readonly cmd: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  /** A statically linked busybox; the default is Debian busybox-static's. */
  readonly busyboxPath?: string;
}

const FIXED_TIME = new Date('2000-01-01T00:00:00Z');
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface TarEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink';
  readonly mode: number;
  readonly content?: Buffer;
  readonly linkname?: string;
}

/** Returns the image id, loading the image first if the tag is not there yet. */
export async function ensureBusyboxImage(docker: Docker, spec: BusyboxImageSpec): Promise<string> {
  try {
    return (await docker.getImage(spec.tag).inspect()).Id;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const archive = await buildImageArchive(spec);
  await drainProgress(await docker.loadImage(Readable.from([archive]), { quiet: true }));
  return (await docker.getImage(spec.tag).inspect()).Id;
}

/** The `docker save`-format tarball for the image (exported for tests of determinism). */
export async function buildImageArchive(spec: BusyboxImageSpec): Promise<Buffer> {
  const busyboxPath = spec.busyboxPath ?? '/bin/busybox';
  const busybox = await readFile(busyboxPath).catch((err: unknown) => {
    throw new Error(`cannot read ${busyboxPath} to build ${spec.tag} (install Debian's busybox-static): ${String(err)}`);
  });
  const applets = await listApplets(busyboxPath);

  const layer = await tarball(rootfsEntries(busybox, applets));
  const diffId = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: goArch(process.arch),
      os: 'linux',
      created: FIXED_TIME.toISOString(),
      config: { Env: [PATH_ENV], Cmd: [...spec.cmd], WorkingDir: '/', Labels: { ...(spec.labels ?? {}) } },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
      history: [{ created: FIXED_TIME.toISOString(), created_by: `wharf: ${busyboxPath} with its applets linked into /bin` }],
    }),
  );
  const configName = `${sha256(config)}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [spec.tag], Layers: [`${diffId}/layer.tar`] }]));
  return tarball([
    { name: `${diffId}/`, type: 'directory', mode: 0o755 },
    { name: `${diffId}/layer.tar`, type: 'file', mode: 0o644, content: layer },
    { name: configName, type: 'file', mode: 0o644, content: config },
    { name: 'manifest.json', type: 'file', mode: 0o644, content: manifest },
  ]);
}

/** What `busybox --install -s /bin` would make, plus /tmp and a minimal /etc so `User: nobody` works. */
function rootfsEntries(busybox: Buffer, applets: readonly string[]): TarEntry[] {
  const entries: TarEntry[] = [
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/busybox', type: 'file', mode: 0o755, content: busybox },
  ];
  for (const applet of applets) {
    if (applet !== 'busybox') entries.push({ name: `bin/${applet}`, type: 'symlink', mode: 0o777, linkname: '/bin/busybox' });
  }
  entries.push(
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/passwd', type: 'file', mode: 0o644, content: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') },
    { name: 'etc/group', type: 'file', mode: 0o644, content: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { name: 'root/', type: 'directory', mode: 0o700 },
    // Sticky and world-writable, as on any Linux system; the image has no /tmp otherwise.
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  );
  return entries;
}

async function listApplets(busyboxPath: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(busyboxPath, ['--list']);
  // Sorted so the layer (and with it the image id) does not depend on busybox's output order.
  return stdout.split('\n').map((s) => s.trim()).filter((s) => /^[A-Za-z0-9_.[-]+$/.test(s)).sort();
}

function tarball(entries: readonly TarEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on('error', reject);
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    for (const e of entries) {
      const header = {
        name: e.name,
        type: e.type,
        mode: e.mode,
        mtime: FIXED_TIME,
        uid: 0,
        gid: 0,
        uname: 'root',
        gname: 'root',
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      };
      if (e.content) pack.entry(header, e.content);
      else pack.entry(header);
    }
    pack.finalize();
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Docker names architectures as Go does. */
function goArch(nodeArch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[nodeArch] ?? nodeArch;
}
