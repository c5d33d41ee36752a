/**
 * Where the Docker engine is: a local unix socket (the default), or a remote
 * engine at `tcp://ADDR:PORT`, plain or with TLS client certificates (dockerd
 * `--tlsverify`). One place turns either into dockerode's options and into the
 * address error messages name, for the runtime and for exec alike.
 */
import type Docker from 'dockerode';

export const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';

export interface DockerEngineTls {
  /** The CA that signed the engine's certificate (PEM). */
  readonly ca: Buffer | string;
  /** This client's certificate and key (PEM), as dockerd --tlsverify requires. */
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
}

export interface DockerEngineHost {
  /** `tcp://ADDR:PORT`; the port defaults to 2375, or 2376 with TLS, as the docker CLI's does. */
  readonly url: string;
  readonly tls?: DockerEngineTls;
}

export interface EngineAddress {
  /** What messages name: the socket path, or the engine's `tcp://` URL. */
  readonly address: string;
  /** A tcp:// engine: nothing of its host (cgroup files, /proc, routes) is visible from here. */
  readonly remote: boolean;
  readonly dockerOptions: Docker.DockerOptions;
}

export function engineAddress(options: { readonly socketPath?: string; readonly host?: DockerEngineHost }): EngineAddress {
  if (!options.host) {
    const socketPath = options.socketPath ?? DEFAULT_SOCKET_PATH;
    return { address: socketPath, remote: false, dockerOptions: { socketPath } };
  }
  if (options.socketPath !== undefined) throw new Error('a Docker engine is either a socket path or a host URL, not both');
  const { url, tls } = options.host;
  const match = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (!match) throw new Error(`not a Docker engine address: ${JSON.stringify(url)} (expected tcp://ADDR:PORT)`);
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const port = match[2] !== undefined ? Number(match[2]) : tls ? 2376 : 2375;
  if (port < 1 || port > 65535) throw new Error(`not a Docker engine address: ${JSON.stringify(url)} (port out of range)`);
  return {
    address: `tcp://${match[1]}:${port}`,
    remote: true,
    dockerOptions: tls ? { host, port, protocol: 'https', ca: tls.ca, cert: tls.cert, key: tls.key } : { host, port, protocol: 'http' },
  };
}
