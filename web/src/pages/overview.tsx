// Overview: traffic and tokens over time, accounts by risk, open cases, latest actions.
import { useMemo, useState } from 'react';
import { ErrorBox, Loading, RiskBadge, StatusBadge } from '../components/bits.js';
import { TimeChart } from '../components/time-chart.js';
import { fmtAgo, fmtInt } from '../format.js';
import { useApi, useInterval } from '../hooks.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { Overview } from '../types.js';

const WINDOWS: [number, string][] = [
  [1, 'Last hour'],
  [24, 'Last 24 hours'],
  [168, 'Last 7 days'],
];

export function OverviewPage() {
  const { version } = useSession();
  const [hours, setHours] = useState(1);
  const overview = useApi<Overview>(`/dashboard/overview?hours=${hours}`, version);
  useInterval(overview.reload, 10_000);
  const data = overview.data;
  const times = useMemo(() => data?.traffic.points.map((p) => p.t) ?? [], [data]);
  const series = useMemo(
    () =>
      data
        ? [
            { label: 'requests', values: data.traffic.points.map((p) => p.requests), color: '#2563eb' },
            { label: 'refused', values: data.traffic.points.map((p) => p.refused), color: '#dc2626' },
            {
              label: 'tokens',
              values: data.traffic.points.map((p) => p.tokens),
              color: '#16a34a',
              right: true,
            },
          ]
        : [],
    [data],
  );
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <label>
          Window{' '}
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {WINDOWS.map(([h, label]) => (
              <option key={h} value={h}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={overview.error} />
      {!data ? (
        <Loading />
      ) : (
        <>
          <div className="tiles">
            <a className="tile" href={href('accounts')}>
              <span className="big">{fmtInt(data.statuses.active)}</span> active accounts
            </a>
            <a className="tile warn" href={href('accounts')}>
              <span className="big">{fmtInt(data.verdicts.review + data.verdicts.suspend)}</span> flagged
            </a>
            <a className="tile bad" href={href('accounts')}>
              <span className="big">{fmtInt(data.statuses.suspended)}</span> suspended
            </a>
            <a className="tile" href={href('cases')}>
              <span className="big">{fmtInt(data.open_cases)}</span> open cases
            </a>
          </div>
          <TimeChart title="Requests and tokens" times={times} series={series} />
          <div className="columns">
            <section aria-labelledby="by-risk">
              <h2 id="by-risk">Accounts by risk</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Account</th>
                    <th scope="col">Status</th>
                    <th scope="col">Risk</th>
                    <th scope="col" className="num">
                      Requests 24 h
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.accounts.map((a) => (
                    <tr key={a.id}>
                      <td>
                        <a href={href('accounts', a.name)}>{a.name}</a>
                      </td>
                      <td>
                        <StatusBadge status={a.status} />
                      </td>
                      <td>
                        <RiskBadge risk={a.risk} verdict={a.verdict} />
                      </td>
                      <td className="num">{fmtInt(a.requests_24h)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section aria-labelledby="latest">
              <h2 id="latest">Latest actions</h2>
              {data.latest_actions.length === 0 ? (
                <p className="muted">No actions yet.</p>
              ) : (
                <ol className="feed">
                  {data.latest_actions.map((a) => (
                    <li key={`${a.ts}-${a.action}-${a.subject}`}>
                      <time>{fmtAgo(a.ts)}</time> <strong>{a.action}</strong>{' '}
                      {a.subject_name ? (
                        <a href={href('accounts', a.subject_name)}>{a.subject_name}</a>
                      ) : (
                        a.subject
                      )}{' '}
                      <span className="muted">by {a.actor}</span>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </div>
        </>
      )}
    </>
  );
}
