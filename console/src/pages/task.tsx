import { DescribeTaskDefinitionCommand, DescribeTasksCommand, StopTaskCommand, type TaskDefinition } from '@aws-sdk/client-ecs';
import { useState } from 'preact/hooks';
import { signedWharfPost, type Clients } from '../aws';
import { TimeChart } from '../components/chart';
import { LogTail } from '../components/log-tail';
import { ExecTerminal } from '../components/terminal';
import { reachOf, serviceOfTask } from '../ecs-data';
import { shortArn, time } from '../format';
import { readMetrics, type MetricRequest } from '../metrics';
import { usePoll } from '../poll';
import { href } from '../router';
import { ActionButton, Badge, Empty, ErrorBox, Loading, Section } from '../ui';

export function TaskPage({ clients, cluster, taskId }: { clients: Clients; cluster: string; taskId: string }) {
  const task = usePoll(
    async () => {
      const out = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskId] }));
      const found = out.tasks?.[0];
      if (!found) throw Object.assign(new Error(`No task ${taskId} in ${cluster} (stopped tasks are kept about an hour). Go back to the cluster to pick another.`), { name: 'TaskNotFound', $metadata: { httpStatusCode: 400 } });
      return found;
    },
    3_000,
    [clients, cluster, taskId],
  );
  const t = task.data;
  const definition = usePoll(
    async () => (t ? (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: t.taskDefinitionArn! }))).taskDefinition : undefined),
    600_000,
    [clients, t?.taskDefinitionArn],
  );
  const service = t ? serviceOfTask(t) : undefined;
  return (
    <div>
      <p class="crumbs">
        <a href={href('clusters', cluster)}>{cluster}</a>
        {service ? <> / <a href={href('clusters', cluster, 'services', service)}>{service}</a></> : null} / task
      </p>
      <h1 class="mono">{taskId}</h1>
      <ErrorBox error={task.error} what="Reading the task" />
      {task.loading && !t ? <Loading what="the task" /> : null}
      {t ? (
        <>
          <div class="facts">
            <div class="fact"><div class="fact-label">Last status</div><div class="fact-value"><Badge value={t.lastStatus} /></div></div>
            <div class="fact"><div class="fact-label">Desired</div><div class="fact-value">{t.desiredStatus}</div></div>
            <div class="fact"><div class="fact-label">Health</div><div class="fact-value"><Badge value={t.healthStatus} /></div></div>
            <div class="fact"><div class="fact-label">Revision</div><div class="fact-value">{shortArn(t.taskDefinitionArn)}</div></div>
            <div class="fact"><div class="fact-label">CPU / memory</div><div class="fact-value">{t.cpu} units / {t.memory} MiB</div></div>
            <div class="fact"><div class="fact-label">Capacity</div><div class="fact-value">{t.capacityProviderName ?? t.launchType}</div></div>
            <div class="fact"><div class="fact-label">Reach</div><div class="fact-value mono small">{reachOf(t).join(', ') || '—'}</div></div>
            <div class="fact"><div class="fact-label">Started</div><div class="fact-value small">{time(t.startedAt)}</div></div>
            {t.stoppedAt ? <div class="fact"><div class="fact-label">Stopped</div><div class="fact-value small">{time(t.stoppedAt)}</div></div> : null}
          </div>
          {t.stopCode || t.stoppedReason ? (
            <p class="stop-reason" data-testid="stopped-reason"><strong>{t.stopCode}</strong> {t.stoppedReason}</p>
          ) : null}
          <div class="action-row">
            <ActionButton
              label="Stop task"
              kind="danger"
              testId="stop-task"
              confirm="Stop this task? A service starts a replacement."
              run={async () => {
                await clients.ecs.send(new StopTaskCommand({ cluster, task: t.taskArn!, reason: 'Stopped from the Wharf console' }));
                task.refresh();
              }}
            />
            {t.capacityProviderName === 'FARGATE_SPOT' ? (
              <ActionButton
                label="Interrupt (Spot)"
                kind="danger"
                testId="interrupt-spot"
                confirm="Interrupt this Spot task as ECS would (SIGTERM now, killed after the warning)?"
                run={async () => {
                  await signedWharfPost(clients.credentials, '/_wharf/spot-interruption', { cluster, task: t.taskArn, region: clients.credentials.region });
                  task.refresh();
                }}
              />
            ) : null}
          </div>
          <Section title="Containers">
            <table class="grid" data-testid="containers">
              <thead><tr><th>Container</th><th>Image</th><th>Last status</th><th>Health</th><th>Exit code</th><th>Reason</th></tr></thead>
              <tbody>
                {(t.containers ?? []).map((c) => (
                  <tr>
                    <td>{c.name}</td>
                    <td class="small mono">{c.image}</td>
                    <td><Badge value={c.lastStatus} /></td>
                    <td><Badge value={c.healthStatus} /></td>
                    <td class="mono">{c.exitCode ?? ''}</td>
                    <td class="small">{c.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          {definition.data ? <TaskCharts clients={clients} cluster={cluster} taskId={taskId} family={definition.data.family!} service={service} cpu={Number(t.cpu)} memory={Number(t.memory)} /> : null}
          {definition.data ? <Logs clients={clients} definition={definition.data} taskId={taskId} /> : null}
          <Section title="Terminal">
            {t.enableExecuteCommand && t.lastStatus === 'RUNNING' ? (
              <ExecTerminal clients={clients} cluster={cluster} taskArn={t.taskArn!} container={t.containers?.[0]?.name ?? ''} />
            ) : (
              <Empty>
                {t.enableExecuteCommand ? 'The task is not running.' : 'ECS Exec is off for this task. Turn it on with --enable-execute-command on the service (then force a new deployment) or on run-task.'}
              </Empty>
            )}
          </Section>
        </>
      ) : null}
    </div>
  );
}

function Logs({ clients, definition, taskId }: { clients: Clients; definition: TaskDefinition; taskId: string }) {
  const withLogs = (definition.containerDefinitions ?? []).filter((c) => c.logConfiguration?.logDriver === 'awslogs' && c.logConfiguration.options?.['awslogs-group']);
  const [chosen, setChosen] = useState(withLogs[0]?.name);
  const container = withLogs.find((c) => c.name === chosen) ?? withLogs[0];
  return (
    <Section
      title="Logs"
      actions={
        withLogs.length > 1 ? (
          <label class="small">
            Container{' '}
            <select value={container?.name} onChange={(e) => setChosen(e.currentTarget.value)}>
              {withLogs.map((c) => <option value={c.name}>{c.name}</option>)}
            </select>
          </label>
        ) : null
      }
    >
      {container ? (
        <LogTail
          clients={clients}
          group={container.logConfiguration!.options!['awslogs-group']!}
          stream={`${container.logConfiguration!.options!['awslogs-stream-prefix'] ?? 'ecs'}/${container.name}/${taskId}`}
        />
      ) : (
        <Empty>No container of this task logs with the awslogs driver, so there is nothing to tail. Add a logConfiguration with logDriver awslogs.</Empty>
      )}
    </Section>
  );
}

/**
 * CPU and memory against the task's limits. Container Insights per-task figures when the cluster
 * publishes them, else the service's (per-task average, or AWS/ECS utilization scaled to this
 * task's size): whatever GetMetricData has.
 */
function TaskCharts({ clients, cluster, taskId, family, service, cpu, memory }: { clients: Clients; cluster: string; taskId: string; family: string; service?: string; cpu: number; memory: number }) {
  const minutes = 15;
  const metrics = usePoll(
    async () => {
      const requests: MetricRequest[] = [
        { id: 'taskCpu', namespace: 'ECS/ContainerInsights', metricName: 'CpuUtilized', dimensions: { ClusterName: cluster, TaskDefinitionFamily: family, TaskId: taskId } },
        { id: 'taskMem', namespace: 'ECS/ContainerInsights', metricName: 'MemoryUtilized', dimensions: { ClusterName: cluster, TaskDefinitionFamily: family, TaskId: taskId } },
        ...(service
          ? [
              { id: 'svcCpu', namespace: 'ECS/ContainerInsights', metricName: 'CpuUtilized', dimensions: { ClusterName: cluster, ServiceName: service } },
              { id: 'svcMem', namespace: 'ECS/ContainerInsights', metricName: 'MemoryUtilized', dimensions: { ClusterName: cluster, ServiceName: service } },
              { id: 'ecsCpu', namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: { ClusterName: cluster, ServiceName: service } },
              { id: 'ecsMem', namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: { ClusterName: cluster, ServiceName: service } },
            ]
          : [{ id: 'famCpu', namespace: 'ECS/ContainerInsights', metricName: 'CpuUtilized', dimensions: { ClusterName: cluster, TaskDefinitionFamily: family } }, { id: 'famMem', namespace: 'ECS/ContainerInsights', metricName: 'MemoryUtilized', dimensions: { ClusterName: cluster, TaskDefinitionFamily: family } }]),
      ];
      // 60 s periods: the resolution Wharf's sampler publishes at (as ECS does) outside of scaled test runs.
      return readMetrics(clients, requests, minutes, 60);
    },
    10_000,
    [clients, cluster, taskId, family, service],
  );
  const pick = (kind: 'Cpu' | 'Mem', limit: number) => {
    const data = metrics.data;
    const has = (id: string) => (data?.get(id)?.points.length ?? 0) > 0;
    if (has(`task${kind}`)) return { points: data!.get(`task${kind}`)!.points, label: 'this task' };
    if (has(`svc${kind}`)) return { points: data!.get(`svc${kind}`)!.points, label: 'service, per-task average' };
    if (has(`fam${kind}`)) return { points: data!.get(`fam${kind}`)!.points, label: 'family, per-task average' };
    if (has(`ecs${kind}`)) return { points: data!.get(`ecs${kind}`)!.points.map((p) => ({ t: p.t, v: (p.v * limit) / 100 })), label: 'service utilization × task size' };
    return { points: [], label: 'no data' };
  };
  const now = Date.now();
  const range: [number, number] = [now - minutes * 60_000, now];
  const cpuSeries = pick('Cpu', cpu);
  const memSeries = pick('Mem', memory);
  return (
    <Section title="CPU and memory">
      <ErrorBox error={metrics.error} what="Reading metrics" />
      <div class="charts">
        <TimeChart testId="cpu-chart" title={`CPU (units; ${cpuSeries.label})`} unit="CPU units" range={range} series={[{ label: 'CPU used', color: '#58a6ff', points: cpuSeries.points }]} limit={cpu ? { value: cpu, label: `limit ${cpu}` } : undefined} />
        <TimeChart testId="memory-chart" title={`Memory (MiB; ${memSeries.label})`} unit="MiB" range={range} series={[{ label: 'Memory used', color: '#3fb950', points: memSeries.points }]} limit={memory ? { value: memory, label: `limit ${memory}` } : undefined} />
      </div>
    </Section>
  );
}
