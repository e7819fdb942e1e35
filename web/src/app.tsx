// The dashboard shell: sign-in gate, navigation, live updates (short polling of the change feed), pages.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, getToken, setToken, type Whoami } from './api.js';
import { fmtTime } from './format.js';
import { useInterval } from './hooks.js';
import { AccountPage } from './pages/account.js';
import { AccountsPage } from './pages/accounts.js';
import { AuditPage } from './pages/audit.js';
import { CasePage } from './pages/case.js';
import { CasesPage } from './pages/cases.js';
import { OverviewPage } from './pages/overview.js';
import { PartnersPage, PartnerWebhooksPage } from './pages/partners.js';
import { ProvenancePage } from './pages/provenance.js';
import { SignIn } from './pages/sign-in.js';
import { href, useRoute } from './router.js';
import { homeOf, pageOf, pagesFor, SessionContext } from './session.js';

interface Changes {
  seq: number;
  ts: number;
  changes: {
    seq: number;
    kind: string;
    subject: string;
    ts: number;
    name: string | null;
    status: string | null;
  }[];
  flagged: { account: string; name: string; risk: number; verdict: string; ts: number }[];
}

interface Notice {
  id: string;
  text: string;
  ts: number;
  account: string | null;
}

const POLL_MS = 3000;

export function App() {
  const [me, setMe] = useState<Whoami | null>(null);
  const [checking, setChecking] = useState(getToken() !== null);
  const [version, setVersion] = useState(0);
  const [notices, setNotices] = useState<Notice[]>([]);
  const cursor = useRef<{ seq: number; ts: number } | null>(null);
  /** The verdict last announced per account, so a risk update that keeps the verdict is not announced again. */
  const announced = useRef(new Map<string, string>());
  const route = useRoute();

  useEffect(() => {
    if (!getToken()) return;
    api<Whoami>('/whoami')
      .then(setMe)
      .catch(() => setToken(null))
      .finally(() => setChecking(false));
  }, []);

  const signOut = useCallback(() => {
    setToken(null);
    setMe(null);
    cursor.current = null;
  }, []);

  const poll = useCallback(async () => {
    if (!me || me.role === 'partner') return;
    try {
      const c = cursor.current;
      const query = c ? `?seq=${c.seq}&ts=${c.ts}` : `?ts=${Date.now()}`;
      const data = await api<Changes>(`/dashboard/changes${query}`);
      if (c) {
        const newlyFlagged = data.flagged.filter((f) => announced.current.get(f.account) !== f.verdict);
        for (const f of data.flagged) announced.current.set(f.account, f.verdict);
        const fresh: Notice[] = [
          ...newlyFlagged.map((f) => ({
            id: `r${f.account}${f.ts}`,
            text: `${f.name} flagged: risk ${Math.round(f.risk)} (${f.verdict})`,
            ts: f.ts,
            account: f.name,
          })),
          ...data.changes
            .filter((x) => x.kind === 'account' && x.name)
            .map((x) => ({
              id: `s${x.seq}`,
              text: `${x.name} is now ${x.status}`,
              ts: x.ts,
              account: x.name,
            })),
        ];
        if (fresh.length > 0) {
          setNotices((old) => [...fresh.reverse(), ...old].slice(0, 6));
          setVersion((v) => v + 1);
        }
      }
      if (!c) for (const f of data.flagged) announced.current.set(f.account, f.verdict);
      cursor.current = { seq: data.seq, ts: data.ts };
    } catch (error) {
      if ((error as { status?: number }).status === 401) signOut();
    }
  }, [me, signOut]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: start the feed once per sign-in
  useEffect(() => {
    void poll();
  }, [me]);
  useInterval(() => void poll(), me ? POLL_MS : null);

  if (checking) return <p className="muted">Checking your session…</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;

  const home = homeOf(me.role);
  // An unknown page shows the role's home; a known page the role may not use says so plainly.
  const known = pageOf(route.page);
  const current = known ? known.key : home;
  let page: React.ReactNode;
  if (known && !known.roles.includes(me.role)) page = <NotForRole label={known.label} me={me} />;
  else
    switch (current) {
      case 'accounts':
        page = route.id ? <AccountPage id={route.id} /> : <AccountsPage />;
        break;
      case 'cases':
        page = route.id ? <CasePage id={route.id} /> : <CasesPage />;
        break;
      case 'provenance':
        page = <ProvenancePage jobId={route.id} />;
        break;
      case 'partners':
        page = <PartnersPage />;
        break;
      case 'audit':
        page = <AuditPage />;
        break;
      case 'webhooks':
        page = <PartnerWebhooksPage />;
        break;
      default:
        page = <OverviewPage />;
    }

  return (
    <SessionContext.Provider value={{ me, version }}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href(home)}>
          Warden
        </a>
        <nav aria-label="Main">
          <ul>
            {pagesFor(me.role).map(({ key, label }) => (
              <li key={key}>
                <a href={href(key)} aria-current={current === key ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className="badge" title={`token ${me.id}`}>
            {me.role}
            {me.partner ? ` · ${me.partner.name}` : ''}
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <section className="live" aria-live="polite" aria-label="Live updates">
        {notices.map((n) => (
          <p key={n.id} className="notice">
            <time>{fmtTime(n.ts).slice(11)}</time>{' '}
            {n.account ? <a href={href('accounts', n.account)}>{n.text}</a> : n.text}
          </p>
        ))}
        {notices.length > 0 && (
          <button type="button" className="link" onClick={() => setNotices([])}>
            Dismiss
          </button>
        )}
      </section>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </SessionContext.Provider>
  );
}

/** A page the signed-in role may not use: said plainly, with where to go instead, and no request made. */
function NotForRole({ label, me }: { label: string; me: Whoami }) {
  const pages = pagesFor(me.role);
  return (
    <section aria-labelledby="not-for-role">
      <h1 id="not-for-role">{label}</h1>
      <p role="status">
        The {label} page is not available to {me.role} tokens.
        {me.role === 'partner' && " It shows the provider's data across every account and partner."}
      </p>
      <p>
        {me.partner ? `Signed in for ${me.partner.name}, you` : 'You'} can open{' '}
        {pages.map((p, i) => (
          <span key={p.key}>
            {i > 0 && (i === pages.length - 1 ? ' and ' : ', ')}
            <a href={href(p.key)}>{p.label}</a>
          </span>
        ))}
        .
      </p>
    </section>
  );
}
