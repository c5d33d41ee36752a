import { useEffect, useMemo, useState } from 'preact/hooks';
import { makeClients, type Clients } from './aws';
import { onConnection } from './connection';
import { ZONE } from './format';
import { href, useRoute } from './router';
import { clearCredentials, loadCredentials, saveCredentials, type Credentials } from './session';
import { SignIn } from './pages/sign-in';
import { ClustersPage } from './pages/clusters';
import { ServicePage } from './pages/service';
import { TaskPage } from './pages/task';
import { LoadBalancersPage } from './pages/load-balancers';
import { ScalingPage } from './pages/scaling';
import { RepositoriesPage } from './pages/repositories';
import { LogGroupsPage } from './pages/log-groups';
import { SecretsPage } from './pages/secrets';

const NAV: [string, string][] = [
  ['clusters', 'Clusters'],
  ['load-balancers', 'Load balancers'],
  ['scaling', 'Scaling'],
  ['repositories', 'ECR'],
  ['log-groups', 'Log groups'],
  ['secrets', 'Secrets'],
];

export function App() {
  const [credentials, setCredentials] = useState<Credentials | undefined>(loadCredentials);
  const clients = useMemo(() => (credentials ? makeClients(credentials) : undefined), [credentials]);
  if (!credentials || !clients) {
    return (
      <SignIn
        onSignedIn={(c) => {
          saveCredentials(c);
          setCredentials(c);
        }}
      />
    );
  }
  return (
    <Shell
      clients={clients}
      onSignOut={() => {
        clearCredentials();
        setCredentials(undefined);
      }}
    />
  );
}

function ConnectionBanner() {
  const [up, setUp] = useState(true);
  const [back, setBack] = useState(false);
  useEffect(
    () =>
      onConnection((isUp) => {
        setUp(isUp);
        if (isUp) {
          setBack(true);
          setTimeout(() => setBack(false), 4000);
        }
      }),
    [],
  );
  if (!up) {
    return (
      <div class="banner down" role="alert" data-testid="connection-lost">
        Wharf is not answering (restarting or stopped). This page keeps trying and reconnects by itself; start Wharf again with <code>bash scripts/up.sh</code> if it stopped.
      </div>
    );
  }
  if (back) return <div class="banner up" role="status" data-testid="connection-back">Reconnected to Wharf.</div>;
  return null;
}

function Shell({ clients, onSignOut }: { clients: Clients; onSignOut: () => void }) {
  const route = useRoute();
  const [section = 'clusters'] = route;
  let page;
  if (section === 'clusters' && route[2] === 'services' && route[3]) page = <ServicePage clients={clients} cluster={route[1]!} service={route[3]} />;
  else if (section === 'clusters' && route[2] === 'tasks' && route[3]) page = <TaskPage clients={clients} cluster={route[1]!} taskId={route[3]} />;
  else if (section === 'clusters') page = <ClustersPage clients={clients} cluster={route[1]} />;
  else if (section === 'load-balancers') page = <LoadBalancersPage clients={clients} selected={route[1]} />;
  else if (section === 'scaling') page = <ScalingPage clients={clients} cluster={route[1]} service={route[2]} />;
  else if (section === 'repositories') page = <RepositoriesPage clients={clients} selected={route[1]} />;
  else if (section === 'log-groups') page = <LogGroupsPage clients={clients} selected={route[1]} />;
  else if (section === 'secrets') page = <SecretsPage clients={clients} />;
  else page = <p>No page at this address. <a href={href('clusters')}>Go to clusters</a>.</p>;
  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <a class="brand" href={href('clusters')}>Wharf</a>
        <nav aria-label="Main">
          {NAV.map(([path, label]) => (
            <a href={href(path)} class={section === path ? 'current' : ''} aria-current={section === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class="muted small" title={`Times are shown in ${ZONE}`}>{clients.credentials.region} · {ZONE}</span>
          <span class="small" data-testid="identity">{clients.credentials.arn ?? clients.credentials.accessKeyId}</span>
          <button type="button" onClick={onSignOut}>Sign out</button>
        </div>
      </header>
      <ConnectionBanner />
      <main id="main" tabIndex={-1}>{page}</main>
    </div>
  );
}
