// The human report of a model audit: one self-contained HTML page (inline CSS, no script, no
// external asset), every piece of model or user text escaped.
import type { AuditModelResult } from './audit-model.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const VERDICT_LABEL: Record<AuditModelResult['verdict'], string> = {
  likely_trained_on_outputs: 'Likely trained on our outputs',
  inconclusive: 'Inconclusive',
  no_evidence: 'No evidence',
};

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(4);
}

export function renderAuditReport(result: AuditModelResult, generatedAt = new Date()): string {
  const t = result.canary_test;
  const e = escapeHtml;
  const rows: string[] = [];
  const stat = (name: string, value: string) => rows.push(`<tr><th>${e(name)}</th><td>${e(value)}</td></tr>`);
  stat('Suspect', `${result.endpoint ?? '(answers file)'}${result.model ? ` — model ${result.model}` : ''}`);
  if (t.ran) {
    stat('Canaries tested (n)', String(t.n));
    stat('p-value (intersection–union, max of the two)', formatP(t.p_value));
    stat(
      'Across canaries: sign-flip permutation test',
      `mean difference ${t.mean_difference.toFixed(4)}, p = ${formatP(t.p_canary)} (${t.permutations} permutations)`,
    );
    stat(
      'Across models: prediction t-test',
      `t = ${t.t_model.toFixed(2)}, df = ${t.df}, p = ${formatP(t.p_model)}`,
    );
    stat(`Suspect's distinctive ${t.ngram}-gram coverage`, t.suspect_coverage.toFixed(4));
    for (const r of t.references) stat(`Reference ${r.name}`, `coverage ${r.coverage.toFixed(4)}`);
  } else {
    stat('Canary test', `not run: ${t.reason ?? ''}`);
  }
  stat('Probes', `${result.probes.sent} sent, ${result.probes.failed} failed`);

  const canaries = t.top
    .map(
      (
        c,
      ) => `<section class="canary"><h3>Canary ${e(c.id)} — coverage ${c.coverage.toFixed(3)} (references ${c.reference_coverage.toFixed(3)}), ROUGE ${c.similarity.toFixed(3)}</h3>
${c.prompt !== null ? `<p class="prompt"><b>Prompt:</b> ${e(c.prompt)}</p>` : ''}
<div class="pair"><div><h4>Served output</h4><pre>${e(c.served)}</pre></div><div><h4>Suspect's answer</h4><pre>${e(c.answer)}</pre></div></div>
${c.shared.length ? `<p><b>Shared distinctive phrases:</b> ${c.shared.map((s) => `<code>${e(s)}</code>`).join(' ')}</p>` : ''}
</section>`,
    )
    .join('\n');

  const selfId = result.self_identification;
  const hits = selfId
    ? selfId.hits.length
      ? `<table><tr><th>Language</th><th>Prompt</th><th>Answer</th><th>Names</th></tr>${selfId.hits
          .map(
            (h) =>
              `<tr><td>${e(h.language)}</td><td>${e(h.prompt)}</td><td><pre>${e(h.answer)}</pre></td><td>${e(h.brands.join(', '))}</td></tr>`,
          )
          .join('')}</table>`
      : `<p>None of ${selfId.answered} answers names ${e(selfId.brands.join(', '))}.</p>`
    : '<p>Not probed (answers collected earlier).</p>';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Warden model audit — ${e(VERDICT_LABEL[result.verdict])}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}.verdict{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;font-weight:600}
.likely_trained_on_outputs{background:#fde2e1;color:#8a1c17}.inconclusive{background:#fff4d6;color:#6b4e00}
.no_evidence{background:#e1f5e6;color:#1d5e2c}table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font:12px/1.4 ui-monospace,monospace}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.canary{border-top:1px solid #ccc;margin-top:1rem}
code{background:#f2f2f2;padding:0 .2rem}
</style></head><body>
<h1>Model audit: <span class="verdict ${result.verdict}">${e(VERDICT_LABEL[result.verdict])}</span></h1>
<p>Generated ${e(generatedAt.toISOString())}. Significance level α = ${e(String(result.alpha))}.</p>
<ul>${result.reasons.map((r) => `<li>${e(r)}</li>`).join('')}</ul>
<h2>Canary test</h2>
<table>${rows.join('')}</table>
<p>H0: the suspect is one more model not trained on the served outputs. Statistic: the share of each served output's
distinctive word ${t.ngram}-grams (those no other reference model produced) that a model reproduces. The audit rejects H0
only when both the paired sign-flip test across canaries and the prediction t-test across models reject.</p>
<h2>Top canaries</h2>
${canaries || '<p>No canary evidence.</p>'}
<h2>Self-identification</h2>
${hits}
</body></html>
`;
}
