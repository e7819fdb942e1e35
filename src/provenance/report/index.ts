// The human trace report: one self-contained HTML page (inline CSS, no scripts, no external assets).
// For each matched document, the document's matched spans are highlighted side by side with the
// served output they came from (while its text is retained; afterwards only the fingerprints remain).
import { summarizeTrace } from '../summary.js';
import type { TraceResult } from '../types.js';

export interface TraceReportOptions {
  /** The traced documents (their text is shown with the matched spans highlighted). */
  documents?: { id: string; text: string }[];
  title?: string;
  /** The false-positive rate the threshold was set for. */
  fpr?: number;
  /** When the report was made (epoch ms); defaults to now. */
  generatedAt?: number;
  /** Matched documents shown in full (the rest are listed only). Default 200. */
  maxDetailed?: number;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** `text` as HTML with the given character ranges wrapped in <mark>. */
export function highlight(text: string, spans: [number, number][] = []): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let html = '';
  let at = 0;
  for (const [start, end] of sorted) {
    if (end <= at) continue;
    const from = Math.max(start, at);
    html += escapeHtml(text.slice(at, from));
    html += `<mark>${escapeHtml(text.slice(from, end))}</mark>`;
    at = end;
  }
  return html + escapeHtml(text.slice(at));
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1d2330;background:#fff}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-top:1px solid #ccd;padding-top:1em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccd;padding:.3em .6em;text-align:left}
th{background:#f1f3f8}.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.pane{border:1px solid #ccd;border-radius:4px;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere;max-height:40em;overflow:auto}
.pane h3{margin:0 0 .4em;font-size:1em}mark{background:#ffe066}.muted{color:#667}
.yes{color:#a11}.no{color:#276}.na{color:#667}`;

export function renderTraceReport(results: TraceResult[], options: TraceReportOptions = {}): string {
  const {
    documents = [],
    title = 'Warden trace report',
    fpr,
    generatedAt = Date.now(),
    maxDetailed = 200,
  } = options;
  const texts = new Map(documents.map((d) => [d.id, d.text]));
  const summary = summarizeTrace(results);
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`,
  );
  parts.push(`<style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>`);
  parts.push(
    `<p class="muted">Generated ${escapeHtml(new Date(generatedAt).toISOString())}` +
      (fpr !== undefined ? ` · threshold set for a false-positive rate of ${fpr}` : '') +
      ` · ${summary.documents} documents: ${summary.matched} matched, ${summary.unmatched} not matched, ${summary.tooShort} too short to decide.</p>`,
  );
  parts.push('<h2>Accounts</h2>');
  if (summary.accounts.length === 0) parts.push('<p>No document matched a served output.</p>');
  else {
    parts.push(
      '<table><tr><th>account</th><th>documents</th><th>share of dataset</th><th>outputs found</th></tr>',
    );
    for (const a of summary.accounts) {
      parts.push(
        `<tr><td>${escapeHtml(a.account)}</td><td>${a.documents}</td><td>${(a.share * 100).toFixed(2)}%</td><td>${a.outputs}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  parts.push(
    '<h2>Documents</h2><table><tr><th>document</th><th>match</th><th>account</th><th>score</th><th>coverage</th><th>est. false-positive rate</th><th>outputs</th></tr>',
  );
  for (const r of results) {
    const verdict =
      r.match === null
        ? '<span class="na">too short</span>'
        : r.match
          ? '<span class="yes">match</span>'
          : '<span class="no">no</span>';
    parts.push(
      `<tr><td>${r.match ? `<a href="#d-${encodeURIComponent(r.id)}">${escapeHtml(r.id)}</a>` : escapeHtml(r.id)}</td><td>${verdict}</td>` +
        `<td>${escapeHtml(r.account ?? '')}</td><td>${r.score.toFixed(3)}</td><td>${(r.coverage * 100).toFixed(1)}%</td>` +
        `<td>${r.match ? r.fpr.toExponential(1) : ''}</td><td>${escapeHtml(r.outputs.slice(0, 3).join(', '))}${r.outputs.length > 3 ? ' …' : ''}</td></tr>`,
    );
  }
  parts.push('</table>');
  let detailed = 0;
  for (const r of results) {
    if (!r.match || detailed >= maxDetailed) continue;
    detailed++;
    parts.push(`<h2 id="d-${encodeURIComponent(r.id)}">${escapeHtml(r.id)}</h2>`);
    parts.push(
      `<p>Attributed to <b>${escapeHtml(r.accounts.join(', '))}</b> · score ${r.score.toFixed(3)} · ` +
        `${(r.coverage * 100).toFixed(1)}% of the document is served text · estimated false-positive rate ${r.fpr.toExponential(1)}</p>`,
    );
    const text = texts.get(r.id);
    for (const m of r.matches.slice(0, 3)) {
      parts.push('<div class="pair">');
      parts.push(
        `<div class="pane"><h3>Suspect document</h3>${text === undefined ? '<span class="muted">(text not supplied)</span>' : highlight(text, m.documentSpans)}</div>`,
      );
      parts.push(
        `<div class="pane"><h3>Served output ${escapeHtml(m.output)} · ${escapeHtml(m.account)} · ${escapeHtml(new Date(m.servedAt).toISOString())}</h3>` +
          `<p class="muted">${m.sharedFingerprints} of its ${m.outputFingerprints} fingerprints found; ` +
          `${((m.alignedCoverage ?? 0) * 100).toFixed(1)}% of the document lines up with it</p>` +
          (m.servedText === undefined
            ? '<span class="muted">(the served text is past its retention period; only its fingerprints are kept)</span>'
            : highlight(m.servedText, m.servedSpans)) +
          '</div>',
      );
      parts.push('</div>');
    }
  }
  parts.push('</body></html>\n');
  return parts.join('\n');
}
