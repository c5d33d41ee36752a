import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startWharf, StoreUnavailableError } from '../main.js';
import { ConfigError, DEFAULT_KEY, loadConfig, redactedUrl, type WharfConfig } from './config.js';
import { hosts } from './hosts.js';
import { spotInterrupt } from './spot-interrupt.js';

const USAGE = `Usage: wharf up [--host H] [--port P] [--data-dir DIR] [--config FILE] [--log-level LEVEL] [--time-scale N] [--secrets-key-file FILE] [--ecr-uri-style wharf|aws]

Starts Wharf, the local ECS + Fargate, in the foreground. Ctrl-C stops it.
--time-scale N divides every wait ECS imposes by N (default 1; for development and tests).
--secrets-key-file FILE: the 32-byte key that seals secret values at rest (default: <data dir>/secrets.key, made on first start).
--enforce-iam: evaluate IAM policies (task roles, execution roles, AssumeRole trust); the configured keys stay the account's root.
--store postgres://USER:PASSWORD@HOST:5432/DB: keep the state in PostgreSQL, shared by every Wharf started on it (one leads the
  controllers, all answer the API; they must share the data directory too). Default: sqlite (files in the data directory).
--ecr-uri-style aws: repositoryUri in AWS's form (<account>.dkr.ecr.<region>.amazonaws.com/<name>) instead of one docker can push to as is.
Environment: WHARF_HOST, WHARF_PORT, WHARF_DATA_DIR, WHARF_CONFIG, WHARF_LOG_LEVEL, WHARF_TIME_SCALE, WHARF_ECR_URI_STYLE, WHARF_ENFORCE_IAM, WHARF_STORE,
WHARF_ACCESS_KEYS="KEY:SECRET[:ACCOUNT],..." (more key pairs beside the default one).

       wharf spot-interrupt [--endpoint URL] [--region R] [--cluster C] (--task T | --service S [--percent P])

Interrupts Fargate Spot tasks of a running Wharf as ECS does (wharf spot-interrupt --help tells more).

       wharf hosts add NAME tcp://ADDR:PORT [--cluster C] [--region R] [--account A] [--attribute NAME=VALUE]... [--task-subnet CIDR]
                       [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--endpoint URL]
       wharf hosts list [--endpoint URL]
       wharf hosts remove NAME [--endpoint URL]

Registers a remote Docker engine as a container instance of a cluster, lists the registered hosts, or removes one
(wharf hosts --help tells more).`;

function banner(endpoint: string, config: WharfConfig): string {
  return [
    `Wharf is listening on ${endpoint} (data in ${config.dataDir}${config.store.kind === 'postgres' ? `, state in PostgreSQL at ${redactedUrl(config.store.url)}` : ''})`,
    '',
    `Console: ${endpoint}/console/ (sign in with an access key pair, e.g. the one below)`,
    '',
    'Point the AWS clients at it:',
    `  export AWS_ENDPOINT_URL=${endpoint} AWS_DEFAULT_REGION=us-east-1 \\`,
    `         AWS_ACCESS_KEY_ID=${DEFAULT_KEY.accessKeyId} AWS_SECRET_ACCESS_KEY=${DEFAULT_KEY.secretAccessKey}`,
    '',
    "Debian's aws CLI 2.9 ignores AWS_ENDPOINT_URL (added in 2.13); give it the endpoint on each command, e.g.:",
    `  alias aws='aws --endpoint-url ${endpoint}'`,
    '',
    ...(config.timeScale !== 1 ? [`Time scale ${config.timeScale}: every ECS wait is divided by ${config.timeScale} (development and tests only).`, ''] : []),
    ...(config.enforceIam ? ['IAM enforcement is on: role sessions are held to their policies; denials are logged with the decision.', ''] : []),
    'Ctrl-C stops Wharf.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'spot-interrupt') return spotInterrupt(argv.slice(1), process.env);
  if (argv[0] === 'hosts') return hosts(argv.slice(1), process.env);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        'time-scale': { type: 'string' },
        'secrets-key-file': { type: 'string' },
        'ecr-uri-style': { type: 'string' },
        'enforce-iam': { type: 'boolean' },
        store: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`wharf: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const command = parsed.positionals[0] ?? 'up';
  if (parsed.values.help || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'up') {
    console.error(`wharf: unknown command '${command}'.\n\n${USAGE}`);
    return 2;
  }

  let config: WharfConfig;
  try {
    config = loadConfig(parsed.values as Record<string, string | undefined>, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`wharf: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const logger = pino({ level: config.logLevel, base: undefined });
  let wharf;
  try {
    wharf = await startWharf(config, logger);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      console.error(`wharf: ${config.host}:${config.port} is already in use. Stop whatever holds it, or start Wharf with --port <another port>.`);
      return 1;
    }
    if (error instanceof StoreUnavailableError && config.store.kind === 'postgres') {
      console.error(
        `wharf: cannot use the PostgreSQL database at ${redactedUrl(config.store.url)}: ${error.cause.message}. ` +
          'Check that the server runs and answers there, and that the URL names an existing database (createdb makes one) with a user and password it accepts.',
      );
      return 1;
    }
    throw error;
  }
  console.log(banner(wharf.endpoint, config));

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await wharf.close();
  console.log('Wharf stopped.');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error('wharf: failed to start:', error);
    process.exit(1);
  },
);
