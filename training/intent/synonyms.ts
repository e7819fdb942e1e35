// Lexical augmentation for composed examples: swaps words for synonyms so the classifier learns the
// request's shape rather than one bank's vocabulary. Applied to every class alike (benign included),
// so no synonym becomes a class cue by itself. Written for Warden, Apache-2.0.

import type { Rng } from './compose.js';

/** Each row is a set of interchangeable English words or phrases (matched case-insensitively on word boundaries). */
const englishSets: string[][] = [
  [
    'generate',
    'create',
    'write',
    'produce',
    'compose',
    'draft',
    'craft',
    'make',
    'invent',
    'come up with',
    'put together',
    'synthesize',
    'build',
  ],
  ['answer', 'response', 'reply', 'completion', 'output'],
  ['answers', 'responses', 'replies', 'completions', 'outputs'],
  ['assistant', 'chatbot', 'model', 'AI', 'bot', 'system', 'LLM'],
  ['assistants', 'chatbots', 'models', 'AIs', 'bots', 'systems', 'LLMs'],
  ['compare', 'contrast', 'weigh', 'judge between'],
  ['evaluate', 'assess', 'judge', 'grade', 'review', 'critique', 'appraise'],
  ['rate', 'score', 'grade', 'mark'],
  ['better', 'superior', 'stronger', 'preferable'],
  ['best', 'strongest', 'most helpful', 'top'],
  ['classify', 'categorize', 'label', 'tag', 'sort'],
  ['label', 'tag', 'category', 'class'],
  ['labels', 'tags', 'categories', 'classes'],
  ['extract', 'pull out', 'identify', 'find'],
  ['step by step', 'step-by-step', 'one step at a time', 'carefully, showing each step', 'methodically'],
  ['reasoning', 'thinking', 'thought process', 'chain of thought', 'working', 'rationale', 'derivation'],
  ['explain', 'justify', 'walk through', 'spell out', 'lay out'],
  ['solve', 'work out', 'work through', 'answer', 'figure out'],
  ['diverse', 'varied', 'different', 'assorted', 'wide-ranging', 'unique'],
  ['examples', 'samples', 'instances', 'items', 'entries', 'records', 'data points'],
  ['questions', 'queries', 'prompts', 'problems'],
  ['dataset', 'data set', 'corpus', 'training set', 'training data', 'fine-tuning data'],
  ['each', 'every', 'each single'],
  ['following', 'below', 'listed', 'given'],
  ['return', 'output', 'give back', 'respond with', 'emit', 'print'],
  ['format', 'structure', 'layout', 'schema'],
  ['user', 'customer', 'person', 'human'],
  ['conversation', 'dialogue', 'chat', 'exchange'],
  ['conversations', 'dialogues', 'chats', 'exchanges'],
  ['please', 'kindly', ''],
  ['need', 'want', 'would like', 'require'],
  ['list', 'set', 'batch', 'collection', 'series'],
];

const chineseSets: string[][] = [
  ['生成', '编写', '撰写', '创作', '构造', '制作', '产出', '写出', '造'],
  ['回答', '回复', '答案', '应答', '输出'],
  ['助手', '模型', '机器人', 'AI', '系统', '大模型'],
  ['评估', '评价', '评判', '打分', '评测', '审核'],
  ['比较', '对比', '比对'],
  ['分类', '归类', '打标签', '标注'],
  ['标签', '类别', '分类'],
  ['抽取', '提取', '找出', '识别'],
  ['一步一步', '逐步', '分步骤', '一步步'],
  ['推理过程', '思考过程', '思维链', '解题思路', '推导过程'],
  ['解释', '说明', '阐述', '讲清楚'],
  ['多样化', '多样', '丰富', '各不相同', '不同'],
  ['数据', '语料', '样本', '数据集', '训练数据'],
  ['每条', '每一条', '每个', '逐条'],
  ['以下', '下面', '下列', '如下'],
  ['请', '麻烦', '帮我', ''],
  ['问题', '提问', '题目', '问句'],
  ['对话', '会话', '聊天记录'],
];

interface Compiled {
  pattern: RegExp;
  sets: string[][];
}

function compile(sets: string[][], wordBoundary: boolean): Compiled {
  const all = sets.flat().filter((w) => w.length > 0);
  all.sort((a, b) => b.length - a.length);
  const escaped = all.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const body = escaped.join('|');
  return { pattern: new RegExp(wordBoundary ? `\\b(?:${body})\\b` : `(?:${body})`, 'gi'), sets };
}

const en = compile(englishSets, true);
const zh = compile(chineseSets, false);

function swap(text: string, compiled: Compiled, rng: Rng, rate: number): string {
  return text.replace(compiled.pattern, (m) => {
    if (!rng.chance(rate)) return m;
    const lower = m.toLowerCase();
    const candidates = compiled.sets.filter((s) => s.some((w) => w.toLowerCase() === lower));
    if (candidates.length === 0) return m;
    const set = rng.pick(candidates);
    const pick = rng.pick(set);
    if (pick === '') return '';
    return m[0] === m[0].toUpperCase() && m[0] !== m[0].toLowerCase()
      ? pick[0].toUpperCase() + pick.slice(1)
      : pick;
  });
}

/** Returns a lexical variant of a composed text (English and Chinese words; other scripts untouched). */
export function augmentLexically(text: string, rng: Rng, rate = 0.35): string {
  return swap(swap(text, en, rng, rate), zh, rng, rate).replace(/ {2,}/g, ' ');
}
