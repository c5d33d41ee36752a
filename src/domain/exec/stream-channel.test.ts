import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decodeAgentMessage, MESSAGE_TYPES, PAYLOAD_TYPES } from './agent-message.js';
import { RETRANSMISSION, StreamChannel } from './stream-channel.js';

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
let counter = 0;
const newId = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
const text = (value: string) => new TextEncoder().encode(value);
const agent = () => new StreamChannel({ sends: MESSAGE_TYPES.output, newId, sha256 });
const client = () => new StreamChannel({ sends: MESSAGE_TYPES.input, newId, sha256 });
const decode = (frame: Uint8Array) => decodeAgentMessage(frame, sha256);

test('stream data is numbered from 0 in each direction', () => {
  const a = agent();
  const c = client();
  assert.deepEqual([0, 1, 2].map(() => decode(a.send(PAYLOAD_TYPES.output, text('x'), 0)).sequenceNumber), [0, 1, 2]);
  const first = decode(c.send(PAYLOAD_TYPES.output, text('y'), 0));
  assert.equal(first.sequenceNumber, 0);
  assert.equal(first.messageType, 'input_stream_data');
});

test('every stream data message is acknowledged with its type, id and sequence number', () => {
  const a = agent();
  const c = client();
  const frame = a.send(PAYLOAD_TYPES.output, text('hi'), 0);
  const sent = decode(frame);
  const received = c.receive(frame, 5);
  assert.deepEqual(received.delivered.map((m) => new TextDecoder().decode(m.payload)), ['hi']);
  assert.equal(received.replies.length, 1);
  const ack = decode(received.replies[0]!);
  assert.equal(ack.messageType, 'acknowledge');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(ack.payload)), {
    AcknowledgedMessageType: 'output_stream_data',
    AcknowledgedMessageId: sent.messageId,
    AcknowledgedMessageSequenceNumber: 0,
    IsSequentialMessage: true,
  });
  assert.equal(a.unacknowledged, 1);
  a.receive(received.replies[0]!, 10);
  assert.equal(a.unacknowledged, 0);
});

test('out-of-order messages are acknowledged, buffered and handed on in order; duplicates are acknowledged again but not repeated', () => {
  const a = agent();
  const c = client();
  const frames = ['a', 'b', 'c'].map((value) => a.send(PAYLOAD_TYPES.output, text(value), 0));
  const third = c.receive(frames[2]!, 1);
  assert.equal(third.delivered.length, 0);
  assert.equal(third.replies.length, 1);
  assert.equal(c.receive(frames[1]!, 1).delivered.length, 0);
  const first = c.receive(frames[0]!, 1);
  assert.deepEqual(first.delivered.map((m) => new TextDecoder().decode(m.payload)), ['a', 'b', 'c']);
  const again = c.receive(frames[0]!, 2);
  assert.equal(again.delivered.length, 0);
  assert.equal(again.replies.length, 1);
});

test('the oldest unacknowledged message is resent after the retransmission timeout, one at a time, until acknowledged', () => {
  const a = agent();
  const c = client();
  const first = a.send(PAYLOAD_TYPES.output, text('1'), 0);
  a.send(PAYLOAD_TYPES.output, text('2'), 0);
  assert.deepEqual(a.due(RETRANSMISSION.defaultTimeoutMs), [], 'not before the timeout');
  const resent = a.due(RETRANSMISSION.defaultTimeoutMs + 1);
  assert.equal(resent.length, 1);
  assert.deepEqual(resent[0], first);
  assert.deepEqual(a.due(RETRANSMISSION.defaultTimeoutMs + 2), [], 'the resend restarts its clock');
  for (const reply of c.receive(first, 300).replies) a.receive(reply, 300);
  const next = a.due(1000);
  assert.equal(decode(next[0]!).sequenceNumber, 1);
});

test('the retransmission timeout follows the measured round trip, within the plugin\'s bounds', () => {
  const a = agent();
  const c = client();
  for (let i = 0; i < 30; i += 1) {
    const frame = a.send(PAYLOAD_TYPES.output, text('x'), i * 1000);
    for (const reply of c.receive(frame, i * 1000).replies) a.receive(reply, i * 1000 + 20);
  }
  // Smoothed toward 20 ms, plus at least the clock granularity.
  assert.ok(a.retransmissionTimeoutMs < 60 && a.retransmissionTimeoutMs >= 20, String(a.retransmissionTimeoutMs));
  const slow = agent();
  for (let i = 0; i < 30; i += 1) {
    const frame = slow.send(PAYLOAD_TYPES.output, text('x'), i * 10_000);
    for (const reply of c.receive(frame, i * 10_000).replies) slow.receive(reply, i * 10_000 + 5000);
  }
  assert.equal(slow.retransmissionTimeoutMs, RETRANSMISSION.maxTimeoutMs);
});

test('after the maximum number of resends the channel says so', () => {
  const a = agent();
  a.send(PAYLOAD_TYPES.output, text('lost'), 0);
  let now = 0;
  for (let i = 0; i <= RETRANSMISSION.maxResendAttempts; i += 1) {
    now += RETRANSMISSION.maxTimeoutMs + 1;
    a.due(now);
  }
  assert.equal(a.resendExhausted, true);
});

test('channel_closed and other control messages are passed up, unacknowledged', () => {
  const a = agent();
  const c = client();
  const frame = a.send(PAYLOAD_TYPES.output, text('x'), 0);
  const closed = decode(frame);
  // Re-encode as a channel_closed message through the codec by receiving on the agent side's opposite.
  const control = c.receive(Buffer.concat([Buffer.from(frame.subarray(0, 4)), Buffer.from('channel_closed'.padEnd(32, ' ')), Buffer.from(frame.subarray(36))]), 0);
  assert.equal(control.control.length, 1);
  assert.equal(control.control[0]!.messageType, 'channel_closed');
  assert.equal(control.replies.length, 0);
  assert.equal(closed.sequenceNumber, 0);
});
