// From a traffic record (file line or mapped usage event) to the RequestView every detector reads:
// the prompt text (last user turn or completion prompt), system prompt, turn count and output.
import type { TrafficRecord } from '../events/traffic-record.js';
import type { RequestView } from './detector.js';
import { hashString, PROMPT_HEAD, PROMPT_TAIL, tokenize } from './text-tokens.js';

/** The detection subject: the account, or `account/endCustomer` for a partner's end customer. */
export function subjectOf(record: TrafficRecord): string {
  return record.endCustomer ? `${record.account}/${record.endCustomer}` : record.account;
}

export function buildRequestView(record: TrafficRecord, index: number, fallbackTs: number): RequestView {
  const request = record.request;
  const endpoint =
    record.endpoint ?? (Array.isArray(request.messages) ? '/v1/chat/completions' : '/v1/completions');
  const parsedTs = record.ts === undefined ? Number.NaN : Date.parse(record.ts);
  let promptText = '';
  let systemPrompt: string | null = null;
  let userTurns = 0;
  if (Array.isArray(request.messages)) {
    for (const message of request.messages) {
      if (message === null || typeof message !== 'object') continue;
      const { role, content } = message as { role?: unknown; content?: unknown };
      if (role === 'user') {
        userTurns++;
        promptText = contentText(content);
      } else if ((role === 'system' || role === 'developer') && systemPrompt === null) {
        systemPrompt = contentText(content);
      }
    }
  } else if (!endpoint.includes('embeddings')) {
    const prompt = request.prompt;
    promptText = typeof prompt === 'string' ? prompt : Array.isArray(prompt) ? contentText(prompt[0]) : '';
    userTurns = promptText === '' ? 0 : 1;
  }
  return {
    index,
    ts: Number.isFinite(parsedTs) ? parsedTs : fallbackTs,
    tsKnown: Number.isFinite(parsedTs),
    account: subjectOf(record),
    channel: record.channel ?? 'direct',
    endpoint,
    request,
    promptText,
    systemPrompt,
    userTurns,
    outputText: outputTextOf(record.response),
    endCustomer: record.endCustomer ?? null,
    clientIp: record.clientIp ?? null,
    promptTokens: tokenize(promptText, { head: PROMPT_HEAD, tail: PROMPT_TAIL }),
    promptHash: promptHashOf(promptText),
  };
}

/** A hash of the prompt that reads at most ~6,000 characters (its ends and its length). */
function promptHashOf(text: string): number {
  if (text.length <= 6000) return hashString(text);
  return hashString(text.slice(text.length - 2000), hashString(text.slice(0, 4000)) ^ text.length);
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string')
      out += (out ? '\n' : '') + (part as { text: string }).text;
  }
  return out;
}

function outputTextOf(response: Record<string, unknown> | undefined): string | null {
  if (!response || !Array.isArray(response.choices)) return null;
  const parts: string[] = [];
  for (const choice of response.choices) {
    if (choice === null || typeof choice !== 'object') continue;
    const c = choice as { text?: unknown; message?: { content?: unknown } };
    if (typeof c.text === 'string') parts.push(c.text);
    else if (c.message && typeof c.message.content === 'string') parts.push(c.message.content);
  }
  return parts.length > 0 ? parts.join('\n') : null;
}
