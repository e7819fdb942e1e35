// The signed-in session: who the token belongs to, what its role may do, and the live-update version
// that pages watch to reload when something changes on the server.
import { createContext, useContext } from 'react';
import type { Role, Whoami } from './api.js';

export type Capability =
  | 'change-status'
  | 'terminate'
  | 'work-cases'
  | 'decide-cases'
  | 'trace'
  | 'audit-model'
  | 'read-webhooks'
  | 'retry-webhooks';

const CAPABILITIES: Record<Capability, readonly Role[]> = {
  'change-status': ['admin'],
  terminate: ['admin'],
  'work-cases': ['analyst', 'admin'],
  'decide-cases': ['admin'],
  trace: ['analyst', 'admin'],
  'audit-model': ['analyst', 'admin'],
  'read-webhooks': ['admin', 'partner'],
  'retry-webhooks': ['admin'],
};

export function can(role: Role | undefined, capability: Capability): boolean {
  return role !== undefined && CAPABILITIES[capability].includes(role);
}

export type PageKey = 'overview' | 'accounts' | 'cases' | 'provenance' | 'partners' | 'audit' | 'webhooks';

const PROVIDER: readonly Role[] = ['viewer', 'analyst', 'admin'];
const EVERYONE: readonly Role[] = ['viewer', 'analyst', 'admin', 'partner'];

/**
 * The navigation, with the roles each page is for. The roles follow the admin routes the page reads
 * (`config.allow`): the provider-wide aggregates, provenance, the partner list and the audit log
 * answer 403 to a partner token, while accounts and cases are scoped to the partner's own end customers.
 */
export const PAGES: readonly { key: PageKey; label: string; roles: readonly Role[] }[] = [
  { key: 'overview', label: 'Overview', roles: PROVIDER },
  { key: 'accounts', label: 'Accounts', roles: EVERYONE },
  { key: 'cases', label: 'Cases', roles: EVERYONE },
  { key: 'provenance', label: 'Provenance', roles: PROVIDER },
  { key: 'partners', label: 'Partners', roles: PROVIDER },
  { key: 'audit', label: 'Audit log', roles: PROVIDER },
  { key: 'webhooks', label: 'Webhooks', roles: ['partner'] },
];

export function pageOf(key: string): (typeof PAGES)[number] | undefined {
  return PAGES.find((p) => p.key === key);
}

/** The pages a role may open, in navigation order. */
export function pagesFor(role: Role): (typeof PAGES)[number][] {
  return PAGES.filter((p) => p.roles.includes(role));
}

/** Where a role lands: the overview for the provider's roles, its own accounts for a partner. */
export function homeOf(role: Role): PageKey {
  return role === 'partner' ? 'accounts' : 'overview';
}

export interface Session {
  me: Whoami;
  /** Bumped whenever the live feed reports a change. */
  version: number;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return session;
}
