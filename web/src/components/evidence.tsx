// Renders a detector signal's evidence: example prompts as quotes, the mined template with its slot
// counts, rates and counts as figures, anything else as labelled JSON.
import { fmtJson } from '../format.js';
import type { Signal } from '../types.js';

function label(key: string): string {
  return key.replace(/[_.]/g, ' ');
}

function Value({ name, value }: { name: string; value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'number') {
    const isRate =
      /rate|share|score|fraction|ratio|coverage|probability/i.test(name) && value >= 0 && value <= 1;
    return (
      <span className="figure">
        {isRate ? `${(value * 100).toFixed(1)}%` : value.toLocaleString('en-US')}
      </span>
    );
  }
  if (typeof value === 'string') {
    if (/template/i.test(name)) return <code className="template">{value}</code>;
    return value.length > 80 ? <blockquote>{value}</blockquote> : <span>{value}</span>;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string'))
      return (
        <ul className="examples">
          {(value as string[]).slice(0, 8).map((v, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: examples are shown in their order and may repeat
            <li key={i}>
              <blockquote>{v.length > 600 ? `${v.slice(0, 600)}…` : v}</blockquote>
            </li>
          ))}
          {value.length > 8 && <li className="muted">and {value.length - 8} more</li>}
        </ul>
      );
    if (value.every((v) => v && typeof v === 'object' && !Array.isArray(v)))
      return (
        <div className="evidence-list">
          {(value as Record<string, unknown>[]).slice(0, 8).map((v, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: evidence items have no id
            <Evidence key={i} evidence={v} />
          ))}
        </div>
      );
    return <code>{JSON.stringify(value)}</code>;
  }
  if (typeof value === 'object') return <Evidence evidence={value as Record<string, unknown>} />;
  return <pre>{fmtJson(value)}</pre>;
}

export function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  return (
    <dl className="evidence">
      {Object.entries(evidence).map(([k, v]) => (
        <div key={k}>
          <dt>{label(k)}</dt>
          <dd>
            <Value name={k} value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function SignalCard({ signal }: { signal: Signal }) {
  return (
    <article className="signal" aria-label={`signal ${signal.id}`}>
      <header>
        <h3>{signal.id}</h3>
        <meter min={0} max={1} value={signal.score} aria-label={`score of ${signal.id}`} />
        <span className="figure">{signal.score.toFixed(2)}</span>
      </header>
      <Evidence evidence={signal.evidence ?? {}} />
    </article>
  );
}

/** Account names a linking signal's evidence points to (any string field or list naming accounts). */
export function linkedAccounts(signals: Signal[]): string[] {
  const names = new Set<string>();
  for (const s of signals) {
    if (!s.id.startsWith('link')) continue;
    for (const [k, v] of Object.entries(s.evidence ?? {})) {
      if (!/account|linked|peer|with/i.test(k)) continue;
      const list = Array.isArray(v) ? v : [v];
      for (const item of list) {
        if (typeof item === 'string') names.add(item);
        else if (
          item &&
          typeof item === 'object' &&
          typeof (item as { account?: unknown }).account === 'string'
        )
          names.add((item as { account: string }).account);
      }
    }
  }
  return [...names];
}
