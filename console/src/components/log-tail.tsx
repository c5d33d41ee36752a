import { FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Clients } from '../aws';
import { clock } from '../format';
import { ErrorBox } from '../ui';

interface Line {
  readonly key: string;
  readonly t: number;
  readonly message: string;
}

const MAX_LINES = 2000;

/**
 * A live tail of one log stream: the last lines, then every new one (GetLogEvents from the
 * forward token, every 1.5 s while following and the tab is shown). Pause keeps the place;
 * search asks FilterLogEvents for the stream's matching lines.
 */
export function LogTail({ clients, group, stream }: { clients: Clients; group: string; stream: string }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [following, setFollowing] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [pattern, setPattern] = useState('');
  const [results, setResults] = useState<Line[] | undefined>(undefined);
  const token = useRef<string | undefined>(undefined);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    token.current = undefined;
    setLines([]);
  }, [group, stream]);

  useEffect(() => {
    if (!following) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (stopped) return;
      try {
        const first = token.current === undefined;
        const answer = await clients.logs.send(
          new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, nextToken: token.current, startFromHead: first ? false : true, limit: first ? 200 : 1000 }),
        );
        if (stopped) return;
        token.current = answer.nextForwardToken ?? token.current;
        const fresh = (answer.events ?? []).map((e, i) => ({ key: `${e.timestamp}-${e.ingestionTime}-${i}-${Math.random()}`, t: e.timestamp ?? 0, message: e.message ?? '' }));
        if (fresh.length > 0) setLines((old) => [...old, ...fresh].slice(-MAX_LINES));
        setError(undefined);
      } catch (e) {
        if (stopped) return;
        const name = (e as { name?: string }).name;
        // A stream appears with the container's first line: until then, keep waiting quietly.
        if (name !== 'ResourceNotFoundException') setError(e);
      }
      if (!stopped && !document.hidden) timer = setTimeout(tick, 1500);
    };
    const onVisibility = () => {
      clearTimeout(timer);
      if (!document.hidden) void tick();
    };
    document.addEventListener('visibilitychange', onVisibility);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [clients, group, stream, following]);

  useEffect(() => {
    if (following && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, following]);

  const search = async () => {
    if (pattern.trim() === '') {
      setResults(undefined);
      return;
    }
    try {
      const answer = await clients.logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: [stream], filterPattern: pattern, limit: 500 }));
      setResults((answer.events ?? []).map((e, i) => ({ key: `${e.eventId ?? i}`, t: e.timestamp ?? 0, message: e.message ?? '' })));
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  };

  const shown = results ?? lines;
  return (
    <div class="log-tail">
      <div class="action-row">
        <button type="button" data-testid="log-follow" onClick={() => setFollowing(!following)} aria-pressed={following}>
          {following ? 'Pause' : 'Follow'}
        </button>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void search();
          }}
        >
          <label>
            Search <input data-testid="log-search" value={pattern} placeholder="filter pattern, e.g. ERROR" onInput={(e) => setPattern(e.currentTarget.value)} />
          </label>
          <button type="submit">Search</button>
          {results ? (
            <button type="button" onClick={() => { setResults(undefined); setPattern(''); }}>
              Back to the tail
            </button>
          ) : null}
        </form>
        <span class="muted small">{group} › {stream}{results ? ` · ${results.length} matches` : following ? ' · following' : ' · paused'}</span>
      </div>
      <ErrorBox error={error} what="Reading logs" />
      <div class="log-lines" ref={box} data-testid="log-lines" tabIndex={0} aria-label="Log lines" role="log">
        {shown.length === 0 ? <span class="muted">{results ? 'No lines match.' : 'No log lines yet; new lines appear here as the container prints them.'}</span> : null}
        {shown.map((line) => (
          <div class="log-line" key={line.key}>
            <span class="muted">{clock(line.t)}</span> {line.message}
          </div>
        ))}
      </div>
    </div>
  );
}
