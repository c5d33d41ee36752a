/**
 * Wharf's `session-manager-plugin`: what the aws CLI runs for
 * `ecs execute-command` (and `ssm start-session`), speaking the Session
 * Manager data channel over the session's stream URL as AWS's plugin does:
 * the token frame, the handshake, acknowledgements and resends, the terminal
 * in raw mode with its size sent on start and on every change, keystrokes
 * (Ctrl-C included) as bytes to the remote, output to the screen, and the
 * "Exiting session" line once the channel closes. It exits with the remote
 * command's exit code when the endpoint reports it (Wharf's does), else 0.
 */
import { createHash, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { MESSAGE_TYPES, PAYLOAD_TYPES, type ChannelClosedContent } from '../../domain/exec/agent-message.js';
import { RETRANSMISSION, StreamChannel } from '../../domain/exec/stream-channel.js';
import { parsePluginArguments, PLUGIN_VERSION } from './arguments.js';

const CLIENT_VERSION = `${PLUGIN_VERSION}-wharf`;
const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

function main(argv: string[]): void {
  const parsed = parsePluginArguments(argv, process.env);
  if (parsed.kind === 'print') {
    process.stdout.write(parsed.text);
    process.exit(parsed.exitCode);
  }
  const { session } = parsed;
  process.stdout.write(`\nStarting session with SessionId: ${session.SessionId}\n`);
  runSession(session.SessionId, session.StreamUrl, session.TokenValue);
}

function runSession(sessionId: string, streamUrl: string, tokenValue: string): void {
  const channel = new StreamChannel({ sends: MESSAGE_TYPES.input, newId: randomUUID, sha256 });
  const ws = new WebSocket(streamUrl);
  const encoder = new TextEncoder();
  let terminalStarted = false;
  let exitCode = 0;
  let lastSize = '';
  let rawMode = false;
  let closing = false;

  const send = (frame: Uint8Array) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame, { binary: true });
  };
  const sendData = (payloadType: number, payload: Uint8Array) => send(channel.send(payloadType, payload, Date.now()));

  const restoreTerminal = () => {
    if (rawMode && process.stdin.isTTY) process.stdin.setRawMode(false);
    rawMode = false;
  };
  const exit = (code: number, text: string) => {
    if (closing) return;
    closing = true;
    restoreTerminal();
    process.stdout.write(text, () => process.exit(code));
  };

  const sendSize = () => {
    const cols = process.stdout.isTTY ? process.stdout.columns : 300;
    const rows = process.stdout.isTTY ? process.stdout.rows : 100;
    const size = JSON.stringify({ cols, rows });
    if (size === lastSize) return;
    lastSize = size;
    sendData(PAYLOAD_TYPES.size, encoder.encode(size));
  };

  const startTerminal = () => {
    if (terminalStarted) return;
    terminalStarted = true;
    sendSize();
    process.on('SIGWINCH', sendSize);
    // As AWS's plugin does, the size is also checked every half second (SIGWINCH may not reach a child of the aws CLI).
    setInterval(sendSize, 500).unref();
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      rawMode = true;
    }
    process.stdin.on('data', (chunk: Buffer) => {
      // A lone newline is sent as carriage return, as AWS's plugin does.
      const bytes = chunk.length === 1 && chunk[0] === 10 ? new Uint8Array([13]) : new Uint8Array(chunk);
      for (let offset = 0; offset < bytes.length; offset += 1024) sendData(PAYLOAD_TYPES.output, bytes.subarray(offset, offset + 1024));
    });
    process.stdin.resume();
  };

  // As AWS's plugin does, signals the terminal would have raised go to the remote as their control bytes.
  for (const [signal, byte] of [['SIGINT', 0x03], ['SIGQUIT', 0x1c], ['SIGTSTP', 0x1a]] as const) {
    process.on(signal, () => {
      if (terminalStarted) sendData(PAYLOAD_TYPES.output, new Uint8Array([byte]));
    });
  }

  // Killed from outside: the terminal is put back before going.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => exit(1, ''));

  ws.on('open', () => {
    ws.send(JSON.stringify({ MessageSchemaVersion: '1.0', RequestId: randomUUID(), TokenValue: tokenValue, ClientId: randomUUID(), ClientVersion: CLIENT_VERSION }));
  });

  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    let received;
    try {
      received = channel.receive(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), Date.now());
    } catch {
      return;
    }
    for (const reply of received.replies) send(reply);
    for (const message of received.delivered) {
      switch (message.payloadType) {
        case PAYLOAD_TYPES.handshakeRequest: {
          const request = JSON.parse(Buffer.from(message.payload).toString('utf8')) as { RequestedClientActions?: { ActionType: string }[] };
          const processed = (request.RequestedClientActions ?? []).map((action) =>
            action.ActionType === 'SessionType'
              ? { ActionType: action.ActionType, ActionStatus: 1 }
              : { ActionType: action.ActionType, ActionStatus: 3, Error: `Unsupported action ${action.ActionType}` },
          );
          const errors = processed.filter((action) => action.Error).map((action) => action.Error);
          sendData(PAYLOAD_TYPES.handshakeResponse, encoder.encode(JSON.stringify({ ClientVersion: CLIENT_VERSION, ProcessedClientActions: processed, Errors: errors })));
          break;
        }
        case PAYLOAD_TYPES.handshakeComplete: {
          const complete = JSON.parse(Buffer.from(message.payload).toString('utf8')) as { CustomerMessage?: string };
          if (complete.CustomerMessage) process.stdout.write(`${complete.CustomerMessage}\n`);
          startTerminal();
          break;
        }
        case PAYLOAD_TYPES.output:
          // Without a handshake the first output starts the session (the agent's older behaviour).
          startTerminal();
          process.stdout.write(message.payload);
          break;
        case PAYLOAD_TYPES.stdErr:
          process.stderr.write(message.payload);
          break;
        case PAYLOAD_TYPES.exitCode:
          exitCode = Number.parseInt(Buffer.from(message.payload).toString('utf8'), 10) || 0;
          break;
        default:
          break;
      }
    }
    for (const message of received.control) {
      if (message.messageType !== MESSAGE_TYPES.channelClosed) continue;
      let output = '';
      try {
        output = (JSON.parse(Buffer.from(message.payload).toString('utf8')) as ChannelClosedContent).Output ?? '';
      } catch {
        // An unreadable payload still closes the session.
      }
      exit(exitCode, output === '' ? `\n\nExiting session with sessionId: ${sessionId}.\n\n` : `\n\nSessionId: ${sessionId} : ${output}\n\n`);
    }
  });

  const resend = setInterval(() => {
    for (const frame of channel.due(Date.now())) send(frame);
    if (channel.resendExhausted) exit(1, `\n\nTerminating session ${sessionId} as the stream data was not processed before timeout.\n\n`);
  }, RETRANSMISSION.resendIntervalMs);
  resend.unref();

  ws.on('close', (code, reason) => {
    if (closing) return;
    const why = reason.toString('utf8');
    exit(1, `\n\nCannot perform start session: the session's connection closed (${code}${why ? `: ${why}` : ''})\n\n`);
  });
  ws.on('error', (err) => {
    if (closing) return;
    exit(1, `\n\nCannot perform start session: ${err.message}\n\n`);
  });
}

main(process.argv.slice(2));
