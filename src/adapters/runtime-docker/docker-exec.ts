/**
 * ECS Exec's backend on Docker: an exec with a TTY (interactive) or
 * demultiplexed stdout/stderr, resized on request, and killed with every
 * process it started when the session ends (docker leaves an exec running
 * when its client goes away).
 *
 * The command runs under a one-line sh wrapper that prints its pid and then
 * `exec`s the command (so the pid stays the command's). With a TTY the
 * wrapper first waits for one line on its terminal, sent once the terminal
 * has its size (this engine API cannot size an exec at creation), so the
 * command starts with the right size; the echo of that line is dropped.
 * Killing is a second
 * exec that kills that pid, its descendants and its session (an interactive
 * shell puts each job in its own process group, but they share the session).
 */
import { PassThrough, type Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { ContainerExec, ExecProcess, ExecSpec } from '../../ports/container-exec.js';
import { engineAddress, type DockerEngineHost } from './engine-address.js';

const PID_MARKER = 'wharf-exec-pid:';

const WRAPPER = `echo "${PID_MARKER}$$"; exec "$@"`;
const TTY_WRAPPER = `echo "${PID_MARKER}$$"; IFS= read -r _; exec "$@"`;

/** Collects the process's descendants and session members from /proc, a few passes deep, and kills them. */
const KILL_TREE = [
  'R=$1; K=" $R "; i=0',
  'while [ $i -lt 6 ]; do i=$((i+1))',
  '  for f in /proc/[0-9]*/stat; do',
  '    p=${f#/proc/}; p=${p%/stat}',
  '    case "$K" in *" $p "*) continue;; esac',
  '    read -r l < "$f" 2>/dev/null || continue',
  '    l=${l##*) }; set -- $l',
  '    case "$K" in *" $2 "*) K="$K$p ";; *) [ "$4" = "$R" ] && K="$K$p ";; esac',
  '  done',
  'done',
  'kill -9 $K 2>/dev/null; true',
].join('\n');

export class DockerExec implements ContainerExec {
  private readonly docker: Docker;

  /** The engine as DockerRuntime takes it: a unix socket (the default's), or a remote engine's `host`. */
  constructor(options: { socketPath?: string; host?: DockerEngineHost } = {}) {
    this.docker = new Docker(engineAddress(options).dockerOptions);
  }

  async startExec(containerId: string, spec: ExecSpec): Promise<ExecProcess> {
    const container = this.docker.getContainer(containerId);
    const exec = await container.exec({
      Cmd: ['/bin/sh', '-c', spec.tty ? TTY_WRAPPER : WRAPPER, 'sh', ...spec.command],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: spec.tty,
      ...(spec.size ? { ConsoleSize: [spec.size.rows, spec.size.cols] } : {}),
    } as Docker.ExecCreateOptions);
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: spec.tty } as Docker.ExecStartOptions)) as unknown as Duplex;
    return new DockerExecProcess(this, containerId, exec, stream, spec.tty, spec.size);
  }

  async killTree(containerId: string, pid: string): Promise<void> {
    if (!/^\d+$/.test(pid)) return;
    try {
      const killer = await this.docker.getContainer(containerId).exec({ Cmd: ['/bin/sh', '-c', KILL_TREE, 'sh', pid], AttachStdout: true, AttachStderr: true });
      const output = (await killer.start({})) as unknown as NodeJS.ReadableStream;
      await new Promise<void>((resolve) => {
        output.on('end', resolve);
        output.on('close', resolve);
        output.on('error', () => resolve());
        output.resume();
      });
    } catch {
      // The container is gone: so are its processes.
    }
  }
}

class DockerExecProcess implements ExecProcess {
  private readonly listeners: ((chunk: Uint8Array, stream: 'stdout' | 'stderr') => void)[] = [];
  private readonly early: { chunk: Uint8Array; stream: 'stdout' | 'stderr' }[] = [];
  readonly pid: Promise<string | undefined>;
  private killing: Promise<void> | undefined;
  /** Input held back until the TTY wrapper was released. */
  private held: Uint8Array[] | undefined;
  readonly exited: Promise<number>;

  constructor(
    private readonly owner: DockerExec,
    private readonly containerId: string,
    private readonly exec: Docker.Exec,
    private readonly stream: Duplex,
    tty: boolean,
    size?: { readonly cols: number; readonly rows: number },
  ) {
    if (tty) this.held = [];
    let resolvePid!: (pid: string | undefined) => void;
    this.pid = new Promise((resolve) => (resolvePid = resolve));
    // The wrapper's first line is its pid: held back from the output.
    let head: Buffer | undefined = Buffer.alloc(0);
    // With a TTY, the echo of the release line ("\r\n") is the next output after the pid line.
    let echo: Buffer | undefined;
    const deliver = (chunk: Buffer, which: 'stdout' | 'stderr') => {
      if (echo !== undefined && which === 'stdout' && head === undefined) {
        echo = Buffer.concat([echo, chunk]);
        if (echo.length < 2 && '\r\n'.startsWith(echo.toString('latin1'))) return;
        chunk = echo.toString('latin1').startsWith('\r\n') ? echo.subarray(2) : echo;
        echo = undefined;
        if (chunk.length === 0) return;
      }
      if (head !== undefined && which === 'stdout') {
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(0x0a);
        if (newline < 0 && head.length < 64) return;
        const line = head.subarray(0, newline < 0 ? head.length : newline).toString('utf8').replace(/\r$/, '');
        const rest = newline < 0 ? Buffer.alloc(0) : head.subarray(newline + 1);
        head = undefined;
        resolvePid(line.startsWith(PID_MARKER) ? line.slice(PID_MARKER.length) : undefined);
        if (tty && line.startsWith(PID_MARKER)) {
          echo = Buffer.alloc(0);
          void this.release(size);
        }
        if (!line.startsWith(PID_MARKER)) chunk = Buffer.concat([Buffer.from(line), rest]);
        else chunk = rest;
        if (chunk.length === 0) return;
      }
      this.emit(new Uint8Array(chunk), which);
    };
    if (tty) {
      stream.on('data', (chunk: Buffer) => deliver(chunk, 'stdout'));
    } else {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      stdout.on('data', (chunk: Buffer) => deliver(chunk, 'stdout'));
      stderr.on('data', (chunk: Buffer) => deliver(chunk, 'stderr'));
      exec.modem.demuxStream(stream, stdout, stderr);
    }
    this.exited = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    }).then(async () => {
      resolvePid(undefined);
      // The engine may report the exit a moment after the stream ends.
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const info = await exec.inspect().catch(() => undefined);
        if (!info) return 255;
        if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return 255;
    });
  }

  onOutput(listener: (chunk: Uint8Array, stream: 'stdout' | 'stderr') => void): void {
    this.listeners.push(listener);
    for (const { chunk, stream } of this.early.splice(0)) listener(chunk, stream);
  }

  private emit(chunk: Uint8Array, stream: 'stdout' | 'stderr'): void {
    if (this.listeners.length === 0) this.early.push({ chunk, stream });
    for (const listener of this.listeners) listener(chunk, stream);
  }

  write(data: Uint8Array): void {
    if (this.held) this.held.push(data);
    else if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.write(data);
  }

  /** Sizes the terminal, then lets the TTY wrapper exec the command and passes on the input held meanwhile. */
  private async release(size: { readonly cols: number; readonly rows: number } | undefined): Promise<void> {
    if (size) await this.resize(size.cols, size.rows);
    const held = this.held ?? [];
    this.held = undefined;
    if (this.stream.destroyed) return;
    this.stream.write('\r');
    for (const data of held) this.stream.write(data);
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.exec.resize({ h: rows, w: cols }).catch(() => undefined);
  }

  kill(): Promise<void> {
    this.killing ??= this.killTree();
    return this.killing;
  }

  private async killTree(): Promise<void> {
    const pid = await Promise.race([this.pid, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000))]);
    if (pid) await this.owner.killTree(this.containerId, pid);
    this.stream.destroy();
  }
}
