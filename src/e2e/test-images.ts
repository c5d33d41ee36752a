/**
 * The image tests run their containers from: `wharf-test/busybox:latest`, the
 * host's static /bin/busybox with every applet linked into /bin (sh, sleep,
 * httpd, nc, wget, echo, ...) and a /tmp, built locally because no registry is
 * reachable.
 *
 * It is loaded with the pause image's builder: the image is assembled byte for
 * byte the same way every time, so its id never changes and any number of test
 * processes may call this at once (each loads the same id under the same tag;
 * nothing is left dangling). Within one process the work is done once.
 */
import Docker from 'dockerode';
import { ensureBusyboxImage } from '../adapters/runtime-docker/busybox-image.js';

export const TEST_IMAGE = 'wharf-test/busybox:latest';

let pending: Promise<string> | undefined;

export async function ensureTestImage(): Promise<string> {
  pending ??= ensureBusyboxImage(new Docker({ socketPath: process.env.WHARF_DOCKER_SOCKET ?? '/var/run/docker.sock' }), {
    tag: TEST_IMAGE,
    cmd: ['sh'],
    labels: { 'wharf.image': 'test' },
  }).then(
    () => TEST_IMAGE,
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return pending;
}

/**
 * `wharf-test/node-sdk:latest`: this host's `node` binary with the shared
 * libraries `ldd` names, the AWS SDK's STS client (and what it requires) from
 * this project's node_modules, and a script that makes `new STSClient({})`
 * with no configuration at all and prints GetCallerIdentity as JSON (or
 * `{error, message}`). An unmodified SDK inside a task, for the metadata and
 * credentials tests. Built with `docker build` from a temporary context and
 * labelled with a hash of what went in, so it is built once.
 */
export const NODE_SDK_IMAGE = 'wharf-test/node-sdk:latest';

const NODE_SDK_SCRIPT = `const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
new STSClient({}).send(new GetCallerIdentityCommand({})).then(
  (out) => console.log(JSON.stringify({ Arn: out.Arn, Account: out.Account, UserId: out.UserId })),
  (err) => { console.log(JSON.stringify({ error: err.name, message: err.message })); process.exitCode = 1; },
);
`;

let pendingNodeSdk: Promise<string> | undefined;

export function ensureNodeSdkImage(): Promise<string> {
  pendingNodeSdk ??= buildNodeSdkImage().catch((err: unknown) => {
    pendingNodeSdk = undefined;
    throw err;
  });
  return pendingNodeSdk;
}

async function buildNodeSdkImage(): Promise<string> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { createHash } = await import('node:crypto');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const os = await import('node:os');
  const { fileURLToPath } = await import('node:url');
  const run = promisify(execFile);

  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const nodeBinary = fs.realpathSync(process.execPath);
  const libraries = (await run('ldd', [nodeBinary])).stdout
    .split('\n')
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((lib): lib is string => lib !== undefined);
  const packages = packageClosure(projectRoot, '@aws-sdk/client-sts', fs, path);

  const hash = createHash('sha256');
  hash.update(`${process.version}\n${fs.statSync(nodeBinary).size}\n${NODE_SDK_SCRIPT}\n${libraries.join('\n')}\n`);
  for (const dir of packages) hash.update(`${path.relative(projectRoot, dir)}@${JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version}\n`);
  const content = hash.digest('hex').slice(0, 32);

  const current = await run('docker', ['image', 'inspect', NODE_SDK_IMAGE, '--format', '{{index .Config.Labels "wharf.content"}}']).then(
    ({ stdout }) => stdout.trim(),
    () => '',
  );
  if (current === content) return NODE_SDK_IMAGE;

  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-node-sdk-'));
  try {
    const rootfs = path.join(context, 'rootfs');
    const place = (from: string, to: string) => {
      fs.mkdirSync(path.dirname(path.join(rootfs, to)), { recursive: true });
      fs.cpSync(from, path.join(rootfs, to), { recursive: true, dereference: true });
    };
    place(nodeBinary, '/usr/local/bin/node');
    for (const lib of libraries) place(lib, lib);
    for (const dir of packages) place(dir, path.join('/app', path.relative(projectRoot, dir)));
    fs.writeFileSync(path.join(rootfs, 'app', 'caller.cjs'), NODE_SDK_SCRIPT);
    fs.writeFileSync(
      path.join(context, 'Dockerfile'),
      `FROM scratch\nCOPY rootfs/ /\nLABEL wharf.image=test wharf.content=${content}\nWORKDIR /app\nENTRYPOINT ["/usr/local/bin/node", "/app/caller.cjs"]\n`,
    );
    await run('docker', ['build', '-q', '-t', NODE_SDK_IMAGE, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  return NODE_SDK_IMAGE;
}

/** The directories of `name` and of everything it depends on, found as node would from the project root. */
function packageClosure(root: string, name: string, fs: typeof import('node:fs'), path: typeof import('node:path')): string[] {
  const found = new Set<string>();
  const visit = (pkg: string, fromDir: string) => {
    let dir: string | undefined;
    for (let at = fromDir; ; at = path.dirname(at)) {
      const candidate = path.join(at, 'node_modules', pkg);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        dir = candidate;
        break;
      }
      if (at === root || path.dirname(at) === at) break;
    }
    if (!dir) return; // an optional dependency not installed here
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dep, dir);
  };
  visit(name, root);
  // A nested package is copied with its parent: keep only the outermost directories.
  return [...found].filter((dir) => ![...found].some((other) => other !== dir && dir.startsWith(other + path.sep)));
}
