import { useState } from 'preact/hooks';
import { verifyCredentials } from '../aws';
import { ErrorBox } from '../ui';
import type { Credentials } from '../session';

/** The key pair is checked (a signed STS GetCallerIdentity) before it is kept; a wrong one is refused. */
export function SignIn({ onSignedIn }: { onSignedIn: (c: Credentials) => void }) {
  const [accessKeyId, setId] = useState('');
  const [secretAccessKey, setSecret] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in" id="main">
      <h1>Wharf console</h1>
      <p class="muted">Sign in with an access key pair Wharf knows (the start-up banner prints the default one). It is kept in this tab's session storage only; every call this page makes is signed with it.</p>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          const candidate = { accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim(), region: region.trim() || 'us-east-1' };
          try {
            const arn = await verifyCredentials(candidate);
            onSignedIn({ ...candidate, arn });
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Access key ID
          <input name="accessKeyId" autoComplete="username" required value={accessKeyId} onInput={(e) => setId(e.currentTarget.value)} autoFocus />
        </label>
        <label>
          Secret access key
          <input name="secretAccessKey" type="password" autoComplete="current-password" required value={secretAccessKey} onInput={(e) => setSecret(e.currentTarget.value)} />
        </label>
        <label>
          Region
          <input name="region" value={region} onInput={(e) => setRegion(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
      {error ? <div data-testid="sign-in-error"><ErrorBox error={error} what="Sign-in refused" /></div> : null}
    </main>
  );
}
