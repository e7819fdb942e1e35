// Per-account summary of a traced dataset: how many of its documents each account received.
import type { AccountTraceSummary, TraceResult, TraceSummary } from './types.js';

export function summarizeTrace(results: TraceResult[]): TraceSummary {
  const perAccount = new Map<string, { documents: number; outputs: Set<string> }>();
  let matched = 0;
  let tooShort = 0;
  for (const result of results) {
    if (result.match === null) tooShort++;
    if (!result.match) continue;
    matched++;
    for (const account of result.accounts) {
      let entry = perAccount.get(account);
      if (!entry) {
        entry = { documents: 0, outputs: new Set() };
        perAccount.set(account, entry);
      }
      entry.documents++;
      for (const m of result.matches) if (m.account === account) entry.outputs.add(m.output);
    }
  }
  const accounts: AccountTraceSummary[] = [...perAccount].map(([account, e]) => ({
    account,
    documents: e.documents,
    share: results.length === 0 ? 0 : Math.round((e.documents / results.length) * 10_000) / 10_000,
    outputs: e.outputs.size,
  }));
  accounts.sort((a, b) => b.documents - a.documents || a.account.localeCompare(b.account));
  return {
    documents: results.length,
    matched,
    unmatched: results.length - matched - tooShort,
    tooShort,
    accounts,
  };
}
