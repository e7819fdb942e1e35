// Small shared pieces: status and risk badges, errors, loading, key-value lists.
import type { ReactNode } from 'react';
import { ApiError } from '../api.js';

export function StatusBadge({ status }: { status: string | null | undefined }) {
  const s = status ?? 'unknown';
  return <span className={`badge status-${s.replace(/[^a-z_]/gi, '')}`}>{s}</span>;
}

export function RiskBadge({ risk, verdict }: { risk: number | null | undefined; verdict?: string | null }) {
  if (risk === null || risk === undefined) return <span className="badge muted">not scored</span>;
  const level = risk >= 90 ? 'high' : risk >= 50 ? 'medium' : 'low';
  return (
    <span className={`badge risk-${level}`} title={verdict ? `verdict: ${verdict}` : undefined}>
      {Math.round(risk)}
      {verdict && verdict !== 'ok' ? ` · ${verdict}` : ''}
    </span>
  );
}

export function ErrorBox({ error }: { error: Error | null | undefined }) {
  if (!error) return null;
  const code = error instanceof ApiError ? `${error.code}: ` : '';
  return (
    <p className="error" role="alert">
      {code}
      {error.message}
    </p>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" aria-live="polite">
      {what}…
    </p>
  );
}

export function Fields({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Shown where the server has no such route (a concern not deployed in this build). */
export function Unavailable({ error, what }: { error: Error | null; what: string }) {
  if (
    error instanceof ApiError &&
    error.status === 404 &&
    error.code === 'ADMIN_NOT_FOUND' &&
    /route/i.test(error.message)
  )
    return <p className="muted">{what} is not available on this server.</p>;
  return <ErrorBox error={error} />;
}
