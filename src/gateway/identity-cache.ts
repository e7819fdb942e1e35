// Who is calling: API key → account (direct, or a partner's end customer) → status and limits, held in
// memory so the hot path does no database work for a known key. Every node polls the state-change feed
// (a few ms of work every `pollMs`), so a suspension, revocation or limit change made anywhere — another
// node, the CLI, the admin API — is enforced here within pollMs plus one query.
import {
  type AccountRecord,
  findEndCustomer,
  findKeyByHash,
  getAccount,
  getPartner,
  hashSecret,
  type KeyRecord,
  latestStateChange,
  stateChangesSince,
} from '../accounts/index.js';
import type { Limits } from '../config/config.js';
import { WardenError } from '../errors.js';
import type { LimitRule } from '../ratelimit/rate-limiter.js';
import type { Store } from '../store/store.js';

export interface Identity {
  keyId: string;
  accountId: string;
  accountName: string;
  /** `direct` or `partner:<name>`. */
  channel: string;
  endCustomer: string | null;
  rules: LimitRule[];
}

export interface IdentityCacheOptions {
  store: Store;
  defaultLimits: Limits;
  pollMs?: number;
  /** How long an unknown key is remembered as unknown. */
  negativeTtlMs?: number;
}

interface KeyEntry {
  key: KeyRecord;
  partnerName: string | null;
}

interface AccountEntry {
  account: AccountRecord;
  rules: LimitRule[];
}

export interface IdentityCache {
  /** Resolves the caller, or throws the WardenError the client must see. */
  resolve(authorization: string | undefined, endCustomerHeader: string | undefined): Promise<Identity>;
  /** Apply state changes now (after a change made in this process). */
  refresh(): Promise<void>;
  /** Key ids used since the last call, with the time of last use. */
  takeUsedKeys(): Map<string, number>;
  close(): void;
}

const NEGATIVE = Symbol('unknown key');

export function createIdentityCache({
  store,
  defaultLimits,
  pollMs = 200,
  negativeTtlMs = 5000,
}: IdentityCacheOptions): IdentityCache {
  const keys = new Map<string, KeyEntry | { [NEGATIVE]: number }>();
  const keyHashById = new Map<string, string>();
  const accounts = new Map<string, Promise<AccountEntry | null>>();
  const endCustomers = new Map<string, Promise<string | null>>();
  let usedKeys = new Map<string, number>();
  let seq = -1;
  let polling: Promise<void> | null = null;

  const timer = setInterval(() => void refresh().catch(() => undefined), pollMs);
  timer.unref();

  function rulesFor(scope: 'account' | 'key', id: string, limits: Limits): LimitRule[] {
    const rules: LimitRule[] = [];
    for (const kind of ['rpm', 'tpm', 'daily_tokens'] as const) {
      const limit = limits[kind];
      if (limit) rules.push({ scope, id, kind, limit });
    }
    return rules;
  }

  function loadAccount(id: string): Promise<AccountEntry | null> {
    let entry = accounts.get(id);
    if (!entry) {
      entry = getAccount(store, id).then((account) =>
        account
          ? { account, rules: rulesFor('account', account.id, { ...defaultLimits, ...account.limits }) }
          : null,
      );
      entry.catch(() => accounts.delete(id));
      accounts.set(id, entry);
    }
    return entry;
  }

  async function loadKey(hash: string): Promise<KeyEntry | null> {
    const cached = keys.get(hash);
    if (cached) {
      if (!(NEGATIVE in cached)) return cached;
      if (cached[NEGATIVE] > Date.now()) return null;
    }
    const key = await findKeyByHash(store, hash);
    if (!key || key.revoked) {
      keys.set(hash, { [NEGATIVE]: Date.now() + negativeTtlMs });
      return null;
    }
    const partnerName = key.partnerId ? ((await getPartner(store, key.partnerId))?.name ?? null) : null;
    const entry = { key, partnerName };
    keys.set(hash, entry);
    keyHashById.set(key.id, hash);
    return entry;
  }

  function loadEndCustomer(partnerId: string, externalId: string): Promise<string | null> {
    const cacheKey = `${partnerId}\u0000${externalId}`;
    let entry = endCustomers.get(cacheKey);
    if (!entry) {
      entry = findEndCustomer(store, partnerId, externalId).then((a) => a?.id ?? null);
      entry.catch(() => endCustomers.delete(cacheKey));
      endCustomers.set(cacheKey, entry);
      // Unknown end customers are re-checked soon: the partner may provision them any time.
      entry.then((id) => {
        if (id === null) setTimeout(() => endCustomers.delete(cacheKey), negativeTtlMs).unref();
      });
    }
    return entry;
  }

  async function refresh(): Promise<void> {
    if (polling) return polling;
    polling = (async () => {
      if (seq < 0) {
        seq = await latestStateChange(store);
        return;
      }
      const changes = await stateChangesSince(store, seq);
      for (const change of changes) {
        seq = Math.max(seq, change.seq);
        if (change.kind === 'account') {
          accounts.delete(change.subject_id);
          endCustomers.clear();
        } else if (change.kind === 'key') {
          const hash = keyHashById.get(change.subject_id);
          if (hash) keys.delete(hash);
        } else {
          keys.clear();
          endCustomers.clear();
        }
      }
    })().finally(() => {
      polling = null;
    });
    return polling;
  }
  void refresh().catch(() => undefined);

  return {
    async resolve(authorization, endCustomerHeader) {
      if (!authorization) throw new WardenError('missing_api_key');
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new WardenError('missing_api_key');
      const keyEntry = await loadKey(hashSecret(match[1]));
      if (!keyEntry) throw new WardenError('invalid_api_key');
      const { key, partnerName } = keyEntry;

      let accountId = key.accountId;
      let endCustomer: string | null = null;
      if (key.partnerId) {
        if (!endCustomerHeader) {
          throw new WardenError(
            'invalid_request',
            { detail: 'A partner key must name the end customer in the X-Warden-End-Customer header.' },
            { param: 'X-Warden-End-Customer' },
          );
        }
        accountId = await loadEndCustomer(key.partnerId, endCustomerHeader);
        if (!accountId)
          throw new WardenError('end_customer_not_allowed', { end_customer: endCustomerHeader });
        endCustomer = endCustomerHeader;
      }
      if (!accountId) throw new WardenError('invalid_api_key');
      const entry = await loadAccount(accountId);
      if (!entry) throw new WardenError('invalid_api_key');
      const { account } = entry;
      if (account.status === 'suspended') {
        const caseId = account.openCaseId ?? 'none';
        throw new WardenError(
          'account_suspended',
          { case_id: caseId },
          { extra: { case_id: account.openCaseId } },
        );
      }
      if (account.status === 'terminated') throw new WardenError('account_terminated');
      usedKeys.set(key.id, Date.now());
      return {
        keyId: key.id,
        accountId: account.id,
        accountName: account.name,
        // A partner's end customer is reached through the partner, whichever key it used.
        channel: account.partner
          ? `partner:${account.partner}`
          : partnerName
            ? `partner:${partnerName}`
            : 'direct',
        endCustomer: endCustomer ?? account.externalId,
        rules:
          key.limits && Object.keys(key.limits).length > 0
            ? [...entry.rules, ...rulesFor('key', key.id, key.limits)]
            : entry.rules,
      };
    },
    refresh,
    takeUsedKeys() {
      const used = usedKeys;
      usedKeys = new Map();
      return used;
    },
    close() {
      clearInterval(timer);
    },
  };
}
