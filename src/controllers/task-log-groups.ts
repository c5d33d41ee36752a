import { logGroupArn, logStreamArn } from '../domain/iam/action-map.js';
import { awslogsConfig, awslogsStreamName, MISSING_LOG_GROUP_REASON } from '../domain/task/awslogs.js';
import type { ContainerPlan, Task } from '../domain/task/task.js';
import type { Clock } from '../ports/clock.js';
import type { LogSink } from '../ports/log-store.js';
import type { Scope } from '../ports/store.js';
import type { ExecutionRoleCheck } from './execution-role.js';

/**
 * The awslogs driver's checks at task start, against CloudWatch Logs: a
 * missing group fails the task as ECS does (unless awslogs-create-group makes
 * it), and each container's stream is made when it is created. With IAM
 * enforcement the execution role must be allowed what the driver's own calls
 * would do. Without a sink nothing is checked.
 */
export class TaskLogGroups {
  constructor(
    private readonly clock: Clock,
    private readonly sink?: LogSink,
    private readonly executionRole?: ExecutionRoleCheck,
  ) {}

  /** Before anything is pulled: the task's stoppedReason when a group cannot be used, else undefined. */
  async failure(scope: Scope, task: Task): Promise<string | undefined> {
    const sink = this.sink;
    if (!sink) return undefined;
    for (const plan of task.wharf.containerPlans) {
      const logs = awslogsConfig(plan.logConfiguration, scope.region);
      if (!logs) continue;
      const logScope = { account: scope.account, region: logs.region };
      const denied = await this.denial(logScope, task, logs.group, awslogsStreamName(logs, plan.name, task.wharf.taskId, task.wharf.taskId), logs.createGroup);
      if (denied) return denied;
      if (logs.createGroup) await sink.createGroupIfMissing(logScope, logs.group, this.clock.now().getTime());
      else if (!(await sink.groupExists(logScope, logs.group))) return MISSING_LOG_GROUP_REASON;
    }
    return undefined;
  }

  /** The container's stream, made as the driver does when the container is created. */
  async ensureStream(scope: Scope, task: Task, plan: ContainerPlan, containerId: string): Promise<void> {
    const logs = awslogsConfig(plan.logConfiguration, scope.region);
    if (!logs || !this.sink) return;
    await this.sink.ensureStream({ account: scope.account, region: logs.region }, logs.group, awslogsStreamName(logs, plan.name, task.wharf.taskId, containerId), this.clock.now().getTime());
  }

  /**
   * With enforcement on, the awslogs driver needs the execution role to be
   * allowed logs:CreateLogStream (and logs:CreateLogGroup with
   * awslogs-create-group), as the driver's own calls would.
   */
  private async denial(at: Scope, task: Task, group: string, stream: string, createGroup: boolean): Promise<string | undefined> {
    const check = this.executionRole;
    const roleArn = task.wharf.executionRoleArn;
    if (!check || !roleArn) return undefined;
    const iamScope = { partition: roleArn.split(':')[1] ?? 'aws', ...at };
    const groupArn = logGroupArn(iamScope, group);
    if (createGroup) {
      const denied = await check.denial({ roleArn, sessionName: task.wharf.taskId, scope: at, action: 'logs:CreateLogGroup', resource: { arn: groupArn } });
      // unverified wording
      if (denied) return `ResourceInitializationError: failed to validate logger args: create log group has been retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: ${denied} : exit status 1`;
    }
    const denied = await check.denial({ roleArn, sessionName: task.wharf.taskId, scope: at, action: 'logs:CreateLogStream', resource: { arn: logStreamArn(iamScope, group, stream) } });
    // unverified wording (the shape of MISSING_LOG_GROUP_REASON with the access denial)
    return denied && `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: ${denied} : exit status 1`;
  }
}
