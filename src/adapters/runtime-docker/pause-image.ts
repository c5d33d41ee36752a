/**
 * The pause image: the process that holds a task's network namespace (and sits
 * first in its cgroup parent) while the task's containers come and go.
 *
 * It is busybox `sleep` under a shell that traps SIGTERM: PID 1 in a container
 * ignores signals it has no handler for, so a bare `sleep` would sit out the
 * whole stop timeout and be SIGKILLed. With the trap, `wait` is interrupted, the
 * shell exits 0 and the kernel kills the orphaned sleep with the namespace.
 * The full applet set is kept (it shares its layer with the test image) so that
 * `docker exec <pause> netstat -tln` can debug a task's network.
 */
import type Docker from 'dockerode';
import { ensureBusyboxImage } from './busybox-image.js';

export const PAUSE_IMAGE = 'wharf/pause:1';

export const PAUSE_COMMAND = ['/bin/sh', '-c', "trap 'exit 0' TERM INT; sleep 2147483647 & wait"] as const;

export function ensurePauseImage(docker: Docker): Promise<string> {
  return ensureBusyboxImage(docker, {
    tag: PAUSE_IMAGE,
    cmd: PAUSE_COMMAND,
    // Not the wharf.managed label: images pass their labels on to every container made from them.
    labels: { 'wharf.image': 'pause' },
  });
}
