/**
 * The Engine API streams progress (pull, load) and events as JSON objects, one
 * per line, with lines split arbitrarily across chunks. This reassembles them.
 */

/** Feeds chunks in, calls `onObject` for every complete JSON line. Bad lines are reported, not thrown. */
export function jsonLineSplitter(onObject: (obj: unknown) => void, onBadLine?: (line: string) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        onBadLine?.(line);
        continue;
      }
      onObject(parsed);
    }
  };
}

/**
 * Drains a progress stream and resolves with its objects. A progress stream
 * reports failure in-band (`{"error": "...", "errorDetail": {...}}`) with an
 * HTTP 200, so the first such error is turned into a rejection here.
 */
export function drainProgress(stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const objects: unknown[] = [];
    let failed: string | undefined;
    const feed = jsonLineSplitter((obj) => {
      objects.push(obj);
      const error = (obj as { error?: unknown; errorDetail?: { message?: unknown } }).error;
      if (failed === undefined && typeof error === 'string') failed = error;
    });
    stream.on('data', feed);
    stream.on('error', reject);
    stream.on('end', () => (failed === undefined ? resolve(objects) : reject(new Error(failed))));
  });
}
