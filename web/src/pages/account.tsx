// One account: status and actions its role allows, usage charts, signals with evidence, linked
// accounts, keys, open case.
import { useMemo, useState } from 'react';
import { api, enc } from '../api.js';
import { ErrorBox, Fields, Loading, RiskBadge, StatusBadge } from '../components/bits.js';
import { linkedAccounts, SignalCard } from '../components/evidence.js';
import { ReasonForm } from '../components/reason-form.js';
import { TimeChart } from '../components/time-chart.js';
import { fmtInt, fmtTime } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { can, useSession } from '../session.js';
import type { AccountDetail, Key, Signal, Traffic } from '../types.js';

export function AccountPage({ id }: { id: string }) {
  const { me, version } = useSession();
  const [changed, setChanged] = useState(0);
  const [hours, setHours] = useState(24);
  const detail = useApi<AccountDetail>(`/accounts/${enc(id)}`, version + changed);
  // The hourly traffic is a provider aggregate (403 for a partner); a partner reads the daily usage instead.
  const partner = me.role === 'partner';
  const traffic = useApi<Traffic>(
    partner ? null : `/dashboard/accounts/${enc(id)}/traffic?hours=${hours}`,
    version + changed,
  );
  const keys = useApi<{ keys: Key[] }>(partner ? null : `/accounts/${enc(id)}/keys`, changed);
  const account = detail.data;
  const signals: Signal[] = useMemo(
    () => (Array.isArray(account?.risk?.signals) ? (account.risk.signals as Signal[]) : []),
    [account],
  );
  const linked = useMemo(
    () => linkedAccounts(signals).filter((n) => n !== account?.name),
    [signals, account],
  );
  const times = useMemo(() => traffic.data?.points.map((p) => p.t) ?? [], [traffic.data]);
  const series = useMemo(
    () =>
      traffic.data
        ? [
            { label: 'requests', values: traffic.data.points.map((p) => p.requests), color: '#2563eb' },
            {
              label: 'tokens',
              values: traffic.data.points.map((p) => p.tokens),
              color: '#16a34a',
              right: true,
            },
          ]
        : [],
    [traffic.data],
  );
  const act = (action: 'suspend' | 'reinstate' | 'terminate') => async (reason: string) => {
    await api(`/accounts/${enc(id)}/${action}`, { method: 'POST', body: { reason } });
    setChanged((c) => c + 1);
  };
  if (detail.error && !account) return <ErrorBox error={detail.error} />;
  if (!account) return <Loading />;
  const mayChange = can(me.role, 'change-status');
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <a href={href('accounts')}>Accounts</a> / {account.name}
      </nav>
      <div className="page-head">
        <h1>
          {account.name} <StatusBadge status={account.status} />
        </h1>
        <section className="row actions" aria-label="Actions">
          {mayChange && account.status === 'active' && (
            <ReasonForm
              label="Suspend"
              reasonLabel="Reason for suspension"
              danger
              onSubmit={act('suspend')}
            />
          )}
          {mayChange && account.status === 'suspended' && (
            <ReasonForm
              label="Reinstate"
              reasonLabel="Condition for reinstatement"
              onSubmit={act('reinstate')}
            />
          )}
          {can(me.role, 'terminate') && account.status !== 'terminated' && (
            <ReasonForm
              label="Terminate"
              reasonLabel="Reason for termination"
              danger
              onSubmit={act('terminate')}
            />
          )}
        </section>
      </div>
      <ErrorBox error={detail.error} />
      <Fields
        rows={[
          ['Partner', account.partner ?? 'direct'],
          ['External id', account.external_id],
          ['Status reason', account.status_reason],
          ['Changed by', account.status_actor],
          [
            'Open case',
            account.case ? (
              <a key="c" href={href('cases', account.case.id)}>
                {account.case.id}
              </a>
            ) : null,
          ],
          ['Risk', <RiskBadge key="r" risk={account.risk?.risk} verdict={account.risk?.verdict} />],
          ['Detected after', account.risk?.detected_after ? `request #${account.risk.detected_after}` : null],
          ['Requests (all time)', fmtInt(account.usage.requests)],
          ['Tokens (all time)', fmtInt(account.usage.tokens)],
          ['Created', fmtTime(account.created_at)],
        ]}
      />
      {partner ? (
        <DailyUsage account={account} />
      ) : (
        <section aria-labelledby="usage">
          <div className="page-head">
            <h2 id="usage">Usage</h2>
            <label>
              Window{' '}
              <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
                <option value={1}>Last hour</option>
                <option value={24}>Last 24 hours</option>
                <option value={168}>Last 7 days</option>
              </select>
            </label>
          </div>
          {traffic.data ? (
            <TimeChart title={`Traffic of ${account.name}`} times={times} series={series} height={180} />
          ) : (
            <ErrorBox error={traffic.error} />
          )}
        </section>
      )}
      <section aria-labelledby="signals">
        <h2 id="signals">Signals</h2>
        {signals.length === 0 ? (
          <p className="muted">No signals{account.risk ? '' : ' (not scored yet)'}.</p>
        ) : (
          signals.map((s) => <SignalCard key={s.id} signal={s} />)
        )}
      </section>
      {linked.length > 0 && (
        <section aria-labelledby="linked">
          <h2 id="linked">Linked accounts</h2>
          <ul>
            {linked.map((n) => (
              <li key={n}>
                <a href={href('accounts', n)}>{n}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {keys.data && (
        <section aria-labelledby="keys">
          <h2 id="keys">Keys</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Prefix</th>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Revoked</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((k) => (
                <tr key={k.id}>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{k.name ?? '—'}</td>
                  <td>{fmtTime(k.created_at)}</td>
                  <td>{fmtTime(k.last_used_at)}</td>
                  <td>{fmtTime(k.revoked_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

/** The account's usage per day, from the account itself (what a partner token may read). */
function DailyUsage({ account }: { account: AccountDetail }) {
  const days = account.usage.days;
  return (
    <section aria-labelledby="usage">
      <h2 id="usage">Usage per day</h2>
      {days.length === 0 ? (
        <p className="muted">No usage yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" className="num">
                Requests
              </th>
              <th scope="col" className="num">
                Tokens
              </th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date}>
                <td>{d.date}</td>
                <td className="num">{fmtInt(d.requests)}</td>
                <td className="num">{fmtInt(d.tokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
