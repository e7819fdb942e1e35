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
