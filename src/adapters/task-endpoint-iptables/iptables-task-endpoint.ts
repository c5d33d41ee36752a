/**
 * The metadata address on a Linux host: 169.254.170.2/32 on the loopback
 * device (so it is local whatever Docker networks come and go), and per task
 * address a nat PREROUTING rule sending 169.254.170.2:80 to the port this
 * Wharf's endpoint listens on. Each rule carries `wharf:<instance id>` as its
 * comment, so Wharfs sharing a host only ever touch their own rules. Only the
 * destination is rewritten: the endpoint still sees which task is asking.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '../../ports/logger.js';
import type { TaskEndpointNetwork } from '../../ports/task-endpoint.js';

const run = promisify(execFile);
const ADDRESS = '169.254.170.2';

export interface IptablesTaskEndpointOptions {
  readonly instanceId: string;
  readonly logger: Logger;
  /** The device the address goes on; default lo. */
  readonly device?: string;
}

interface Rule {
  readonly taskIp: string;
  readonly port: number;
  /** The rule as `iptables -S` prints it, minus `-A`, ready for `-D`. */
  readonly spec: string[];
  readonly comment: string;
}

export class IptablesTaskEndpoint implements TaskEndpointNetwork {
  private readonly comment: string;
  /** One change at a time: listing then deleting must not interleave with another change. */
  private chain: Promise<unknown> = Promise.resolve();
  private usable: boolean | undefined;

  constructor(private readonly options: IptablesTaskEndpointOptions) {
    this.comment = `wharf:${options.instanceId}`;
  }

  async prepare(): Promise<boolean> {
    if (this.usable !== undefined) return this.usable;
    try {
      await this.addAddress();
      await iptables(['-S', 'PREROUTING']);
      this.usable = true;
    } catch (error) {
      this.usable = false;
      this.options.logger.warn(
        { err: (error as Error).message },
        `tasks cannot reach the task metadata and credentials endpoint (${ADDRESS}): Wharf needs root and the ip and iptables commands to route it. ` +
          'Tasks still run, without ECS_CONTAINER_METADATA_URI_V4, task-role credentials or AWS_ENDPOINT_URL.',
      );
    }
    return this.usable;
  }

  route(taskIp: string, port: number): Promise<void> {
    return this.serial(async () => {
      const rules = await this.ownRules();
      if (rules.some((rule) => rule.taskIp === taskIp && rule.port === port)) return;
      for (const rule of rules.filter((candidate) => candidate.taskIp === taskIp)) await iptables(['-D', ...rule.spec]);
      await iptables(['-I', 'PREROUTING', ...this.ruleArgs(taskIp, port)]);
    });
  }

  unroute(taskIp: string): Promise<void> {
    return this.serial(async () => {
      for (const rule of (await this.ownRules()).filter((candidate) => candidate.taskIp === taskIp)) await iptables(['-D', ...rule.spec]);
    });
  }

  sync(taskIps: readonly string[], port: number): Promise<void> {
    return this.serial(async () => {
      const wanted = new Set(taskIps);
      const rules = await this.ownRules();
      const changes: string[][] = [];
      for (const rule of rules) if (!wanted.has(rule.taskIp) || rule.port !== port) changes.push(['-D', ...rule.spec]);
      const kept = new Set(rules.filter((rule) => wanted.has(rule.taskIp) && rule.port === port).map((rule) => rule.taskIp));
      for (const ip of wanted) if (!kept.has(ip)) changes.push(['-I', 'PREROUTING', ...this.ruleArgs(ip, port)]);
      await applyAll(changes);
    });
  }

  /**
   * The port most of this instance's rules send tasks to: a restarted Wharf
   * that listens there again finds every route already right and changes none.
   */
  async routedPort(): Promise<number | undefined> {
    if (!(await this.prepare())) return undefined;
    const counts = new Map<number, number>();
    for (const rule of await this.serial(() => this.ownRules())) counts.set(rule.port, (counts.get(rule.port) ?? 0) + 1);
    let best: number | undefined;
    for (const [port, count] of counts) if (best === undefined || count > counts.get(best)!) best = port;
    return best;
  }

  /**
   * Deletes the rules of Wharf instances that are not live (see
   * host-leftovers/live-instances.ts for the rule): a Wharf killed with -9
   * never unroutes its tasks. Only rules whose comment is `wharf:<id>` are
   * considered, this instance's and the live ones' are kept. Returns how many
   * rules went.
   */
  sweepDeadInstances(live: ReadonlySet<string>): Promise<number> {
    return this.serial(async () => {
      const deletions: string[][] = [];
      for (const rule of await this.rules()) {
        const id = /^wharf:([0-9a-f-]{36})$/.exec(rule.comment)?.[1];
        if (!id || id === this.options.instanceId || live.has(id)) continue;
        deletions.push(['-D', ...rule.spec]);
      }
      await applyAll(deletions);
      return deletions.length;
    });
  }

  private ruleArgs(taskIp: string, port: number): string[] {
    return ['-s', `${taskIp}/32`, '-d', `${ADDRESS}/32`, '-p', 'tcp', '--dport', '80', '-m', 'comment', '--comment', this.comment, '-j', 'DNAT', '--to-destination', `${ADDRESS}:${port}`];
  }

  /** This instance's rules. */
  private async ownRules(): Promise<Rule[]> {
    return (await this.rules()).filter((rule) => rule.comment === this.comment);
  }

  /** Every commented PREROUTING rule, parsed from `iptables -S` (which quotes the comment). */
  private async rules(): Promise<Rule[]> {
    const listing = await iptables(['-S', 'PREROUTING']);
    const rules: Rule[] = [];
    for (const line of listing.split('\n')) {
      if (!line.startsWith('-A PREROUTING ')) continue;
      const spec = line.slice(3).split(/\s+/).map((word) => word.replace(/^"(.*)"$/, '$1'));
      const at = (flag: string) => spec[spec.indexOf(flag) + 1];
      if (!spec.includes('--comment')) continue;
      const taskIp = (at('-s') ?? '').replace(/\/32$/, '');
      const port = Number((at('--to-destination') ?? '').split(':')[1]);
      rules.push({ taskIp, port, spec, comment: at('--comment') ?? '' });
    }
    return rules;
  }

  private async addAddress(): Promise<void> {
    try {
      await run('ip', ['addr', 'add', `${ADDRESS}/32`, 'dev', this.options.device ?? 'lo']);
    } catch (error) {
      // Already there (another Wharf, an earlier run): that is what we want.
      if (!/exists|already assigned/i.test(String((error as { stderr?: string }).stderr ?? (error as Error).message))) throw error;
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

async function iptables(args: readonly string[]): Promise<string> {
  // -w: wait for the xtables lock other Wharfs (and dockerd) take.
  const { stdout } = await run('iptables', ['-w', '-t', 'nat', ...args]);
  return stdout;
}

/**
 * Many rule changes in one `iptables-restore --noflush` transaction: one
 * process and one lock instead of one per rule, which is what made a restart
 * with hundreds of tasks slow. The batch is all or nothing; when it fails (a
 * rule another process removed meanwhile), the changes go one by one and a
 * deletion of a rule already gone is not an error.
 */
async function applyAll(changes: readonly (readonly string[])[]): Promise<void> {
  if (changes.length === 0) return;
  if (changes.length > 1) {
    const script = ['*nat', ...changes.map((change) => change.join(' ')), 'COMMIT', ''].join('\n');
    if (await restore(script)) return;
  }
  for (const change of changes) {
    try {
      await iptables(change);
    } catch (error) {
      if (change[0] !== '-D') throw error;
    }
  }
}

function restore(script: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('iptables-restore', ['-w', '--noflush'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
    child.stdin.on('error', () => undefined);
    child.stdin.end(script);
  });
}
