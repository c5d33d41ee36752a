/**
 * The ids in a task's metadata and credentials URIs, derived rather than
 * stored: HMAC-SHA256 under a secret of the data directory, of the task ARN
 * (and the container name). Nothing secret lands in the task record, a
 * restarted Wharf derives the same ids for the tasks it re-adopts, and no one
 * without the key can guess another task's credentials URI.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class EndpointIds {
  /** `key`: the data directory's `task-endpoint-secret` (main.ts reads it), so every restart derives the same ids. */
  constructor(private readonly key: Buffer) {}

  /** The container's id in ECS_CONTAINER_METADATA_URI(_V4): 32 hex digits, a dash, 10 more (the shape Fargate uses). */
  container(taskArn: string, containerName: string): string {
    const digest = this.digest('container', taskArn, containerName);
    return `${digest.slice(0, 32)}-${digest.slice(32, 42)}`;
  }

  /** The id in AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: a UUID, as ECS hands out. */
  credentials(taskArn: string): string {
    const d = this.digest('credentials', taskArn);
    return `${d.slice(0, 8)}-${d.slice(8, 12)}-4${d.slice(13, 16)}-${((parseInt(d[16]!, 16) & 3) | 8).toString(16)}${d.slice(17, 20)}-${d.slice(20, 32)}`;
  }

  /** Compares in constant time: the credentials id is a capability. */
  static same(a: string, b: string): boolean {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  }

  private digest(...parts: string[]): string {
    return createHmac('sha256', this.key).update(parts.join('\n')).digest('hex');
  }
}
