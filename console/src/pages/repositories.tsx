import { DescribeImagesCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import type { Clients } from '../aws';
import { bytes, time } from '../format';
import { usePoll } from '../poll';
import { href } from '../router';
import { Empty, ErrorBox, Loading, Section } from '../ui';

export function RepositoriesPage({ clients, selected }: { clients: Clients; selected?: string }) {
  const repos = usePoll(async () => (await clients.ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? [], 15_000, [clients]);
  const chosen = repos.data?.find((r) => r.repositoryName === selected) ?? repos.data?.[0];
  return (
    <div>
      <h1>ECR repositories</h1>
      <ErrorBox error={repos.error} what="Reading repositories" />
      {repos.loading && !repos.data ? <Loading what="repositories" /> : null}
      {repos.data && repos.data.length === 0 ? <Empty>No repositories. Create one with <code>aws ecr create-repository --repository-name my-app</code>.</Empty> : null}
      {repos.data && repos.data.length > 0 ? (
        <table class="grid">
          <thead><tr><th>Repository</th><th>URI</th><th>Tag mutability</th><th>Created</th></tr></thead>
          <tbody>
            {repos.data.map((r) => (
              <tr class={r === chosen ? 'selected' : ''}>
                <td><a href={href('repositories', r.repositoryName!)}>{r.repositoryName}</a></td>
                <td class="small mono">{r.repositoryUri}</td>
                <td class="small">{r.imageTagMutability}</td>
                <td class="small">{time(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {chosen ? <Images clients={clients} name={chosen.repositoryName!} /> : null}
    </div>
  );
}

function Images({ clients, name }: { clients: Clients; name: string }) {
  const images = usePoll(async () => (await clients.ecr.send(new DescribeImagesCommand({ repositoryName: name }))).imageDetails ?? [], 15_000, [clients, name]);
  return (
    <Section title={`Images in ${name}`}>
      <ErrorBox error={images.error} what="Reading images" />
      {images.data && images.data.length === 0 ? <Empty>No images yet. Push one with docker push.</Empty> : null}
      {images.data && images.data.length > 0 ? (
        <table class="grid">
          <thead><tr><th>Tags</th><th>Digest</th><th>Size</th><th>Pushed</th></tr></thead>
          <tbody>
            {images.data
              .slice()
              .sort((a, b) => new Date(b.imagePushedAt ?? 0).getTime() - new Date(a.imagePushedAt ?? 0).getTime())
              .map((i) => (
                <tr>
                  <td>{(i.imageTags ?? []).join(', ') || <span class="muted">untagged</span>}</td>
                  <td class="small mono">{i.imageDigest?.slice(0, 19)}…</td>
                  <td>{bytes(i.imageSizeInBytes)}</td>
                  <td class="small">{time(i.imagePushedAt)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
    </Section>
  );
}
