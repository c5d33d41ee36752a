/**
 * A container's output through the Engine API: `GET /containers/{id}/logs`
 * with follow and timestamps, demultiplexed by hand (each frame: one byte
 * stream type, three zero bytes, a big-endian uint32 length, the payload).
 * Each line starts with the engine's RFC 3339 nanosecond timestamp.
 */
import type Docker from 'dockerode';
import type { ContainerLogLine, FollowLogsOptions } from '../../ports/runtime.js';
import { isNotFound } from './engine-errors.js';

const STREAMS = { 1: 'stdout', 2: 'stderr' } as const;

export async function* followContainerLogs(docker: Docker, id: string, options: FollowLogsOptions = {}): AsyncGenerator<ContainerLogLine> {
  if (options.signal?.aborted) return;
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.getContainer(id).logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      since: Math.max(0, Math.floor(options.since ?? 0)),
    })) as unknown as NodeJS.ReadableStream;
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const destroy = (): void => void (stream as unknown as { destroy(): void }).destroy();
  options.signal?.addEventListener('abort', destroy, { once: true });
  let buffer: Buffer = Buffer.alloc(0);
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      const lines: ContainerLogLine[] = [];
      while (buffer.length >= 8) {
        const size = buffer.readUInt32BE(4);
        if (buffer.length < 8 + size) break;
        const kind = STREAMS[buffer[0] as 1 | 2] ?? 'stdout';
        const text = partial[kind] + buffer.subarray(8, 8 + size).toString('utf8');
        buffer = buffer.subarray(8 + size);
        const parts = text.split('\n');
        partial[kind] = parts.pop()!;
        for (const part of parts) lines.push(parseLine(kind, part));
      }
      yield* lines;
    }
  } catch (err) {
    if (!options.signal?.aborted) throw err;
  } finally {
    options.signal?.removeEventListener('abort', destroy);
    destroy();
  }
  if (options.signal?.aborted) return;
  // Output that did not end with a newline is a line of its own.
  for (const kind of ['stdout', 'stderr'] as const) if (partial[kind]) yield parseLine(kind, partial[kind]);
}

function parseLine(stream: 'stdout' | 'stderr', text: string): ContainerLogLine {
  const space = text.indexOf(' ');
  return space > 0 ? { stream, timestamp: text.slice(0, space), line: text.slice(space + 1) } : { stream, timestamp: text, line: '' };
}
