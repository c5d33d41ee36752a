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
