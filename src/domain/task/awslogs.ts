/**
 * The awslogs log driver's rules, pure: which options a container's
 * logConfiguration carries, where its output goes (group, stream, scope),
 * how a missing group fails the task, and how lines become events
 * (multiline joining by awslogs-multiline-pattern or awslogs-datetime-format).
 *
 * Wharf never drops lines: `mode` (blocking | non-blocking) and
 * `max-buffer-size` are accepted for compatibility, and every line is kept.
 */

/** The options the awslogs driver documents; any other is refused at registration (docker refuses it at container creation). */
export const AWSLOGS_OPTIONS = new Set([
  'awslogs-group',
  'awslogs-region',
  'awslogs-stream-prefix',
  'awslogs-create-group',
  'awslogs-datetime-format',
  'awslogs-multiline-pattern',
  'awslogs-endpoint',
  'awslogs-credentials-endpoint',
  'awslogs-force-flush-interval-seconds',
  'awslogs-max-buffer-size',
  'awslogs-format',
  'mode',
  'max-buffer-size',
  'tag',
]);

export interface AwslogsConfig {
  readonly group: string;
  readonly region: string;
  readonly streamPrefix?: string;
  readonly createGroup: boolean;
  /** Source of a RegExp: a line matching it starts a new event. */
  readonly multilineStart?: string;
}

export interface LogConfigurationPlan {
  readonly logDriver: string;
  readonly options?: Readonly<Record<string, string>>;
}

/** The awslogs configuration of a container, or undefined when it uses another driver (or none). */
export function awslogsConfig(log: LogConfigurationPlan | undefined, taskRegion: string): AwslogsConfig | undefined {
  if (log?.logDriver !== 'awslogs') return undefined;
  const options = log.options ?? {};
  const group = options['awslogs-group'];
  if (!group) return undefined;
  const datetime = options['awslogs-datetime-format'];
  const pattern = options['awslogs-multiline-pattern'];
  const multilineStart = datetime ? strftimeToRegex(datetime) : pattern || undefined;
  return {
    group,
    region: options['awslogs-region'] || taskRegion,
    ...(options['awslogs-stream-prefix'] ? { streamPrefix: options['awslogs-stream-prefix'] } : {}),
    createGroup: options['awslogs-create-group'] === 'true',
    ...(multilineStart ? { multilineStart } : {}),
  };
}

/**
 * `<prefix>/<container>/<task id>` (ECS); without a prefix (EC2 only) docker
 * names the stream after the container id.
 */
export function awslogsStreamName(config: AwslogsConfig, containerName: string, taskId: string, containerId: string): string {
  return config.streamPrefix ? `${config.streamPrefix}/${containerName}/${taskId}` : containerId;
}

/** The stoppedReason of a task whose awslogs group does not exist (Fargate platform 1.4 wording). */
export const MISSING_LOG_GROUP_REASON =
  'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1';

/** Problems with awslogs options that docker's driver refuses; undefined when fine. */
export function awslogsOptionProblem(options: Readonly<Record<string, string>>): string | undefined {
  for (const name of Object.keys(options)) {
    if (!AWSLOGS_OPTIONS.has(name)) return `unknown log opt '${name}' for awslogs log driver`;
  }
  if (options['awslogs-datetime-format'] && options['awslogs-multiline-pattern']) {
    return "you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time";
  }
  const create = options['awslogs-create-group'];
  if (create !== undefined && create !== 'true' && create !== 'false') return `invalid value for log opt 'awslogs-create-group': ${create}`;
  const mode = options['mode'];
  if (mode !== undefined && mode !== 'blocking' && mode !== 'non-blocking') return `logger: logger mode ${mode} is not supported`;
  const pattern = options['awslogs-multiline-pattern'];
  if (pattern) {
    try {
      new RegExp(pattern);
    } catch {
      return `awslogs could not parse multiline pattern key ${pattern}`;
    }
  }
  return undefined;
}

/** strftime directives docker's awslogs driver translates into a regular expression. */
const STRFTIME: Readonly<Record<string, string>> = {
  a: '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)',
  A: '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)',
  b: '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)',
  B: '(?:January|February|March|April|May|June|July|August|September|October|November|December)',
  d: '(?:0[1-9]|[1,2][0-9]|3[0,1])',
  e: '(?:[1-9]|[1,2][0-9]|3[0,1])',
  f: '[0-9]{1,6}',
  H: '(?:[0,1][0-9]|2[0-3])',
  I: '(?:0[0-9]|1[0-2])',
  j: '(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])',
  k: '(?: [0-9]|1[0-9]|2[0-3])',
  l: '(?: [0-9]|1[0-2])',
  L: '[0-9]{3}',
  m: '(?:0[1-9]|1[0-2])',
  M: '[0-5][0-9]',
  p: '[A,P]M',
  S: '[0-5][0-9]',
  y: '\\d{2}',
  Y: '\\d{4}',
  z: '[+-]\\d{4}',
  Z: '[A-Z]{3,5}',
  '%': '%',
};

/** Turns an awslogs-datetime-format (strftime) into the source of a RegExp anchored at the line start. */
export function strftimeToRegex(format: string): string {
  let out = '^';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch === '%' && i + 1 < format.length) {
      const directive = format[++i]!;
      out += STRFTIME[directive] ?? escapeRegex(`%${directive}`);
    } else {
      out += escapeRegex(ch);
    }
  }
  return out;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One line read from a container, with docker's nanosecond timestamp. */
export interface LogLine {
  /** RFC 3339 with nanoseconds, as docker's `timestamps=true` writes it. */
  readonly timestamp: string;
  readonly line: string;
}

/** An event ready to append, with the docker timestamp of its last line (the ingest cursor). */
export interface JoinedEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly lastPosition: string;
}

/** Nanoseconds since the epoch of a docker timestamp, for ordering and cursor comparison. */
export function dockerTimeNs(timestamp: string): bigint {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(timestamp);
  if (!match) return 0n;
  const seconds = Date.parse(`${match[1]}${match[3]}`) / 1000;
  return BigInt(seconds) * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

export function dockerTimeMs(timestamp: string): number {
  return Number(dockerTimeNs(timestamp) / 1_000_000n);
}

/**
 * Lines -> events. Without a start pattern each line is an event. With one,
 * a line matching it starts a new event; others are appended to the current
 * event with "\n". The current event is held until the next start line or
 * until `flush` (the pump calls it after a short idle, and when the output ends).
 */
export class MultilineJoiner {
  private readonly start: RegExp | undefined;
  private pending: { timestamp: number; lines: string[]; lastPosition: string } | undefined;

  constructor(startPattern?: string) {
    this.start = startPattern ? new RegExp(startPattern) : undefined;
  }

  push(line: LogLine): JoinedEvent[] {
    if (!this.start) return [{ timestamp: dockerTimeMs(line.timestamp), message: line.line, lastPosition: line.timestamp }];
    if (this.pending && !this.start.test(line.line)) {
      this.pending.lines.push(line.line);
      this.pending.lastPosition = line.timestamp;
      return [];
    }
    const out = this.flush();
    this.pending = { timestamp: dockerTimeMs(line.timestamp), lines: [line.line], lastPosition: line.timestamp };
    return out;
  }

  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  flush(): JoinedEvent[] {
    if (!this.pending) return [];
    const { timestamp, lines, lastPosition } = this.pending;
    this.pending = undefined;
    return [{ timestamp, message: lines.join('\n'), lastPosition }];
  }
}
