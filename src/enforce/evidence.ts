// The evidence snapshot a case freezes when it is opened: what the detection engine said (signals with
// their evidence, mined templates, linked accounts), example requests with their prompt and output
// (truncated), and usage figures. Read from the database only; stored as JSON on the case and never
// updated, so a decision can always be checked against what the investigator saw.
import { getAccountRisk, getUsage } from '../accounts/index.js';
import type { Store } from '../store/store.js';

/** The part of a detection assessment (detect/engine.ts AccountAssessment) a snapshot keeps. */
export interface AssessmentEvidence {
  risk: number;
  verdict: string;
  requests: number;
  detected_after: number | null;
  signals: { id: string; score: number; evidence: Record<string, unknown> }[];
  linked: string[];
}

export interface EvidenceSnapshot {
  taken_at: string;
  risk: number | null;
  verdict: string | null;
  requests_scored: number | null;
  detected_after: number | null;
  signals: { id: string; score: number; evidence: unknown }[];
  templates: { signal: string; evidence: unknown }[];
  examples: { event_id: string; ts: string; endpoint: string; prompt: string; output: string | null }[];
  usage: { requests: number; tokens: number; days: { date: string; requests: number; tokens: number }[] };
  linked_accounts: { id: string; name: string | null }[];
}

const TEXT_LIMIT = 400;
const EXAMPLES = 5;

export function truncate(text: string, limit = TEXT_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join(' ');
  return '';
}

/** The prompt of an OpenAI request body: the last user turn of a chat, or a completion's prompt. */
export function promptOf(requestBody: string): string {
  try {
    const body = JSON.parse(requestBody) as Record<string, unknown>;
    if (Array.isArray(body.messages)) {
      const turns = body.messages as { role?: string; content?: unknown }[];
      const user = [...turns].reverse().find((m) => m?.role === 'user') ?? turns[turns.length - 1];
      return contentText(user?.content);
    }
    if (typeof body.prompt === 'string') return body.prompt;
    if (Array.isArray(body.prompt)) return body.prompt.map(String).join('\n');
    if (body.input !== undefined)
      return typeof body.input === 'string' ? body.input : JSON.stringify(body.input);
    return '';
  } catch {
    return '';
  }
}

export async function buildEvidenceSnapshot(
  store: Store,
  accountId: string,
  assessment?: AssessmentEvidence,
): Promise<EvidenceSnapshot> {
  const stored = assessment ? null : await getAccountRisk(store, accountId);
  const signals = (assessment?.signals ?? (Array.isArray(stored?.signals) ? stored.signals : [])) as {
    id: string;
    score: number;
    evidence: unknown;
  }[];
  const events = await store.db
    .selectFrom('events')
    .select(['id', 'ts', 'endpoint', 'request_body', 'output'])
    .where('account_id', '=', accountId)
    .where('status', '=', 'ok')
    .orderBy('seq', 'desc')
    .limit(EXAMPLES)
    .execute();
  const usage = await getUsage(store, accountId);
  const linkedIds = assessment?.linked ?? [];
  const names =
    linkedIds.length === 0
      ? []
      : await store.db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', linkedIds).execute();
  return {
    taken_at: new Date().toISOString(),
    risk: assessment?.risk ?? stored?.risk ?? null,
    verdict: assessment?.verdict ?? stored?.verdict ?? null,
    requests_scored: assessment?.requests ?? stored?.requests ?? null,
    detected_after: assessment?.detected_after ?? stored?.detectedAfter ?? null,
    signals: signals.map((s) => ({ id: s.id, score: s.score, evidence: s.evidence })),
    templates: signals
      .filter((s) => s.id.startsWith('templates'))
      .map((s) => ({ signal: s.id, evidence: s.evidence })),
    examples: events.reverse().map((e) => ({
      event_id: e.id,
      ts: new Date(Number(e.ts)).toISOString(),
      endpoint: e.endpoint,
      prompt: truncate(promptOf(e.request_body)),
      output: e.output === null ? null : truncate(e.output),
    })),
    usage,
    linked_accounts: linkedIds.map((id) => ({ id, name: names.find((n) => n.id === id)?.name ?? null })),
  };
}

/** A short summary of a snapshot for audit entries (the full snapshot lives on the case). */
export function evidenceSummary(snapshot: EvidenceSnapshot | null): Record<string, unknown> {
  if (!snapshot) return {};
  return {
    risk: snapshot.risk,
    verdict: snapshot.verdict,
    signals: snapshot.signals.map((s) => ({ id: s.id, score: s.score })),
    examples: snapshot.examples.map((e) => e.event_id),
    linked: snapshot.linked_accounts.map((a) => a.id),
  };
}
