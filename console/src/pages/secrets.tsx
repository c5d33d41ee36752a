import { GetSecretValueCommand, ListSecretsCommand, ListSecretVersionIdsCommand, type SecretVersionsListEntry } from '@aws-sdk/client-secrets-manager';
import { useState } from 'preact/hooks';
import type { Clients } from '../aws';
import { time } from '../format';
import { usePoll } from '../poll';
import { Empty, ErrorBox, Loading } from '../ui';

/** Names and versions; a value only when asked for, through GetSecretValue, and hidden again on request. */
export function SecretsPage({ clients }: { clients: Clients }) {
  const secrets = usePoll(async () => (await clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }))).SecretList ?? [], 15_000, [clients]);
  return (
    <div>
      <h1>Secrets</h1>
      <ErrorBox error={secrets.error} what="Reading secrets" />
      {secrets.loading && !secrets.data ? <Loading what="secrets" /> : null}
      {secrets.data && secrets.data.length === 0 ? <Empty>No secrets. Create one with <code>aws secretsmanager create-secret --name db-password --secret-string …</code>.</Empty> : null}
      {secrets.data && secrets.data.length > 0 ? (
        <table class="grid">
          <thead><tr><th>Name</th><th>Description</th><th>Changed</th><th>Versions</th><th>Value</th></tr></thead>
          <tbody>
            {secrets.data.map((s) => (
              <SecretRow clients={clients} arn={s.ARN!} name={s.Name!} description={s.Description} changed={s.LastChangedDate} />
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function SecretRow({ clients, arn, name, description, changed }: { clients: Clients; arn: string; name: string; description?: string; changed?: Date }) {
  const [versions, setVersions] = useState<SecretVersionsListEntry[] | undefined>(undefined);
  const [value, setValue] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <tr>
      <td>{name}</td>
      <td class="small">{description ?? ''}</td>
      <td class="small">{time(changed)}</td>
      <td class="small">
        {versions ? (
          versions.map((v) => <div class="mono">{v.VersionId?.slice(0, 8)} {(v.VersionStages ?? []).join(',')} <span class="muted">{time(v.CreatedDate)}</span></div>)
        ) : (
          <button type="button" onClick={async () => {
            try {
              setVersions((await clients.secrets.send(new ListSecretVersionIdsCommand({ SecretId: arn }))).Versions ?? []);
            } catch (e) {
              setError(e);
            }
          }}>List versions</button>
        )}
      </td>
      <td>
        {value !== undefined ? (
          <>
            <code class="secret-value">{value}</code> <button type="button" onClick={() => setValue(undefined)}>Hide</button>
          </>
        ) : (
          <button type="button" onClick={async () => {
            try {
              const answer = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
              setValue(answer.SecretString ?? (answer.SecretBinary ? `(binary, ${answer.SecretBinary.length} bytes)` : ''));
            } catch (e) {
              setError(e);
            }
          }}>Show value</button>
        )}
        {error ? <ErrorBox error={error} /> : null}
      </td>
    </tr>
  );
}
