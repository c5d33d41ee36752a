/**
 * Running a command inside a running container (ECS Exec's backend). Kept
 * beside the ContainerRuntime port rather than in it, so an engine without
 * exec can still run tasks.
 */

export interface ExecSpec {
  /** The program and its arguments, run directly (no shell). */
  readonly command: readonly string[];
  /** A pseudo-terminal: stdout and stderr arrive as one stream, resizable. */
  readonly tty: boolean;
  readonly size?: { readonly cols: number; readonly rows: number };
}

export interface ExecProcess {
  /** Output bytes as they come (stdout and stderr, in one stream with a TTY). */
  onOutput(listener: (chunk: Uint8Array, stream: 'stdout' | 'stderr') => void): void;
  write(data: Uint8Array): void;
  resize(cols: number, rows: number): Promise<void>;
  /** The exit code, once the process has ended and its output was delivered. */
  readonly exited: Promise<number>;
  /** Kills the process and every process it started in the container; idempotent. */
  kill(): Promise<void>;
  /** The process's id inside the container, once known (for killTree after a restart). */
  readonly pid: Promise<string | undefined>;
}

export interface ContainerExec {
  /** Throws when the container is missing or not running. */
  startExec(containerId: string, spec: ExecSpec): Promise<ExecProcess>;
  /** Kills a process (by its id inside the container) and everything it started; a missing container or process is fine. */
  killTree(containerId: string, pid: string): Promise<void>;
}
