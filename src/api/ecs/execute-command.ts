import { createHash, randomBytes } from 'node:crypto';
import { taskRecordId } from '../../domain/ecs/record-keys.js';
import { invalidParameter } from '../../domain/errors.js';
import { EXEC_SESSION_KIND, EXEC_TOKEN_TTL_MS, execStreamUrl, execLogDestination, execSessionId, formatExecToken, type ExecSessionRecord } from '../../domain/exec/exec-session.js';
import { EXECUTE_COMMAND_AGENT, type ManagedAgent } from '../../domain/task/managed-agents.js';
import type { Task } from '../../domain/task/task.js';
import type { Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { activeCluster, KIND } from './records.js';
import { taskIdOf } from './tasks.js';

const NOT_ENABLED =
  'The execute command failed because execute command was not enabled when the task was run or the execute command agent isn\'t running. Wait and try again or run a new task with execute command enabled and try again.';

export interface ExecuteCommandDeps {
  readonly store: Store;
  /** `host:port` the exec endpoint (Wharf's own port) is reached at; undefined until it listens. */
  readonly execHost?: () => string | undefined;
}

/** ECS Exec: checks the task and container as ECS does and mints a single-use session token for the exec endpoint. */
export function executeCommandHandlers({ store, execHost }: ExecuteCommandDeps) {
  return {
    async ExecuteCommand(input: { cluster?: string; container?: string; command: string; interactive: boolean; task: string }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      if (!input.interactive) throw invalidParameter('Interactive is the only mode supported currently.');
      if (input.command.trim() === '') throw invalidParameter('Command cannot be empty.'); // unverified wording
      const record = await store.get<Task>(KIND.task, ctx.scope, taskRecordId(cluster.clusterName, taskIdOf(input.task)));
      if (!record) throw invalidParameter('The specified task was not found.'); // unverified wording
      const task = record.doc;
      if (!task.enableExecuteCommand) throw invalidParameter(NOT_ENABLED);
      if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') throw invalidParameter(NOT_ENABLED);
      let container = input.container === undefined ? undefined : task.containers.find((candidate) => candidate.name === input.container);
      if (input.container === undefined) {
        if (task.containers.length !== 1) throw invalidParameter('The container name must be specified when the task has more than one container.'); // unverified wording
        container = task.containers[0];
      }
      if (!container) throw invalidParameter(`The container ${input.container ?? ''} was not found in the task.`); // unverified wording
      const agent = (container.managedAgents as ManagedAgent[] | undefined)?.find((candidate) => candidate.name === EXECUTE_COMMAND_AGENT);
      if (container.lastStatus !== 'RUNNING' || agent?.lastStatus !== 'RUNNING' || !task.wharf.containerIds[container.name]) throw invalidParameter(NOT_ENABLED);
      const host = execHost?.();
      if (!host) throw invalidParameter(NOT_ENABLED);

      const sessionId = execSessionId(randomBytes(9).toString('hex').slice(0, 17));
      const secret = randomBytes(32).toString('hex');
      const plan = task.wharf.containerPlans.find((candidate) => candidate.name === container.name);
      const log = execLogDestination(cluster.configuration, plan?.logConfiguration, sessionId);
      const session: ExecSessionRecord = {
        sessionId,
        clusterArn: cluster.clusterArn,
        clusterName: cluster.clusterName,
        taskArn: task.taskArn,
        taskId: task.wharf.taskId,
        containerName: container.name,
        containerArn: container.containerArn,
        command: input.command,
        interactive: true,
        createdAt: ctx.now.getTime(),
        tokenDigest: createHash('sha256').update(secret).digest('hex'),
        tokenExpiresAt: ctx.now.getTime() + EXEC_TOKEN_TTL_MS,
        status: 'Pending',
        ...(log ? { log } : {}),
      };
      await store.write([{ op: 'put', kind: EXEC_SESSION_KIND, scope: ctx.scope, id: sessionId, doc: session, expect: 'absent' }]);
      return {
        clusterArn: cluster.clusterArn,
        containerArn: container.containerArn,
        containerName: container.name,
        interactive: true,
        taskArn: task.taskArn,
        session: {
          sessionId,
          streamUrl: execStreamUrl(host, sessionId),
          tokenValue: formatExecToken({ account: ctx.scope.account, region: ctx.scope.region, sessionId, secret }),
        },
      };
    },
  };
}
