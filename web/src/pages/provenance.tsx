// Provenance: upload a suspect dataset to trace, follow the job's progress, read the per-account
// summary and the matched spans beside what was served; run and read model audits.
import { type FormEvent, useId, useState } from 'react';
import { api, apiText, enc } from '../api.js';
import { ErrorBox, Fields, Loading, Unavailable } from '../components/bits.js';
import { fmtInt, fmtPct, fmtTime } from '../format.js';
import { useApi, useInterval } from '../hooks.js';
import { href, navigate } from '../router.js';
import { can, useSession } from '../session.js';

interface TraceMatch {
  output: string;
  account: string;
  servedAt: number;
  score: number;
  coverage: number;
  documentSpans?: [number, number][];
  servedText?: string;
  servedSpans?: [number, number][];
}

interface TraceResult {
  id: string;
  match: boolean | null;
  account: string | null;
  score: number;
  coverage: number;
  text?: string;
  matches: TraceMatch[];
}

interface TraceJob {
  id: string;
  name: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  error: string | null;
  created_at: string;
  finished_at: string | null;
  summary: {
    documents: number;
    matched: number;
    unmatched: number;
    tooShort: number;
    accounts: { account: string; documents: number; share: number; outputs: number }[];
  } | null;
  results?: TraceResult[];
}

interface AuditJob {
  id: string;
  status: string;
  endpoint: string;
  model: string;
  created_at: string;
  error: string | null;
  verdict?: string | null;
  report?: Record<string, unknown> | null;
}

/** Text with the given character ranges marked. */
function Highlighted({ text, spans = [] }: { text: string; spans?: [number, number][] }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  for (const [start, end] of sorted) {
    if (end <= at) continue;
    const s = Math.max(start, at);
    if (s > at) parts.push(text.slice(at, s));
    parts.push(<mark key={s}>{text.slice(s, end)}</mark>);
    at = end;
  }
  parts.push(text.slice(at));
  return <div className="doc">{parts}</div>;
}

function UploadForm({ onStarted }: { onStarted: (id: string) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const job = await api<TraceJob>(`/provenance/traces?name=${enc(file.name)}`, {
        method: 'POST',
        raw: file,
        contentType: 'application/octet-stream',
      });
      onStarted(job.id);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="upload" onSubmit={submit} aria-label="Trace a dataset">
      <label htmlFor={id}>
        Suspect dataset (JSONL of {'{"id","text"}'}, chat or Alpaca records, or a .txt file)
      </label>
      <input
        id={id}
        type="file"
        accept=".jsonl,.json,.txt,.ndjson"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      <button type="submit" className="primary" disabled={!file || busy}>
        {busy ? 'Uploading…' : 'Trace'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function TraceJobView({ id }: { id: string }) {
  const job = useApi<TraceJob>(`/provenance/traces/${enc(id)}`);
  const running = job.data && (job.data.status === 'queued' || job.data.status === 'running');
  useInterval(job.reload, running ? 700 : null);
  const [reportError, setReportError] = useState<Error | null>(null);
  const download = async () => {
    setReportError(null);
    try {
      const html = await apiText(`/provenance/traces/${enc(id)}/report`);
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `trace-${id}.html`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setReportError(e as Error);
    }
  };
  if (job.error && !job.data) return <ErrorBox error={job.error} />;
  if (!job.data) return <Loading />;
  const j = job.data;
  const matched = (j.results ?? []).filter((r) => r.match);
  return (
    <section className="card" aria-labelledby="job">
      <h2 id="job">
        Trace of {j.name} <span className="badge">{j.status}</span>
      </h2>
      <label className="progress">
        Progress: {fmtInt(j.done)} / {fmtInt(j.total)} documents
        <progress max={Math.max(1, j.total)} value={j.done} />
      </label>
      {j.error && <p className="error">{j.error}</p>}
      {j.summary && (
        <>
          <Fields
            rows={[
              ['Documents', fmtInt(j.summary.documents)],
              ['Matched', fmtInt(j.summary.matched)],
              ['Not matched', fmtInt(j.summary.unmatched)],
              ['Too short to decide', fmtInt(j.summary.tooShort)],
            ]}
          />
          <h3>By account</h3>
          {j.summary.accounts.length === 0 ? (
            <p className="muted">No document matched an output we served.</p>
          ) : (
            <table className="trace-accounts">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col" className="num">
                    Documents
                  </th>
                  <th scope="col" className="num">
                    Share of dataset
                  </th>
                  <th scope="col" className="num">
                    Distinct outputs
                  </th>
                </tr>
              </thead>
              <tbody>
                {j.summary.accounts.map((a) => (
                  <tr key={a.account}>
                    <td>
                      <a href={href('accounts', a.account)}>{a.account}</a>
                    </td>
                    <td className="num">{fmtInt(a.documents)}</td>
                    <td className="num">{fmtPct(a.share, 1)}</td>
                    <td className="num">{fmtInt(a.outputs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="row">
            <button type="button" onClick={() => void download()}>
              Download HTML report
            </button>
          </div>
          <ErrorBox error={reportError} />
        </>
      )}
      {matched.length > 0 && (
        <>
          <h3>Matched documents</h3>
          {matched.slice(0, 20).map((r) => {
            const best = r.matches[0];
            return (
              <article key={r.id} className="match" aria-label={`document ${r.id}`}>
                <header>
                  <strong>{r.id}</strong> → <a href={href('accounts', r.account ?? '')}>{r.account}</a>{' '}
                  <span className="muted">
                    score {r.score.toFixed(3)} · coverage {fmtPct(r.coverage)}
                    {best ? ` · output ${best.output} served ${fmtTime(best.servedAt)}` : ''}
                  </span>
                </header>
                <div className="side-by-side">
                  <div>
                    <h4>Suspect document</h4>
                    {r.text ? (
                      <Highlighted text={r.text} spans={best?.documentSpans} />
                    ) : (
                      <p className="muted">—</p>
                    )}
                  </div>
                  <div>
                    <h4>What we served</h4>
                    {best?.servedText ? (
                      <Highlighted text={best.servedText} spans={best.servedSpans} />
                    ) : (
                      <p className="muted">Served text no longer retained (fingerprints only).</p>
                    )}
                  </div>
                </div>
              </article>
            );
          })}
          {matched.length > 20 && <p className="muted">and {matched.length - 20} more in the HTML report.</p>}
        </>
      )}
    </section>
  );
}

function ModelAudits() {
  const { me, version } = useSession();
  const audits = useApi<{ audits: AuditJob[] }>('/provenance/audits', version);
  const [endpoint, setEndpoint] = useState('');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const running = audits.data?.audits.some((a) => a.status === 'queued' || a.status === 'running');
  useInterval(audits.reload, running ? 1500 : null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/provenance/audits', {
        method: 'POST',
        body: { endpoint: endpoint.trim(), model: model.trim(), ...(apiKey ? { api_key: apiKey } : {}) },
      });
      setApiKey('');
      audits.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="audits">
      <h2 id="audits">Model audits</h2>
      <p className="muted small">
        Probes a suspect model's OpenAI-compatible endpoint for evidence that it learned from our outputs.
      </p>
      {can(me.role, 'audit-model') && (
        <form className="inline-form" onSubmit={submit} aria-label="Audit a model">
          <label>
            Endpoint URL{' '}
            <input type="url" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} required />
          </label>
          <label>
            Model <input value={model} onChange={(e) => setModel(e.target.value)} required />
          </label>
          <label>
            API key (optional){' '}
            <input
              type="password"
              autoComplete="off"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Run audit
          </button>
          <ErrorBox error={error} />
        </form>
      )}
      {audits.error ? (
        <Unavailable error={audits.error} what="Model audits" />
      ) : !audits.data ? (
        <Loading />
      ) : audits.data.audits.length === 0 ? (
        <p className="muted">No model audits yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {audits.data.audits.map((a) => (
              <tr key={a.id}>
                <td>{fmtTime(a.created_at)}</td>
                <td>{a.endpoint}</td>
                <td>{a.model}</td>
                <td>{a.status}</td>
                <td>{a.error ?? a.verdict ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ProvenancePage({ jobId }: { jobId: string | null }) {
  const { me, version } = useSession();
  const traces = useApi<{ traces: TraceJob[] }>('/provenance/traces', version);
  return (
    <>
      <h1>Provenance</h1>
      {can(me.role, 'trace') && <UploadForm onStarted={(id) => navigate('provenance', id)} />}
      {jobId && <TraceJobView key={jobId} id={jobId} />}
      <section aria-labelledby="traces">
        <h2 id="traces">Trace jobs</h2>
        {traces.error ? (
          <Unavailable error={traces.error} what="Tracing" />
        ) : !traces.data ? (
          <Loading />
        ) : traces.data.traces.length === 0 ? (
          <p className="muted">No traces yet.</p>
        ) : (
          <ul className="feed">
            {traces.data.traces.map((t) => (
              <li key={t.id}>
                <a href={href('provenance', t.id)} aria-current={t.id === jobId ? 'true' : undefined}>
                  {t.name}
                </a>{' '}
                <span className="muted">
                  {t.status} · {fmtInt(t.done)}/{fmtInt(t.total)} · {fmtTime(t.created_at)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <ModelAudits />
    </>
  );
}
