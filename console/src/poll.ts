import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isNetworkError } from './aws';
import { onConnection } from './connection';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Reads again now (after an action, say). */
  readonly refresh: () => void;
}

/**
 * Reads `read` now and every `intervalMs` while this page is shown. A hidden tab stops polling
 * (and reads once when it is shown again); refused calls back off (doubling, at most 30 s);
 * while Wharf does not answer at all each poll tries every 3 s at most, and when any call gets
 * an answer again every poll reads at once.
 */
export function usePoll<T>(read: () => Promise<T>, intervalMs: number, deps: readonly unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const readRef = useRef(read);
  readRef.current = read;
  const kick = useRef<() => void>(() => {});

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let unreachable = false;
    let running = false;
    setData(undefined);
    setError(undefined);
    setLoading(true);

    const schedule = (ms: number) => {
      clearTimeout(timer);
      if (!stopped && !document.hidden) timer = setTimeout(tick, ms);
    };
    const tick = async () => {
      if (stopped || running) return;
      running = true;
      try {
        const value = await readRef.current();
        if (stopped) return;
        failures = 0;
        setData(value);
        setError(undefined);
      } catch (e) {
        if (stopped) return;
        failures += 1;
        unreachable = isNetworkError(e);
        setError(e);
      } finally {
        running = false;
        if (!stopped) setLoading(false);
      }
      // Wharf not answering (a restart): try again every few seconds to reconnect soon after it is back.
      schedule(failures === 0 ? intervalMs : unreachable ? Math.min(intervalMs, 3_000) : Math.min(30_000, intervalMs * 2 ** Math.min(failures, 5)));
    };
    kick.current = () => {
      clearTimeout(timer);
      void tick();
    };
    const onVisibility = () => {
      if (document.hidden) clearTimeout(timer);
      else kick.current();
    };
    document.addEventListener('visibilitychange', onVisibility);
    const offConnection = onConnection((up) => {
      if (up) kick.current();
    });
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      offConnection();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const refresh = useCallback(() => kick.current(), []);
  return { data, error, loading, refresh };
}
