/**
 * The Session Manager data channel's binary frame (the SSM agent's
 * AgentMessage, the plugin's ClientMessage), big-endian:
 *
 *   0   u32  header length (116: the offset of the payload length field)
 *   4   32 B message type, ASCII, padded with spaces
 *   36  u32  schema version
 *   40  u64  created date, epoch ms
 *   48  i64  sequence number
 *   56  u64  flags (bit 0 SYN, bit 1 FIN)
 *   64  16 B message id: the UUID's least significant 8 bytes, then its most significant 8
 *   80  32 B SHA-256 of the payload
 *   112 u32  payload type
 *   116 u32  payload length
 *   120      payload
 *
 * Pure: the SHA-256 function is handed in (domain code uses no Node modules).
 */

export const MESSAGE_TYPES = {
  input: 'input_stream_data',
  output: 'output_stream_data',
  acknowledge: 'acknowledge',
  channelClosed: 'channel_closed',
  startPublication: 'start_publication',
  pausePublication: 'pause_publication',
} as const;

export const PAYLOAD_TYPES = {
  none: 0,
  output: 1,
  error: 2,
  size: 3,
  parameter: 4,
  handshakeRequest: 5,
  handshakeResponse: 6,
  handshakeComplete: 7,
  encChallengeRequest: 8,
  encChallengeResponse: 9,
  flag: 10,
  stdErr: 11,
  exitCode: 12,
} as const;

/** Payloads of payload type `flag` (a big-endian u32). */
export const FLAG_PAYLOADS = { disconnectToPort: 1, terminateSession: 2, connectToPortError: 3 } as const;

export const HEADER_LENGTH = 116;
const PAYLOAD_OFFSET = HEADER_LENGTH + 4;
const TYPE_LENGTH = 32;

export type Sha256 = (data: Uint8Array) => Uint8Array;

export interface AgentMessage {
  readonly messageType: string;
  readonly schemaVersion: number;
  /** Epoch ms. */
  readonly createdDate: number;
  readonly sequenceNumber: number;
  readonly flags: number;
  /** Lower-case hyphenated UUID. */
  readonly messageId: string;
  readonly payloadType: number;
  readonly payload: Uint8Array;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new FrameError(`not a UUID: ${uuid}`);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function uuidString(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

export function encodeAgentMessage(message: AgentMessage, sha256: Sha256): Uint8Array {
  if (message.messageType.length > TYPE_LENGTH || !/^[\x20-\x7e]*$/.test(message.messageType)) throw new FrameError(`bad message type: ${message.messageType}`);
  const frame = new Uint8Array(PAYLOAD_OFFSET + message.payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, HEADER_LENGTH);
  // Spaces, not NULs: the agent and the plugin trim spaces.
  frame.fill(0x20, 4, 4 + TYPE_LENGTH);
  for (let i = 0; i < message.messageType.length; i += 1) frame[4 + i] = message.messageType.charCodeAt(i);
  view.setUint32(36, message.schemaVersion);
  view.setBigUint64(40, BigInt(message.createdDate));
  view.setBigInt64(48, BigInt(message.sequenceNumber));
  view.setBigUint64(56, BigInt(message.flags));
  const id = uuidBytes(message.messageId);
  frame.set(id.subarray(8, 16), 64);
  frame.set(id.subarray(0, 8), 72);
  frame.set(sha256(message.payload), 80);
  view.setUint32(112, message.payloadType);
  view.setUint32(116, message.payload.length);
  frame.set(message.payload, PAYLOAD_OFFSET);
  return frame;
}

/** Decodes and checks one frame: lengths, and the digest whenever there is a payload (as both ends do). */
export function decodeAgentMessage(frame: Uint8Array, sha256: Sha256): AgentMessage {
  if (frame.length < PAYLOAD_OFFSET) throw new FrameError(`frame of ${frame.length} bytes is shorter than the header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = view.getUint32(0);
  if (headerLength !== HEADER_LENGTH) throw new FrameError(`header length ${headerLength}, expected ${HEADER_LENGTH}`);
  let type = '';
  for (let i = 4; i < 4 + TYPE_LENGTH; i += 1) type += String.fromCharCode(frame[i] ?? 0);
  const messageType = type.replace(/[\0 ]+$/g, '').replace(/^[\0 ]+/g, '');
  if (messageType === '') throw new FrameError('message type is missing');
  const payloadLength = view.getUint32(116);
  const payload = frame.slice(PAYLOAD_OFFSET);
  if (payload.length !== payloadLength) throw new FrameError(`payload length ${payloadLength}, but ${payload.length} bytes follow the header`);
  const id = new Uint8Array(16);
  id.set(frame.subarray(72, 80), 0);
  id.set(frame.subarray(64, 72), 8);
  if (payloadLength > 0 && !equalBytes(sha256(payload), frame.subarray(80, 112))) throw new FrameError('payload digest does not match');
  return {
    messageType,
    schemaVersion: view.getUint32(36),
    createdDate: Number(view.getBigUint64(40)),
    sequenceNumber: Number(view.getBigInt64(48)),
    flags: Number(view.getBigUint64(56)),
    messageId: uuidString(id),
    payloadType: view.getUint32(112),
    payload,
  };
}

/** The acknowledge payload both ends send for every stream data message. */
export interface AcknowledgeContent {
  readonly AcknowledgedMessageType: string;
  readonly AcknowledgedMessageId: string;
  readonly AcknowledgedMessageSequenceNumber: number;
  readonly IsSequentialMessage: boolean;
}

/** Terminal size, as the plugin sends it (payload type 3). */
export interface SizeData {
  readonly cols: number;
  readonly rows: number;
}

export interface ChannelClosedContent {
  readonly MessageId: string;
  readonly CreatedDate: string;
  readonly DestinationId: string;
  readonly SessionId: string;
  readonly MessageType: 'channel_closed';
  readonly SchemaVersion: 1;
  readonly Output: string;
}
