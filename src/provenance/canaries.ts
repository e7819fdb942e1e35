// The sampled canary set (prompt + served output) that `warden audit-model` replays to a suspect model.
import type { Store } from '../store/store.js';

export interface Canary {
  id: string;
  accountId: string;
  prompt: string;
  output: string;
  ts: number;
}

export async function listCanaries(
  store: Store,
  { limit = 1000, account }: { limit?: number /** account id or name */; account?: string } = {},
): Promise<Canary[]> {
  let query = store.db
    .selectFrom('provenance_canaries')
    .select(['output_id', 'account_id', 'prompt', 'output', 'ts'])
    .orderBy('ts')
    .orderBy('output_id')
    .limit(limit);
  if (account !== undefined) {
    // an account id, or an account name
    query = query.where((eb) =>
      eb.or([
        eb('account_id', '=', account),
        eb('account_id', 'in', eb.selectFrom('accounts').select('id').where('name', '=', account)),
      ]),
    );
  }
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.output_id,
    accountId: r.account_id,
    prompt: r.prompt,
    output: r.output,
    ts: Number(r.ts),
  }));
}
