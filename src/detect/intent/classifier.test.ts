import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyIntent, defaultModelUrl, intentClasses, loadIntentModel } from './classifier.js';
import {
  createFeatureExtractor,
  structuralFeatureNames,
  structuralFeatures,
  wordTokens,
} from './features.js';
import { decodeModel, encodeModel } from './model.js';

const nonBenign = (s: Record<string, number>) => 1 - s.benign;

// Written for this test after the model was trained; none of these phrasings is in training/intent.
const heldOutParaphrases: {
  label: 'generation' | 'annotation' | 'evaluation' | 'reasoning';
  text: string;
}[] = [
  {
    label: 'generation',
    text: 'Pretend you are a crowd of 300 different people. Write down, for each of them, one thing they would ask a chatbot about gardening and the perfect reply. Emit one {"prompt","completion"} object per line.',
  },
  {
    label: 'generation',
    text: '我们要扩充微调语料。请一次性编写八十个关于法律咨询的用户提问，并为每个提问配上专业回复，结果用JSON列表给出。',
  },
  {
    label: 'annotation',
    text: 'Below are 40 app-store reviews. Give each one a label from {bug report, feature request, praise, other}. Reply as CSV: review_id,label.\n1. App crashes on login\n2. Love the new dark mode\n3. Please add export to PDF\n4. Meh',
  },
  {
    label: 'annotation',
    text: '请给下列每条弹幕标注类别（广告/正常/辱骂），逐行输出“编号 标签”。\n1、这个视频太好看了\n2、加我微信领红包\n3、主播真垃圾',
  },
  {
    label: 'evaluation',
    text: 'Two chatbots answered the same user. Read both replies and tell me which assistant did the better job. Finish with exactly "Winner: 1", "Winner: 2" or "Winner: tie".\n\nUser: how do I boil an egg?\nAssistant 1: Put it in boiling water for 9 minutes.\nAssistant 2: Eggs are from chickens.',
  },
  {
    label: 'evaluation',
    text: '下面是同一个问题的两个模型回答，请作为裁判判断哪个回答更好，并给出1-10分的评分，最后输出胜者。\n问题：如何学习英语？\n回答一：多听多说。\n回答二：不知道。',
  },
  {
    label: 'reasoning',
    text: 'Here are 25 grade-school arithmetic questions. Work through every one of them slowly, writing each intermediate thought, and only then state the result. Return a JSON object per question with the fields question, thoughts, final.',
  },
  {
    label: 'reasoning',
    text: '以下有三十道逻辑推理题，请逐题写出详尽的思考过程（每一步都要写），最后再给出答案，格式为JSON。',
  },
  // Second set, written after the first training runs and before the run that made the shipped model.
  {
    label: 'generation',
    text: 'Draft me a spreadsheet-ready list: 150 rows, columns = user_question, assistant_answer, topic. Topics should rotate among travel, banking and fitness. No duplicates.',
  },
  {
    label: 'generation',
    text: '麻烦帮忙批量造一批中文闲聊数据，大概两百轮，用户和机器人交替说话，输出成jsonl。',
  },
  {
    label: 'annotation',
    text: "I'll paste 60 customer chat logs. For every log, tell me the customer's intent (refund, shipping, login, other) and whether they were angry. Output a table.",
  },
  {
    label: 'annotation',
    text: '对以下新闻逐篇打上主题标签（体育/财经/娱乐/科技），并抽取其中出现的人名，结果按JSON给出。',
  },
  {
    label: 'evaluation',
    text: 'I ran my fine-tuned model and GPT-4 on the same 200 prompts. For each pair below, say which completion is more helpful and honest, and output a preference label A or B.',
  },
  {
    label: 'evaluation',
    text: '请根据以下评分细则（准确性40%、完整性30%、表达30%）给模型的答案打分，满分100，并说明扣分原因。',
  },
  {
    label: 'reasoning',
    text: 'For every question in this file, I need the full chain-of-thought, not just the answer — write out the intermediate logic in detail, then the final answer on the last line.',
  },
  {
    label: 'reasoning',
    text: '请为下面每道数学题生成详细的解题思路，要求把每一步推导都写清楚，用于构建思维链训练集。',
  },
];

const hardNegatives = [
  'Can you give me an example of a haiku?',
  'I teach 5th grade science. Could you write a 5-question quiz about the water cycle for my students?',
  'How do I define a JSON schema where "email" is required and must be a string?',
  'Please grade my essay on climate change and tell me what to fix: Climate change is a big problem because the planet is getting warmer every year and we need to act.',
  'Is this message spam? "Congratulations, you won a free cruise, click here"',
  'What is 17 times 23? Show your work.',
  '帮我看看这封求职信写得怎么样，有什么可以改进的地方？',
  '这道题怎么做：一个数加上5等于12，这个数是多少？',
  'Which is healthier, brown rice or white rice?',
  'Write a function in TypeScript that returns the largest number in an array.',
];

describe('model file', () => {
  it('loads and has the expected classes and size', () => {
    const model = loadIntentModel();
    expect(model.dimension).toBe((1 << model.features.bits) + structuralFeatureNames.length);
    const raw = JSON.parse(readFileSync(defaultModelUrl, 'utf8'));
    expect(raw.classes).toEqual([...intentClasses]);
    expect(readFileSync(defaultModelUrl).length).toBeLessThan(2 * 1024 * 1024);
  });

  it('rejects a model with other classes', () => {
    const raw = JSON.parse(readFileSync(defaultModelUrl, 'utf8'));
    expect(() => decodeModel({ ...raw, classes: ['benign', 'spam'] })).toThrow(/classes/);
    expect(() => decodeModel({ ...raw, format: 'other' })).toThrow(/format/);
  });

  it('survives an encode/decode round trip', () => {
    const features = { bits: 8, headChars: 100, tailChars: 10, segmenterChars: 8 };
    const weights = new Float32Array(((1 << 8) + structuralFeatureNames.length) * 5);
    weights[7] = 1.5;
    weights[1000] = -0.75;
    const back = decodeModel(encodeModel(features, structuralFeatureNames, [0.1, 0, 0, 0, -0.1], weights));
    expect(back.weights[7]).toBeCloseTo(1.5, 2);
    expect(back.weights[1000]).toBeCloseTo(-0.75, 1);
    expect(back.weights[8]).toBe(0);
  });
});

describe('classifyIntent', () => {
  it('scores most held-out paraphrases higher for their class than benign', () => {
    const passed = heldOutParaphrases.filter(({ label, text }) => {
      const s = classifyIntent(text);
      return s[label] > s.benign;
    });
    expect(passed.length).toBeGreaterThanOrEqual(Math.ceil(0.75 * heldOutParaphrases.length));
  });

  it('separates held-out paraphrases from hard negatives on average', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const meta = mean(heldOutParaphrases.map(({ text }) => nonBenign(classifyIntent(text))));
    const hard = mean(hardNegatives.map((text) => nonBenign(classifyIntent(text))));
    expect(meta - hard).toBeGreaterThan(0.4);
  });

  it('flags English and Chinese generation meta-prompts', () => {
    const en = classifyIntent(
      'Generate 100 diverse instruction-response pairs about cooking. Return a JSON array with "instruction", "input" and "output".',
    );
    const zh = classifyIntent(
      '请生成100条关于烹饪的指令-回答对，以JSON数组输出，每条包含instruction、input、output字段。',
    );
    expect(nonBenign(en)).toBeGreaterThan(0.5);
    expect(nonBenign(zh)).toBeGreaterThan(0.5);
    expect(en.generation).toBeGreaterThan(0.5);
    expect(zh.generation).toBeGreaterThan(0.5);
  });

  it.each(hardNegatives)('keeps the hard negative %# benign', (text) => {
    expect(classifyIntent(text).benign).toBeGreaterThan(0.5);
  });

  it('scores a bulk dataset request far above a request for one example', () => {
    const one = classifyIntent('Give me one example of a customer support question.');
    const bulk = classifyIntent(
      'Give me 500 examples of customer support questions with ideal answers, one JSON object per line, for our fine-tuning set.',
    );
    expect(nonBenign(bulk) - nonBenign(one)).toBeGreaterThan(0.5);
  });

  it('returns probabilities that sum to 1 and never throws on odd input', () => {
    const odd = [
      '',
      ' ',
      '😀😀😀',
      'مرحبا كيف حالك؟ שלום',
      '\uD800',
      'a\uDC00b',
      '\u0000\u0001',
      'x'.repeat(200_000),
      '中文English混合テキスト한국어ไทย',
    ];
    for (const text of odd) {
      const s = classifyIntent(text);
      const sum = intentClasses.reduce((a, c) => a + s[c], 0);
      expect(sum).toBeCloseTo(1, 6);
      for (const c of intentClasses) expect(Number.isFinite(s[c])).toBe(true);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const s = classifyIntent(text);
        return Math.abs(intentClasses.reduce((a, c) => a + s[c], 0) - 1) < 1e-6;
      }),
      { numRuns: 300 },
    );
    // Not a string at all (callers in JavaScript).
    expect(() => classifyIntent(undefined as unknown as string)).not.toThrow();
  });

  it('is deterministic', () => {
    const text = 'Classify each of these 30 tweets as positive, negative or neutral and output JSONL.';
    expect(classifyIntent(text)).toEqual(classifyIntent(text));
    const a = createFeatureExtractor().extract(text);
    const b = createFeatureExtractor().extract(text);
    expect(Array.from(a.indices.slice(0, a.length))).toEqual(Array.from(b.indices.slice(0, b.length)));
    expect(Array.from(a.values.slice(0, a.length))).toEqual(Array.from(b.values.slice(0, b.length)));
  });
});

describe('features', () => {
  it('segments Chinese into words and Latin on letters', () => {
    expect(wordTokens('Generate 20 Q&A pairs')).toEqual(['generate', '00', 'q', 'a', 'pairs']);
    const zh = wordTokens('请生成问答对');
    expect(zh.length).toBeGreaterThan(1);
    expect(zh.join('')).toBe('请生成问答对');
  });

  it('detects counts, JSON, placeholders and numbered lists', () => {
    const names = (t: string) => structuralFeatures(t).map((i) => structuralFeatureNames[i]);
    expect(names('Write 50 new questions in JSONL')).toEqual(
      expect.arrayContaining(['count:10-99', 'json', 'jsonl']),
    );
    expect(names('请生成一百条问答')).toContain('count:100+');
    expect(names('Answer: {instruction}')).toContain('placeholder');
    expect(names('1. a\n2. b\n3. c')).toContain('numbered-list:3+');
    expect(names('I have 50 dollars')).toContain('count:none');
  });

  it('L2-normalizes each block', () => {
    const x = createFeatureExtractor().extract('hello world');
    let sq = 0;
    for (let i = 0; i < x.length; i++) if (x.values[i] !== 0.5) sq += x.values[i] ** 2;
    expect(sq).toBeCloseTo(2, 4); // word block + char block, each of norm 1
  });
});
