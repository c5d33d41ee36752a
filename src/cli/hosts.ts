import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AwsError } from '../domain/errors.js';
import { checkHostName, parseHostRegistration, type HostView } from '../domain/hosts/host-registration.js';
import { signedAdminHeaders } from './admin-request.js';
import { DEFAULT_ACCOUNT } from './config.js';

export const HOSTS_USAGE = `Usage: wharf hosts add NAME tcp://ADDR:PORT [--cluster C] [--region R] [--account A] [--attribute NAME[=VALUE]]...
                       [--task-subnet CIDR] [--registry-address HOST:PORT] [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--endpoint URL]
       wharf hosts list [--endpoint URL]
       wharf hosts remove NAME [--endpoint URL]

Registers a remote Docker engine as an ECS container instance of a cluster, lists the registered
hosts, or removes one (refused while it still runs tasks). NAME: 1 to 64 letters, digits, '_', '.'
or '-'. --cluster defaults to default; --region to AWS_REGION or AWS_DEFAULT_REGION, else us-east-1;
--account to Wharf's default account. --attribute (up to 10) sets an ECS custom attribute, such as
--attribute ecs.availability-zone=us-east-1b. --task-subnet: the IPv4 subnet of the host's task
network (prefix 8 to 28), its own per host. --registry-address: where the host's engine reaches
Wharf's registry for ECR images (default: the address Wharf listens on). --tls-ca, --tls-cert and --tls-key (all three, or none)
are the engine's CA and this client's certificate and key for dockerd --tlsverify; the Wharf server
reads them, at the absolute path they resolve to here. --endpoint defaults to AWS_ENDPOINT_URL, else
http://127.0.0.1:4566. Adding and removing are allowed from the Wharf host (loopback), or from elsewhere
signed with an admin key pair (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).`;

/** The `POST /_wharf/hosts` body as the command line gives it: only what was given, so the server fills its defaults. */
export interface HostRegistrationBody {
  name: string;
  url: string;
  cluster?: string;
  region?: string;
  account?: string;
  attributes?: { name: string; value?: string }[];
  tls?: { caFile: string; certFile: string; keyFile: string };
  taskSubnet?: string;
  registryAddress?: string;
}

export type HostsCommand =
  | { readonly command: 'help' }
  | { readonly command: 'add'; readonly endpoint: string; readonly body: HostRegistrationBody }
  | { readonly command: 'list'; readonly endpoint: string }
  | { readonly command: 'remove'; readonly endpoint: string; readonly name: string };

/** A command line `wharf hosts` cannot run: the message says what to give instead. */
export class HostsUsageError extends Error {}

const ADD_ONLY = ['cluster', 'region', 'account', 'attribute', 'task-subnet', 'registry-address', 'tls-ca', 'tls-cert', 'tls-key'] as const;
const TLS_FLAGS = { caFile: 'tls-ca', certFile: 'tls-cert', keyFile: 'tls-key' } as const;

/**
 * `wharf hosts ...` (the arguments after `hosts`) as a command, or a
 * HostsUsageError. An added host's registration is checked here by the
 * same rules the server applies, so a typo fails before anything is sent;
 * TLS files are made absolute against `cwd`.
 */
export function parseHostsArgs(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string = process.cwd()): HostsCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        endpoint: { type: 'string' },
        cluster: { type: 'string' },
        region: { type: 'string' },
        account: { type: 'string' },
        attribute: { type: 'string', multiple: true },
        'task-subnet': { type: 'string' },
        'registry-address': { type: 'string' },
        'tls-ca': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new HostsUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { command: 'help' };
  const [subcommand, ...operands] = positionals;
  if (subcommand === undefined) throw new HostsUsageError('name a command: add, list or remove.');
  if (subcommand !== 'add' && subcommand !== 'list' && subcommand !== 'remove') throw new HostsUsageError(`unknown command 'hosts ${subcommand}': use add, list or remove.`);

  const endpoint = endpointOf(values.endpoint ?? (env.AWS_ENDPOINT_URL || undefined) ?? 'http://127.0.0.1:4566');
  if (subcommand !== 'add') {
    const misplaced = ADD_ONLY.filter((flag) => values[flag] !== undefined);
    if (misplaced.length > 0) throw new HostsUsageError(`${misplaced.map((flag) => `--${flag}`).join(', ')} ${misplaced.length === 1 ? 'goes' : 'go'} with 'hosts add', not 'hosts ${subcommand}'.`);
  }
  if (subcommand === 'list') {
    if (operands.length > 0) throw new HostsUsageError(`'hosts list' takes no arguments, got '${operands.join(' ')}'.`);
    return { command: 'list', endpoint };
  }
  if (subcommand === 'remove') {
    if (operands.length !== 1) throw new HostsUsageError(`'hosts remove' takes one host name${operands.length > 1 ? `, got ${operands.length}: '${operands.join(' ')}'` : ''}.`);
    const name = operands[0]!;
    try {
      checkHostName(name);
    } catch (error) {
      if (error instanceof AwsError) throw new HostsUsageError(inFlagTerms(error.message, [], false));
      throw error;
    }
    return { command: 'remove', endpoint, name };
  }

  if (operands.length !== 2) {
    throw new HostsUsageError(`'hosts add' takes a name and the engine's URL, as in 'wharf hosts add engine-1 tcp://10.0.0.5:2376'${operands.length > 0 ? `; got '${operands.join(' ')}'` : ''}.`);
  }
  const [name, url] = operands as [string, string];
  const region = values.region ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined);
  const attributes = (values.attribute ?? []).map((text) => {
    const equals = text.indexOf('=');
    return equals < 0 ? { name: text } : { name: text.slice(0, equals), value: text.slice(equals + 1) };
  });
  const tlsGiven = Object.values(TLS_FLAGS).filter((flag) => values[flag] !== undefined);
  if (tlsGiven.length > 0 && tlsGiven.length < 3) {
    const missing = Object.values(TLS_FLAGS).filter((flag) => values[flag] === undefined);
    throw new HostsUsageError(`TLS needs all of --tls-ca, --tls-cert and --tls-key, or none: ${missing.map((flag) => `--${flag}`).join(' and ')} missing.`);
  }
  const body: HostRegistrationBody = {
    name,
    url,
    ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(values.account !== undefined ? { account: values.account } : {}),
    ...(attributes.length > 0 ? { attributes } : {}),
    ...(tlsGiven.length === 3
      ? { tls: { caFile: resolve(cwd, values['tls-ca']!), certFile: resolve(cwd, values['tls-cert']!), keyFile: resolve(cwd, values['tls-key']!) } }
      : {}),
    ...(values['task-subnet'] !== undefined ? { taskSubnet: values['task-subnet'] } : {}),
    ...(values['registry-address'] !== undefined ? { registryAddress: values['registry-address'] } : {}),
  };
  try {
    parseHostRegistration(body, { account: DEFAULT_ACCOUNT });
  } catch (error) {
    if (error instanceof AwsError) throw new HostsUsageError(inFlagTerms(error.message, values.attribute ?? [], region !== undefined && values.region === undefined));
    throw error;
  }
  return { command: 'add', endpoint, body };
}

/** The parser's member names as the command line spells them. */
function inFlagTerms(message: string, attributes: readonly string[], regionFromEnv: boolean): string {
  return message
    .replace(/^attributes\[(\d+)\](\.name|\.value)?/, (_, index: string) => `--attribute '${attributes[Number(index)]}'`)
    .replace(/^attributes may hold at most (\d+) attributes/, 'at most $1 --attribute flags are allowed')
    .replace(/^name /, 'NAME ')
    .replace(/^url must be tcp:\/\/ADDR:PORT/, "the engine's URL must be tcp://ADDR:PORT")
    .replace(/^cluster /, '--cluster ')
    .replace(/^region /, regionFromEnv ? 'the region (from AWS_REGION or AWS_DEFAULT_REGION; --region overrides it) ' : '--region ')
    .replace(/^account /, '--account ')
    .replace(/^taskSubnet /, '--task-subnet ')
    .replace(/^registryAddress /, '--registry-address ');
}

function endpointOf(text: string): string {
  const endpoint = text.replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new HostsUsageError(`--endpoint must be Wharf's URL, such as http://127.0.0.1:4566, got '${text}'.`);
  return endpoint;
}

/** `wharf hosts ...`: calls the admin endpoint and says what happened; the exit code (0 done, 1 refused or unreachable, 2 usage). */
export async function hosts(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let command: HostsCommand;
  try {
    command = parseHostsArgs(argv, env);
  } catch (error) {
    if (!(error instanceof HostsUsageError)) throw error;
    console.error(`wharf: ${error.message}\n\n${HOSTS_USAGE}`);
    return 2;
  }
  if (command.command === 'help') {
    console.log(HOSTS_USAGE);
    return 0;
  }
  const request =
    command.command === 'add'
      ? { method: 'POST', path: '/_wharf/hosts', body: JSON.stringify(command.body), region: command.body.region }
      : command.command === 'remove'
        ? { method: 'DELETE', path: `/_wharf/hosts/${encodeURIComponent(command.name)}`, body: '' }
        : { method: 'GET', path: '/_wharf/hosts', body: '' };
  const url = new URL(`${command.endpoint}${request.path}`);
  const region = request.region ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined) ?? 'us-east-1';

  let response: Response;
  try {
    const headers = await signedAdminHeaders(request.method, url, request.body, region, env);
    response = await fetch(url, { method: request.method, headers, ...(request.method === 'GET' ? {} : { body: request.body }) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    console.error(
      `wharf: cannot reach Wharf at ${command.endpoint} (${cause?.code ?? cause?.message ?? (error as Error).message}). ` +
        'Start it with `wharf up` (or `npm start`), or pass --endpoint (or set AWS_ENDPOINT_URL) with the URL its banner prints.',
    );
    return 1;
  }
  const text = await response.text();
  let answer: { host?: HostView; hosts?: HostView[]; removed?: string; __type?: string; message?: string } = {};
  try {
    answer = JSON.parse(text);
  } catch {
    // Not Wharf answering, probably: reported below with the status.
  }

  if (response.status === 200 && command.command === 'add' && answer.host) {
    console.log(addedText(answer.host));
    return 0;
  }
  if (response.status === 200 && command.command === 'list' && Array.isArray(answer.hosts)) {
    console.log(answer.hosts.length === 0 ? 'No hosts are registered. Add one with `wharf hosts add NAME tcp://ADDR:PORT`.' : hostsTable(answer.hosts));
    return 0;
  }
  if (response.status === 200 && command.command === 'remove' && typeof answer.removed === 'string') {
    console.log(`Removed host ${answer.removed}: its container instance is deregistered and Wharf no longer drives its engine.`);
    return 0;
  }
  console.error(`wharf: ${refusal(command, response.status, answer, text)}`);
  return 1;
}

function refusal(command: Exclude<HostsCommand, { command: 'help' }>, status: number, answer: { __type?: string; message?: string }, text: string): string {
  if (status === 403) return `${answer.message ?? 'not allowed.'} Run it on the Wharf host, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of an admin key pair.`;
  if (answer.__type === 'UnknownOperationException' || (status === 404 && !answer.__type)) {
    return `${command.endpoint} has no /_wharf/hosts endpoint. Is --endpoint a Wharf of this version (one that registers Docker hosts)?`;
  }
  if (answer.__type) {
    const next =
      command.command === 'remove'
        ? ' `wharf hosts list` shows the registered hosts and the tasks each runs; stop its tasks (or drain its services) first.'
        : command.command === 'add'
          ? ' `wharf hosts list` shows the hosts already registered.'
          : '';
    return `${answer.__type}: ${answer.message ?? ''}${next}`;
  }
  return `${command.endpoint} answered HTTP ${status}: ${text.slice(0, 500)}`;
}

function addedText(host: HostView): string {
  return [
    `Registered host ${host.name} (${host.url}) as container instance ${host.containerInstanceArn} (${host.ec2InstanceId})`,
    `in cluster ${host.cluster}, ${host.region}, account ${host.account}${host.taskSubnet ? `; its tasks get addresses in ${host.taskSubnet}` : ''}.`,
    host.agentConnected
      ? `Tasks can be placed on it now: aws ecs list-container-instances --cluster ${host.cluster}`
      : `Wharf has not reached its engine yet (status ${host.status}): check that dockerd listens at ${host.url}; \`wharf hosts list\` shows when it is connected.`,
  ].join('\n');
}

/** NAME URL CLUSTER STATUS CONNECTED TASKS CONTAINER-INSTANCE, columns padded to their widest cell. */
export function hostsTable(hosts: readonly HostView[]): string {
  const rows = [
    ['NAME', 'URL', 'CLUSTER', 'STATUS', 'CONNECTED', 'TASKS', 'CONTAINER-INSTANCE'],
    ...hosts.map((host) => [host.name, host.url, host.cluster, host.status, host.agentConnected ? 'yes' : 'no', String(host.runningTasksCount), host.containerInstanceArn]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}
