import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Clients } from '../aws';
import { usePoll } from '../poll';
import { href } from '../router';
import { Badge, Empty, ErrorBox, Loading, Section } from '../ui';

export function LoadBalancersPage({ clients, selected }: { clients: Clients; selected?: string }) {
  const lbs = usePoll(async () => (await clients.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [], 10_000, [clients]);
  const chosen = lbs.data?.find((lb) => lb.LoadBalancerName === selected) ?? lbs.data?.[0];
  return (
    <div>
      <h1>Load balancers</h1>
      <ErrorBox error={lbs.error} what="Reading load balancers" />
      {lbs.loading && !lbs.data ? <Loading what="load balancers" /> : null}
      {lbs.data && lbs.data.length === 0 ? <Empty>No load balancers. Create one with <code>aws elbv2 create-load-balancer</code>.</Empty> : null}
      {lbs.data && lbs.data.length > 0 ? (
        <table class="grid">
          <thead><tr><th>Name</th><th>Type</th><th>Scheme</th><th>State</th><th>DNS name</th></tr></thead>
          <tbody>
            {lbs.data.map((lb) => (
              <tr class={lb === chosen ? 'selected' : ''}>
                <td><a href={href('load-balancers', lb.LoadBalancerName!)}>{lb.LoadBalancerName}</a></td>
                <td>{lb.Type}</td>
                <td class="small">{lb.Scheme}</td>
                <td><Badge value={lb.State?.Code} /></td>
                <td class="small mono">{lb.DNSName}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {chosen ? <LoadBalancerDetail clients={clients} arn={chosen.LoadBalancerArn!} name={chosen.LoadBalancerName!} /> : null}
    </div>
  );
}

function LoadBalancerDetail({ clients, arn, name }: { clients: Clients; arn: string; name: string }) {
  const detail = usePoll(
    async () => {
      const listeners = (await clients.elb.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? [];
      const rules = await Promise.all(listeners.map(async (l) => ({ listener: l, rules: (await clients.elb.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? [] })));
      const groups = (await clients.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn }))).TargetGroups ?? [];
      const health = await Promise.all(groups.map(async (g) => ({ group: g, targets: (await clients.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.TargetGroupArn }))).TargetHealthDescriptions ?? [] })));
      return { rules, health };
    },
    5_000,
    [clients, arn],
  );
  const groupName = (targetGroupArn?: string) => targetGroupArn?.split('/')[1] ?? targetGroupArn ?? '';
  return (
    <>
      <ErrorBox error={detail.error} what={`Reading ${name}`} />
      {detail.data ? (
        <>
          <Section title={`Listeners and rules of ${name}`}>
            {detail.data.rules.length === 0 ? <Empty>No listeners.</Empty> : null}
            {detail.data.rules.map(({ listener, rules }) => (
              <div class="card">
                <h3>{listener.Protocol} :{listener.Port}</h3>
                <table class="grid">
                  <thead><tr><th>Priority</th><th>Conditions</th><th>Actions</th></tr></thead>
                  <tbody>
                    {rules.map((r) => (
                      <tr>
                        <td>{r.Priority}</td>
                        <td class="small mono">{(r.Conditions ?? []).map((c) => `${c.Field} ${(c.Values ?? c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values ?? []).join(',')}`).join('; ') || 'default'}</td>
                        <td class="small">{(r.Actions ?? []).map((a) => (a.Type === 'forward' ? `forward → ${a.TargetGroupArn ? groupName(a.TargetGroupArn) : (a.ForwardConfig?.TargetGroups ?? []).map((t) => `${groupName(t.TargetGroupArn)}${t.Weight !== undefined ? ` (${t.Weight})` : ''}`).join(', ')}` : a.Type === 'fixed-response' ? `fixed ${a.FixedResponseConfig?.StatusCode}` : a.Type === 'redirect' ? `redirect ${a.RedirectConfig?.StatusCode}` : a.Type)).join(', ')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </Section>
          <Section title="Target groups and target health">
            {detail.data.health.length === 0 ? <Empty>No target groups attached.</Empty> : null}
            {detail.data.health.map(({ group, targets }) => (
              <div class="card">
                <h3>{group.TargetGroupName} <span class="muted small">{group.Protocol}:{group.Port} · {group.TargetType} · health check {group.HealthCheckPath ?? ''}</span></h3>
                {targets.length === 0 ? <Empty>No targets registered.</Empty> : (
                  <table class="grid">
                    <thead><tr><th>Target</th><th>Port</th><th>State</th><th>Reason</th><th>Description</th></tr></thead>
                    <tbody>
                      {targets.map((t) => (
                        <tr>
                          <td class="mono small">{t.Target?.Id}</td>
                          <td>{t.Target?.Port}</td>
                          <td><Badge value={t.TargetHealth?.State} /></td>
                          <td class="small">{t.TargetHealth?.Reason ?? ''}</td>
                          <td class="small">{t.TargetHealth?.Description ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            ))}
          </Section>
        </>
      ) : detail.loading ? <Loading what="listeners and targets" /> : null}
    </>
  );
}
