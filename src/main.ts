import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { adminRoute } from './api/admin.js';
import { StaticKeyRing } from './api/auth/key-ring.js';
import { SigV4Verifier } from './api/auth/sigv4.js';
import { ecsApi } from './api/ecs/index.js';
import { Gateway, type RawRoute } from './api/gateway.js';
import { stsApi } from './api/sts/index.js';
import { unservedApi } from './api/unserved.js';
import { SqliteStore } from './adapters/store-sqlite/sqlite-store.js';
import type { WharfConfig } from './cli/config.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Logger } from './ports/logger.js';

export interface RunningWharf {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The composition root: config -> store -> (runtime, controllers: later
 * issues) -> gateway -> HTTP server. The only module that picks adapters.
 */
export async function startWharf(config: WharfConfig, logger: Logger, clock: Clock = systemClock): Promise<RunningWharf> {
  const store = new SqliteStore(join(config.dataDir, 'wharf.db'));
  const keys = new StaticKeyRing(config.accessKeys);
  const verifier = new SigV4Verifier(keys);

  const isAdmin = async (req: IncomingMessage, body: Buffer) => {
    try {
      const caller = await verifier.verify({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, clock.now());
      return keys.lookup(caller.key.accessKeyId)?.admin === true;
    } catch {
      return false;
    }
  };
  const rawRoutes = new Map<string, RawRoute>([
    ['/_wharf', adminRoute({ reset: () => store.wipe(), health: async () => ({ version: '0.1.0' }) }, isAdmin)],
  ]);

  // Services whose issues have not landed yet still answer, naming the operation.
  const later = ['ecr', 'logs', 'application-autoscaling', 'secretsmanager', 'ssm', 'elbv2', 'iam', 'monitoring'].map((name) => unservedApi(name));
  const gateway = new Gateway({ services: [ecsApi({ store }), stsApi(), ...later], verifier, clock, logger, rawRoutes });
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, gateway.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  return {
    endpoint: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await store.close();
    },
  };
}
