/**
 * Reading dockerode's errors. dockerode rejects with an Error carrying the
 * HTTP status (`statusCode`) and the engine's JSON body (`json.message`); the
 * rest of the adapter only needs "which status" and "what did the engine say",
 * so both are pulled out here once instead of poking at `any` everywhere.
 */

interface EngineErrorShape {
  statusCode?: unknown;
  json?: unknown;
  message?: unknown;
  code?: unknown;
}

/** The HTTP status of a failed Engine API call, or undefined for transport errors. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as EngineErrorShape | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/**
 * The engine's own words for an error (the `message` of its JSON body), which
 * is what users expect to see (e.g. "pull access denied for foo, ..."), rather
 * than dockerode's "(HTTP code 404) unexpected - ..." wrapper.
 */
export function engineMessage(err: unknown): string {
  const shape = err as EngineErrorShape | undefined;
  const json = shape?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return ((json as { message: string }).message).trim();
  }
  if (typeof json === 'string' && json.trim() !== '') {
    // Some endpoints answer errors as text; docker-modem then leaves a string here.
    try {
      const parsed = JSON.parse(json) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message.trim();
    } catch {
      return json.trim();
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  // Streaming endpoints (pull, events) leave no body behind: docker-modem only
  // folds the engine's words into "(HTTP code 500) server error - <words> ".
  const folded = /^\(HTTP code \d+\) .*? - ([\s\S]*)$/.exec(message);
  return (folded?.[1] ?? message).trim();
}

/** A socket-level failure: the engine is not there at all (as opposed to an API error). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as EngineErrorShape | undefined)?.code;
  return typeof code === 'string' && ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code);
}
