import type { AttributedWrite } from '../../adapters/write-attribution.js';

/**
 * Which API requests changed a store. Wharf (started in this process with
 * `WharfParts.onWrite`) reports every call that changes its store, log store
 * or metric store with the request it happened in; controllers writing in
 * the background report no request, so they are never taken for a rejected
 * request's write.
 */
export class StoreWatch {
  private readonly byRequest = new Map<string, string[]>();

  readonly record = (write: AttributedWrite): void => {
    if (write.requestId === undefined) return;
    const calls = this.byRequest.get(write.requestId) ?? [];
    calls.push(`${write.store}.${write.method}`);
    this.byRequest.set(write.requestId, calls);
  };

  /** The store calls made while answering this request (empty: it wrote nothing). */
  writesOf(requestId: string): readonly string[] {
    const calls = this.byRequest.get(requestId) ?? [];
    this.byRequest.delete(requestId);
    return calls;
  }
}
