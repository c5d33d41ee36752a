import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@aws-sdk/client-ecs';
import { WHARF_LABELS } from '../../ports/runtime.js';
import { docker, spawnWharf } from '../harness.js';

/** A `wharf up` child process that a test kills with SIGKILL and starts again on the same port and data directory. */
export class CrashableWharf {
  /** The last lines Wharf logged (warnings and errors), across restarts: what a failed scenario prints. */
  private readonly logLines: string[] = [];

  private constructor(
    readonly dataDir: string,
    private child: ChildProcess,
    private url: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.follow(child);
  }

  private follow(child: ChildProcess): void {
    const keep = (chunk: Buffer) => {
      this.logLines.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.logLines.length > 200) this.logLines.splice(0, this.logLines.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  logTail(): string {
    return this.logLines.join('\n');
  }

  static async start(name: string, env: NodeJS.ProcessEnv = {}): Promise<CrashableWharf> {
    const dataDir = mkdtempSync(join(tmpdir(), `wharf-${name}-`));
    const { child, endpoint } = await spawnWharf(dataDir, 0, env);
    return new CrashableWharf(dataDir, child, endpoint, env);
  }

  get endpoint(): string {
    return this.url;
  }

  private exited(): Promise<void> {
    const child = this.child;
    return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  }

  /** kill -9, then start again on the same port and data directory. */
  async crashAndRestart(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited();
    const port = Number(new URL(this.url).port);
    const { child, endpoint } = await spawnWharf(this.dataDir, port, this.env);
    this.child = child;
    this.follow(child);
    this.logLines.push(`--- restarted ${new Date().toISOString()}`);
    this.url = endpoint;
  }

  async stop(): Promise<void> {
    await fetch(`${this.url}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    this.child.kill('SIGTERM');
    await this.exited();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The engine's containers of this Wharf for one task: name, state, status. */
  async containersOf(taskArn: string): Promise<string> {
    return docker(['ps', '-a', '--filter', `label=${WHARF_LABELS.taskArn}=${taskArn}`, '--format', '{{.Names}} {{.State}} {{.Status}}']);
  }

  /** Task ARN -> how many app containers of this Wharf the engine runs for it. */
  async runningContainersByTask(): Promise<Map<string, number>> {
    const instance = readFileSync(join(this.dataDir, 'instance-id'), 'utf8').trim();
    const lines = await docker(['ps', '--filter', `label=${WHARF_LABELS.instance}=${instance}`, '--filter', `label=${WHARF_LABELS.role}=app`, '--format', `{{.Label "${WHARF_LABELS.taskArn}"}}`]);
    const counts = new Map<string, number>();
    for (const arn of lines.split('\n').filter(Boolean)) counts.set(arn, (counts.get(arn) ?? 0) + 1);
    return counts;
  }
}

/** Problems between the tasks ECS says run and the containers the engine runs: lost, duplicated or orphaned. */
export function containerProblems(running: readonly Task[], containers: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  const arns = new Set(running.map((t) => t.taskArn!));
  for (const task of running) {
    const count = containers.get(task.taskArn!) ?? 0;
    if (count === 0) problems.push(`lost: ${task.taskArn} is RUNNING with no container`);
    if (count > 1) problems.push(`duplicate: ${task.taskArn} has ${count} containers`);
  }
  for (const [arn, count] of containers) if (!arns.has(arn)) problems.push(`orphan: ${count} container(s) for ${arn}, which is not a running task`);
  return problems;
}
