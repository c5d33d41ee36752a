import { FLAG_PAYLOADS, encodeAgentMessage, MESSAGE_TYPES, PAYLOAD_TYPES, type ChannelClosedContent, type Sha256, type SizeData } from './agent-message.js';
import { StreamChannel } from './stream-channel.js';

/**
 * The agent's side of one ECS Exec session, as the SSM agent runs it: a
 * handshake (HandshakeRequest naming the session type, the client's
 * HandshakeResponse, HandshakeComplete), then the command's output as
 * `output_stream_data`, the client's keystrokes and terminal sizes in, and
 * `channel_closed` once the command has exited and its output is
 * acknowledged. Pure: every call returns the effects to carry out.
 */

export type AgentEffect =
  | { readonly kind: 'send'; readonly frame: Uint8Array }
  /** The handshake is done: run the command now. */
  | { readonly kind: 'start' }
  | { readonly kind: 'stdin'; readonly data: Uint8Array }
  | { readonly kind: 'resize'; readonly size: SizeData }
  /** The client ended the session: stop the command. */
  | { readonly kind: 'terminate' }
  /** Everything is said: close the connection. */
  | { readonly kind: 'close' };

export interface AgentSessionDeps {
  readonly sessionId: string;
  /** The session's target (`ecs:<cluster>_<task id>_<runtime id>`). */
  readonly targetId: string;
  readonly command: string;
  readonly newId: () => string;
  readonly sha256: Sha256;
  /**
   * Send the command's exit code (payload type 12) before channel_closed.
   * The SSM agent sends it only for non-interactive sessions with separate
   * streams; the Session Manager plugin would print it, so only Wharf's
   * plugin asks for it.
   */
  readonly reportExitCode: boolean;
}

/** What the agent reads at a time from the command's output (the agent's StreamDataPayloadSize). */
export const OUTPUT_CHUNK_BYTES = 1024;
/** The SSM agent gives the client this long to answer the handshake. */
export const HANDSHAKE_TIMEOUT_MS = 15_000;
/** How long an exited command's output may wait for acknowledgements before the channel closes anyway. */
export const CLOSE_GRACE_MS = 3_000;
/** Session Manager's default idle timeout: a session without keystrokes this long is terminated. */
export const IDLE_TIMEOUT_MS = 20 * 60_000;
const IDLE_MESSAGE = 'Your session timed out due to inactivity and has been terminated.'; // unverified wording
const AGENT_VERSION = '3.3.0.0';

type Phase = 'new' | 'handshaking' | 'open' | 'closing' | 'closed';

export class AgentSession {
  private phase: Phase = 'new';
  private readonly channel: StreamChannel;
  private handshakeStartedAt = 0;
  private closingSince = 0;
  private lastInputAt = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly deps: AgentSessionDeps) {
    this.channel = new StreamChannel({ sends: MESSAGE_TYPES.output, newId: deps.newId, sha256: deps.sha256 });
  }

  get state(): Phase {
    return this.phase;
  }

  /** The client presented a valid token: offer the handshake. */
  open(now: number): AgentEffect[] {
    if (this.phase !== 'new') return [];
    this.phase = 'handshaking';
    this.handshakeStartedAt = now;
    const request = {
      AgentVersion: AGENT_VERSION,
      RequestedClientActions: [
        {
          ActionType: 'SessionType',
          ActionParameters: { SessionType: 'InteractiveCommands', Properties: { commands: this.deps.command, runAsElevated: false, separateOutPutStream: false } },
        },
      ],
    };
    return [this.sendJson(PAYLOAD_TYPES.handshakeRequest, request, now)];
  }

  /** One binary frame from the client. */
  receive(frame: Uint8Array, now: number): AgentEffect[] {
    if (this.phase === 'closed') return [];
    const received = this.channel.receive(frame, now);
    const effects: AgentEffect[] = received.replies.map((reply) => ({ kind: 'send', frame: reply }));
    for (const message of received.delivered) {
      if (message.payloadType === PAYLOAD_TYPES.handshakeResponse) {
        if (this.phase !== 'handshaking') continue;
        this.phase = 'open';
        this.lastInputAt = now;
        effects.push(this.sendJson(PAYLOAD_TYPES.handshakeComplete, { HandshakeTimeToComplete: Math.max(0, now - this.handshakeStartedAt) * 1_000_000, CustomerMessage: '' }, now));
        effects.push({ kind: 'start' });
        continue;
      }
      // The agent ignores stream data until the handshake is done.
      if (this.phase !== 'open' && this.phase !== 'closing') continue;
      if (message.payloadType === PAYLOAD_TYPES.output) {
        if (this.phase === 'open') effects.push({ kind: 'stdin', data: message.payload });
        this.lastInputAt = now;
      } else if (message.payloadType === PAYLOAD_TYPES.size) {
        const size = JSON.parse(new TextDecoder().decode(message.payload)) as SizeData;
        if (Number.isInteger(size.cols) && Number.isInteger(size.rows) && size.cols > 0 && size.rows > 0) effects.push({ kind: 'resize', size: { cols: size.cols, rows: size.rows } });
      } else if (message.payloadType === PAYLOAD_TYPES.flag && message.payload.length === 4) {
        const flag = new DataView(message.payload.buffer, message.payload.byteOffset, 4).getUint32(0);
        if (flag === FLAG_PAYLOADS.terminateSession) effects.push({ kind: 'terminate' });
      }
    }
    for (const message of received.control) {
      if (message.messageType === MESSAGE_TYPES.channelClosed) {
        this.phase = 'closed';
        effects.push({ kind: 'terminate' }, { kind: 'close' });
      }
    }
    return effects;
  }

  /** Output of the command, in chunks the size the agent reads. */
  output(data: Uint8Array, now: number): AgentEffect[] {
    if (this.phase !== 'open') return [];
    const effects: AgentEffect[] = [];
    for (let offset = 0; offset < data.length; offset += OUTPUT_CHUNK_BYTES) {
      effects.push({ kind: 'send', frame: this.channel.send(PAYLOAD_TYPES.output, data.subarray(offset, offset + OUTPUT_CHUNK_BYTES), now) });
    }
    return effects;
  }

  /** The command exited: report, then close once the output is acknowledged. */
  exited(exitCode: number, now: number): AgentEffect[] {
    if (this.phase !== 'open') return [];
    this.phase = 'closing';
    this.closingSince = now;
    const effects: AgentEffect[] = [];
    if (this.deps.reportExitCode) effects.push({ kind: 'send', frame: this.channel.send(PAYLOAD_TYPES.exitCode, this.encoder.encode(String(exitCode)), now) });
    return [...effects, ...this.tick(now)];
  }

  /** Ends the session from this side (the task stopped, the token's session was terminated). */
  end(reason: string, now: number): AgentEffect[] {
    if (this.phase === 'closed') return [];
    this.phase = 'closed';
    return [{ kind: 'send', frame: this.channelClosed(reason, now) }, { kind: 'terminate' }, { kind: 'close' }];
  }

  /** Call every RETRANSMISSION.resendIntervalMs: resends, the handshake timeout, the close. */
  tick(now: number): AgentEffect[] {
    if (this.phase === 'closed') return [];
    if (this.phase === 'handshaking' && now - this.handshakeStartedAt > HANDSHAKE_TIMEOUT_MS) {
      return this.end('Handshake timed out. Please ensure that you have the latest version of the session manager plugin.', now);
    }
    if (this.channel.resendExhausted) return this.end('', now);
    if (this.phase === 'open' && now - this.lastInputAt > IDLE_TIMEOUT_MS) return this.end(IDLE_MESSAGE, now);
    if (this.phase === 'closing' && (this.channel.unacknowledged === 0 || now - this.closingSince > CLOSE_GRACE_MS)) {
      this.phase = 'closed';
      return [{ kind: 'send', frame: this.channelClosed('', now) }, { kind: 'close' }];
    }
    return this.channel.due(now).map((frame) => ({ kind: 'send', frame }));
  }

  private sendJson(payloadType: number, body: unknown, now: number): AgentEffect {
    return { kind: 'send', frame: this.channel.send(payloadType, this.encoder.encode(JSON.stringify(body)), now) };
  }

  private channelClosed(output: string, now: number): Uint8Array {
    const messageId = this.deps.newId();
    const content: ChannelClosedContent = {
      MessageId: messageId,
      CreatedDate: new Date(now).toISOString(),
      DestinationId: this.deps.targetId,
      SessionId: this.deps.sessionId,
      MessageType: 'channel_closed',
      SchemaVersion: 1,
      Output: output,
    };
    return encodeAgentMessage(
      { messageType: MESSAGE_TYPES.channelClosed, schemaVersion: 1, createdDate: now, sequenceNumber: 0, flags: 3, messageId, payloadType: 0, payload: this.encoder.encode(JSON.stringify(content)) },
      this.deps.sha256,
    );
  }
}
