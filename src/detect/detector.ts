// The detector interface: per-account streaming state, updated once per request in time proportional
// to the request's size, read as a signal with its evidence. The engine builds one RequestView per
// request and hands it to every detector; detectors never import each other.

/** What the engine extracts once per request, shared by every detector. */
export interface RequestView {
  /** 1-based index of this request in the account's traffic. */
  index: number;
  /** Epoch ms. */
  ts: number;
  account: string;
  channel: string;
  endpoint: string;
  /** The OpenAI request body as sent. */
  request: Record<string, unknown>;
  /** The text the model was asked to respond to: the last user turn (chat) or the prompt (completions). */
  promptText: string;
  /** The system prompt, if any. */
  systemPrompt: string | null;
  /** Number of user turns in the conversation (1 = single-turn). */
  userTurns: number;
  /** The generated text, when the traffic carries it. */
  outputText: string | null;
  endCustomer: string | null;
  clientIp: string | null;
  /**
   * `promptText` tokenized once by the engine (`tokenize` in text-tokens.ts: lower-cased, numbers
   * masked, at most the first 128 and last 32 tokens). Detectors tokenize themselves when absent.
   */
  promptTokens?: readonly string[];
  /** False when the record carried no usable time (`ts` is then a stand-in): skip timing features. */
  tsKnown?: boolean;
  /** `hashString(promptText)` (text-tokens.ts), computed once by the engine. */
  promptHash?: number;
}

export interface Signal {
  /** Stable id, e.g. `intent.generation`, `templates`, `harvest.logprobs`. */
  id: string;
  /** 0–1: how strongly this signal indicates distillation. */
  score: number;
  /** What an analyst needs to check the claim: examples, counts, rates, the mined template. */
  evidence: Record<string, unknown>;
}

export interface Detector<State> {
  readonly id: string;
  /** A fresh state for a new account. */
  create(): State;
  /** Fold one request into the state. */
  update(state: State, request: RequestView): void;
  /** The current signals of this account (possibly none). */
  signals(state: State): Signal[];
}
