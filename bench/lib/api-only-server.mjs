// The ECS API alone, for bench/api-throughput.mjs: the same gateway (SigV4, model
// validation, codecs), handlers and SQLite store as `wharf up`, on a data
// directory's wharf.db, with no controllers, data plane or Docker engine. It
// measures what a request costs by itself as the store grows, apart from the
// controllers' background work that a whole Wharf also does.
// Usage: node bench/lib/api-only-server.mjs <port> <wharf.db>
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { StaticKeyRing } from '../../dist/api/auth/key-ring.js';
import { SigV4Verifier } from '../../dist/api/auth/sigv4.js';
import { ecsApi } from '../../dist/api/ecs/index.js';
import { Gateway } from '../../dist/api/gateway.js';
import { StoreContainerInstances } from '../../dist/adapters/container-instances-store/store-container-instances.js';
import { SqliteStore } from '../../dist/adapters/store-sqlite/sqlite-store.js';
import { DEFAULT_KEY } from '../../dist/cli/config.js';
import { silentLogger } from '../../dist/ports/logger.js';
import { systemClock } from '../../dist/ports/clock.js';

const [port, file] = process.argv.slice(2);
const store = new SqliteStore(file);
// RunTask places on the host's implicit container instance, as in `wharf up`: named by the data
// directory's instance id (so it is the record the seeding Wharf wrote), with no capacity limit.
const idFile = join(dirname(file), 'instance-id');
const hostId = existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : 'bench-api-only';
const instances = new StoreContainerInstances(store, { hostId, capacity: async () => ({ cpuUnits: Infinity, memoryMiB: Infinity }), clock: systemClock });
const gateway = new Gateway({
  services: [ecsApi({ store, instances })],
  verifier: new SigV4Verifier(new StaticKeyRing([DEFAULT_KEY])),
  clock: systemClock,
  logger: silentLogger,
});
const server = createServer({ keepAliveTimeout: 65_000 }, gateway.handle);
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void store.close().then(() => process.exit(0));
});
