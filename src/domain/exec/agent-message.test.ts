import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decodeAgentMessage, encodeAgentMessage, FrameError, HEADER_LENGTH, MESSAGE_TYPES, PAYLOAD_TYPES, type AgentMessage } from './agent-message.js';

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
const message: AgentMessage = {
  messageType: MESSAGE_TYPES.output,
  schemaVersion: 1,
  createdDate: 1_700_000_000_123,
  sequenceNumber: 5,
  flags: 3,
  messageId: '00112233-4455-6677-8899-aabbccddeeff',
  payloadType: PAYLOAD_TYPES.output,
  payload: new TextEncoder().encode('hello'),
};

test('the header is laid out as the agent and the plugin read it', () => {
  const frame = Buffer.from(encodeAgentMessage(message, sha256));
  assert.equal(frame.length, 120 + 5);
  assert.equal(frame.readUInt32BE(0), HEADER_LENGTH);
  assert.equal(HEADER_LENGTH, 116);
  // The message type is padded with spaces, not NULs.
  assert.equal(frame.subarray(4, 36).toString('latin1'), 'output_stream_data'.padEnd(32, ' '));
  assert.equal(frame.readUInt32BE(36), 1);
  assert.equal(frame.readBigUInt64BE(40), 1_700_000_000_123n);
  assert.equal(frame.readBigInt64BE(48), 5n);
  assert.equal(frame.readBigUInt64BE(56), 3n);
  // The UUID's least significant half comes first.
  assert.equal(frame.subarray(64, 72).toString('hex'), '8899aabbccddeeff');
  assert.equal(frame.subarray(72, 80).toString('hex'), '0011223344556677');
  assert.equal(frame.subarray(80, 112).toString('hex'), createHash('sha256').update('hello').digest('hex'));
  assert.equal(frame.readUInt32BE(112), 1);
  assert.equal(frame.readUInt32BE(116), 5);
  assert.equal(frame.subarray(120).toString(), 'hello');
});

test('decode reverses encode, empty payloads included', () => {
  assert.deepEqual(decodeAgentMessage(encodeAgentMessage(message, sha256), sha256), message);
  const empty = { ...message, payload: new Uint8Array(0), sequenceNumber: 0 };
  assert.deepEqual(decodeAgentMessage(encodeAgentMessage(empty, sha256), sha256), empty);
});

test('decode reads a type padded with NULs too, and a frame inside a larger buffer', () => {
  const frame = Buffer.from(encodeAgentMessage(message, sha256));
  frame.fill(0, 4 + 'output_stream_data'.length, 36);
  const wrapped = Buffer.concat([Buffer.from('xx'), frame]);
  assert.equal(decodeAgentMessage(new Uint8Array(wrapped.buffer, wrapped.byteOffset + 2, frame.length), sha256).messageType, 'output_stream_data');
});

test('decode refuses short frames, a wrong header length, a wrong payload length and a bad digest', () => {
  const good = Buffer.from(encodeAgentMessage(message, sha256));
  assert.throws(() => decodeAgentMessage(good.subarray(0, 100), sha256), FrameError);
  const header = Buffer.from(good);
  header.writeUInt32BE(112, 0);
  assert.throws(() => decodeAgentMessage(header, sha256), /header length/);
  const length = Buffer.from(good);
  length.writeUInt32BE(9, 116);
  assert.throws(() => decodeAgentMessage(length, sha256), /payload length/);
  const digest = Buffer.from(good);
  digest[121] = 0x41;
  assert.throws(() => decodeAgentMessage(digest, sha256), /digest/);
  const noType = Buffer.from(good);
  noType.fill(0x20, 4, 36);
  assert.throws(() => decodeAgentMessage(noType, sha256), /message type/);
});

test('encode refuses a message type longer than 32 characters and ids that are not UUIDs', () => {
  assert.throws(() => encodeAgentMessage({ ...message, messageType: 'x'.repeat(33) }, sha256), FrameError);
  assert.throws(() => encodeAgentMessage({ ...message, messageId: 'nope' }, sha256), FrameError);
});

test('sequence numbers and dates beyond 32 bits survive', () => {
  const big = { ...message, sequenceNumber: 2 ** 40 + 7, createdDate: 2 ** 45 };
  assert.deepEqual(decodeAgentMessage(encodeAgentMessage(big, sha256), sha256), big);
});
