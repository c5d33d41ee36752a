import { DescribeClustersCommand, ListClustersCommand, type Service, type Task } from '@aws-sdk/client-ecs';
import type { Clients } from '../aws';
import { servicesOf, serviceOfTask, isSpot, tasksOf } from '../ecs-data';
import { chunks, shortArn, time } from '../format';
import { usePoll } from '../poll';
import { href } from '../router';
import { Badge, Empty, ErrorBox, Loading, Section } from '../ui';

/** Clusters at a glance, and the chosen one's services (its tasks are read, never all clusters'). */
export function ClustersPage({ clients, cluster }: { clients: Clients; cluster?: string }) {
  const clusters = usePoll(
    async () => {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await clients.ecs.send(new ListClustersCommand({ nextToken }));
        arns.push(...(page.clusterArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      const described = await Promise.all(chunks(arns, 100).map((c) => clients.ecs.send(new DescribeClustersCommand({ clusters: c }))));
      return described.flatMap((d) => d.clusters ?? []).sort((a, b) => (a.clusterName ?? '').localeCompare(b.clusterName ?? ''));
    },
    10_000,
    [clients],
  );
  const selected = cluster ?? clusters.data?.[0]?.clusterName;
  return (
    <div>
      <h1>Clusters</h1>
      <ErrorBox error={clusters.error} what="Reading clusters" />
      {clusters.loading && !clusters.data ? <Loading what="clusters" /> : null}
      {clusters.data && clusters.data.length === 0 ? <Empty>No clusters yet. Create one with <code>aws ecs create-cluster --cluster-name my-app</code>.</Empty> : null}
      {clusters.data && clusters.data.length > 0 ? (
        <table class="grid" aria-label="Clusters">
          <thead>
            <tr><th>Cluster</th><th>Status</th><th>Services</th><th>Running tasks</th><th>Pending tasks</th><th>Capacity providers</th></tr>
          </thead>
          <tbody>
            {clusters.data.map((c) => (
              <tr class={c.clusterName === selected ? 'selected' : ''}>
                <td><a href={href('clusters', c.clusterName!)}>{c.clusterName}</a></td>
                <td><Badge value={c.status} /></td>
                <td>{c.activeServicesCount ?? 0}</td>
                <td>{c.runningTasksCount ?? 0}</td>
                <td>{c.pendingTasksCount ?? 0}</td>
                <td class="small">{(c.capacityProviders ?? []).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {selected ? <ClusterServices clients={clients} cluster={selected} /> : null}
    </div>
  );
}

interface ServiceRow {
  readonly service: Service;
  readonly fargate: number;
  readonly spot: number;
  readonly stopped: number;
}

function ClusterServices({ clients, cluster }: { clients: Clients; cluster: string }) {
  const rows = usePoll(
    async () => {
      const [services, running, stopped] = await Promise.all([
        servicesOf(clients.ecs, cluster),
        tasksOf(clients.ecs, cluster, 'RUNNING'),
        tasksOf(clients.ecs, cluster, 'STOPPED', { limit: 500 }),
      ]);
      const count = (tasks: Task[], name: string, match: (t: Task) => boolean) => tasks.filter((t) => serviceOfTask(t) === name && match(t)).length;
      return {
        services: services.map((service): ServiceRow => ({
          service,
          fargate: count(running, service.serviceName!, (t) => !isSpot(t)),
          spot: count(running, service.serviceName!, isSpot),
          stopped: count(stopped, service.serviceName!, () => true),
        })),
        standalone: running.filter((t) => !serviceOfTask(t)),
      };
    },
    // One cluster's tasks (at most 1000 running and 500 stopped, 100 a call) every 10 s while shown.
    10_000,
    [clients, cluster],
  );
  return (
    <Section title={`Services in ${cluster}`}>
      <ErrorBox error={rows.error} what={`Reading the services of ${cluster}`} />
      {rows.loading && !rows.data ? <Loading what="services" /> : null}
      {rows.data && rows.data.services.length === 0 ? <Empty>No services in {cluster}.</Empty> : null}
      {rows.data && rows.data.services.length > 0 ? (
        <table class="grid" aria-label={`Services in ${cluster}`} data-testid="services-table">
          <thead>
            <tr>
              <th>Service</th><th>Status</th><th>Desired</th><th>Running</th><th>Pending</th><th>Health</th><th>FARGATE / SPOT</th><th>Stopped tasks</th><th>Deployment</th>
            </tr>
          </thead>
          <tbody>
            {rows.data.services.map(({ service, fargate, spot, stopped }) => {
              const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
              return (
                <tr data-service={service.serviceName}>
                  <td><a href={href('clusters', cluster, 'services', service.serviceName!)}>{service.serviceName}</a></td>
                  <td><Badge value={service.status} /></td>
                  <td data-testid="desired">{service.desiredCount}</td>
                  <td data-testid="running">{service.runningCount}</td>
                  <td>{service.pendingCount}</td>
                  <td><Badge value={healthOf(service)} /></td>
                  <td>
                    <span title="Running tasks on FARGATE">{fargate}</span> / <span title="Running tasks on FARGATE_SPOT">{spot}</span>
                    <SplitBar fargate={fargate} spot={spot} />
                  </td>
                  <td>{stopped}</td>
                  <td><Badge value={primary?.rolloutState} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {rows.data && rows.data.standalone.length > 0 ? (
        <>
          <h3>Standalone tasks</h3>
          <table class="grid">
            <thead><tr><th>Task</th><th>Definition</th><th>Status</th><th>Started</th></tr></thead>
            <tbody>
              {rows.data.standalone.map((t) => (
                <tr>
                  <td><a href={href('clusters', cluster, 'tasks', shortArn(t.taskArn))}>{shortArn(t.taskArn)}</a></td>
                  <td>{shortArn(t.taskDefinitionArn)}</td>
                  <td><Badge value={t.lastStatus} /></td>
                  <td>{time(t.startedAt ?? t.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Section>
  );
}

function SplitBar({ fargate, spot }: { fargate: number; spot: number }) {
  const total = fargate + spot;
  if (total === 0) return null;
  return (
    <span class="split" aria-hidden="true">
      <span class="split-fargate" style={{ width: `${(100 * fargate) / total}%` }} />
      <span class="split-spot" style={{ width: `${(100 * spot) / total}%` }} />
    </span>
  );
}

/** One word for a service's state: its rollout failed, it runs fewer tasks than it wants, it is deploying, or all is well. */
function healthOf(service: Service): string {
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  if (primary?.rolloutState === 'FAILED') return 'FAILED';
  if ((service.runningCount ?? 0) < (service.desiredCount ?? 0)) return 'DEGRADED';
  if ((service.deployments?.length ?? 0) > 1 || primary?.rolloutState === 'IN_PROGRESS') return 'DEPLOYING';
  return 'HEALTHY';
}
