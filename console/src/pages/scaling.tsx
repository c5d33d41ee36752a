import { DescribeScalableTargetsCommand, DescribeScalingActivitiesCommand, DescribeScalingPoliciesCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { Clients } from '../aws';
import { TimeChart } from '../components/chart';
import { time } from '../format';
import { readMetrics } from '../metrics';
import { usePoll } from '../poll';
import { href } from '../router';
import { Badge, Empty, ErrorBox, Loading, Section } from '../ui';

/** Every scalable ECS service, or one: its policies, their alarms, and activities on the CPU chart's time axis. */
export function ScalingPage({ clients, cluster, service }: { clients: Clients; cluster?: string; service?: string }) {
  if (cluster && service) return <ServiceScaling clients={clients} cluster={cluster} service={service} />;
  const targets = usePoll(async () => (await clients.scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))).ScalableTargets ?? [], 10_000, [clients]);
  return (
    <div>
      <h1>Scaling</h1>
      <ErrorBox error={targets.error} what="Reading scalable targets" />
      {targets.loading && !targets.data ? <Loading what="scalable targets" /> : null}
      {targets.data && targets.data.length === 0 ? <Empty>No ECS service is registered for auto scaling. Register one with <code>aws application-autoscaling register-scalable-target --service-namespace ecs …</code>.</Empty> : null}
      {targets.data && targets.data.length > 0 ? (
        <table class="grid">
          <thead><tr><th>Service</th><th>Dimension</th><th>Min</th><th>Max</th><th>Suspended</th></tr></thead>
          <tbody>
            {targets.data.map((t) => {
              const [, c, s] = (t.ResourceId ?? '').split('/');
              return (
                <tr>
                  <td><a href={href('scaling', c ?? '', s ?? '')}>{c}/{s}</a></td>
                  <td class="small">{t.ScalableDimension}</td>
                  <td>{t.MinCapacity}</td>
                  <td>{t.MaxCapacity}</td>
                  <td class="small">{t.SuspendedState && (t.SuspendedState.DynamicScalingInSuspended || t.SuspendedState.DynamicScalingOutSuspended || t.SuspendedState.ScheduledScalingSuspended) ? 'yes' : 'no'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function ServiceScaling({ clients, cluster, service }: { clients: Clients; cluster: string; service: string }) {
  const resourceId = `service/${cluster}/${service}`;
  const minutes = 30;
  const data = usePoll(
    async () => {
      const [policies, activities, metrics] = await Promise.all([
        clients.scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: resourceId })),
        clients.scaling.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: resourceId, MaxResults: 50 })),
        readMetrics(clients, [{ id: 'cpu', namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: { ClusterName: cluster, ServiceName: service } }, { id: 'mem', namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: { ClusterName: cluster, ServiceName: service } }], minutes, 60),
      ]);
      const alarmNames = (policies.ScalingPolicies ?? []).flatMap((p) => (p.Alarms ?? []).map((a) => a.AlarmName!));
      const alarms = alarmNames.length > 0 ? (await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: alarmNames.slice(0, 100) }))).MetricAlarms ?? [] : [];
      return { policies: policies.ScalingPolicies ?? [], activities: activities.ScalingActivities ?? [], metrics, alarms };
    },
    5_000,
    [clients, cluster, service],
  );
  const now = Date.now();
  const range: [number, number] = [now - minutes * 60_000, now];
  return (
    <div>
      <p class="crumbs"><a href={href('scaling')}>Scaling</a> / <a href={href('clusters', cluster, 'services', service)}>{cluster}/{service}</a></p>
      <h1>Scaling {service}</h1>
      <ErrorBox error={data.error} what="Reading scaling" />
      {data.loading && !data.data ? <Loading what="scaling" /> : null}
      {data.data ? (
        <>
          <TimeChart
            testId="scaling-chart"
            title="Service CPU and memory utilization (%), scaling activities marked"
            unit="%"
            range={range}
            series={[
              { label: 'CPUUtilization', color: '#58a6ff', points: data.data.metrics.get('cpu')?.points ?? [] },
              { label: 'MemoryUtilization', color: '#3fb950', points: data.data.metrics.get('mem')?.points ?? [], dash: [4, 3] },
            ]}
            markers={data.data.activities.filter((a) => a.StartTime).map((a) => ({ t: new Date(a.StartTime!).getTime(), label: a.Description?.match(/(?:from|to) \d+/g)?.join(' ') ?? 'scaling', color: a.StatusCode === 'Successful' ? '#d29922' : '#f85149' }))}
          />
          <Section title="Policies">
            {data.data.policies.length === 0 ? <Empty>No scaling policies.</Empty> : null}
            {data.data.policies.length > 0 ? (
              <table class="grid">
                <thead><tr><th>Policy</th><th>Type</th><th>Configuration</th><th>Alarms</th></tr></thead>
                <tbody>
                  {data.data.policies.map((p) => (
                    <tr>
                      <td>{p.PolicyName}</td>
                      <td class="small">{p.PolicyType}</td>
                      <td class="small mono">
                        {p.TargetTrackingScalingPolicyConfiguration
                          ? `target ${p.TargetTrackingScalingPolicyConfiguration.TargetValue} ${p.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification?.PredefinedMetricType ?? p.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification?.MetricName ?? ''}`
                          : p.StepScalingPolicyConfiguration
                            ? `${p.StepScalingPolicyConfiguration.AdjustmentType} ${(p.StepScalingPolicyConfiguration.StepAdjustments ?? []).map((s) => `[${s.MetricIntervalLowerBound ?? '-∞'}, ${s.MetricIntervalUpperBound ?? '∞'}) ${s.ScalingAdjustment}`).join(' ')}`
                            : ''}
                      </td>
                      <td class="small">{(p.Alarms ?? []).map((a) => a.AlarmName).join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </Section>
          <Section title="Alarms">
            {data.data.alarms.length === 0 ? <Empty>No alarms behind these policies.</Empty> : null}
            {data.data.alarms.length > 0 ? (
              <table class="grid">
                <thead><tr><th>Alarm</th><th>State</th><th>Metric</th><th>Condition</th><th>Reason</th><th>Since</th></tr></thead>
                <tbody>
                  {data.data.alarms.map((a) => (
                    <tr>
                      <td class="small">{a.AlarmName}</td>
                      <td><Badge value={a.StateValue} /></td>
                      <td class="small">{a.Namespace} {a.MetricName}</td>
                      <td class="small">{a.Statistic} {a.ComparisonOperator} {a.Threshold} for {a.EvaluationPeriods}×{a.Period}s</td>
                      <td class="small">{a.StateReason}</td>
                      <td class="small">{time(a.StateUpdatedTimestamp)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </Section>
          <Section title="Activities">
            {data.data.activities.length === 0 ? <Empty>No scaling activities yet.</Empty> : null}
            <ul class="events">
              {data.data.activities.map((a) => (
                <li>
                  <span class="muted small">{time(a.StartTime)}</span> <Badge value={a.StatusCode} /> {a.Description} <span class="muted small">{a.Cause}</span>
                </li>
              ))}
            </ul>
          </Section>
        </>
      ) : null}
    </div>
  );
}
