import { AsyncLocalStorage } from 'node:async_hooks';

/** One call that changed a store, and the API request it happened in (none for a controller's own work). */
export interface AttributedWrite {
  readonly store: string;
  readonly method: string;
  readonly requestId: string | undefined;
}

/**
 * Attributes store writes to the API request in whose async context they
 * happen, so a test can prove that a rejected request wrote nothing while
 * controllers go on writing in the background. Off unless a test asks for
 * it: AsyncLocalStorage costs every promise a little.
 */
export class WriteAttribution {
  private readonly current = new AsyncLocalStorage<string>();

  constructor(private readonly onWrite: (write: AttributedWrite) => void) {}

  /** For the gateway's `aroundRequest`. */
  readonly aroundRequest = (requestId: string, handle: () => Promise<void>): Promise<void> => this.current.run(requestId, handle);

  /**
   * The same port, reporting each call of a method that is not a known read
 * once it has changed something.
   * Unknown methods count as writes, so a new write method is never missed
   * (a new read method shows up as a false alarm and joins `reads`).
   */
  wrap<T extends object>(store: string, target: T, reads: ReadonlySet<string>): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...a: unknown[]) => unknown;
        // Called on the port itself, never on the proxy: private state stays reachable.
        if (typeof property !== 'string' || reads.has(property)) return method.bind(object);
        return async (...args: unknown[]) => {
          const requestId = this.current.getStore();
          const result = await method.apply(object, args);
          if (changedSomething(result)) this.onWrite({ store, method: property, requestId });
          return result;
        };
      },
    });
  }
}

/**
 * The ports' write methods answer what they did: false, 0 or a word for
 * "nothing there" (a delete of a missing log group, a stream that exists)
 * mean nothing changed.
 */
function changedSomething(result: unknown): boolean {
  return !(result === false || result === 0 || result === 'exists' || result === 'no-group');
}

export const STORE_READS: ReadonlySet<string> = new Set(['get', 'list', 'listAll', 'listByIndex', 'listIdsByIndex', 'listAllByIndex', 'countByIndex', 'watch', 'close']);
export const LOG_STORE_READS: ReadonlySet<string> = new Set(['groupExists', 'cursor', 'getGroup', 'listGroups', 'getStream', 'listStreams', 'readStream', 'readGroup', 'groupsWithRetention', 'getResource', 'listResources', 'close']);
export const METRIC_STORE_READS: ReadonlySet<string> = new Set(['query', 'listMetrics', 'stats', 'close']);
