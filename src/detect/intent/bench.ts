// Micro-benchmark of classifyIntent on typical prompts: `npx tsx src/detect/intent/bench.ts`.
// Prints mean CPU microseconds per call (process CPU time, so other load on the machine skews it less).

import { classifyIntent, loadIntentModel } from './classifier.js';

const english =
  'I am planning a two week trip to Japan in April with my partner. We like food, hiking and small towns more than big cities. ' +
  'Could you suggest an itinerary that starts in Tokyo and ends in Osaka, with rough travel times between stops, a couple of ' +
  'ryokan recommendations in the mid price range, and tips on whether the JR pass is worth it for this route? We do not speak ' +
  'Japanese, so anything about etiquette would help too.';
const metaPrompt =
  'You are a data generation assistant. Generate 50 diverse instruction-response pairs about personal finance. Each ' +
  'instruction should be one or two sentences, vary the verbs, and include an input when needed. Return JSONL with the keys ' +
  '"instruction", "input" and "output". Do not repeat the seed examples. Cover budgeting, taxes, saving, investing and debt.';
const chinese =
  '我最近在准备考研，每天学习十个小时，但是总觉得效率不高，记不住东西。晚上也睡不好，经常两三点才睡着。请问有什么提高学习效率和改善睡眠的方法吗？' +
  '另外，我应该怎么安排复习计划，数学、英语和专业课各占多少时间比较合适？';

function measure(label: string, text: string, iterations: number): void {
  for (let i = 0; i < 2000; i++) classifyIntent(text);
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) classifyIntent(text);
  const used = process.cpuUsage(start);
  const micros = (used.user + used.system) / iterations;
  const words = text.split(/\s+/).length;
  console.log(
    `${label.padEnd(28)} ${String(text.length).padStart(5)} chars ${String(words).padStart(4)} words  ${micros.toFixed(1)} µs/call`,
  );
}

loadIntentModel();
measure('english user prompt', english, 20_000);
measure('english meta-prompt', metaPrompt, 20_000);
measure('chinese user prompt', chinese, 20_000);
measure('long prompt (capped)', english.repeat(60), 2_000);
