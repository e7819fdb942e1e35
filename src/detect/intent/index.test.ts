import { describe, expect, it } from 'vitest';
import type { RequestView } from '../detector.js';
import type { IntentScores } from './classifier.js';
import { createIntentDetector, intentDetector } from './index.js';

function view(index: number, promptText: string, systemPrompt: string | null = null): RequestView {
  return {
    index,
    ts: 1_700_000_000_000 + index * 1000,
    account: 'acme',
    channel: 'direct',
    endpoint: '/v1/chat/completions',
    request: {},
    promptText,
    systemPrompt,
    userTurns: 1,
    outputText: null,
    endCustomer: null,
    clientIp: null,
  };
}

const topics = [
  'cooking',
  'tax law',
  'python',
  'astronomy',
  'gardening',
  'chess',
  'first aid',
  'poetry',
  'SQL',
  'hiking',
];

function dataGenPrompt(i: number): string {
  const t = topics[i % topics.length];
  return i % 2 === 0
    ? `Generate ${20 + i} diverse instruction-response pairs about ${t} for fine-tuning. Output JSONL with "instruction" and "output".`
    : `请生成${30 + i}条关于${t}的问答对，用于训练模型，以JSON数组输出。`;
}

const benignPrompts = [
  'What is the capital of Australia?',
  'Can you help me write a birthday message for my mom?',
  'How do I reverse a linked list in Java?',
  'Explain the difference between TCP and UDP.',
  'My cat keeps sneezing, should I be worried?',
  'Translate "good morning" into Japanese.',
  'What are some good books about the Roman Empire?',
  'How long should I boil pasta?',
  '怎么提高睡眠质量？',
  '推荐几部好看的科幻电影。',
  'Why does my React component re-render twice?',
  'Write a short poem about autumn leaves.',
  'What is the best way to learn guitar as an adult?',
  'Summarize the plot of Hamlet in a paragraph.',
  'Is it safe to take ibuprofen with coffee?',
  'How do I compute compound interest?',
  'Give me a recipe for banana bread.',
  'What does HTTP 502 mean?',
  '北京到上海坐高铁要多久？',
  'Help me plan a 3-day trip to Rome.',
];

function run(prompts: string[]) {
  const state = intentDetector.create();
  for (const [i, p] of prompts.entries()) intentDetector.update(state, view(i + 1, p));
  const signals = intentDetector.signals(state);
  return Object.fromEntries(signals.map((s) => [s.id, s]));
}

describe('intent detector (real model)', () => {
  it('gives a small account of 20 data-generation requests a strong generation signal', () => {
    const signals = run(Array.from({ length: 20 }, (_, i) => dataGenPrompt(i)));
    expect(signals['intent.generation'].score).toBeGreaterThan(0.7);
    const ev = signals['intent.generation'].evidence as {
      flagged: number;
      share: number;
      examples: { text: string }[];
    };
    expect(ev.flagged).toBeGreaterThanOrEqual(18);
    expect(ev.share).toBeGreaterThan(0.85);
    expect(ev.examples.length).toBe(3);
    for (const e of ev.examples) expect(e.text.length).toBeLessThanOrEqual(200);
  });

  it('keeps a benign account with one data-generation request in 200 low', () => {
    const prompts = Array.from({ length: 200 }, (_, i) => benignPrompts[i % benignPrompts.length]);
    prompts[120] = dataGenPrompt(0);
    const signals = run(prompts);
    for (const id of ['intent.generation', 'intent.annotation', 'intent.evaluation', 'intent.reasoning']) {
      expect(signals[id].score).toBeLessThan(0.2);
    }
  });

  it('scores a data-generating account far above a benign one of the same size', () => {
    const bad = run(Array.from({ length: 40 }, (_, i) => (i % 2 ? dataGenPrompt(i) : benignPrompts[i % 20])));
    const good = run(Array.from({ length: 40 }, (_, i) => benignPrompts[i % 20]));
    expect(bad['intent.generation'].score - good['intent.generation'].score).toBeGreaterThan(0.5);
  });

  it('reads the system prompt too', () => {
    const state = intentDetector.create();
    for (let i = 0; i < 10; i++) {
      intentDetector.update(
        state,
        view(
          i + 1,
          benignPrompts[i],
          'You are a data annotator. Label each of the following 20 reviews as positive, negative or neutral. Return JSONL with id and label.',
        ),
      );
    }
    const ann = intentDetector.signals(state).find((s) => s.id === 'intent.annotation');
    expect(ann?.score).toBeGreaterThan(0.4);
  });

  it('has no signals before any analysable request', () => {
    const state = intentDetector.create();
    intentDetector.update(state, view(1, '   '));
    expect(intentDetector.signals(state)).toEqual([]);
  });
});

describe('intent detector aggregation (fixed scores)', () => {
  const fixed = (p: Partial<IntentScores>): IntentScores => {
    const rest = 1 - Object.values(p).reduce((a, b) => a + (b ?? 0), 0);
    return { benign: rest, generation: 0, annotation: 0, evaluation: 0, reasoning: 0, ...p };
  };

  it('counts volume beyond the false-positive rate even at a small share', () => {
    const detector = createIntentDetector({
      classify: (t) => (t === 'bad' ? fixed({ evaluation: 0.95 }) : fixed({ evaluation: 0.02 })),
    });
    const state = detector.create();
    for (let i = 0; i < 1000; i++) detector.update(state, view(i + 1, i % 25 === 0 ? 'bad' : 'fine'));
    const ev = detector.signals(state).find((s) => s.id === 'intent.evaluation');
    // 40 judge prompts in 1,000 requests: 4% share, well above the 1% expected false positives.
    expect(ev?.score).toBeGreaterThan(0.9);
    expect(ev?.evidence.flagged).toBe(40);
  });

  it('assigns a flagged request to its most probable non-benign class only', () => {
    const detector = createIntentDetector({ classify: () => fixed({ reasoning: 0.5, generation: 0.3 }) });
    const state = detector.create();
    for (let i = 0; i < 5; i++) detector.update(state, view(i + 1, 'x'));
    const byId = Object.fromEntries(detector.signals(state).map((s) => [s.id, s]));
    expect(byId['intent.reasoning'].evidence.flagged).toBe(5);
    expect(byId['intent.generation'].evidence.flagged).toBe(0);
    expect(byId['intent.generation'].score).toBeLessThan(byId['intent.reasoning'].score);
  });

  it('keeps scores within 0–1 and the three strongest examples', () => {
    let k = 0;
    const detector = createIntentDetector({ classify: () => fixed({ annotation: 0.6 + (k++ % 7) * 0.05 }) });
    const state = detector.create();
    for (let i = 0; i < 50; i++) detector.update(state, view(i + 1, `prompt ${i} ${'z'.repeat(300)}`));
    const ann = detector.signals(state).find((s) => s.id === 'intent.annotation');
    expect(ann?.score).toBeGreaterThan(0);
    expect(ann?.score).toBeLessThanOrEqual(1);
    const examples = ann?.evidence.examples as { probability: number; text: string }[];
    expect(examples.map((e) => e.probability)).toEqual([0.9, 0.9, 0.9]);
    expect(examples.every((e) => e.text.length <= 200)).toBe(true);
  });
});
