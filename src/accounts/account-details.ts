// An account with what `accounts show` and GET /admin/v1/accounts/:id report beside it.
import type { Store } from '../store/store.js';
import type { AccountRecord } from './types.js';
import { getAccountRisk, getUsage } from './usage.js';
import { type AccountDetailView, accountDetailView } from './views.js';

export async function describeAccount(
  store: Store,
  account: AccountRecord,
  { days = 30 }: { days?: number } = {},
): Promise<AccountDetailView> {
  const [usage, risk] = await Promise.all([
    getUsage(store, account.id, { days }),
    getAccountRisk(store, account.id),
  ]);
  return accountDetailView(account, usage, risk);
}
