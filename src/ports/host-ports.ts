import type { HostPortBinding, PortMappingSpec } from './runtime.js';

/**
 * Publishes a task's container ports on 127.0.0.1 so a person on the host can
 * reach them. Kept apart from the runtime so a sandbox can be made before the
 * task (and its ports) is known.
 */
export interface HostPortPublisher {
  /** Opens one host port per TCP mapping, reusing `preferred` ports where free. */
  publish(key: string, targetIp: string, mappings: readonly PortMappingSpec[], preferred?: readonly HostPortBinding[]): Promise<HostPortBinding[]>;
  isPublished(key: string): boolean;
  unpublish(key: string): Promise<void>;
  close(): Promise<void>;
}
