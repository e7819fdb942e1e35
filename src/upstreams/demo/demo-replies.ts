// What the demo model answers, in OpenAI's wire formats: chat.completion and chat.completion.chunk,
// text_completion, and embeddings lists. Pure apart from ids and timestamps: the same request gives
// the same text. Tokens are counted as whitespace-separated words (prompt and completion alike),
// which is what `usage` reports.

import { randomUUID } from 'node:crypto';
import type { UpstreamEndpoint } from '../upstream.js';
import { embeddingWords, hashedEmbedding } from './hashed-embedding.js';
import { generateText, type MarkovChain } from './markov-chain.js';
import { seededRandom } from './seeded-random.js';

/** Marks every demo response, so nobody mistakes it for a real model's. */
export const DEMO_SYSTEM_FINGERPRINT = 'warden-demo-markov2';
export const DEMO_EMBEDDING_DIMENSIONS = 256;
const MAX_DIMENSIONS = 4096;
const MAX_N = 128;
/** Most prompts × n in one completions request, and most inputs in one embeddings request (OpenAI caps inputs at 2048). */
const MAX_ITEMS = 2048;
/** The end of a streamed choice that is not the last of its answer. */
const OPEN_CHOICE_END = '"logprobs":null,"finish_reason":null}';

export interface DemoReplyOptions {
  chain: MarkovChain;
  /** Words per streamed content delta. */
  chunkWords: number;
}

/** A whole JSON body, or (streaming) the `data:` payloads of an SSE stream, `[DONE]` excluded. */
export type DemoReply = { status: number; json: string } | { status: 200; events: Iterable<string> };

interface Answer {
  text: string;
  words: number;
  finishReason: 'stop' | 'length';
}

type Body = Record<string, unknown>;

class InvalidRequest extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

export function demoReply(
  endpoint: UpstreamEndpoint,
  model: string,
  bodyText: string,
  stream: boolean,
  options: DemoReplyOptions,
): DemoReply {
  try {
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      throw new InvalidRequest('The request body is not valid JSON.', null);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidRequest('The request body must be a JSON object.', null);
    }
    if (endpoint === '/v1/embeddings') return embeddings(body as Body, model);
    if (endpoint === '/v1/completions') return completions(body as Body, model, stream, options);
    return chatCompletions(body as Body, model, stream, options);
  } catch (error) {
    if (!(error instanceof InvalidRequest)) throw error;
    const payload = { message: error.message, type: 'invalid_request_error', param: error.param, code: null };
    return { status: 400, json: JSON.stringify({ error: payload }) };
  }
}

function chatCompletions(body: Body, model: string, stream: boolean, options: DemoReplyOptions): DemoReply {
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidRequest("'messages' must be a non-empty array of messages.", 'messages');
  }
  const turns = messages.map((message, i) => {
    if (typeof message !== 'object' || message === null) {
      throw new InvalidRequest(`'messages[${i}]' must be an object.`, `messages[${i}]`);
    }
    const { role, content } = message as Body;
    return { role: String(role), text: contentText(content) };
  });
  const promptText = turns.map((turn) => `${turn.role}: ${turn.text}`).join('\n');
  const lastUser = turns.findLast((turn) => turn.role === 'user') ?? turns[turns.length - 1];
  const maxTokens = readCount(body, 'max_completion_tokens') ?? readCount(body, 'max_tokens');
  const answers = answersFor(body, promptText, lastUser.text, maxTokens, options.chain);
  const usage = usageOf(countWords(turns.map((turn) => turn.text).join(' ')), answers);
  const head = responseHead('chatcmpl', 'chat.completion', model);
  if (!stream) {
    const choices = answers.map((answer, index) => ({
      index,
      message: { role: 'assistant', content: answer.text, refusal: null },
      logprobs: null,
      finish_reason: answer.finishReason,
    }));
    return { status: 200, json: JSON.stringify({ ...head, choices, usage }) };
  }
  const chunkHead = { ...head, object: 'chat.completion.chunk' };
  return {
    status: 200,
    events: streamEvents(answers, options.chunkWords, includeUsage(body) ? usage : undefined, {
      head: chunkHead,
      opening: (index) => `{"index":${index},"delta":{"role":"assistant","content":""},${OPEN_CHOICE_END}`,
      content: (index, text) =>
        `{"index":${index},"delta":{"content":${JSON.stringify(text)}},${OPEN_CHOICE_END}`,
      closing: (index, finishReason) =>
        `{"index":${index},"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}`,
    }),
  };
}

function completions(body: Body, model: string, stream: boolean, options: DemoReplyOptions): DemoReply {
  const prompts = completionPrompts(body.prompt);
  if (prompts.length * (readCount(body, 'n') ?? 1) > MAX_ITEMS) {
    throw new InvalidRequest(`At most ${MAX_ITEMS} choices (prompts × n) per request.`, 'prompt');
  }
  const maxTokens = readCount(body, 'max_tokens');
  const answers = prompts.flatMap((prompt) => answersFor(body, prompt, prompt, maxTokens, options.chain));
  const usage = usageOf(countWords(prompts.join(' ')), answers);
  const head = responseHead('cmpl', 'text_completion', model);
  if (!stream) {
    const choices = answers.map((answer, index) => ({
      text: answer.text,
      index,
      logprobs: null,
      finish_reason: answer.finishReason,
    }));
    return { status: 200, json: JSON.stringify({ ...head, choices, usage }) };
  }
  return {
    status: 200,
    events: streamEvents(answers, options.chunkWords, includeUsage(body) ? usage : undefined, {
      head,
      opening: null,
      content: (index, text) => `{"text":${JSON.stringify(text)},"index":${index},${OPEN_CHOICE_END}`,
      closing: (index, finishReason) =>
        `{"text":"","index":${index},"logprobs":null,"finish_reason":"${finishReason}"}`,
    }),
  };
}

function embeddings(body: Body, model: string): DemoReply {
  const inputs = embeddingInputs(body.input);
  if (inputs.length > MAX_ITEMS)
    throw new InvalidRequest(`At most ${MAX_ITEMS} inputs per request.`, 'input');
  const dimensions = readCount(body, 'dimensions') ?? DEMO_EMBEDDING_DIMENSIONS;
  if (dimensions > MAX_DIMENSIONS) {
    throw new InvalidRequest(`'dimensions' must be at most ${MAX_DIMENSIONS}.`, 'dimensions');
  }
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    throw new InvalidRequest("'encoding_format' must be 'float' or 'base64'.", 'encoding_format');
  }
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const words = embeddingWords(input);
    tokens += words.length;
    const vector = hashedEmbedding(words, dimensions);
    const embedding =
      format === 'base64'
        ? Buffer.from(Float32Array.from(vector).buffer).toString('base64')
        : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const usage = { prompt_tokens: tokens, total_tokens: tokens };
  return { status: 200, json: JSON.stringify({ object: 'list', data, model, usage }) };
}

/** How a stream's chunks look; choices are written as JSON text, as a stream has many of them. */
interface ChunkShapes {
  /** The fields every chunk starts with. */
  head: object;
  /** The choice opening each answer (chat sends the assistant role first), if any. */
  opening: ((index: number) => string) | null;
  content: (index: number, text: string) => string;
  closing: (index: number, finishReason: Answer['finishReason']) => string;
}

/**
 * The chunks of the answers one after the other, `chunkWords` words a delta. With `usage`, every
 * chunk carries `"usage":null` and a last chunk with no choices carries the usage.
 */
function* streamEvents(
  answers: Answer[],
  chunkWords: number,
  usage: object | undefined,
  { head, opening, content, closing }: ChunkShapes,
): Generator<string> {
  const prefix = `${JSON.stringify(head).slice(0, -1)},"choices":[`;
  const suffix = usage === undefined ? ']}' : '],"usage":null}';
  for (const [index, answer] of answers.entries()) {
    if (opening) yield prefix + opening(index) + suffix;
    const words = answer.text === '' ? [] : answer.text.split(' ');
    for (let start = 0; start < words.length; start += chunkWords) {
      const text = (start === 0 ? '' : ' ') + words.slice(start, start + chunkWords).join(' ');
      yield prefix + content(index, text) + suffix;
    }
    yield prefix + closing(index, answer.finishReason) + suffix;
  }
  if (usage !== undefined) yield `${prefix}],"usage":${JSON.stringify(usage)}}`;
}

/** `n` answers to one prompt: choice i is seeded by the prompt, `seed` and i, so it never depends on n. */
function answersFor(
  body: Body,
  promptText: string,
  topicText: string,
  maxTokens: number | undefined,
  chain: MarkovChain,
): Answer[] {
  const n = readCount(body, 'n') ?? 1;
  if (n > MAX_N) throw new InvalidRequest(`'n' must be at most ${MAX_N}.`, 'n');
  const seed = body.seed === undefined || body.seed === null ? '' : String(body.seed);
  const prefix = topicPrefix(topicText);
  return Array.from({ length: n }, (_, choice) => {
    const random = seededRandom(`${seed}\u0000${choice}\u0000${promptText}`);
    const target = 80 + Math.floor(random() * 71); // 80–150 words
    const limit = maxTokens ?? Number.POSITIVE_INFINITY;
    const words = prefix.slice(0, limit);
    const generated = generateText(chain, random, target - words.length, limit - words.length);
    words.push(...generated.words);
    const finishReason = generated.finished ? 'stop' : 'length';
    return { text: words.join(' '), words: words.length, finishReason };
  });
}

const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for with about from into over as is are was were be been ' +
    'being do does did have has had it its this that these those i me my we our you your he she they them ' +
    'their what which who whom how why when where can could would should will shall may might must not no ' +
    'please write explain describe tell give list make generate create summarize summarise provide show ' +
    'some any all more most very just so than then there here also using use'
  ).split(' '),
);

/** "On <up to four topic words of the prompt>:" so that answers visibly differ per prompt. */
export function topicPrefix(text: string): string[] {
  const topic: string[] = [];
  for (const word of text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []) {
    const lower = word.toLowerCase();
    if (word.length < 3 || STOP_WORDS.has(lower) || topic.some((t) => t.toLowerCase() === lower)) continue;
    topic.push(word);
    if (topic.length === 4) break;
  }
  if (topic.length === 0) return [];
  topic[topic.length - 1] += ':';
  return ['On', ...topic];
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : ''))
    .join(' ');
}

function completionPrompts(prompt: unknown): string[] {
  if (typeof prompt === 'string') return [prompt];
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((p) => typeof p === 'string')) return prompt;
    if (prompt.every((p) => typeof p === 'number')) return [prompt.join(' ')];
    if (prompt.every((p) => Array.isArray(p) && p.every((t) => typeof t === 'number'))) {
      return prompt.map((tokens: number[]) => tokens.join(' '));
    }
  }
  throw new InvalidRequest(
    "'prompt' must be a string, an array of strings, or token ids (an array, or an array of arrays).",
    'prompt',
  );
}

function embeddingInputs(input: unknown): (string | number[])[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0) {
    if (input.every((i) => typeof i === 'string')) return input;
    if (input.every((i) => typeof i === 'number')) return [input];
    if (input.every((i) => Array.isArray(i) && i.every((t) => typeof t === 'number'))) return input;
  }
  throw new InvalidRequest(
    "'input' must be a string, an array of strings, or token ids (an array, or an array of arrays).",
    'input',
  );
}

/** A positive integer field, or undefined when absent or null. */
function readCount(body: Body, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidRequest(`'${field}' must be a positive integer.`, field);
  }
  return value as number;
}

function includeUsage(body: Body): boolean {
  const options = body.stream_options;
  return typeof options === 'object' && options !== null && (options as Body).include_usage === true;
}

function usageOf(promptTokens: number, answers: Answer[]) {
  const completionTokens = answers.reduce((sum, answer) => sum + answer.words, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

/** The fields every completion response and chunk starts with, in OpenAI's order. */
function responseHead(idPrefix: string, object: string, model: string) {
  return {
    id: `${idPrefix}-${randomUUID().replaceAll('-', '')}`,
    object,
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: DEMO_SYSTEM_FINGERPRINT,
  };
}
