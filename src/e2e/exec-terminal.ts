/**
 * A real pseudo-terminal for ECS Exec tests: a detached tmux session (its own
 * server socket) running one command, typed into with send-keys and read with
 * capture-pane.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './harness.js';

const run = promisify(execFile);

export class TmuxTerminal {
  private constructor(private readonly socket: string, private readonly name: string) {}

  /** Starts `command` (a shell line) with `env` in a cols x rows terminal; writes a small script under `dir`. */
  static async start(dir: string, name: string, command: string, env: NodeJS.ProcessEnv, size = { cols: 120, rows: 40 }): Promise<TmuxTerminal> {
    const script = join(dir, `${name}.sh`);
    const exports = Object.entries(env)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `export ${key}='${String(value).replace(/'/g, "'\\''")}'`)
      .join('\n');
    // The exit status is printed after the command so a test can read it, and the pane stays open to be read.
    writeFileSync(script, `${exports}\n${command}\necho "[exit status: $?]"\nsleep 600\n`, { mode: 0o700 });
    const socket = `wharf-exec-${process.pid}-${name}`;
    await run('tmux', ['-L', socket, 'new-session', '-d', '-s', name, '-x', String(size.cols), '-y', String(size.rows), `/bin/sh ${script}`]);
    return new TmuxTerminal(socket, name);
  }

  async screen(): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.socket, 'capture-pane', '-p', '-J', '-t', this.name, '-S', '-2000']);
    return stdout;
  }

  /** Literal text (no key names). */
  async type(text: string): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, '-l', text]);
  }

  /** Key names: Enter, C-c, ... */
  async keys(...keys: string[]): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, ...keys]);
  }

  async resize(cols: number, rows: number): Promise<void> {
    await run('tmux', ['-L', this.socket, 'resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows)]);
  }

  async waitForScreen(test: (screen: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    try {
      return await waitFor(() => this.screen(), test, timeoutMs, what);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${await this.screen().catch(() => '')}`);
    }
  }

  async close(): Promise<void> {
    await run('tmux', ['-L', this.socket, 'kill-server']).catch(() => undefined);
  }
}
