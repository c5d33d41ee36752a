import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type ServiceDeployment,
  type Task,
} from '@aws-sdk/client-ecs';
import { useState } from 'preact/hooks';
import type { Clients } from '../aws';
import { exitCodes, reachOf, tasksOf } from '../ecs-data';
import { ago, shortArn, time } from '../format';
import { usePoll } from '../poll';
import { href } from '../router';
import { ActionButton, Badge, Empty, ErrorBox, Loading, Section } from '../ui';

export function ServicePage({ clients, cluster, service }: { clients: Clients; cluster: string; service: string }) {
  const described = usePoll(
    async () => {
      const out = await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const found = out.services?.[0];
      if (!found) throw Object.assign(new Error(`No service ${service} in cluster ${cluster}. It may have been deleted; go back to the cluster.`), { name: 'ServiceNotFound', $metadata: { httpStatusCode: 400 } });
      return found;
    },
    2_000,
    [clients, cluster, service],
  );
  const s = described.data;
  return (
    <div>
      <p class="crumbs"><a href={href('clusters', cluster)}>{cluster}</a> / service</p>
      <h1>{service}</h1>
      <ErrorBox error={described.error} what="Reading the service" />
      {described.loading && !s ? <Loading what="the service" /> : null}
      {s ? (
        <>
          <div class="facts">
            <Fact label="Status"><Badge value={s.status} /></Fact>
            <Fact label="Desired"><span data-testid="service-desired">{s.desiredCount}</span></Fact>
            <Fact label="Running"><span data-testid="service-running">{s.runningCount}</span></Fact>
            <Fact label="Pending">{s.pendingCount}</Fact>
            <Fact label="Task definition">{shortArn(s.taskDefinition)}</Fact>
            <Fact label="Launch">{s.capacityProviderStrategy?.map((c) => `${c.capacityProvider}${c.weight !== undefined ? ` w${c.weight}` : ''}${c.base ? ` b${c.base}` : ''}`).join(', ') || s.launchType || '—'}</Fact>
            <Fact label="Circuit breaker">{s.deploymentConfiguration?.deploymentCircuitBreaker?.enable ? `on${s.deploymentConfiguration.deploymentCircuitBreaker.rollback ? ', rolls back' : ''}` : 'off'}</Fact>
            <Fact label="Scaling"><a href={href('scaling', cluster, service)}>policies and CPU</a></Fact>
          </div>
          <ServiceActions clients={clients} cluster={cluster} service={s} onDone={described.refresh} />
          <Deployments clients={clients} cluster={cluster} service={s} />
          <Tasks clients={clients} cluster={cluster} service={service} />
          <Events service={s} />
        </>
      ) : null}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return (
    <div class="fact">
      <div class="fact-label">{label}</div>
      <div class="fact-value">{children}</div>
    </div>
  );
}

function ServiceActions({ clients, cluster, service, onDone }: { clients: Clients; cluster: string; service: Service; onDone: () => void }) {
  const [desired, setDesired] = useState(String(service.desiredCount ?? 0));
  const [tag, setTag] = useState('');
  const inProgress = service.deployments?.find((d) => d.rolloutState === 'IN_PROGRESS' && d.status === 'PRIMARY');
  const name = service.serviceName!;
  return (
    <Section title="Actions">
      <div class="action-row">
        <label>
          Desired count{' '}
          <input type="number" min="0" class="narrow" data-testid="desired-input" value={desired} onInput={(e) => setDesired(e.currentTarget.value)} />
        </label>
        <ActionButton
          label="Scale"
          testId="scale"
          run={async () => {
            const count = Number(desired);
            if (!Number.isInteger(count) || count < 0) throw Object.assign(new Error('The desired count must be a whole number, 0 or more.'), { name: 'InvalidInput', $metadata: { httpStatusCode: 400 } });
            await clients.ecs.send(new UpdateServiceCommand({ cluster, service: name, desiredCount: count }));
            onDone();
          }}
        />
        <ActionButton
          label="Force new deployment"
          testId="force-deployment"
          run={async () => {
            await clients.ecs.send(new UpdateServiceCommand({ cluster, service: name, forceNewDeployment: true }));
            onDone();
          }}
        />
        <ActionButton
          label="Roll back"
          testId="rollback"
          kind="danger"
          confirm="Roll back the deployment in progress to the previous revision?"
          run={async () => {
            if (!inProgress) throw Object.assign(new Error('No deployment is in progress, so there is nothing to roll back. Deploy a revision first.'), { name: 'NothingToRollBack', $metadata: { httpStatusCode: 400 } });
            const list = await clients.ecs.send(new ListServiceDeploymentsCommand({ cluster, service: name, status: ['IN_PROGRESS', 'PENDING'] }));
            const arn = list.serviceDeployments?.[0]?.serviceDeploymentArn;
            if (!arn) throw Object.assign(new Error('The deployment in progress has no service deployment to stop yet; try again in a moment.'), { name: 'NothingToRollBack', $metadata: { httpStatusCode: 400 } });
            await clients.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
            onDone();
          }}
        />
      </div>
      <div class="action-row">
        <label>
          New image tag{' '}
          <input data-testid="image-tag" class="narrow" placeholder="e.g. v2" value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
        </label>
        <ActionButton
          label="Register revision and deploy"
          testId="deploy-tag"
          run={async () => {
            if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw Object.assign(new Error('An image tag is 1-128 letters, digits, _ . or -, not starting with . or -.'), { name: 'InvalidInput', $metadata: { httpStatusCode: 400 } });
            const { taskDefinition: current } = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition! }));
            if (!current) throw new Error('The current task definition could not be read.');
            const input: RegisterTaskDefinitionCommandInput = {
              family: current.family!,
              taskRoleArn: current.taskRoleArn,
              executionRoleArn: current.executionRoleArn,
              networkMode: current.networkMode,
              containerDefinitions: (current.containerDefinitions ?? []).map((c) => ({ ...c, image: withTag(c.image ?? '', tag) })),
              volumes: current.volumes,
              placementConstraints: current.placementConstraints,
              requiresCompatibilities: current.requiresCompatibilities,
              cpu: current.cpu,
              memory: current.memory,
              pidMode: current.pidMode,
              ipcMode: current.ipcMode,
              proxyConfiguration: current.proxyConfiguration,
              runtimePlatform: current.runtimePlatform,
              ephemeralStorage: current.ephemeralStorage,
            };
            const registered = await clients.ecs.send(new RegisterTaskDefinitionCommand(input));
            await clients.ecs.send(new UpdateServiceCommand({ cluster, service: name, taskDefinition: registered.taskDefinition!.taskDefinitionArn! }));
            onDone();
          }}
        />
      </div>
    </Section>
  );
}

/** `repo:tag` or `repo@digest` with the tag replaced (a registry host's port is not a tag). */
export function withTag(image: string, tag: string): string {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${repository}:${tag}`;
}

function Deployments({ clients, cluster, service }: { clients: Clients; cluster: string; service: Service }) {
  const history = usePoll(
    async () => {
      const list = await clients.ecs.send(new ListServiceDeploymentsCommand({ cluster, service: service.serviceName! }));
      const arns = (list.serviceDeployments ?? []).slice(0, 20).map((d) => d.serviceDeploymentArn!);
      if (arns.length === 0) return [] as ServiceDeployment[];
      const described = await clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns }));
      return (described.serviceDeployments ?? []).sort((a, b) => new Date(b.createdAt ?? 0).getTime() - new Date(a.createdAt ?? 0).getTime());
    },
    2_000,
    [clients, cluster, service.serviceName],
  );
  return (
    <Section title="Deployments">
      <ol class="timeline" data-testid="deployments">
        {(service.deployments ?? []).map((d) => (
          <li data-testid="deployment" data-status={d.status} data-rollout={d.rolloutState}>
            <div class="timeline-head">
              <Badge value={d.status} /> <Badge value={d.rolloutState} /> <strong>{shortArn(d.taskDefinition)}</strong>{' '}
              <span class="muted small">{d.id} · created {time(d.createdAt)} · updated {ago(d.updatedAt)}</span>
            </div>
            <div class="small">
              desired {d.desiredCount} · running {d.runningCount} · pending {d.pendingCount}
              {d.failedTasks ? <> · <span class="bad-text">failed {d.failedTasks}</span></> : null}
            </div>
            {d.rolloutStateReason ? <div class="small" data-testid="rollout-reason">{d.rolloutStateReason}</div> : null}
          </li>
        ))}
      </ol>
      <h3>History (service deployments)</h3>
      <ErrorBox error={history.error} what="Reading service deployments" />
      {history.data && history.data.length === 0 ? <Empty>No service deployments yet.</Empty> : null}
      {history.data && history.data.length > 0 ? (
        <table class="grid" data-testid="service-deployments">
          <thead><tr><th>Started</th><th>Status</th><th>Circuit breaker</th><th>Rollback</th><th>Reason</th></tr></thead>
          <tbody>
            {history.data.map((d) => (
              <tr data-status={d.status}>
                <td>{time(d.startedAt ?? d.createdAt)}</td>
                <td><Badge value={d.status} /></td>
                <td data-testid="circuit-breaker">
                  {d.deploymentCircuitBreaker ? (
                    <>
                      <Badge value={d.deploymentCircuitBreaker.status} />{' '}
                      <span data-testid="failure-count">{d.deploymentCircuitBreaker.failureCount ?? 0} / {d.deploymentCircuitBreaker.threshold ?? '—'}</span> failed tasks
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td class="small">{d.rollback ? `${d.rollback.reason ?? ''} → ${shortArn(d.rollback.serviceRevisionArn)}` : '—'}</td>
                <td class="small">{d.statusReason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Section>
  );
}

function Tasks({ clients, cluster, service }: { clients: Clients; cluster: string; service: string }) {
  const [showStopped, setShowStopped] = useState(true);
  const tasks = usePoll(
    async () => {
      const [running, stopped] = await Promise.all([
        tasksOf(clients.ecs, cluster, 'RUNNING', { serviceName: service }),
        showStopped ? tasksOf(clients.ecs, cluster, 'STOPPED', { serviceName: service, limit: 50 }) : Promise.resolve([] as Task[]),
      ]);
      const byTime = (a: Task, b: Task) => new Date(b.createdAt ?? 0).getTime() - new Date(a.createdAt ?? 0).getTime();
      return [...running.sort(byTime), ...stopped.sort(byTime)];
    },
    2_000,
    [clients, cluster, service, showStopped],
  );
  return (
    <Section
      title="Tasks"
      actions={
        <label class="small">
          <input type="checkbox" checked={showStopped} onChange={(e) => setShowStopped(e.currentTarget.checked)} /> show stopped
        </label>
      }
    >
      <ErrorBox error={tasks.error} what="Reading tasks" />
      {tasks.loading && !tasks.data ? <Loading what="tasks" /> : null}
      {tasks.data && tasks.data.length === 0 ? <Empty>No tasks.</Empty> : null}
      {tasks.data && tasks.data.length > 0 ? (
        <table class="grid" data-testid="tasks-table">
          <thead>
            <tr><th>Task</th><th>Revision</th><th>Last status</th><th>Desired</th><th>Health</th><th>Capacity</th><th>Reach</th><th>Stop code</th><th>Stopped reason</th><th>Exit codes</th><th>Started</th></tr>
          </thead>
          <tbody>
            {tasks.data.map((t) => (
              <tr data-task={shortArn(t.taskArn)} data-last-status={t.lastStatus}>
                <td><a href={href('clusters', cluster, 'tasks', shortArn(t.taskArn))}>{shortArn(t.taskArn).slice(0, 12)}</a></td>
                <td>{shortArn(t.taskDefinitionArn)}</td>
                <td><Badge value={t.lastStatus} /></td>
                <td class="small">{t.desiredStatus}</td>
                <td><Badge value={t.healthStatus} /></td>
                <td class="small">{t.capacityProviderName ?? t.launchType}</td>
                <td class="small mono">{reachOf(t).join(', ') || '—'}</td>
                <td class="small">{t.stopCode ?? ''}</td>
                <td class="small">{t.stoppedReason ?? ''}</td>
                <td class="small mono">{exitCodes(t)}</td>
                <td class="small">{time(t.startedAt ?? t.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Section>
  );
}

function Events({ service }: { service: Service }) {
  const events = (service.events ?? []).slice(0, 50);
  return (
    <Section title="Events">
      {events.length === 0 ? <Empty>No events yet.</Empty> : null}
      <ul class="events" data-testid="events" aria-live="polite">
        {events.map((e) => (
          <li>
            <span class="muted small">{time(e.createdAt)}</span> {e.message}
          </li>
        ))}
      </ul>
    </Section>
  );
}

