// One case: frozen evidence, timeline, notes, assignee, remediation, the decision, and the partner's
// own decision beside the provider's.
import { type FormEvent, useId, useState } from 'react';
import { api, enc } from '../api.js';
import { ErrorBox, Fields, Loading, StatusBadge } from '../components/bits.js';
import { Evidence, SignalCard } from '../components/evidence.js';
import { fmtJson, fmtTime } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { can, useSession } from '../session.js';
import type { Signal } from '../types.js';
import type { CaseSummary } from './cases.js';

interface CaseEvent {
  seq?: number;
  ts: string | number;
  actor: string;
  kind: string;
  details?: Record<string, unknown> | null;
}

interface CaseDetail extends Omit<CaseSummary, 'decision' | 'account'> {
  account: {
    id: string;
    name: string | null;
    partner: string | null;
    external_id: string | null;
    status: string | null;
  };
  evidence?: Record<string, unknown> | null;
  remediation?: string | null;
  decision: {
    decision: string;
    reason: string | null;
    conditions: string[];
    decided_by: string | null;
    decided_at: string | null;
  } | null;
  partner_decision?: { action?: string; reason?: string; actor?: string; at?: string | number } | null;
  timeline?: CaseEvent[];
  policy_actions?: {
    action: string;
    rule: string;
    reason: string;
    dry_run: boolean;
    outcome: string;
    risk: number;
    requests: number;
  }[];
}

function TextAction({
  label,
  field,
  multiline = false,
  onSubmit,
}: {
  label: string;
  field: string;
  multiline?: boolean;
  onSubmit: (value: string) => Promise<void>;
}) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(value.trim());
      setValue('');
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={id}>{field}</label>
      {multiline ? (
        <textarea id={id} rows={2} value={value} onChange={(e) => setValue(e.target.value)} required />
      ) : (
        <input id={id} value={value} onChange={(e) => setValue(e.target.value)} required />
      )}
      <button type="submit" disabled={busy || value.trim() === ''}>
        {label}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

interface EvidenceExample {
  event_id: string;
  ts: string;
  endpoint: string;
  prompt: string;
  output: string | null;
}

function EvidenceView({ evidence }: { evidence: Record<string, unknown> }) {
  const signals = Array.isArray(evidence.signals) ? (evidence.signals as Signal[]) : [];
  const examples = Array.isArray(evidence.examples) ? (evidence.examples as EvidenceExample[]) : [];
  const linked = Array.isArray(evidence.linked_accounts)
    ? (evidence.linked_accounts as { id: string; name: string | null }[])
    : [];
  const usage = evidence.usage as { requests: number; tokens: number } | undefined;
  const shown = new Set(['signals', 'examples', 'linked_accounts', 'usage', 'templates']);
  const rest = Object.fromEntries(Object.entries(evidence).filter(([k]) => !shown.has(k)));
  return (
    <>
      <Evidence
        evidence={{
          ...rest,
          ...(usage ? { requests: usage.requests, tokens: usage.tokens } : {}),
        }}
      />
      {linked.length > 0 && (
        <p>
          Linked accounts:{' '}
          {linked.map((l, i) => (
            <span key={l.id}>
              {i > 0 ? ', ' : ''}
              <a href={href('accounts', l.name ?? l.id)}>{l.name ?? l.id}</a>
            </span>
          ))}
        </p>
      )}
      <h3>Signals</h3>
      {signals.length === 0 && <p className="muted">No signal in the snapshot.</p>}
      {signals.map((s) => (
        <SignalCard key={s.id} signal={s} />
      ))}
      {examples.length > 0 && (
        <>
          <h3>Example requests</h3>
          {examples.map((e) => (
            <article key={e.event_id} className="match" aria-label={`example ${e.event_id}`}>
              <header className="muted small">
                {fmtTime(e.ts)} · {e.endpoint} · {e.event_id}
              </header>
              <div className="side-by-side">
                <div>
                  <h4>Prompt</h4>
                  <div className="doc">{e.prompt}</div>
                </div>
                <div>
                  <h4>What we served</h4>
                  <div className="doc">{e.output ?? '—'}</div>
                </div>
              </div>
            </article>
          ))}
        </>
      )}
    </>
  );
}

export function CasePage({ id }: { id: string }) {
  const { me, version } = useSession();
  const [changed, setChanged] = useState(0);
  const detail = useApi<CaseDetail>(`/cases/${enc(id)}`, version + changed);
  const c = detail.data;
  if (detail.error && !c) return <ErrorBox error={detail.error} />;
  if (!c) return <Loading />;
  const post = (path: string) => async (body: Record<string, unknown>) => {
    await api(`/cases/${enc(id)}/${path}`, { method: 'POST', body });
    setChanged((n) => n + 1);
  };
  const events = c.timeline ?? [];
  const open = c.status === 'open';
  const partnerName = c.account.partner;
  const accountName = c.account.name ?? c.account.id;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <a href={href('cases')}>Cases</a> / {c.id}
      </nav>
      <div className="page-head">
        <h1>
          Case {c.id} <StatusBadge status={c.status} />
        </h1>
      </div>
      <ErrorBox error={detail.error} />
      <Fields
        rows={[
          [
            'Account',
            <a key="a" href={href('accounts', accountName)}>
              {accountName}
            </a>,
          ],
          ['Opened by', c.opened_by],
          ['Reason', c.opened_reason],
          ['Rule', c.rule],
          ['Opened', fmtTime(c.created_at)],
          ['Assignee', c.assignee ?? 'unassigned'],
          ['Remediation', c.remediation],
        ]}
      />
      <div className="columns">
        <section aria-labelledby="decision">
          <h2 id="decision">Provider decision</h2>
          {c.decision ? (
            <Fields
              rows={[
                ['Decision', <StatusBadge key="d" status={c.decision.decision} />],
                ['Reason', c.decision.reason],
                ['Conditions', c.decision.conditions.length ? c.decision.conditions.join('; ') : null],
                ['Decided by', c.decision.decided_by],
                ['Decided', fmtTime(c.decision.decided_at)],
              ]}
            />
          ) : (
            <p className="muted">Pending investigation.</p>
          )}
        </section>
        <section aria-labelledby="partner-decision">
          <h2 id="partner-decision">Partner decision{partnerName ? ` (${partnerName})` : ''}</h2>
          {c.partner_decision ? (
            <Fields
              rows={[
                ['Action', c.partner_decision.action],
                ['Reason', c.partner_decision.reason],
                ['By', c.partner_decision.actor],
                ['When', fmtTime(c.partner_decision.at)],
              ]}
            />
          ) : (
            <p className="muted">
              {partnerName ? 'The partner has not decided yet.' : 'Direct account: no partner.'}
            </p>
          )}
        </section>
      </div>
      <section aria-labelledby="evidence">
        <h2 id="evidence">Frozen evidence</h2>
        <p className="muted small">
          Snapshot taken when the case was opened; later traffic does not change it.
        </p>
        {c.evidence ? <EvidenceView evidence={c.evidence} /> : <p className="muted">No evidence recorded.</p>}
      </section>
      {open && (can(me.role, 'work-cases') || can(me.role, 'decide-cases')) && (
        <section aria-labelledby="work" className="work">
          <h2 id="work">Work the case</h2>
          {can(me.role, 'work-cases') && (
            <>
              <TextAction
                label="Add note"
                field="Note"
                multiline
                onSubmit={(note) => post('notes')({ note })}
              />
              <TextAction
                label="Assign"
                field="Assignee"
                onSubmit={(assignee) => post('assign')({ assignee })}
              />
            </>
          )}
          {can(me.role, 'decide-cases') && (
            <>
              <TextAction
                label="Record remediation"
                field="Remediation required or done"
                multiline
                onSubmit={(remediation) => post('remediation')({ remediation })}
              />
              <TextAction
                label="Reinstate"
                field="Condition for reinstatement"
                onSubmit={(reason) =>
                  post('decision')({ decision: 'reinstate', reason, conditions: [reason] })
                }
              />
              <TextAction
                label="Terminate"
                field="Reason for termination"
                onSubmit={(reason) => post('decide')({ decision: 'terminate', reason })}
              />
            </>
          )}
        </section>
      )}
      {c.policy_actions && c.policy_actions.length > 0 && (
        <section aria-labelledby="policy">
          <h2 id="policy">Policy actions</h2>
          <ul className="feed">
            {c.policy_actions.map((a, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: policy actions are listed in order
              <li key={i}>
                <strong>{a.action}</strong> by rule <code>{a.rule}</code> ({a.outcome}
                {a.dry_run ? ', dry run' : ''}) at risk {Math.round(a.risk)} after {a.requests} requests —{' '}
                {a.reason}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        <ol className="timeline">
          {events.map((e, i) => (
            <li key={e.seq ?? i}>
              <time>{fmtTime(e.ts)}</time> <strong>{e.kind}</strong>{' '}
              <span className="muted">by {e.actor}</span>
              {e.details && Object.keys(e.details).length > 0 && (
                <pre className="details">{fmtJson(e.details)}</pre>
              )}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
