import { decodeAgentMessage, encodeAgentMessage, MESSAGE_TYPES, type AcknowledgeContent, type AgentMessage, type Sha256 } from './agent-message.js';

/**
 * One end of a Session Manager data channel, as the SSM agent and the
 * session-manager-plugin both run it: stream data messages are numbered from
 * 0 in each direction and kept until the other end acknowledges them; the
 * oldest unacknowledged one is resent once the retransmission timeout (a
 * TCP-style smoothed round-trip estimate) passes; received stream data is
 * acknowledged and handed on in sequence order, early arrivals buffered.
 *
 * Pure: the clock is a parameter, ids and digests are handed in.
 */

/** The plugin's and the agent's constants (config.go): ms. */
export const RETRANSMISSION = {
  defaultRoundTripMs: 100,
  defaultTimeoutMs: 200,
  maxTimeoutMs: 1000,
  clockGranularityMs: 10,
  rttConstant: 1 / 8,
  rttvConstant: 1 / 4,
  resendIntervalMs: 100,
  maxResendAttempts: 3000,
  bufferCapacity: 10000,
} as const;

export interface StreamChannelDeps {
  /** What this end sends its stream data as: the agent `output_stream_data`, the client `input_stream_data`. */
  readonly sends: typeof MESSAGE_TYPES.output | typeof MESSAGE_TYPES.input;
  readonly newId: () => string;
  readonly sha256: Sha256;
}

interface Unacknowledged {
  readonly sequenceNumber: number;
  readonly frame: Uint8Array;
  lastSentAt: number;
  attempts: number;
}

export interface Received {
  /** Frames to send back (acknowledgements). */
  readonly replies: Uint8Array[];
  /** Stream data now in order, to act on. */
  readonly delivered: AgentMessage[];
  /** Non-stream messages (channel_closed, publication control). */
  readonly control: AgentMessage[];
}

export class StreamChannel {
  private nextSequence = 0;
  private expectedSequence = 0;
  private readonly outgoing: Unacknowledged[] = [];
  private readonly early = new Map<number, AgentMessage>();
  private roundTripMs: number = RETRANSMISSION.defaultRoundTripMs;
  private roundTripVariationMs = 0;
  private timeoutMs: number = RETRANSMISSION.defaultTimeoutMs;
  private exhausted = false;

  constructor(private readonly deps: StreamChannelDeps) {}

  /** Numbers and records one stream data message; returns the frame to send now. */
  send(payloadType: number, payload: Uint8Array, now: number): Uint8Array {
    const frame = encodeAgentMessage(
      { messageType: this.deps.sends, schemaVersion: 1, createdDate: now, sequenceNumber: this.nextSequence, flags: 0, messageId: this.deps.newId(), payloadType, payload },
      this.deps.sha256,
    );
    if (this.outgoing.length >= RETRANSMISSION.bufferCapacity) this.outgoing.shift();
    this.outgoing.push({ sequenceNumber: this.nextSequence, frame, lastSentAt: now, attempts: 0 });
    this.nextSequence += 1;
    return frame;
  }

  /** Takes one binary frame from the other end. Throws FrameError for a malformed one. */
  receive(frame: Uint8Array, now: number): Received {
    const message = decodeAgentMessage(frame, this.deps.sha256);
    const result: Received = { replies: [], delivered: [], control: [] };
    if (message.messageType === MESSAGE_TYPES.acknowledge) {
      this.acknowledged(JSON.parse(new TextDecoder().decode(message.payload)) as AcknowledgeContent, now);
      return result;
    }
    if (message.messageType !== MESSAGE_TYPES.input && message.messageType !== MESSAGE_TYPES.output) {
      result.control.push(message);
      return result;
    }
    if (message.sequenceNumber === this.expectedSequence) {
      result.replies.push(this.acknowledgement(message, now));
      result.delivered.push(message);
      this.expectedSequence += 1;
      for (let next = this.early.get(this.expectedSequence); next; next = this.early.get(this.expectedSequence)) {
        this.early.delete(this.expectedSequence);
        result.delivered.push(next);
        this.expectedSequence += 1;
      }
    } else if (message.sequenceNumber > this.expectedSequence) {
      if (this.early.size < RETRANSMISSION.bufferCapacity) {
        result.replies.push(this.acknowledgement(message, now));
        this.early.set(message.sequenceNumber, message);
      }
    } else {
      // Already handed on: our acknowledgement was lost, so say it again (or the sender resends for ever).
      result.replies.push(this.acknowledgement(message, now));
    }
    return result;
  }

  /** Frames to resend now: the oldest unacknowledged message once its timeout has passed. */
  due(now: number): Uint8Array[] {
    const oldest = this.outgoing[0];
    if (!oldest || now - oldest.lastSentAt <= this.timeoutMs) return [];
    if (oldest.attempts >= RETRANSMISSION.maxResendAttempts) this.exhausted = true;
    oldest.attempts += 1;
    oldest.lastSentAt = now;
    return [oldest.frame];
  }

  /** True once a message was resent the maximum number of times: the session is to end. */
  get resendExhausted(): boolean {
    return this.exhausted;
  }

  get unacknowledged(): number {
    return this.outgoing.length;
  }

  get retransmissionTimeoutMs(): number {
    return this.timeoutMs;
  }

  private acknowledged(content: AcknowledgeContent, now: number): void {
    const index = this.outgoing.findIndex((entry) => entry.sequenceNumber === content.AcknowledgedMessageSequenceNumber);
    if (index < 0) return;
    const [entry] = this.outgoing.splice(index, 1);
    if (!entry) return;
    const sample = Math.max(0, now - entry.lastSentAt);
    this.roundTripVariationMs = (1 - RETRANSMISSION.rttvConstant) * this.roundTripVariationMs + RETRANSMISSION.rttvConstant * Math.abs(this.roundTripMs - sample);
    this.roundTripMs = (1 - RETRANSMISSION.rttConstant) * this.roundTripMs + RETRANSMISSION.rttConstant * sample;
    this.timeoutMs = Math.min(RETRANSMISSION.maxTimeoutMs, this.roundTripMs + Math.max(RETRANSMISSION.clockGranularityMs, 4 * this.roundTripVariationMs));
  }

  private acknowledgement(message: AgentMessage, now: number): Uint8Array {
    const content: AcknowledgeContent = {
      AcknowledgedMessageType: message.messageType,
      AcknowledgedMessageId: message.messageId,
      AcknowledgedMessageSequenceNumber: message.sequenceNumber,
      IsSequentialMessage: true,
    };
    return encodeAgentMessage(
      { messageType: MESSAGE_TYPES.acknowledge, schemaVersion: 1, createdDate: now, sequenceNumber: 0, flags: 3, messageId: this.deps.newId(), payloadType: 0, payload: new TextEncoder().encode(JSON.stringify(content)) },
      this.deps.sha256,
    );
  }
}
