/**
 * ECS Exec's session endpoint (`session.streamUrl`), on Wharf's own port:
 * a WebSocket speaking the Session Manager data channel as the SSM agent
 * does (domain/exec/agent-session.ts), behind it an exec in the task's
 * container (the ContainerExec port). The first frame is the client's JSON
 * token; a token opens its session once, before it expires. A session ends
 * when the command exits, the client goes away, the session is terminated
 * (SSM TerminateSession) or the task stops; the command and everything it
 * started are killed then.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { KIND, taskRecordId } from '../../domain/ecs/record-keys.js';
import { FrameError } from '../../domain/exec/agent-message.js';
import { AgentSession, type AgentEffect } from '../../domain/exec/agent-session.js';
import { checkExecToken, EXEC_PATH_PREFIX, EXEC_SESSION_KIND, parseExecToken, splitCommand, sweepDecision, type ExecSessionRecord } from '../../domain/exec/exec-session.js';
import { RETRANSMISSION } from '../../domain/exec/stream-channel.js';
import type { Task } from '../../domain/task/task.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerExec, ExecProcess } from '../../ports/container-exec.js';
import type { Logger } from '../../ports/logger.js';
import type { LogStore } from '../../ports/log-store.js';
import { retryOnStale, type Scope, type Store } from '../../ports/store.js';
import { SessionLog } from './session-log.js';

const FIRST_SIZE_WAIT_MS = 500;
const SWEEP_INTERVAL_MS = 10 * 60_000;
const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

export interface ExecEndpointDeps {
  readonly store: Store;
  /** The local engine's exec: Fargate tasks' containers (and the sweep of orphaned commands). */
  readonly exec: ContainerExec;
  /**
   * The exec of a task on a registered host (its engine); undefined when the
   * host cannot be reached from here. Without it every task is the local engine's.
   */
  readonly execOnHost?: (scope: Scope, task: Task) => Promise<ContainerExec | undefined>;
  readonly logs: LogStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface LiveSession {
  readonly scope: Scope;
  readonly record: ExecSessionRecord;
  end(reason: string): void;
}

export class ExecEndpoint {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly live = new Map<string, LiveSession>();
  private unwatch: (() => void)[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly deps: ExecEndpointDeps) {}

  start(): void {
    // A stopped task or a terminated session ends its live sessions.
    this.unwatch.push(this.deps.store.watch(KIND.task, (change) => void this.checkTasks(change.scope, change.id)));
    this.unwatch.push(this.deps.store.watch(EXEC_SESSION_KIND, (change) => void this.checkSession(change.scope, change.id)));
    this.sweep();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  stop(): void {
    for (const stop of this.unwatch.splice(0)) stop();
    if (this.sweeper) clearInterval(this.sweeper);
    for (const session of [...this.live.values()]) session.end('');
  }

  /** The HTTP server's `upgrade` event: true when the request was for this endpoint. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(EXEC_PATH_PREFIX)) return false;
    const sessionId = decodeURIComponent(path.slice(EXEC_PATH_PREFIX.length));
    this.server.handleUpgrade(req, socket, head, (ws) => this.connected(ws, sessionId));
    return true;
  };

  private connected(ws: WebSocket, sessionId: string): void {
    const timeout = setTimeout(() => ws.close(1008, 'no token'), 10_000);
    ws.once('message', (data, isBinary) => {
      clearTimeout(timeout);
      if (isBinary) return ws.close(1008, 'the first message must be the token');
      void this.authenticate(ws, sessionId, rawText(data)).catch((err: unknown) => {
        this.deps.logger.warn({ err, sessionId }, 'exec session failed to open');
        ws.close(1011, 'internal error');
      });
    });
  }

  private async authenticate(ws: WebSocket, sessionId: string, text: string): Promise<void> {
    let open: { TokenValue?: unknown; ClientVersion?: unknown };
    try {
      open = JSON.parse(text) as typeof open;
    } catch {
      return ws.close(1008, 'malformed token message');
    }
    const token = parseExecToken(open.TokenValue);
    if (!token || token.sessionId !== sessionId) return ws.close(1008, 'invalid token');
    const scope: Scope = { account: token.account, region: token.region };
    const digest = createHash('sha256').update(token.secret).digest('hex');
    // Taking the token is one optimistic write: two connections racing with one token cannot both win.
    const taken = await retryOnStale(async () => {
      const stored = await this.deps.store.get<ExecSessionRecord>(EXEC_SESSION_KIND, scope, sessionId);
      const check = checkExecToken(stored?.doc, digest, this.deps.clock.now().getTime());
      if (!check.ok || !stored) return { error: check.ok ? 'session not found' : check.reason };
      const doc: ExecSessionRecord = { ...stored.doc, tokenUsedAt: this.deps.clock.now().getTime(), status: 'Connected' };
      await this.deps.store.write([{ op: 'put', kind: EXEC_SESSION_KIND, scope, id: sessionId, doc, expect: stored.version }]);
      return { doc };
    });
    if (!('doc' in taken) || !taken.doc) return ws.close(1008, `refused: ${'error' in taken ? taken.error : ''}`);
    const record = taken.doc;
    const task = (await this.deps.store.get<Task>(KIND.task, scope, taskRecordId(record.clusterName, record.taskId)))?.doc;
    const containerId = task?.wharf.containerIds[record.containerName];
    if (!task || task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING' || !containerId) {
      await this.markTerminated(scope, sessionId);
      return ws.close(1008, 'the task is not running');
    }
    const runtimeId = task.containers.find((container) => container.name === record.containerName)?.runtimeId ?? containerId;
    const exec = task.wharf.containerInstanceId !== undefined && this.deps.execOnHost ? await this.deps.execOnHost(scope, task) : this.deps.exec;
    if (!exec) {
      await this.markTerminated(scope, sessionId);
      return ws.close(1011, "the task's host cannot be reached");
    }
    this.run(ws, scope, record, exec, containerId, runtimeId, typeof open.ClientVersion === 'string' && open.ClientVersion.includes('wharf'));
  }

  private run(ws: WebSocket, scope: Scope, record: ExecSessionRecord, exec: ContainerExec, containerId: string, runtimeId: string, reportExitCode: boolean): void {
    const { clock, logger } = this.deps;
    const now = () => clock.now().getTime();
    const protocol = new AgentSession({
      sessionId: record.sessionId,
      targetId: `ecs:${record.clusterName}_${record.taskId}_${runtimeId}`,
      command: record.command,
      newId: randomUUID,
      sha256,
      reportExitCode,
    });
    const log = record.log ? new SessionLog(this.deps.logs, scope, record.log, clock, logger) : undefined;
    let process: ExecProcess | undefined;
    let starting: Promise<ExecProcess> | undefined;
    let size: { cols: number; rows: number } | undefined;
    // The plugin sends the terminal size right after the handshake: the command waits a moment for it, so it starts at that size.
    let sized!: () => void;
    const firstSize = new Promise<void>((resolve) => (sized = resolve));
    const pendingInput: Uint8Array[] = [];
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(ticker);
      this.live.delete(record.sessionId);
      void (async () => {
        await starting?.catch(() => undefined);
        await process?.kill();
        await log?.close();
        await this.markTerminated(scope, record.sessionId);
      })().catch((err: unknown) => logger.warn({ err, sessionId: record.sessionId }, 'exec session clean-up failed'));
    };

    const apply = (effects: AgentEffect[]) => {
      for (const effect of effects) {
        switch (effect.kind) {
          case 'send':
            if (ws.readyState === ws.OPEN) ws.send(effect.frame, { binary: true });
            break;
          case 'start':
            void startCommand();
            break;
          case 'stdin':
            if (process) process.write(effect.data);
            else pendingInput.push(effect.data);
            break;
          case 'resize':
            size = effect.size;
            sized();
            void process?.resize(effect.size.cols, effect.size.rows);
            break;
          case 'terminate':
            void process?.kill();
            break;
          case 'close':
            ws.close(1000);
            finish();
            break;
        }
      }
    };

    const startCommand = async () => {
      const command = splitCommand(record.command);
      await Promise.race([firstSize, new Promise((resolve) => setTimeout(resolve, FIRST_SIZE_WAIT_MS))]);
      if (finished) return;
      try {
        starting = exec.startExec(containerId, { command, tty: true, ...(size ? { size } : {}) });
        process = await starting;
      } catch (err) {
        logger.warn({ err, sessionId: record.sessionId }, 'exec could not start');
        apply(protocol.output(new TextEncoder().encode(`${String((err as Error).message ?? err)}\r\n`), now()));
        apply(protocol.exited(126, now()));
        return;
      }
      if (finished) return void process.kill();
      const started = process;
      void started.pid.then((pid) => (pid && !finished ? this.recordProcess(scope, record.sessionId, containerId, pid) : undefined)).catch((err: unknown) => logger.warn({ err }, 'exec session process not recorded'));
      process.onOutput((chunk) => {
        log?.write(chunk);
        apply(protocol.output(chunk, now()));
      });
      if (size) void process.resize(size.cols, size.rows);
      for (const data of pendingInput.splice(0)) process.write(data);
      const code = await process.exited;
      apply(protocol.exited(code, now()));
    };

    const ticker = setInterval(() => apply(protocol.tick(now())), RETRANSMISSION.resendIntervalMs);
    this.live.set(record.sessionId, { scope, record, end: (reason) => apply(protocol.end(reason, now())) });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      try {
        apply(protocol.receive(rawBytes(data), now()));
      } catch (err) {
        if (err instanceof FrameError || err instanceof SyntaxError) logger.debug({ err, sessionId: record.sessionId }, 'exec session: dropped a malformed frame');
        else throw err;
      }
    });
    ws.on('close', finish);
    ws.on('error', finish);
    apply(protocol.open(now()));
  }

  /** Ends what a stopped Wharf left mid-session (killing its command) and drops old session records. */
  private sweep(): void {
    this.sweeping ??= (async () => {
      const now = this.deps.clock.now().getTime();
      for (const { scope, id, doc } of await this.deps.store.listAll<ExecSessionRecord>(EXEC_SESSION_KIND)) {
        if (this.live.has(id)) continue;
        const decision = sweepDecision(doc, now);
        if (decision === 'orphaned') {
          if (doc.process) await this.deps.exec.killTree(doc.process.containerId, doc.process.pid);
          await this.markTerminated(scope, id);
        } else if (decision === 'delete') {
          await this.deps.store.write([{ op: 'delete', kind: EXEC_SESSION_KIND, scope, id }]);
        }
      }
    })()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'exec session sweep failed'))
      .finally(() => (this.sweeping = undefined));
  }

  /** Notes the command's process on the session, for the sweep after a restart. */
  private async recordProcess(scope: Scope, sessionId: string, containerId: string, pid: string): Promise<void> {
    await retryOnStale(async () => {
      const stored = await this.deps.store.get<ExecSessionRecord>(EXEC_SESSION_KIND, scope, sessionId);
      if (!stored || stored.doc.status !== 'Connected') return;
      await this.deps.store.write([{ op: 'put', kind: EXEC_SESSION_KIND, scope, id: sessionId, doc: { ...stored.doc, process: { containerId, pid } }, expect: stored.version }]);
    });
  }

  private async markTerminated(scope: Scope, sessionId: string): Promise<void> {
    await retryOnStale(async () => {
      const stored = await this.deps.store.get<ExecSessionRecord>(EXEC_SESSION_KIND, scope, sessionId);
      if (!stored || stored.doc.status === 'Terminated') return;
      const doc: ExecSessionRecord = { ...stored.doc, status: 'Terminated', terminatedAt: this.deps.clock.now().getTime() };
      await this.deps.store.write([{ op: 'put', kind: EXEC_SESSION_KIND, scope, id: sessionId, doc, expect: stored.version }]);
    });
  }

  private async checkTasks(scope: Scope, taskKey: string): Promise<void> {
    const mine = [...this.live.values()].filter((session) => session.scope.account === scope.account && session.scope.region === scope.region && taskRecordId(session.record.clusterName, session.record.taskId) === taskKey);
    if (mine.length === 0) return;
    const task = (await this.deps.store.get<Task>(KIND.task, scope, taskKey))?.doc;
    if (task && task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING') return;
    for (const session of mine) session.end('');
  }

  private async checkSession(scope: Scope, sessionId: string): Promise<void> {
    const session = this.live.get(sessionId);
    if (!session || session.scope.account !== scope.account || session.scope.region !== scope.region) return;
    const stored = await this.deps.store.get<ExecSessionRecord>(EXEC_SESSION_KIND, scope, sessionId);
    if (stored?.doc.status === 'Terminated') session.end('');
  }
}

function rawBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function rawText(data: RawData): string {
  return Buffer.from(rawBytes(data)).toString('utf8');
}
