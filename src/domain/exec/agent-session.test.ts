import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decodeAgentMessage, MESSAGE_TYPES, PAYLOAD_TYPES, type AgentMessage } from './agent-message.js';
import { AgentSession, CLOSE_GRACE_MS, HANDSHAKE_TIMEOUT_MS, IDLE_TIMEOUT_MS, type AgentEffect } from './agent-session.js';
import { StreamChannel } from './stream-channel.js';

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
let counter = 0;
const newId = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
const bytes = (value: string) => new TextEncoder().encode(value);
const json = (message: AgentMessage) => JSON.parse(new TextDecoder().decode(message.payload)) as Record<string, unknown>;

/** An agent session with a client channel talking to it, recording what the agent asks for. */
function pair(reportExitCode = false) {
  const agent = new AgentSession({ sessionId: 'ecs-execute-command-0123456789abcdef0', targetId: 'ecs:c_t_r', command: '/bin/sh', newId, sha256, reportExitCode });
  const client = new StreamChannel({ sends: MESSAGE_TYPES.input, newId, sha256 });
  const seen: AgentMessage[] = [];
  const effects: AgentEffect[] = [];
  let now = 0;
  /** Carries agent effects to the client (acknowledging as the plugin does) and records the rest. */
  const deliver = (list: AgentEffect[], acknowledge = true) => {
    for (const effect of list) {
      if (effect.kind !== 'send') {
        effects.push(effect);
        continue;
      }
      const received = client.receive(effect.frame, now);
      seen.push(...received.delivered, ...received.control);
      if (acknowledge) for (const reply of received.replies) deliver(agent.receive(reply, now));
    }
  };
  const fromClient = (payloadType: number, payload: Uint8Array) => deliver(agent.receive(client.send(payloadType, payload, now), now));
  return { agent, client, seen, effects, deliver, fromClient, at: (ms: number) => (now = ms), get now() { return now; } };
}

function handshake(p: ReturnType<typeof pair>) {
  p.deliver(p.agent.open(p.now));
  p.fromClient(PAYLOAD_TYPES.handshakeResponse, bytes(JSON.stringify({ ClientVersion: '1.2.707.0', ProcessedClientActions: [{ ActionType: 'SessionType', ActionStatus: 1 }], Errors: [] })));
}

test('the handshake: a HandshakeRequest naming the session type, the response, HandshakeComplete, then the command starts', () => {
  const p = pair();
  p.deliver(p.agent.open(0));
  const request = p.seen[0]!;
  assert.equal(request.messageType, 'output_stream_data');
  assert.equal(request.sequenceNumber, 0);
  assert.equal(request.payloadType, PAYLOAD_TYPES.handshakeRequest);
  const body = json(request) as { AgentVersion: string; RequestedClientActions: { ActionType: string; ActionParameters: { SessionType: string } }[] };
  assert.equal(body.RequestedClientActions[0]!.ActionType, 'SessionType');
  assert.equal(body.RequestedClientActions[0]!.ActionParameters.SessionType, 'InteractiveCommands');
  assert.deepEqual(p.effects, []);
  // Keystrokes before the handshake completes are acknowledged but dropped, as the agent does.
  p.fromClient(PAYLOAD_TYPES.output, bytes('early'));
  p.at(40);
  p.fromClient(PAYLOAD_TYPES.handshakeResponse, bytes(JSON.stringify({ ClientVersion: '1.2.707.0', ProcessedClientActions: [], Errors: [] })));
  const complete = p.seen[1]!;
  assert.equal(complete.payloadType, PAYLOAD_TYPES.handshakeComplete);
  assert.equal(complete.sequenceNumber, 1);
  assert.deepEqual(json(complete), { HandshakeTimeToComplete: 40_000_000, CustomerMessage: '' });
  assert.deepEqual(p.effects, [{ kind: 'start' }]);
  assert.equal(p.agent.state, 'open');
});

test('keystrokes, terminal sizes and the terminate flag become effects; output goes out in 1024-byte chunks', () => {
  const p = pair();
  handshake(p);
  p.effects.length = 0;
  p.fromClient(PAYLOAD_TYPES.output, bytes('ls\r'));
  p.fromClient(PAYLOAD_TYPES.size, bytes(JSON.stringify({ cols: 100, rows: 30 })));
  p.fromClient(PAYLOAD_TYPES.size, bytes(JSON.stringify({ cols: 0, rows: 30 })));
  assert.deepEqual(p.effects, [{ kind: 'stdin', data: bytes('ls\r') }, { kind: 'resize', size: { cols: 100, rows: 30 } }]);
  p.deliver(p.agent.output(new Uint8Array(2500).fill(65), 0));
  const outputs = p.seen.filter((message) => message.payloadType === PAYLOAD_TYPES.output);
  assert.deepEqual(outputs.map((message) => message.payload.length), [1024, 1024, 452]);
  assert.deepEqual(outputs.map((message) => message.sequenceNumber), [2, 3, 4]);
  const flag = new Uint8Array(4);
  new DataView(flag.buffer).setUint32(0, 2);
  p.fromClient(PAYLOAD_TYPES.flag, flag);
  assert.deepEqual(p.effects.at(-1), { kind: 'terminate' });
});

test('on exit the channel closes once the output is acknowledged; the exit code is sent only when asked for', () => {
  for (const reportExitCode of [false, true]) {
    const p = pair(reportExitCode);
    handshake(p);
    p.effects.length = 0;
    // The client has not acknowledged this output yet: the close waits.
    p.deliver(p.agent.output(bytes('bye\r\n'), 0), false);
    p.deliver(p.agent.exited(7, 0), false);
    assert.equal(p.agent.state, 'closing');
    assert.equal(p.seen.some((message) => message.messageType === 'channel_closed'), false);
    // The resend of the unacknowledged output is acknowledged this time.
    p.at(1000);
    p.deliver(p.agent.tick(1000));
    p.deliver(p.agent.tick(2100));
    p.deliver(p.agent.tick(3200));
    const closed = p.seen.find((message) => message.messageType === 'channel_closed');
    assert.ok(closed, 'channel_closed sent');
    assert.equal((json(closed) as { SessionId: string }).SessionId, 'ecs-execute-command-0123456789abcdef0');
    assert.equal((json(closed) as { Output: string }).Output, '');
    assert.deepEqual(p.effects, [{ kind: 'close' }]);
    const exitCodes = p.seen.filter((message) => message.payloadType === PAYLOAD_TYPES.exitCode).map((message) => new TextDecoder().decode(message.payload));
    assert.deepEqual(exitCodes, reportExitCode ? ['7'] : []);
    assert.equal(p.agent.state, 'closed');
  }
});

test('an exited command\'s channel closes after the grace period even if nothing is acknowledged', () => {
  const p = pair();
  handshake(p);
  p.deliver(p.agent.output(bytes('x'), 0), false);
  const exited = p.agent.exited(0, 0);
  assert.ok(!exited.some((effect) => effect.kind === 'close'));
  const late = p.agent.tick(CLOSE_GRACE_MS + 1);
  assert.ok(late.some((effect) => effect.kind === 'close'));
});

test('a client that never answers the handshake is closed with the agent\'s message; end() closes from this side', () => {
  const p = pair();
  p.deliver(p.agent.open(0));
  p.deliver(p.agent.tick(HANDSHAKE_TIMEOUT_MS + 1));
  const closed = p.seen.find((message) => message.messageType === 'channel_closed')!;
  assert.match((json(closed) as { Output: string }).Output, /Handshake timed out/);
  const q = pair();
  handshake(q);
  q.effects.length = 0;
  q.deliver(q.agent.end('', 5));
  assert.deepEqual(q.effects, [{ kind: 'terminate' }, { kind: 'close' }]);
  assert.deepEqual(q.agent.tick(10_000), []);
});

test('the client closing the channel terminates the command', () => {
  const p = pair();
  handshake(p);
  p.effects.length = 0;
  const closer = new AgentSession({ sessionId: 's', targetId: 't', command: 'c', newId, sha256, reportExitCode: false });
  const frame = closer.end('', 0)[0] as { kind: 'send'; frame: Uint8Array };
  assert.equal(decodeAgentMessage(frame.frame, sha256).messageType, 'channel_closed');
  p.deliver(p.agent.receive(frame.frame, 0));
  assert.deepEqual(p.effects, [{ kind: 'terminate' }, { kind: 'close' }]);
});

test('a session without keystrokes for the idle timeout is terminated', () => {
  const p = pair();
  handshake(p);
  p.at(IDLE_TIMEOUT_MS - 1000);
  p.fromClient(PAYLOAD_TYPES.output, bytes('x'));
  p.effects.length = 0;
  p.deliver(p.agent.tick(IDLE_TIMEOUT_MS + 1));
  assert.deepEqual(p.effects, [], 'the keystroke reset the clock');
  p.deliver(p.agent.tick(2 * IDLE_TIMEOUT_MS));
  assert.deepEqual(p.effects, [{ kind: 'terminate' }, { kind: 'close' }]);
  const closed = p.seen.find((message) => message.messageType === 'channel_closed')!;
  assert.match((json(closed) as { Output: string }).Output, /inactivity/);
});
