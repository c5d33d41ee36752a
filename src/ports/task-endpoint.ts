/**
 * The task metadata and credentials endpoint at 169.254.170.2, as the task
 * supervisor sees it: the variables a container gets to find it, and the
 * routing that lets a task's address (and only its own) reach it.
 */
import type { Task } from '../domain/task/task.js';

export interface TaskEndpoint {
  /**
   * The variables a container of the task gets (metadata URIs, the credentials
   * URI when the task has a role, AWS_ENDPOINT_URL); empty when tasks cannot
   * reach the endpoint on this host.
   */
  environment(task: Task, containerName: string): Promise<Record<string, string>>;
  /** Before the task's containers start: requests from its address reach this Wharf's endpoint. */
  open(taskIp: string): Promise<void>;
  /** Once the task's sandbox is gone (its address may be handed to another task). */
  close(taskIp: string): Promise<void>;
}

/**
 * The host side, filled by an adapter (iptables and ip on Linux): the
 * metadata address on the host, and per task address a redirection of
 * 169.254.170.2:80 to the port this Wharf's endpoint listens on, so several
 * Wharfs can share one engine and one task network.
 */
export interface TaskEndpointNetwork {
  /**
   * Makes the metadata address local to the host. False (after one warning
   * saying what to do) when this host cannot: no root, no iptables.
   */
  prepare(): Promise<boolean>;
  /** Routes the task address to `port` (replacing an older route of this instance for it). */
  route(taskIp: string, port: number): Promise<void>;
  unroute(taskIp: string): Promise<void>;
  /** Exactly these task addresses route to `port`: this instance's other routes go (after a restart or a wipe). */
  sync(taskIps: readonly string[], port: number): Promise<void>;
  /** The port this instance's routes already point at (left by its previous run), if any. */
  routedPort(): Promise<number | undefined>;
}
