// Builds labelled traffic for the detection bench from the shared corpora (../shared/corpora):
// benign accounts replaying human prompts (support, coding, writing, Chinese questions, multi-turn)
// with human timing, and distiller accounts running real pipelines' templates (Alpaca A1,
// Self-Instruct A2, Evol-Instruct A3, AlpacaEval judges A5, Chinese meta-prompts written for this
// bench) with pipeline timing, at volumes 20, 200 and 2,000, some split over 3 accounts or through a
// partner, plus harvesters replaying benign-looking prompts with n / logprobs / temperature sweeps.
//
// Every pool (benign prompts, seed tasks, templates with more than one variant) is shuffled with a
// fixed seed and cut in two halves: split "tune" uses one half, split "test" the other, so
// thresholds chosen on "tune" are reported on prompts and templates they never saw. The Alpaca
// meta-prompt (A1) exists once, so both splits use it (with different seed tasks).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Split = 'tune' | 'test';

export interface BenchRecord {
  account: string;
  ts: string;
  channel: string;
  endpoint: string;
  request: Record<string, unknown>;
  end_customer?: string;
  client_ip?: string;
  response?: Record<string, unknown>;
}

export interface AccountLabel {
  /** The detection subject (account, or account/end_customer). */
  subject: string;
  label: 'benign' | 'distiller';
  family: string;
  /** The actor's total volume (over all its accounts). */
  volume: number;
  /** Accounts of one split/partner actor share a group. */
  group: string;
  /** Requests that are clearly data generation (template instances) — for the 20-request target. */
  dataGeneration: boolean;
}

export interface BenchTraffic {
  records: BenchRecord[];
  labels: Map<string, AccountLabel>;
}

const CORPORA = process.env.WARDEN_CORPORA ?? join(import.meta.dirname, '../../../shared/corpora');
const DAY = 86_400_000;
const BASE = Date.parse('2026-01-05T00:00:00Z');

// ---------- deterministic randomness ----------
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }
  normal(): number {
    const u = Math.max(1e-12, this.next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  shuffle<T>(list: readonly T[]): T[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/** The half of `list` that belongs to `split` (fixed shuffle, independent of the split seed). */
function half<T>(list: readonly T[], split: Split, salt: number): T[] {
  const shuffled = new Rng(1000 + salt).shuffle(list);
  const cut = Math.ceil(shuffled.length / 2);
  return split === 'tune' ? shuffled.slice(0, cut) : shuffled.slice(cut);
}

// ---------- corpora ----------
function jsonl(path: string): Record<string, unknown>[] {
  return readFileSync(join(CORPORA, path), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function text(path: string): string {
  return readFileSync(join(CORPORA, path), 'utf8');
}

type Turn = { role: 'system' | 'user' | 'assistant'; content: string };

interface Pools {
  writing: string[];
  coding: string[];
  chinese: string[];
  conversations: Turn[][];
  medical: Turn[][];
  seedTasks: { instruction: string; input: string; output: string }[];
  zhSeeds: { instruction: string; input: string; output: string }[];
  enInstructions: string[];
  judgeOutputs: { instruction: string; a: string; b: string }[];
  topicsEn: string[];
  topicsZh: string[];
  passagesZh: string[];
  articlesEn: string[];
  reasoningQuestions: string[];
  judgeTemplates: string[];
  evolTemplates: string[];
  selfInstructTemplates: string[];
}

function loadPools(split: Split): Pools {
  const s = (list: string[], salt: number) => half(list, split, salt);
  const writing = [
    ...jsonl('B3_koala_test_set/normalized.jsonl').map((r) => String(r.text)),
    ...jsonl('B1_oasst_open_assistant/normalized_prompts.jsonl').map((r) => String(r.text)),
    ...jsonl('A5_alpaca_eval/normalized_eval_set.jsonl').map((r) => String(r.text)),
    ...jsonl('A2_self_instruct/human_eval/normalized_user_oriented_instructions.jsonl').map((r) =>
      r.input ? `${r.instruction}\n\n${r.input}` : String(r.instruction),
    ),
  ];
  const coding = [
    ...jsonl('B2_arena_hard_auto/normalized_questions.jsonl').map((r) => String(r.text)),
    ...jsonl('B4_code_humaneval/normalized.jsonl').map(
      (r) => `Complete this Python function:\n\n${String(r.text)}`,
    ),
  ];
  const ruozhiba = jsonl('B5_ruozhiba_zh_gpt4/normalized.jsonl').filter((r) =>
    String(r.id).endsWith('_gpt4o'),
  );
  const chinese = ruozhiba.map((r) => String(r.instruction));
  const medical = jsonl('B6_chinese_medical_dialogue/normalized_messages.jsonl').map(
    (r) => r.messages as Turn[],
  );
  const conversations: Turn[][] = [];
  type Node = { text: string; role: string; replies?: Node[] };
  const walk = (node: Node, path: Turn[]) => {
    const here = [
      ...path,
      { role: node.role === 'prompter' ? ('user' as const) : ('assistant' as const), content: node.text },
    ];
    const replies = node.replies ?? [];
    if (replies.length === 0) {
      if (here.length >= 3) paths.push(here);
      return;
    }
    for (const r of replies) walk(r, here);
  };
  // One conversation per tree (its longest path): sibling paths share their first user turns.
  let paths: Turn[][] = [];
  for (const line of jsonl('B1_oasst_open_assistant/en_100_tree.jsonl')) {
    paths = [];
    walk(line.prompt as Node, []);
    if (paths.length > 0) conversations.push(paths.reduce((a, b) => (b.length > a.length ? b : a)));
  }
  const seedRows = [
    ...jsonl('A1_stanford_alpaca/normalized_seed_tasks.jsonl'),
    ...jsonl('A2_self_instruct/normalized_seed_tasks.jsonl'),
  ].map((r) => ({
    instruction: String(r.instruction),
    input: String(r.input ?? ''),
    output: String(r.output ?? ''),
  }));
  const zhSeeds = jsonl('A6_alpaca_gpt4_substitute/normalized_alpaca_zh_demo.jsonl').map((r) => ({
    instruction: String(r.instruction),
    input: String(r.input ?? ''),
    output: String(r.output ?? ''),
  }));
  const enInstructions = jsonl('A6_alpaca_gpt4_substitute/normalized_alpaca_en_demo.jsonl').map((r) =>
    r.input ? `${r.instruction}\n\n${r.input}` : String(r.instruction),
  );
  const gpt4 = JSON.parse(text('A5_alpaca_eval/model_outputs/gpt4.json')) as {
    instruction: string;
    output: string;
  }[];
  const alpaca = JSON.parse(text('A5_alpaca_eval/model_outputs/alpaca-7b.json')) as { output: string }[];
  const judgeOutputs = gpt4.map((r, i) => ({
    instruction: r.instruction,
    a: r.output,
    b: alpaca[i]?.output ?? '',
  }));
  const topicsEn = jsonl('C3_news_en_bbc/normalized.jsonl').map((r) => String(r.title));
  const topicsZh = [
    ...jsonl('C2_wikipedia_zh/normalized.jsonl').map((r) => String(r.title)),
    ...jsonl('C6_classical_zh_chinese_poetry/normalized.jsonl').map(
      (r) => `${String(r.author)}的《${String(r.title)}》`,
    ),
  ].filter((t, i, all) => t && all.indexOf(t) === i);
  const passagesZh = jsonl('C4_news_zh_thucnews/normalized.jsonl').map((r) => String(r.text).slice(0, 300));
  const articlesEn = jsonl('C3_news_en_bbc/normalized.jsonl').map((r) =>
    String(r.text).split('\n').slice(2).join('\n').slice(0, 1200),
  );
  const reasoningQuestions = jsonl('A3_wizardlm_evol_instruct/normalized_testset.jsonl').map((r) =>
    String(r.text),
  );

  const judgeDir = 'A5_alpaca_eval/evaluator_prompt_templates';
  const judgeTemplates = [
    ...new Set(
      readdirSync(join(CORPORA, judgeDir)).flatMap((d) => {
        try {
          return readdirSync(join(CORPORA, judgeDir, d))
            .filter((f) => f.endsWith('.txt'))
            .map((f) => text(join(judgeDir, d, f)));
        } catch {
          return [];
        }
      }),
    ),
  ].filter((t) => t.includes('{output_1}'));
  const evol = JSON.parse(
    text('A3_wizardlm_evol_instruct/prompt_templates/evol_instruct_templates.json'),
  ) as Record<string, string>;
  const evolTemplates = Object.entries(evol)
    .filter(([k]) => k.endsWith('.template'))
    .map(([, v]) => v);
  const selfInstructTemplates = [
    `${text('A2_self_instruct/prompt_templates/encode_prompt_header_1.txt').trim()}\n{TASKS}`,
    `${text('A2_self_instruct/prompt_templates/encode_prompt_header_0.txt').trim()}\n{TASKS}`,
    `${text('A2_self_instruct/prompt_templates/input_first_template_for_gen.txt').trim()}\n\nTask: {INSTRUCTION}\n`,
    `${text('A2_self_instruct/prompt_templates/output_first_template_for_clf.txt').trim()}\n\nTask: {INSTRUCTION}\n`,
    `${text('A2_self_instruct/prompt_templates/template_1.txt').trim()}\n\nTask: {INSTRUCTION}\nIs it classification?`,
  ];
  return {
    writing: s(writing, 1),
    coding: s(coding, 2),
    chinese: s(chinese, 3),
    conversations: half(conversations, split, 4),
    medical: half(medical, split, 5),
    seedTasks: half(seedRows, split, 6),
    zhSeeds: half(zhSeeds, split, 7),
    enInstructions: s(enInstructions, 8),
    judgeOutputs: half(judgeOutputs, split, 9),
    topicsEn: s(topicsEn, 10),
    topicsZh: s(topicsZh, 11),
    passagesZh: s(passagesZh, 12),
    articlesEn: s(articlesEn, 17),
    reasoningQuestions: s(reasoningQuestions, 13),
    judgeTemplates: s(judgeTemplates, 14),
    evolTemplates: s(evolTemplates, 15),
    selfInstructTemplates: s(selfInstructTemplates, 16),
  };
}

// ---------- Chinese meta-prompts (written for this bench, after the Alpaca / Evol-Instruct originals) ----------
const ZH_TEMPLATES_TUNE = [
  '你被要求提出一组20个多样化的任务指令。这些任务指令将提供给一个GPT模型，我们将评估该模型完成指令的情况。\n\n要求如下：\n1. 尽量不要在每条指令中重复动词，以最大化多样性。\n2. 指令的语言也应多样化，例如把疑问句和祈使句结合起来。\n3. 指令的类型应当多样，包括开放式生成、分类、编辑等。\n4. 指令应使用中文。\n5. 每条指令一到两句话。\n6. 为指令生成合适的输入，输入应包含具体的例子。\n7. 输出应是对指令和输入的恰当回答，少于100字。\n\n示例：\n{SEEDS}\n\n20个任务列表：',
  '请根据以下文章内容，生成5个高质量的问答对，用于训练中文问答模型。以JSON格式输出，每条包含"question"和"answer"字段，不要输出其他内容。\n\n文章：{PASSAGE}',
];
const ZH_TEMPLATES_TEST = [
  '我希望你充当一个提示词改写者。你的目标是把给定的提示改写成一个更复杂的版本，使著名的AI系统（例如ChatGPT和GPT-4）更难处理。改写后的提示必须合理，并且能被人类理解和回答。改写时只能增加10到20个字。\n#给定提示#：\n{INSTRUCTION}\n#改写后的提示#：',
  '你是一个数据标注助手。下面是一段新闻，请判断它属于哪个类别（体育、财经、科技、娱乐、时政、教育、房产、游戏），并以JSON格式输出{"label": 类别, "reason": 理由}。\n\n新闻：{PASSAGE}',
];

const REASONING_TEMPLATES_TUNE = [
  'Solve the following problem. Think step by step and write out your complete chain of reasoning before giving the final answer.\n\nProblem: {Q}\n\nReasoning:',
];
const REASONING_TEMPLATES_TEST = [
  'Answer the question below. First write your detailed step-by-step reasoning inside <reasoning></reasoning> tags, then give only the final answer inside <answer></answer> tags.\n\nQuestion: {Q}',
];
const COVERAGE_TEMPLATES_TUNE = [
  'Write a comprehensive encyclopedia-style article about {T}.',
  '请详细介绍{T}。',
];
const COVERAGE_TEMPLATES_TEST = [
  'Explain {T} in depth, as a chapter of a textbook for students.',
  '用通俗易懂的语言讲解{T}的知识。',
];

// ---------- prompt makers ----------
type Maker = (rng: Rng) => { messages: Turn[] };

function fill(template: string, values: Record<string, string>): string {
  return template.replace(
    /\{(INSTRUCTION|SEEDS|TASKS|PASSAGE|Q|T|instruction|output_1|output_2)\}/g,
    (m, k: string) => (k in values ? values[k] : m),
  );
}

/** ChatML judge templates become system + user messages, as a pipeline would send them. */
function chatmlToMessages(prompt: string): Turn[] {
  if (!prompt.includes('<|im_start|>')) return [{ role: 'user', content: prompt }];
  const out: Turn[] = [];
  for (const part of prompt.split('<|im_start|>').slice(1)) {
    const [role, ...rest] = part.split('\n');
    const content = rest
      .join('\n')
      .replace(/<\|im_end\|>\s*$/, '')
      .trim();
    out.push({
      role: role.trim() === 'system' ? 'system' : role.trim() === 'assistant' ? 'assistant' : 'user',
      content,
    });
  }
  return out;
}

function pipelineMakers(p: Pools, split: Split): Record<string, Maker> {
  const seedBlock = (rng: Rng, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const t = rng.pick(p.seedTasks);
      return `${i + 1}. Instruction: ${t.instruction}\n${i + 1}. Input:\n${t.input || '<noinput>'}\n${i + 1}. Output:\n${t.output}`;
    }).join('\n###\n');
  const zhSeedBlock = (rng: Rng, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const t = rng.pick(p.zhSeeds);
      return `${i + 1}. 指令：${t.instruction}\n${i + 1}. 输入：${t.input || '<无输入>'}\n${i + 1}. 输出：${t.output.slice(0, 120)}`;
    }).join('\n###\n');
  const alpacaPrompt = text('A1_stanford_alpaca/prompt.txt');
  const zh = split === 'tune' ? ZH_TEMPLATES_TUNE : ZH_TEMPLATES_TEST;
  const reasoning = split === 'tune' ? REASONING_TEMPLATES_TUNE : REASONING_TEMPLATES_TEST;
  const coverage = split === 'tune' ? COVERAGE_TEMPLATES_TUNE : COVERAGE_TEMPLATES_TEST;
  const user = (content: string) => ({ messages: [{ role: 'user' as const, content }] });
  return {
    'alpaca-gen': (rng) =>
      user(
        `${alpacaPrompt.replace(/List of 20 tasks:\s*$/, '')}\n${seedBlock(rng, 3)}\n###\n4. Instruction:`,
      ),
    'self-instruct': (rng) => {
      const t = rng.pick(p.selfInstructTemplates);
      const tasks = Array.from(
        { length: 8 },
        (_, i) => `Task ${i + 1}: ${rng.pick(p.seedTasks).instruction}`,
      ).join('\n');
      return user(fill(t, { TASKS: `${tasks}\nTask 9:`, INSTRUCTION: rng.pick(p.seedTasks).instruction }));
    },
    'evol-instruct': (rng) =>
      user(fill(rng.pick(p.evolTemplates), { INSTRUCTION: rng.pick(p.seedTasks).instruction })),
    'llm-judge': (rng) => {
      const o = rng.pick(p.judgeOutputs);
      const flip = rng.next() < 0.5;
      return {
        messages: chatmlToMessages(
          fill(rng.pick(p.judgeTemplates), {
            instruction: o.instruction,
            output_1: flip ? o.b : o.a,
            output_2: flip ? o.a : o.b,
          }),
        ),
      };
    },
    'zh-gen': (rng) =>
      user(
        fill(rng.pick(zh), {
          SEEDS: zhSeedBlock(rng, 3),
          INSTRUCTION: rng.pick(p.zhSeeds).instruction,
          PASSAGE: rng.pick(p.passagesZh),
        }),
      ),
    reasoning: (rng) => user(fill(rng.pick(reasoning), { Q: rng.pick(p.reasoningQuestions) })),
    'coverage-sweep': (rng) => {
      const t = rng.pick(coverage);
      const zhTemplate = /[\u4e00-\u9fff]/.test(t.slice(0, 4));
      return user(fill(t, { T: zhTemplate ? rng.pick(p.topicsZh) : rng.pick(p.topicsEn) }));
    },
  };
}

// ---------- timing ----------
/** Human timing: daytime sessions (in the account's time zone) of a few requests, bursty gaps. */
function humanTimes(rng: Rng, n: number, spanDays: number): number[] {
  const tz = rng.int(-8, 9);
  const times: number[] = [];
  while (times.length < n) {
    const day = rng.int(0, Math.max(0, spanDays - 1));
    const hour = 8 + rng.next() * 14 - tz;
    let t = BASE + day * DAY + hour * 3600_000;
    const session = 1 + Math.floor(-Math.log(Math.max(1e-9, rng.next())) * 4);
    for (let i = 0; i < session && times.length < n; i++) {
      times.push(t);
      t += Math.exp(Math.log(45_000) + 1.1 * rng.normal());
    }
  }
  return times.sort((a, b) => a - b);
}

/** An app with many end users: Poisson arrivals in business hours on weekdays. */
function appTimes(rng: Rng, n: number, spanDays: number): number[] {
  const tz = rng.int(-8, 9);
  const perDayMs = (12 * 3600_000 * spanDays) / n;
  const times: number[] = [];
  let t = BASE + (8 - tz) * 3600_000;
  while (times.length < n) {
    t += -Math.log(Math.max(1e-9, rng.next())) * perDayMs;
    const local = (((t + tz * 3600_000) % DAY) + DAY) % DAY;
    const weekday = new Date(t + tz * 3600_000).getUTCDay();
    if (local < 8 * 3600_000 || local > 20 * 3600_000 || weekday === 0 || weekday === 6) continue;
    times.push(t);
  }
  return times;
}

/** Pipeline timing: a fixed interval with small jitter, optionally k workers in lockstep. */
function pipelineTimes(rng: Rng, n: number): number[] {
  const interval = rng.pick([2_000, 5_000, 15_000, 60_000, 300_000]);
  const workers = rng.next() < 0.3 ? 4 : 1;
  const start = BASE + rng.int(0, 20) * DAY + rng.next() * DAY;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const round = Math.floor(i / workers);
    times.push(start + round * interval * (1 + 0.15 * (rng.next() - 0.5)) + (i % workers) * 50);
  }
  return times.sort((a, b) => a - b);
}

// ---------- the traffic ----------
export function buildTraffic(split: Split): BenchTraffic {
  const p = loadPools(split);
  const rng = new Rng(split === 'tune' ? 11 : 22);
  const records: BenchRecord[] = [];
  const labels = new Map<string, AccountLabel>();
  const iso = (t: number) => new Date(t).toISOString();
  let ipCounter = 0;
  const newIp = () => {
    ipCounter++;
    return `10.${split === 'tune' ? 1 : 2}.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
  };
  const chat = (messages: Turn[], extra: Record<string, unknown> = {}) => ({
    model: 'gpt-4o',
    messages,
    ...extra,
  });
  const label = (subject: string, l: Omit<AccountLabel, 'subject'>) => labels.set(subject, { subject, ...l });

  // Benign accounts.
  const benign = (
    kind: string,
    count: number,
    volume: () => number,
    make: (r: Rng, i: number) => { messages: Turn[]; extra?: Record<string, unknown> },
    times: (r: Rng, n: number) => number[],
    system?: (r: Rng) => string | null,
    family = `benign-${kind}`,
  ) => {
    for (let a = 0; a < count; a++) {
      const account = `${split}-benign-${kind}-${a}`;
      const n = volume();
      const ip = newIp();
      const sys = system ? system(rng) : null;
      const ts = times(rng, n);
      owner = {};
      conversation = null;
      lastMessages = null;
      for (let i = 0; i < n; i++) {
        const m = make(rng, i);
        const messages = sys ? [{ role: 'system' as const, content: sys }, ...m.messages] : m.messages;
        records.push({
          account,
          ts: iso(ts[i]),
          channel: 'direct',
          endpoint: '/v1/chat/completions',
          request: chat(messages, m.extra),
          client_ip: ip,
        });
      }
      label(account, {
        label: 'benign',
        family,
        volume: n,
        group: account,
        dataGeneration: false,
      });
    }
  };
  // Humans do not replay a prompt set: each account walks its own shuffled copy of a pool (a rare
  // regenerate repeats the previous prompt), and a conversation grows one user turn per request.
  const decks = new WeakMap<object, Map<unknown, { order: number[]; next: number }>>();
  const draw = <T>(r: Rng, pool: readonly T[], who: object): T => {
    let mine = decks.get(who);
    if (!mine) {
      mine = new Map();
      decks.set(who, mine);
    }
    let deck = mine.get(pool);
    if (!deck || deck.next >= deck.order.length) {
      deck = { order: r.shuffle(pool.map((_, i) => i)), next: 0 };
      mine.set(pool, deck);
    }
    return pool[deck.order[deck.next++]];
  };
  let owner: object = {};
  let lastMessages: Turn[] | null = null;
  const regenerate = (r: Rng, make: () => Turn[]): { messages: Turn[] } => {
    if (lastMessages !== null && r.next() < 0.02) return { messages: lastMessages };
    lastMessages = make();
    return { messages: lastMessages };
  };
  const single = (pool: string[]) => (r: Rng) =>
    regenerate(r, () => [{ role: 'user' as const, content: draw(r, pool, owner) }]);
  const mixed = (r: Rng) =>
    regenerate(r, () => [
      {
        role: 'user' as const,
        content: r.next() < 0.7 ? draw(r, p.writing, owner) : draw(r, p.coding, owner),
      },
    ]);
  let conversation: { turns: Turn[]; at: number } | null = null;
  const usedConversations = new WeakMap<object, number>();
  const multiTurn = (r: Rng) =>
    regenerate(r, () => {
      if (conversation === null || conversation.at >= conversation.turns.length) {
        // Each conversation once per account; afterwards the user asks single questions.
        const used = (usedConversations.get(owner) ?? 0) + 1;
        usedConversations.set(owner, used);
        if (used > p.conversations.length)
          return [{ role: 'user' as const, content: draw(r, p.writing, owner) }];
        conversation = { turns: draw(r, p.conversations, owner), at: 0 };
      }
      const c = conversation;
      let end = c.at;
      while (end < c.turns.length && c.turns[end].role !== 'user') end++;
      c.at = end + 1;
      if (end >= c.turns.length) return [{ role: 'user' as const, content: draw(r, p.writing, owner) }];
      return c.turns.slice(0, end + 1);
    });
  const medical = (r: Rng) =>
    regenerate(r, () => {
      const first = draw(r, p.medical, owner);
      if (r.next() < 0.4) return [...first, draw(r, p.medical, owner)[0]];
      return [first[0]];
    });
  const humanSpan = (r: Rng) => r.int(3, 30);
  benign(
    'writer',
    40,
    () => rng.int(5, 60),
    mixed,
    (r, n) => humanTimes(r, n, humanSpan(r)),
  );
  benign(
    'coder',
    20,
    () => rng.int(10, 150),
    single(p.coding),
    (r, n) => humanTimes(r, n, humanSpan(r)),
  );
  benign(
    'chinese',
    15,
    () => rng.int(10, 100),
    single(p.chinese),
    (r, n) => humanTimes(r, n, humanSpan(r)),
  );
  benign(
    'multiturn',
    10,
    () => rng.int(10, 80),
    multiTurn,
    (r, n) => humanTimes(r, n, humanSpan(r)),
  );
  benign(
    'power-user',
    8,
    () => rng.int(300, 800),
    (r) => (r.next() < 0.3 ? multiTurn(r) : mixed(r)),
    (r, n) => humanTimes(r, n, 30),
  );
  benign(
    'support-app-en',
    5,
    () => rng.int(300, 800),
    multiTurn,
    (r, n) => appTimes(r, n, 20),
    (r) =>
      `You are the support assistant of ${r.pick(['Acme Travel', 'Nimbus Bank', 'Orbit Games', 'Greenleaf Foods', 'Helix Cloud'])}. Answer politely and concisely; if you do not know, say so and offer a human agent. Ticket ${r.int(1000, 9999)}.`,
  );
  benign(
    'support-app-zh',
    5,
    () => rng.int(300, 1500),
    medical,
    (r, n) => appTimes(r, n, 20),
    (r) =>
      `你是${r.pick(['康宁', '仁心', '百草', '安和'])}互联网医院的在线问诊助手。请用通俗的语言回答患者的问题，必要时建议就医。编号${r.int(100, 999)}。`,
  );
  benign(
    'logprob-app',
    5,
    () => rng.int(20, 120),
    (r) => ({
      ...mixed(r),
      extra: r.next() < 0.3 ? { logprobs: true, top_logprobs: 3 } : { n: r.next() < 0.1 ? 2 : 1 },
    }),
    (r, n) => humanTimes(r, n, humanSpan(r)),
  );

  // Legitimate products that wrap user content in a fixed prompt (reported apart: see RESULTS.md).
  const wrappers = [
    (r: Rng) =>
      `Write a short, catchy headline for this news article. Reply with the headline only.\n\n${draw(r, p.articlesEn, owner)}`,
    (r: Rng) =>
      `Translate the following patient message into plain English for our doctors. Keep every symptom and number.\n\n${draw(r, p.medical, owner)[0].content}`,
    (r: Rng) =>
      `Summarize this customer message for the ticket history in two sentences.\n\n${draw(r, p.writing, owner)}`,
  ];
  wrappers.forEach((wrap, k) => {
    benign(
      `templated-app-${k}`,
      1,
      () => rng.int(200, 600),
      (r) => ({ messages: [{ role: 'user', content: wrap(r) }] }),
      (r, n) => appTimes(r, n, 20),
      undefined,
      'benign-templated-app',
    );
  });

  // Distiller accounts.
  const makers = pipelineMakers(p, split);
  const volumes = [20, 200, 2000];
  const emit = (
    subjects: { account: string; endCustomer?: string; channel: string; ip: string }[],
    family: string,
    volume: number,
    make: (r: Rng, i: number) => { messages: Turn[]; extra?: Record<string, unknown> },
    dataGeneration: boolean,
  ) => {
    const ts = pipelineTimes(rng, volume);
    const group = `${split}-${family}-${volume}-${subjects[0].account}`;
    for (let i = 0; i < volume; i++) {
      const s = subjects[i % subjects.length];
      const m = make(rng, i);
      records.push({
        account: s.account,
        ...(s.endCustomer ? { end_customer: s.endCustomer } : {}),
        ts: iso(ts[i]),
        channel: s.channel,
        endpoint: '/v1/chat/completions',
        request: chat(m.messages, { temperature: 1, max_tokens: 3072, ...m.extra }),
        client_ip: s.ip,
      });
    }
    for (const s of subjects) {
      const subject = s.endCustomer ? `${s.account}/${s.endCustomer}` : s.account;
      label(subject, { label: 'distiller', family, volume, group, dataGeneration });
    }
  };
  for (const [family, make] of Object.entries(makers)) {
    for (const volume of volumes) {
      emit(
        [{ account: `${split}-${family}-${volume}`, channel: 'direct', ip: newIp() }],
        family,
        volume,
        (r) => make(r),
        true,
      );
    }
  }
  // Split over 3 accounts (different addresses: only the shared templates link them).
  const splitFamilies = ['self-instruct', 'llm-judge', 'evol-instruct'];
  volumes.forEach((volume, i) => {
    const family = splitFamilies[i];
    const subjects = [0, 1, 2].map((k) => ({
      account: `${split}-split3-${family}-${volume}-${k}`,
      channel: 'direct',
      ip: newIp(),
    }));
    emit(subjects, `split3`, volume, (r) => makers[family](r), true);
  });
  // Direct + a partner's end customer (same client address, as one team).
  const partnerFamilies = ['zh-gen', 'alpaca-gen', 'llm-judge'];
  volumes.forEach((volume, i) => {
    const family = partnerFamilies[i];
    const ip = newIp();
    const subjects = [
      { account: `${split}-partner-direct-${volume}`, channel: 'direct', ip },
      { account: `${split}-reseller`, endCustomer: `cust-${volume}`, channel: 'partner:reseller', ip },
    ];
    emit(subjects, 'partner-split', volume, (r) => makers[family](r), true);
  });
  // Output reuse: one account generates data (its responses are served text), another grades it
  // with a judge template quoting those responses; different templates and addresses.
  volumes.forEach((volume) => {
    const gen = `${split}-reuse-gen-${volume}`;
    const judge = `${split}-reuse-judge-${volume}`;
    const [genIp, judgeIp] = [newIp(), newIp()];
    const ts = pipelineTimes(rng, volume);
    const served: string[] = [];
    const judgeTemplate = rng.pick(p.judgeTemplates);
    for (let i = 0; i < volume; i++) {
      if (i % 2 === 0 || served.length === 0) {
        const output = `${rng.pick(p.enInstructions)}\n\n${rng.pick(p.judgeOutputs).a}`.slice(0, 1500);
        served.push(output);
        records.push({
          account: gen,
          ts: iso(ts[i]),
          channel: 'direct',
          endpoint: '/v1/chat/completions',
          request: chat(makers['evol-instruct'](rng).messages, { temperature: 1 }),
          response: { choices: [{ index: 0, message: { role: 'assistant', content: output } }] },
          client_ip: genIp,
        });
      } else {
        const o = rng.pick(p.judgeOutputs);
        records.push({
          account: judge,
          ts: iso(ts[i]),
          channel: 'direct',
          endpoint: '/v1/chat/completions',
          request: chat(
            chatmlToMessages(
              fill(judgeTemplate, {
                instruction: o.instruction,
                output_1: served[served.length - 1],
                output_2: o.b,
              }),
            ),
            { temperature: 0 },
          ),
          client_ip: judgeIp,
        });
      }
    }
    const group = `${split}-output-reuse-${volume}`;
    for (const subject of [gen, judge])
      label(subject, { label: 'distiller', family: 'output-reuse', volume, group, dataGeneration: true });
  });
  // Harvesters replaying benign-looking prompts (English instructions and Chinese questions).
  const harvestStyles: Record<
    string,
    (r: Rng, i: number, prompts: string[]) => { messages: Turn[]; extra?: Record<string, unknown> }
  > = {
    'harvest-n': (r, _i, prompts) => ({
      messages: [{ role: 'user', content: r.pick(prompts) }],
      extra: { n: r.pick([4, 8]), max_tokens: 4096 },
    }),
    'harvest-logprobs': (r, _i, prompts) => ({
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: r.pick(prompts) },
      ],
      extra: { logprobs: true, top_logprobs: 5 },
    }),
    'harvest-sweep': (_r, i, prompts) => ({
      messages: [{ role: 'user', content: prompts[Math.floor(i / 3) % prompts.length] }],
      extra: { temperature: [0.2, 0.7, 1.2][i % 3] },
    }),
  };
  for (const [family, style] of Object.entries(harvestStyles)) {
    for (const volume of volumes) {
      const prompts = rng.shuffle(rng.next() < 0.5 ? p.enInstructions : p.chinese);
      emit(
        [{ account: `${split}-${family}-${volume}`, channel: 'direct', ip: newIp() }],
        family,
        volume,
        (r, i) => style(r, i, prompts),
        false,
      );
    }
  }
  records.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return { records, labels };
}
