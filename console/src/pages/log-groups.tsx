import { DescribeLogGroupsCommand, DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { useState } from 'preact/hooks';
import type { Clients } from '../aws';
import { LogTail } from '../components/log-tail';
import { bytes, time } from '../format';
import { usePoll } from '../poll';
import { href } from '../router';
import { Empty, ErrorBox, Loading, Section } from '../ui';

export function LogGroupsPage({ clients, selected }: { clients: Clients; selected?: string }) {
  const groups = usePoll(async () => (await clients.logs.send(new DescribeLogGroupsCommand({ limit: 50 }))).logGroups ?? [], 15_000, [clients]);
  return (
    <div>
      <h1>Log groups</h1>
      <ErrorBox error={groups.error} what="Reading log groups" />
      {groups.loading && !groups.data ? <Loading what="log groups" /> : null}
      {groups.data && groups.data.length === 0 ? <Empty>No log groups yet. Tasks with the awslogs driver create them (awslogs-create-group) or create one with <code>aws logs create-log-group</code>.</Empty> : null}
      {groups.data && groups.data.length > 0 ? (
        <table class="grid">
          <thead><tr><th>Log group</th><th>Retention</th><th>Stored</th><th>Created</th></tr></thead>
          <tbody>
            {groups.data.map((g) => (
              <tr class={g.logGroupName === selected ? 'selected' : ''}>
                <td><a href={href('log-groups', g.logGroupName!)}>{g.logGroupName}</a></td>
                <td class="small">{g.retentionInDays ? `${g.retentionInDays} days` : 'never expire'}</td>
                <td class="small">{bytes(g.storedBytes)}</td>
                <td class="small">{time(g.creationTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {selected ? <Streams clients={clients} group={selected} /> : null}
    </div>
  );
}

function Streams({ clients, group }: { clients: Clients; group: string }) {
  const [stream, setStream] = useState<string | undefined>(undefined);
  const streams = usePoll(
    async () => {
      const out = await clients.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', descending: true, limit: 50 }));
      return { name: group, streams: out.logStreams ?? [] };
    },
    10_000,
    [clients, group],
  );
  return (
    <Section title={`Streams of ${streams.data?.name ?? group}`}>
      <ErrorBox error={streams.error} what="Reading log streams" />
      {streams.loading && !streams.data ? <Loading what="streams" /> : null}
      {streams.data && streams.data.streams.length === 0 ? <Empty>No streams in this group yet.</Empty> : null}
      {streams.data && streams.data.streams.length > 0 ? (
        <table class="grid">
          <thead><tr><th>Stream</th><th>Last event</th><th /></tr></thead>
          <tbody>
            {streams.data.streams.map((s) => (
              <tr class={s.logStreamName === stream ? 'selected' : ''}>
                <td class="mono small">{s.logStreamName}</td>
                <td class="small">{time(s.lastEventTimestamp)}</td>
                <td><button type="button" onClick={() => setStream(s.logStreamName)}>Tail</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {stream && streams.data ? <LogTail clients={clients} group={streams.data.name} stream={stream} /> : null}
    </Section>
  );
}
