/** The ECS reads the pages share, paginated and batched as the API allows (10 services, 100 tasks a call). */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListServicesCommand,
  ListTasksCommand,
  type DesiredStatus,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { chunks } from './format';

export async function servicesOf(ecs: ECSClient, cluster: string): Promise<Service[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 }));
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const described = await Promise.all(chunks(arns, 10).map((services) => ecs.send(new DescribeServicesCommand({ cluster, services }))));
  return described.flatMap((d) => d.services ?? []).sort((a, b) => (a.serviceName ?? '').localeCompare(b.serviceName ?? ''));
}

/** Tasks of one cluster (or one service of it) with a desired status; `limit` caps how many are described. */
export async function tasksOf(ecs: ECSClient, cluster: string, desiredStatus: DesiredStatus, options: { serviceName?: string; limit?: number } = {}): Promise<Task[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  const limit = options.limit ?? 1000;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, desiredStatus, serviceName: options.serviceName, nextToken, maxResults: 100 }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken && arns.length < limit);
  const described = await Promise.all(chunks(arns.slice(0, limit), 100).map((tasks) => ecs.send(new DescribeTasksCommand({ cluster, tasks }))));
  return described.flatMap((d) => d.tasks ?? []);
}

/** The service a task belongs to, from its group (`service:<name>`). */
export function serviceOfTask(task: Task): string | undefined {
  return task.group?.startsWith('service:') ? task.group.slice('service:'.length) : undefined;
}

export function isSpot(task: Task): boolean {
  return task.capacityProviderName === 'FARGATE_SPOT';
}

/** Where a task is reached: its ENI address with the container ports, and any host bindings. */
export function reachOf(task: Task): string[] {
  const out: string[] = [];
  const ip = task.attachments
    ?.flatMap((a) => a.details ?? [])
    .find((d) => d.name === 'privateIPv4Address')?.value;
  for (const container of task.containers ?? []) {
    for (const binding of container.networkBindings ?? []) {
      out.push(`${binding.bindIP && binding.bindIP !== '0.0.0.0' ? binding.bindIP : '127.0.0.1'}:${binding.hostPort} → ${container.name}:${binding.containerPort}`);
    }
    for (const nic of container.networkInterfaces ?? []) {
      if (nic.privateIpv4Address && !ip) out.push(nic.privateIpv4Address);
    }
  }
  if (ip) out.unshift(ip);
  return out;
}

export function exitCodes(task: Task): string {
  return (task.containers ?? [])
    .filter((c) => c.exitCode !== undefined)
    .map((c) => `${c.name}=${c.exitCode}`)
    .join(' ');
}
