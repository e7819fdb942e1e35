// Test helper: builds RequestViews for detector unit tests (not used by production code).
import type { RequestView } from './detector.js';
import { PROMPT_HEAD, PROMPT_TAIL, tokenize } from './text-tokens.js';

export function viewOf(promptText: string, overrides: Partial<RequestView> = {}): RequestView {
  return {
    index: 1,
    ts: Date.parse('2026-01-05T09:00:00Z'),
    account: 'acct',
    channel: 'direct',
    endpoint: '/v1/chat/completions',
    request: { model: 'm', messages: [{ role: 'user', content: promptText }] },
    promptText,
    systemPrompt: null,
    userTurns: 1,
    outputText: null,
    endCustomer: null,
    clientIp: null,
    promptTokens: tokenize(promptText, { head: PROMPT_HEAD, tail: PROMPT_TAIL }),
    ...overrides,
  };
}

/** A small deterministic PRNG for tests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Varied human-looking prompts (hand-written for tests). */
export const HUMAN_PROMPTS = [
  'Can you help me write a birthday message for my grandmother who is turning 90?',
  'why does my sourdough starter smell like acetone',
  'What is the difference between a Roth IRA and a traditional IRA?',
  'Fix this: TypeError: Cannot read properties of undefined (reading map) in my React component',
  'Recommend three sci-fi novels similar to The Left Hand of Darkness',
  '我的猫最近不爱吃东西，是不是生病了？',
  'How long should I boil an egg for a runny yolk?',
  'Translate "where is the train station" into Portuguese please',
  'Explain recursion like I am five',
  'My landlord has not returned my deposit after 60 days, what can I do in California?',
  'write a haiku about commuting in the rain',
  'Is it safe to run a marathon two weeks after having covid?',
  'what are good names for a golden retriever puppy',
  'Summarize the plot of Hamlet in one paragraph.',
  'How do I center a div vertically with flexbox?',
  '北京到上海坐高铁要多久？',
  'Give me a packing list for a week of hiking in Patagonia in March',
  'Why is the sky blue but sunsets are red?',
  'Help me plan a 3-day itinerary for Lisbon on a budget',
  'What does "idempotent" mean in REST APIs?',
  'Can dogs eat grapes?',
  'Draft a polite email asking my manager for a day off next Friday',
  'how to remove a stripped screw',
  'Compare PostgreSQL and MySQL for a small SaaS app',
  'What were the main causes of World War I?',
  'Suggest a vegetarian dinner I can make in 20 minutes with chickpeas',
  'Is 7 hours of sleep enough for an adult?',
  'Write a limerick about a cat who loves lasagna',
  'How do noise cancelling headphones work?',
  'What should I say in a toast at my best friend wedding?',
];

/** Twenty varied topics, for sweeping one prompt structure over many subjects. */
export const TOPICS = [
  'photosynthesis',
  'the French Revolution',
  'compound interest',
  'plate tectonics',
  'the immune system',
  'binary search trees',
  'supply and demand',
  'the water cycle',
  'Roman aqueducts',
  'black holes',
  'the printing press',
  'vaccination',
  'jazz improvisation',
  'quantum entanglement',
  'coral reefs',
  'the Silk Road',
  'neural networks',
  'inflation',
  'volcanoes',
  'the Renaissance',
];
