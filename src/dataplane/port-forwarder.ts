import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { HostPortPublisher } from '../ports/host-ports.js';
import type { Logger } from '../ports/logger.js';
import type { HostPortBinding, PortMappingSpec } from '../ports/runtime.js';

/**
 * Host port publishing done by Wharf itself: a TCP listener on 127.0.0.1 per
 * container port, piping each connection to the task's address on the task
 * network. Unlike the engine's port publishing it can be added after the
 * sandbox exists, which lets sandboxes be made ahead of time. UDP mappings
 * are not published (they stay reachable on the task's address).
 */
export class PortForwarder implements HostPortPublisher {
  private readonly servers = new Map<string, { server: Server; sockets: Set<Socket> }[]>();

  constructor(private readonly logger: Logger) {}

  async publish(key: string, targetIp: string, mappings: readonly PortMappingSpec[], preferred: readonly HostPortBinding[] = []): Promise<HostPortBinding[]> {
    await this.unpublish(key);
    const opened: { server: Server; sockets: Set<Socket> }[] = [];
    const bindings: HostPortBinding[] = [];
    this.servers.set(key, opened);
    for (const mapping of mappings) {
      if (mapping.protocol !== 'tcp') continue;
      const sockets = new Set<Socket>();
      const server = createServer((client) => {
        sockets.add(client);
        const upstream = createConnection({ host: targetIp, port: mapping.containerPort });
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const close = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', close).on('close', close);
        upstream.on('error', close).on('close', close);
      });
      const wanted = preferred.find((binding) => binding.containerPort === mapping.containerPort && binding.protocol === 'tcp')?.hostPort ?? 0;
      const port = await listen(server, wanted).catch(() => listen(server, 0));
      opened.push({ server, sockets });
      bindings.push({ containerPort: mapping.containerPort, protocol: 'tcp', hostPort: port, bindIP: '127.0.0.1' });
    }
    if (bindings.length > 0) this.logger.debug({ key, targetIp, bindings }, 'ports published');
    return bindings;
  }

  isPublished(key: string): boolean {
    return this.servers.has(key);
  }

  async unpublish(key: string): Promise<void> {
    const opened = this.servers.get(key);
    if (!opened) return;
    this.servers.delete(key);
    await Promise.all(
      opened.map(
        ({ server, sockets }) =>
          new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((key) => this.unpublish(key)));
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
