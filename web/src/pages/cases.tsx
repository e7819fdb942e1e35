// Cases: the review queue (open first), each with its account, rule, assignee and age.
import { useState } from 'react';
import { Loading, StatusBadge, Unavailable } from '../components/bits.js';
import { fmtAgo } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { useSession } from '../session.js';

export interface CaseSummary {
  id: string;
  account?: string | { id: string; name: string };
  account_id?: string;
  account_name?: string;
  status: string;
  opened_by?: string;
  opened_reason?: string;
  rule?: string | null;
  assignee?: string | null;
  decision?: string | null;
  created_at?: string | number;
  updated_at?: string | number;
}

export function accountNameOf(c: CaseSummary): string {
  if (typeof c.account === 'string') return c.account;
  if (c.account && typeof c.account === 'object') return c.account.name;
  return c.account_name ?? c.account_id ?? '—';
}

export function CasesPage() {
  const { version } = useSession();
  const [status, setStatus] = useState('open');
  const cases = useApi<{ cases: CaseSummary[] }>(`/cases${status ? `?status=${status}` : ''}`, version);
  return (
    <>
      <div className="page-head">
        <h1>Cases</h1>
        <label>
          Show{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="open">open (review queue)</option>
            <option value="closed">closed</option>
            <option value="">all</option>
          </select>
        </label>
      </div>
      {cases.error ? (
        <Unavailable error={cases.error} what="Case management" />
      ) : !cases.data ? (
        <Loading />
      ) : cases.data.cases.length === 0 ? (
        <p className="muted">No {status} cases.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Case</th>
                <th scope="col">Account</th>
                <th scope="col">Status</th>
                <th scope="col">Opened by</th>
                <th scope="col">Reason</th>
                <th scope="col">Assignee</th>
                <th scope="col">Opened</th>
              </tr>
            </thead>
            <tbody>
              {cases.data.cases.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={href('cases', c.id)}>{c.id}</a>
                  </td>
                  <td>
                    <a href={href('accounts', accountNameOf(c))}>{accountNameOf(c)}</a>
                  </td>
                  <td>
                    <StatusBadge status={c.decision ?? c.status} />
                  </td>
                  <td>{c.opened_by ?? '—'}</td>
                  <td className="clip">{c.opened_reason ?? c.rule ?? '—'}</td>
                  <td>{c.assignee ?? <span className="muted">unassigned</span>}</td>
                  <td>{fmtAgo(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
