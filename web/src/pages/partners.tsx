// Partners (resellers): their end customers, and the signed webhook deliveries sent to them with retries.
// A partner token reads only its own deliveries (the Webhooks page); the partner list is the provider's.
import { useState } from 'react';
import { api, enc } from '../api.js';
import { ErrorBox, Loading, StatusBadge, Unavailable } from '../components/bits.js';
import { fmtTime } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { can, useSession } from '../session.js';
import type { Account, Partner } from '../types.js';

interface Delivery {
  id: string;
  partner?: string;
  partner_id?: string;
  event_type: string;
  account?: string | null;
  account_id?: string | null;
  status: string;
  attempts: number;
  next_attempt_at?: string | number | null;
  last_status_code?: number | null;
  last_error?: string | null;
  created_at: string | number;
  delivered_at?: string | number | null;
}

function Deliveries({ partner, customers }: { partner: Pick<Partner, 'name'>; customers: Account[] }) {
  const nameOf = new Map(customers.map((a) => [a.id, a.external_id ?? a.name]));
  const { me, version } = useSession();
  const [changed, setChanged] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const deliveries = useApi<{ deliveries: Delivery[] }>(
    can(me.role, 'read-webhooks') ? `/webhooks/deliveries?partner=${enc(partner.name)}&limit=50` : null,
    version + changed,
  );
  const retry = async (id: string) => {
    setError(null);
    try {
      await api(`/webhooks/deliveries/${enc(id)}/retry`, { method: 'POST' });
      setChanged((n) => n + 1);
    } catch (e) {
      setError(e as Error);
    }
  };
  if (!can(me.role, 'read-webhooks'))
    return <p className="muted">Webhook deliveries are visible to admins.</p>;
  if (deliveries.error) return <Unavailable error={deliveries.error} what="Webhook deliveries" />;
  if (!deliveries.data) return <Loading what="Loading deliveries" />;
  if (deliveries.data.deliveries.length === 0) return <p className="muted">No webhook deliveries yet.</p>;
  return (
    <>
      <ErrorBox error={error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Webhook deliveries to {partner.name}</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Account</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Last response</th>
              <th scope="col">Created</th>
              <th scope="col">Delivered</th>
              {can(me.role, 'retry-webhooks') && <th scope="col">Retry</th>}
            </tr>
          </thead>
          <tbody>
            {deliveries.data.deliveries.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.event_type}</code>
                </td>
                <td>{d.account ?? (d.account_id ? (nameOf.get(d.account_id) ?? d.account_id) : '—')}</td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
                <td className="num">{d.attempts}</td>
                <td>{d.last_status_code ?? d.last_error ?? '—'}</td>
                <td>{fmtTime(d.created_at)}</td>
                <td>{fmtTime(d.delivered_at)}</td>
                {can(me.role, 'retry-webhooks') && (
                  <td>
                    {d.status !== 'delivered' && (
                      <button type="button" onClick={() => void retry(d.id)}>
                        Retry now
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function PartnerSection({ partner }: { partner: Partner }) {
  const { version } = useSession();
  const customers = useApi<{ accounts: Account[] }>(`/partners/${enc(partner.id)}/customers`, version);
  return (
    <section className="card" aria-labelledby={`p-${partner.id}`}>
      <h2 id={`p-${partner.id}`}>
        {partner.name} <StatusBadge status={partner.status} />
      </h2>
      <p className="muted small">
        Webhook: {partner.webhook_url ?? 'none'}
        {partner.has_webhook_secret ? ' (signed)' : ''} · since {fmtTime(partner.created_at)}
      </p>
      <h3>End customers</h3>
      <ErrorBox error={customers.error} />
      {customers.data &&
        (customers.data.accounts.length === 0 ? (
          <p className="muted">No end customers.</p>
        ) : (
          <ul className="chips">
            {customers.data.accounts.map((a) => (
              <li key={a.id}>
                <a href={href('accounts', a.name)}>{a.external_id ?? a.name}</a>{' '}
                <StatusBadge status={a.status} />
              </li>
            ))}
          </ul>
        ))}
      <h3>Webhook deliveries</h3>
      <Deliveries partner={partner} customers={customers.data?.accounts ?? []} />
    </section>
  );
}

export function PartnersPage() {
  const { version } = useSession();
  const partners = useApi<{ partners: Partner[] }>('/partners', version);
  return (
    <>
      <h1>Partners</h1>
      <ErrorBox error={partners.error} />
      {!partners.data ? (
        <Loading />
      ) : partners.data.partners.length === 0 ? (
        <p className="muted">No partners.</p>
      ) : (
        partners.data.partners.map((p) => <PartnerSection key={p.id} partner={p} />)
      )}
    </>
  );
}

/** A partner token's own webhook deliveries, with the names of its end customers. */
export function PartnerWebhooksPage() {
  const { me, version } = useSession();
  const own = me.partner;
  const customers = useApi<{ accounts: Account[] }>(
    own ? `/partners/${enc(own.id)}/customers` : null,
    version,
  );
  if (!own) return <p className="muted">This token belongs to no partner.</p>;
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">Signed notifications sent to {own.name} about its end customers.</p>
      <ErrorBox error={customers.error} />
      <Deliveries partner={own} customers={customers.data?.accounts ?? []} />
    </>
  );
}
