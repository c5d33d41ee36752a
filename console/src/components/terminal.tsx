import { ExecuteCommandCommand } from '@aws-sdk/client-ecs';
import { Sha256Js } from '@smithy/core/checksum';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal as XTerm } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'preact/hooks';
import { MESSAGE_TYPES, PAYLOAD_TYPES, type ChannelClosedContent } from '@wharf/exec/agent-message';
import { RETRANSMISSION, StreamChannel } from '@wharf/exec/stream-channel';
import type { Clients } from '../aws';
import { describeError } from '../aws';

const CLIENT_VERSION = '1.2.0.0-wharf-console';
const sha256 = (data: Uint8Array): Uint8Array => {
  const hash = new Sha256Js();
  hash.update(data);
  // digestSync is the synchronous digest the SDK's own async one wraps (the frame codec is synchronous).
  return (hash as unknown as { digestSync(): Uint8Array }).digestSync();
};
const decoder = new TextDecoder();

/**
 * The stream URL on this page's own origin: Wharf names itself 127.0.0.1 in it, while the page may
 * have been opened as localhost or by another name; the CSP allows connections to 'self' only.
 */
function sameOrigin(streamUrl: string): string {
  const url = new URL(streamUrl);
  return `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}${url.pathname}${url.search}`;
}
const encoder = new TextEncoder();

/**
 * ECS Exec in the browser: ExecuteCommand (signed, as `aws ecs execute-command` calls it), then
 * the Session Manager data channel over a WebSocket to the session's stream URL, driven as
 * Wharf's session-manager-plugin drives it: the token frame, the handshake, acknowledgements and
 * resends (the shared StreamChannel), the terminal size on start and on every change.
 */
export function ExecTerminal({ clients, cluster, taskArn, container }: { clients: Clients; cluster: string; taskArn: string; container: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'idle' | 'connecting' | 'open' | 'closed'>('idle');
  const [message, setMessage] = useState<string>('');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (attempt === 0 || !host.current) return;
    const term = new XTerm({ convertEol: false, cursorBlink: true, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace', fontSize: 13, theme: { background: '#0d1117', foreground: '#e6edf3' } });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    let ws: WebSocket | undefined;
    let closed = false;
    let resend: ReturnType<typeof setInterval> | undefined;
    const channel = new StreamChannel({ sends: MESSAGE_TYPES.input, newId: () => crypto.randomUUID(), sha256 });
    const send = (frame: Uint8Array) => {
      if (ws?.readyState === WebSocket.OPEN) ws.send(frame);
    };
    const sendData = (payloadType: number, payload: Uint8Array) => send(channel.send(payloadType, payload, Date.now()));
    let lastSize = '';
    let started = false;
    const sendSize = () => {
      if (!started) return;
      const size = JSON.stringify({ cols: term.cols, rows: term.rows });
      if (size === lastSize) return;
      lastSize = size;
      sendData(PAYLOAD_TYPES.size, encoder.encode(size));
    };
    const start = () => {
      if (started) return;
      started = true;
      setState('open');
      sendSize();
      term.focus();
    };
    const finish = (text: string) => {
      if (closed) return;
      closed = true;
      clearInterval(resend);
      term.write(`\r\n\x1b[2m${text}\x1b[0m\r\n`);
      setState('closed');
      ws?.close();
    };
    term.onData((data) => {
      if (!started) return;
      const bytes = encoder.encode(data);
      for (let offset = 0; offset < bytes.length; offset += 1024) sendData(PAYLOAD_TYPES.output, bytes.subarray(offset, offset + 1024));
    });
    term.onResize(() => sendSize());
    const onWindowResize = () => fit.fit();
    window.addEventListener('resize', onWindowResize);

    setState('connecting');
    setMessage('');
    void (async () => {
      let session;
      try {
        const answer = await clients.ecs.send(new ExecuteCommandCommand({ cluster, task: taskArn, container, interactive: true, command: '/bin/sh' }));
        session = answer.session!;
      } catch (error) {
        setMessage(describeError(error));
        finish('The session could not start.');
        return;
      }
      if (closed) return;
      term.write(`Starting session with SessionId: ${session.sessionId}\r\n`);
      ws = new WebSocket(sameOrigin(session.streamUrl!));
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        ws!.send(JSON.stringify({ MessageSchemaVersion: '1.0', RequestId: crypto.randomUUID(), TokenValue: session.tokenValue, ClientId: crypto.randomUUID(), ClientVersion: CLIENT_VERSION }));
      };
      ws.onmessage = (event) => {
        if (!(event.data instanceof ArrayBuffer)) return;
        let received;
        try {
          received = channel.receive(new Uint8Array(event.data), Date.now());
        } catch {
          return;
        }
        for (const reply of received.replies) send(reply);
        for (const m of received.delivered) {
          switch (m.payloadType) {
            case PAYLOAD_TYPES.handshakeRequest: {
              const request = JSON.parse(decoder.decode(m.payload)) as { RequestedClientActions?: { ActionType: string }[] };
              const processed = (request.RequestedClientActions ?? []).map((action) =>
                action.ActionType === 'SessionType' ? { ActionType: action.ActionType, ActionStatus: 1 } : { ActionType: action.ActionType, ActionStatus: 3, Error: `Unsupported action ${action.ActionType}` },
              );
              const errors = processed.filter((a) => a.Error).map((a) => a.Error);
              sendData(PAYLOAD_TYPES.handshakeResponse, encoder.encode(JSON.stringify({ ClientVersion: CLIENT_VERSION, ProcessedClientActions: processed, Errors: errors })));
              break;
            }
            case PAYLOAD_TYPES.handshakeComplete: {
              const complete = JSON.parse(decoder.decode(m.payload)) as { CustomerMessage?: string };
              if (complete.CustomerMessage) term.write(`${complete.CustomerMessage}\r\n`);
              start();
              break;
            }
            case PAYLOAD_TYPES.output:
            case PAYLOAD_TYPES.stdErr:
              start();
              term.write(m.payload);
              break;
            default:
              break;
          }
        }
        for (const m of received.control) {
          if (m.messageType !== MESSAGE_TYPES.channelClosed) continue;
          let output = '';
          try {
            output = (JSON.parse(decoder.decode(m.payload)) as ChannelClosedContent).Output ?? '';
          } catch {
            // Still closed.
          }
          finish(output === '' ? `Exiting session with sessionId: ${session.sessionId}.` : `SessionId: ${session.sessionId} : ${output}`);
        }
      };
      ws.onclose = (event) => finish(`The session's connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''}). Open a new session to continue.`);
      ws.onerror = () => setMessage('The session connection failed. Is Wharf running? Open a new session to try again.');
      resend = setInterval(() => {
        for (const frame of channel.due(Date.now())) send(frame);
        if (channel.resendExhausted) finish('The session ended: the stream data was not acknowledged in time.');
      }, RETRANSMISSION.resendIntervalMs);
    })();

    return () => {
      closed = true;
      clearInterval(resend);
      window.removeEventListener('resize', onWindowResize);
      ws?.close();
      term.dispose();
    };
  }, [attempt, clients, cluster, taskArn, container]);

  return (
    <div class="terminal">
      <div class="action-row">
        <button type="button" data-testid="terminal-open" onClick={() => setAttempt(attempt + 1)} disabled={state === 'connecting' || state === 'open'}>
          {attempt === 0 ? `Open a shell in ${container}` : state === 'closed' ? 'New session' : state === 'connecting' ? 'Connecting…' : 'Session open'}
        </button>
        <span class="muted small" data-testid="terminal-state">{state === 'open' ? 'connected: type into the terminal' : state}</span>
      </div>
      {message ? <div class="error" role="alert">{message}</div> : null}
      <div class="xterm-host" ref={host} data-testid="terminal" hidden={attempt === 0} />
    </div>
  );
}
