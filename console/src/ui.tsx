import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from './aws';

export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {what ? <strong>{what}: </strong> : null}
      {describeError(error)}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" aria-live="polite">Loading {what}…</p>;
}

const TONES: Record<string, string> = {
  ACTIVE: 'ok', RUNNING: 'ok', COMPLETED: 'ok', HEALTHY: 'ok', healthy: 'ok', OK: 'ok', PRIMARY: 'info', SUCCESSFUL: 'ok', Successful: 'ok', InService: 'ok',
  PENDING: 'warn', PROVISIONING: 'warn', ACTIVATING: 'warn', IN_PROGRESS: 'warn', initial: 'warn', draining: 'warn', UNKNOWN: 'muted', INSUFFICIENT_DATA: 'muted', InProgress: 'warn', DEPROVISIONING: 'warn', DEACTIVATING: 'warn', STOPPING: 'warn',
  DEGRADED: 'warn', DEPLOYING: 'info',
  STOPPED: 'muted', INACTIVE: 'muted', unused: 'muted',
  FAILED: 'bad', UNHEALTHY: 'bad', unhealthy: 'bad', ALARM: 'bad', ROLLBACK_SUCCESSFUL: 'bad', ROLLBACK_IN_PROGRESS: 'bad', ROLLBACK_FAILED: 'bad', TRIGGERED: 'bad', Failed: 'bad', STOP_REQUESTED: 'warn',
};

export function Badge({ value }: { value: string | undefined }) {
  if (!value) return <span class="muted">—</span>;
  return <span class={`badge ${TONES[value] ?? 'muted'}`}>{value}</span>;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section aria-label={title}>
      <div class="section-head">
        <h2>{title}</h2>
        {actions ? <div class="actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** A button that runs an action, says it is running, and shows what went wrong in words. */
export function ActionButton({ label, run, confirm, testId, kind }: { label: string; run: () => Promise<unknown>; confirm?: string; testId?: string; kind?: 'danger' }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  return (
    <span class="action">
      <button
        type="button"
        class={kind === 'danger' ? 'danger' : ''}
        data-testid={testId}
        disabled={busy}
        onClick={async () => {
          if (confirm && !window.confirm(confirm)) return;
          setBusy(true);
          setError(undefined);
          setDone(undefined);
          try {
            await run();
            setDone('Done.');
            setTimeout(() => setDone(undefined), 4000);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? `${label}…` : label}
      </button>
      {done ? <span class="muted small" role="status">{done}</span> : null}
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted">{children}</p>;
}
