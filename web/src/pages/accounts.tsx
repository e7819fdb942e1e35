// Accounts: a sortable, filterable table of every account with risk and 24 h usage; a partner token sees
// the list of its own end customers instead (the provider-wide aggregates are not open to it).
import { useMemo, useState } from 'react';
import { ErrorBox, Loading, RiskBadge, StatusBadge } from '../components/bits.js';
import { fmtInt, fmtTime } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { Account, AccountRow } from '../types.js';

type SortKey = 'name' | 'partner' | 'status' | 'risk' | 'requests_24h' | 'tokens_24h';
const COLUMNS: [SortKey, string, boolean][] = [
  ['name', 'Name', false],
  ['partner', 'Partner / channel', false],
  ['status', 'Status', false],
  ['risk', 'Risk', true],
  ['requests_24h', 'Requests 24 h', true],
  ['tokens_24h', 'Tokens 24 h', true],
];

function compare(a: AccountRow, b: AccountRow, key: SortKey): number {
  const x = a[key];
  const y = b[key];
  if (typeof x === 'number' || typeof y === 'number') return ((x as number) ?? -1) - ((y as number) ?? -1);
  return String(x ?? '').localeCompare(String(y ?? ''));
}

export function AccountsPage() {
  const { me } = useSession();
  return me.role === 'partner' ? <PartnerAccounts /> : <ProviderAccounts />;
}

/** A partner's own end customers, as `GET /accounts` scopes them to the partner token. */
function PartnerAccounts() {
  const { me, version } = useSession();
  const accounts = useApi<{ accounts: Account[] }>('/accounts', version);
  return (
    <>
      <h1>Accounts</h1>
      <p className="muted">End customers of {me.partner?.name ?? 'your partner'}.</p>
      <ErrorBox error={accounts.error} />
      {!accounts.data ? (
        <Loading />
      ) : accounts.data.accounts.length === 0 ? (
        <p className="muted">No end customers yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="accounts">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">External id</th>
                <th scope="col">Status</th>
                <th scope="col">Status reason</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.accounts.map((a) => (
                <tr key={a.id} data-account={a.name}>
                  <td>
                    <a href={href('accounts', a.name)}>{a.name}</a>
                  </td>
                  <td>{a.external_id ?? '—'}</td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td>{a.status_reason ?? '—'}</td>
                  <td>{fmtTime(a.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function ProviderAccounts() {
  const { version } = useSession();
  const accounts = useApi<{ accounts: AccountRow[] }>('/dashboard/accounts', version);
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'risk', desc: true });
  const rows = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const list = (accounts.data?.accounts ?? []).filter(
      (a) =>
        (status === '' || a.status === status || (status === 'flagged' && a.verdict && a.verdict !== 'ok')) &&
        (q === '' ||
          a.name.toLowerCase().includes(q) ||
          (a.partner ?? '').toLowerCase().includes(q) ||
          a.channels.some((c) => c.toLowerCase().includes(q))),
    );
    list.sort((a, b) => compare(a, b, sort.key) * (sort.desc ? -1 : 1));
    return list;
  }, [accounts.data, filter, status, sort]);
  const sortBy = (key: SortKey, numeric: boolean) =>
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: numeric }));
  return (
    <>
      <div className="page-head">
        <h1>Accounts</h1>
        <div className="row filters">
          <label>
            Search{' '}
            <input
              type="search"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              placeholder="name, partner, channel"
            />
          </label>
          <label>
            Status{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">all</option>
              <option value="flagged">flagged</option>
              <option value="active">active</option>
              <option value="suspended">suspended</option>
              <option value="terminated">terminated</option>
            </select>
          </label>
        </div>
      </div>
      <ErrorBox error={accounts.error} />
      {!accounts.data ? (
        <Loading />
      ) : (
        <div className="table-wrap">
          <table className="accounts">
            <caption className="sr-only">Accounts, sorted by {sort.key}</caption>
            <thead>
              <tr>
                {COLUMNS.map(([key, label, numeric]) => (
                  <th
                    key={key}
                    scope="col"
                    className={numeric ? 'num' : ''}
                    aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
                  >
                    <button type="button" className="sort" onClick={() => sortBy(key, numeric)}>
                      {label}
                      {sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} data-account={a.name}>
                  <td>
                    <a href={href('accounts', a.name)}>{a.name}</a>
                  </td>
                  <td>
                    {[a.partner ? `partner ${a.partner}` : null, ...a.channels].filter(Boolean).join(', ') ||
                      '—'}
                  </td>
                  <td>
                    <StatusBadge status={a.status} />
                    {a.open_case && (
                      <>
                        {' '}
                        <a href={href('cases', a.open_case)}>case</a>
                      </>
                    )}
                  </td>
                  <td className="num">
                    <RiskBadge risk={a.risk} verdict={a.verdict} />
                  </td>
                  <td className="num">{fmtInt(a.requests_24h)}</td>
                  <td className="num">{fmtInt(a.tokens_24h)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="muted">No account matches.</p>}
        </div>
      )}
    </>
  );
}
