// The audit log: entries, the signed tree head, verification of the whole log, and the inclusion
// proof of one entry.
import { useState } from 'react';
import { api } from '../api.js';
import { ErrorBox, Fields, Loading, Unavailable } from '../components/bits.js';
import { fmtJson, fmtTime } from '../format.js';
import { useApi } from '../hooks.js';
import { useSession } from '../session.js';

interface Entry {
  index: number;
  ts: string | number;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  leaf_hash?: string;
}

interface Head {
  tree_size: number;
  root_hash: string;
  timestamp: string | number;
  signature: string;
  public_key?: string;
}

type Verification = { ok: boolean } & Record<string, unknown>;

function entryIndex(e: Entry & { entry_index?: number }): number {
  return e.index ?? e.entry_index ?? 0;
}

const PAGE = 50;

export function AuditPage() {
  const { version } = useSession();
  const heads = useApi<{ head: Head; published: Head | null }>('/audit/head', version);
  const size = heads.data?.head.tree_size ?? null;
  // Newest first: a page is the PAGE entries before `end` (exclusive); null means the newest page.
  const [end, setEnd] = useState<number | null>(null);
  const pageEnd = end ?? size;
  const after = pageEnd === null ? null : Math.max(-1, pageEnd - PAGE - 1);
  const entries = useApi<{ entries: Entry[] }>(
    after === null || pageEnd === null
      ? null
      : `/audit/entries?after=${after}&limit=${Math.min(PAGE, pageEnd)}`,
    version,
  );
  const head = { data: heads.data?.head ?? null, error: heads.error };
  const [verification, setVerification] = useState<Verification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<Error | null>(null);
  const [proof, setProof] = useState<{ index: number; proof: Record<string, unknown> } | null>(null);
  const [proofError, setProofError] = useState<Error | null>(null);

  const verify = async () => {
    setVerifying(true);
    setVerifyError(null);
    setVerification(null);
    try {
      setVerification(await api<Verification>('/audit/verify', { method: 'POST' }));
    } catch (e) {
      setVerifyError(e as Error);
    } finally {
      setVerifying(false);
    }
  };
  const showProof = async (index: number) => {
    setProofError(null);
    try {
      const answer = await api<{ proof: Record<string, unknown> }>(`/audit/entries/${index}/proof`);
      setProof({ index, proof: answer.proof });
    } catch (e) {
      setProofError(e as Error);
    }
  };
  const list = [...(entries.data?.entries ?? [])].reverse();
  return (
    <>
      <h1>Audit log</h1>
      <div className="columns">
        <section aria-labelledby="head">
          <h2 id="head">Signed tree head</h2>
          {head.error ? (
            <Unavailable error={head.error} what="The audit log" />
          ) : !head.data ? (
            <Loading />
          ) : (
            <Fields
              rows={[
                ['Tree size', String(head.data.tree_size)],
                [
                  'Root hash',
                  <code key="r" className="hash">
                    {head.data.root_hash}
                  </code>,
                ],
                ['Signed at', fmtTime(head.data.timestamp)],
                [
                  'Signature',
                  <code key="s" className="hash">
                    {head.data.signature}
                  </code>,
                ],
                [
                  'Public key',
                  head.data.public_key ? (
                    <code key="k" className="hash">
                      {head.data.public_key}
                    </code>
                  ) : null,
                ],
              ]}
            />
          )}
        </section>
        <section aria-labelledby="verify">
          <h2 id="verify">Verification</h2>
          <p className="muted small">
            Recomputes every leaf hash and the Merkle tree, and checks every signed head against it.
          </p>
          <button type="button" className="primary" onClick={() => void verify()} disabled={verifying}>
            {verifying ? 'Verifying…' : 'Verify the log'}
          </button>
          <ErrorBox error={verifyError} />
          {verification && (
            <div className={`result ${verification.ok ? 'good' : 'bad'}`} role="status">
              <strong>{verification.ok ? 'Verified: the log is intact.' : 'Verification FAILED.'}</strong>
              <pre>{fmtJson(verification)}</pre>
            </div>
          )}
        </section>
      </div>
      <section aria-labelledby="entries">
        <h2 id="entries">Entries</h2>
        {entries.error ? (
          <Unavailable error={entries.error} what="The audit log" />
        ) : size === 0 ? (
          <p className="muted">The log is empty.</p>
        ) : !entries.data ? (
          <Loading />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    #
                  </th>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Details</th>
                  <th scope="col">Proof</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr key={entryIndex(e)}>
                    <td className="num">{entryIndex(e)}</td>
                    <td>{fmtTime(e.ts)}</td>
                    <td>{e.actor}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{e.subject}</td>
                    <td className="clip" title={fmtJson(e.details)}>
                      {JSON.stringify(e.details)}
                    </td>
                    <td>
                      <button
                        type="button"
                        aria-label={`Proof of #${entryIndex(e)}`}
                        onClick={() => void showProof(entryIndex(e))}
                      >
                        Proof
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="row">
              {end !== null && (
                <button type="button" onClick={() => setEnd(null)}>
                  Newest
                </button>
              )}
              {list.length > 0 && entryIndex(list[list.length - 1]) > 0 && (
                <button type="button" onClick={() => setEnd(entryIndex(list[list.length - 1]))}>
                  Older
                </button>
              )}
            </div>
          </div>
        )}
      </section>
      <ErrorBox error={proofError} />
      {proof && (
        <section aria-labelledby="proof" className="card">
          <h2 id="proof">Inclusion proof of entry #{proof.index}</h2>
          <p className="muted small">
            The audit path from the entry's leaf to the signed root: anyone with the public key can check it
            (see docs/audit-log.md).
          </p>
          <pre>{fmtJson(proof.proof)}</pre>
        </section>
      )}
    </>
  );
}
