/**
 * An operator's registration of a remote Docker engine as an ECS container
 * instance of a cluster (`wharf hosts add`, `POST /_wharf/hosts`, the config
 * file's `hosts`): the one place that says what a registration may hold.
 * Every problem is an InvalidParameterException naming the member and what
 * is allowed, so the CLI and the config file can show it as it is.
 */
import { checkClusterName } from '../ecs/cluster.js';
import { invalidParameter } from '../errors.js';
import { isKnownRegion } from '../regions.js';

export interface HostAttribute {
  readonly name: string;
  readonly value?: string;
}

export interface HostTls {
  /** Absolute paths of PEM files, read by the Wharf process that drives the host. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface HostRegistration {
  /** 1-64 of [A-Za-z0-9_.-], starting with a letter or digit; unique across Wharf. */
  readonly name: string;
  /** `tcp://ADDR:PORT`: a hostname, an IPv4 address or a bracketed IPv6 address, and a port 1-65535. */
  readonly url: string;
  /** An ECS cluster name (not an ARN); `default` when absent. */
  readonly cluster: string;
  /** A region Wharf knows; the caller's default (else us-east-1) when absent. */
  readonly region: string;
  /** 12 digits; the caller's default when absent. */
  readonly account: string;
  /** ECS custom attributes, at most 10; `ecs.availability-zone` is the one `ecs.` name allowed. */
  readonly attributes: readonly HostAttribute[];
  readonly tls?: HostTls;
  /** The IPv4 subnet of the host's task network: prefix 8 to 28, host bits zero. */
  readonly taskSubnet?: string;
  /**
   * `HOST:PORT` at which the host's engine reaches Wharf's registry (its ECR
   * images are pulled from there); absent: the address Wharf listens on.
   */
  readonly registryAddress?: string;
}

/** A registered host as the admin API and `wharf hosts list` show it. */
export interface HostView {
  name: string;
  url: string;
  cluster: string;
  region: string;
  account: string;
  containerInstanceArn: string;
  ec2InstanceId: string;
  status: string;
  agentConnected: boolean;
  runningTasksCount: number;
  taskSubnet?: string;
}

export const DEFAULT_HOST_CLUSTER = 'default';
export const DEFAULT_HOST_REGION = 'us-east-1';
export const MAX_HOST_ATTRIBUTES = 10;
/** The one attribute ECS reserves (`ecs.` names) that an operator may set on a host. */
export const AVAILABILITY_ZONE_ATTRIBUTE = 'ecs.availability-zone';

const MEMBERS = ['name', 'url', 'cluster', 'region', 'account', 'attributes', 'tls', 'taskSubnet', 'registryAddress'] as const;
const TLS_MEMBERS = ['caFile', 'certFile', 'keyFile'] as const;
const ATTRIBUTE_MEMBERS = ['name', 'value'] as const;

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ACCOUNT = /^\d{12}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;
const ATTRIBUTE_VALUE = /^[A-Za-z0-9_.\-/:]{1,128}$/;
const REGISTRATION = 'The host registration';
const SHAPE =
  'A host is {"name", "url": "tcp://ADDR:PORT", "cluster"?, "region"?, "account"?, "attributes"?: [{"name", "value"?}], "tls"?: {"caFile", "certFile", "keyFile"}, "taskSubnet"?, "registryAddress"?}.';

/**
 * The registration in `body` (the JSON shape above), checked and with its
 * defaults filled in: `cluster` default, `region` the given default or
 * us-east-1, `account` the given default, no attributes.
 */
export function parseHostRegistration(body: unknown, defaults: { account: string; region?: string }): HostRegistration {
  const fields = objectOf(body, REGISTRATION, MEMBERS);
  const name = requiredString(fields, 'name');
  checkHostName(name);
  const url = requiredString(fields, 'url');
  checkEngineUrl(url);

  const cluster = optionalString(fields, 'cluster') ?? DEFAULT_HOST_CLUSTER;
  try {
    checkClusterName(cluster);
  } catch {
    throw invalidParameter(`cluster must be a cluster name of 1 to 255 letters, digits, '_' or '-' (not an ARN), got ${quoted(cluster)}.`);
  }
  const region = optionalString(fields, 'region') ?? defaults.region ?? DEFAULT_HOST_REGION;
  if (!isKnownRegion(region)) throw invalidParameter(`region must be an AWS region name such as us-east-1, got ${quoted(region)}.`);
  const account = optionalString(fields, 'account') ?? defaults.account;
  if (!ACCOUNT.test(account)) throw invalidParameter(`account must be 12 digits, got ${quoted(account)}.`);

  const attributes = parseAttributes(fields.attributes);
  const tls = fields.tls === undefined ? undefined : parseTls(fields.tls);
  const taskSubnet = optionalString(fields, 'taskSubnet');
  if (taskSubnet !== undefined) checkTaskSubnet(taskSubnet);
  const registryAddress = optionalString(fields, 'registryAddress');
  if (registryAddress !== undefined && !REGISTRY_ADDRESS.test(registryAddress)) {
    throw invalidParameter(`registryAddress must be HOST:PORT (a hostname or IPv4 address and a port), the address the host's engine reaches Wharf's registry at, got ${quoted(registryAddress)}.`);
  }

  return {
    name,
    url,
    cluster,
    region,
    account,
    attributes,
    ...(tls ? { tls } : {}),
    ...(taskSubnet !== undefined ? { taskSubnet } : {}),
    ...(registryAddress !== undefined ? { registryAddress } : {}),
  };
}

/** A hostname or IPv4 address and a port 1-65535 (no scheme, no path). */
const REGISTRY_ADDRESS = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?:(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;

/** A host's name: 1-64 of [A-Za-z0-9_.-], starting with a letter or digit (else InvalidParameterException). */
export function checkHostName(name: string): void {
  if (!HOST_NAME.test(name)) {
    throw invalidParameter(`name must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit, got ${quoted(name)}.`);
  }
}

/** `tcp://ADDR:PORT` with ADDR a hostname, a dotted IPv4 address or `[IPv6]`; nothing after the port. */
function checkEngineUrl(url: string): void {
  const allowed = `url must be tcp://ADDR:PORT (ADDR a hostname, an IPv4 address or a bracketed IPv6 address; PORT 1 to 65535), such as tcp://10.0.0.5:2376`;
  const match = /^tcp:\/\/(\[[^\]]*\]|[^:/[\]]*):([0-9]+)$/.exec(url);
  if (!match) throw invalidParameter(`${allowed}, got ${quoted(url)}.`);
  const address = match[1]!;
  const port = match[2]!;
  const addressOk = address.startsWith('[') ? isIpv6(address.slice(1, -1)) : /^[0-9.]+$/.test(address) ? isIpv4(address) : isHostname(address);
  if (!addressOk) throw invalidParameter(`${allowed}; ${quoted(address)} is not a hostname or IP address, in ${quoted(url)}.`);
  if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535) throw invalidParameter(`${allowed}; the port ${quoted(port)} is out of range, in ${quoted(url)}.`);
}

function isHostname(text: string): boolean {
  if (text.length < 1 || text.length > 253) return false;
  return text.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

/** RFC 4291 text forms: eight groups, one `::` for a run of zero groups, an IPv4 tail; no zone. */
function isIpv6(text: string): boolean {
  let groups = text;
  let tailGroups = 0;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    if (!isIpv4(text.slice(lastColon + 1))) return false;
    groups = text.slice(0, lastColon + 1) + (text[lastColon - 1] === ':' ? '' : '0');
    tailGroups = text[lastColon - 1] === ':' ? 2 : 1;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const split = (half: string) => (half === '' ? [] : half.split(':'));
  const all = halves.flatMap(split);
  if (!all.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  const count = all.length + tailGroups;
  return halves.length === 2 ? count <= 7 : count === 8;
}

function parseAttributes(value: unknown): HostAttribute[] {
  if (value === undefined) return [];
  const allowed = `Each attribute is {"name", "value"?}: a name of 1 to 128 letters, digits, '_', '.', '-' or '/', a value of 1 to 128 of those or ':'`;
  if (!Array.isArray(value)) throw invalidParameter(`attributes must be an array of {"name", "value"?}, got ${typeOf(value)}.`);
  if (value.length > MAX_HOST_ATTRIBUTES) throw invalidParameter(`attributes may hold at most ${MAX_HOST_ATTRIBUTES} attributes, got ${value.length}.`);
  const seen = new Set<string>();
  return value.map((item, index) => {
    const where = `attributes[${index}]`;
    const fields = objectOf(item, where, ATTRIBUTE_MEMBERS);
    const name = fields.name;
    if (typeof name !== 'string' || !ATTRIBUTE_NAME.test(name)) throw invalidParameter(`${where}.name is invalid: ${describe(name)}. ${allowed}.`);
    if (name.toLowerCase().startsWith('ecs.') && name !== AVAILABILITY_ZONE_ATTRIBUTE) {
      throw invalidParameter(`${where}.name ${quoted(name)} is reserved: ECS sets the ecs. attributes itself; the only one a host may set is ${AVAILABILITY_ZONE_ATTRIBUTE}.`);
    }
    if (seen.has(name)) throw invalidParameter(`${where}.name ${quoted(name)} is given twice: each attribute name once.`);
    seen.add(name);
    const attributeValue = fields.value;
    if (attributeValue === undefined) {
      if (name === AVAILABILITY_ZONE_ATTRIBUTE) throw invalidParameter(`${where}: ${AVAILABILITY_ZONE_ATTRIBUTE} needs a value, the zone's name (such as us-east-1a).`);
      return { name };
    }
    if (typeof attributeValue !== 'string' || !ATTRIBUTE_VALUE.test(attributeValue)) {
      throw invalidParameter(`${where}.value is invalid: ${describe(attributeValue)}. ${allowed}; leave value out for an attribute without one.`);
    }
    return { name, value: attributeValue };
  });
}

function parseTls(value: unknown): HostTls {
  const fields = objectOf(value, 'tls', TLS_MEMBERS);
  const missing = TLS_MEMBERS.filter((member) => fields[member] === undefined);
  if (missing.length > 0) {
    throw invalidParameter(`tls needs all of caFile, certFile and keyFile (the engine's CA and this client's certificate and key), or none; ${missing.join(', ')} missing.`);
  }
  for (const member of TLS_MEMBERS) {
    const path = fields[member];
    if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) {
      throw invalidParameter(`tls.${member} must be the absolute path of a PEM file (the Wharf server reads it), got ${describe(path)}.`);
    }
  }
  return { caFile: fields.caFile as string, certFile: fields.certFile as string, keyFile: fields.keyFile as string };
}

function checkTaskSubnet(text: string): void {
  const allowed = 'taskSubnet must be an IPv4 CIDR block with a prefix from 8 to 28 and the host bits zero, such as 10.220.1.0/24';
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!match || !isIpv4(match[1]!) || (match[2]!.length > 1 && match[2]!.startsWith('0'))) throw invalidParameter(`${allowed}, got ${quoted(text)}.`);
  const prefix = Number(match[2]);
  if (prefix < 8 || prefix > 28) throw invalidParameter(`${allowed}; the prefix /${prefix} is out of range, in ${quoted(text)}.`);
  const address = match[1]!.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  const hostBits = address % 2 ** (32 - prefix);
  if (hostBits !== 0) {
    const network = address - hostBits;
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    throw invalidParameter(`${allowed}; ${quoted(text)} has host bits set (the block is ${dotted}/${prefix}).`);
  }
}

function objectOf<K extends string>(value: unknown, what: string, members: readonly K[]): Partial<Record<K, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParameter(`${what} must be a JSON object with ${members.join(', ')}, got ${typeOf(value)}.${what === REGISTRATION ? ` ${SHAPE}` : ''}`);
  }
  const unknown = Object.keys(value).filter((key) => !(members as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw invalidParameter(`${what} has unknown member${unknown.length === 1 ? '' : 's'} ${unknown.map(quoted).join(', ')}; allowed: ${members.join(', ')}.`);
  }
  return value as Partial<Record<K, unknown>>;
}

function requiredString(fields: Partial<Record<string, unknown>>, member: string): string {
  const value = fields[member];
  if (value === undefined) throw invalidParameter(`${member} is required. ${SHAPE}`);
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${member} must be a non-empty string, got ${describe(value)}.`);
  return value;
}

function optionalString(fields: Partial<Record<string, unknown>>, member: string): string | undefined {
  const value = fields[member];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${member} must be a non-empty string when given, got ${describe(value)}.`);
  return value;
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? quoted(value) : value === undefined ? 'nothing' : typeOf(value);
}

/** Quoted and cut short, so a huge or odd value cannot flood a message. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}...` : text);
}
