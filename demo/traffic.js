// @ts-check
// The demo's scripted traffic: three ordinary customers (chat, code, writing) and one that distills —
// a self-instruct style data-generation pipeline, annotation batches and LLM-as-judge evaluation of its
// own model. Everything here is written for Warden except the two excerpts in data/ (see NOTICE.md).
// Deterministic for a given seed, so the demo tells the same story every time.
import { readFileSync } from 'node:fs';

/** @param {string} name */
function readJsonl(name) {
  const text = readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => /** @type {{id: string, text: string}} */ (JSON.parse(line)));
}

/** Mulberry32: a small seeded generator (Tommy Ettinger, public domain). @param {number} seed */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @template T @param {() => number} random @param {T[]} list @returns {T} */
function pick(random, list) {
  return list[Math.floor(random() * list.length)];
}

/** @template T @param {() => number} random @param {T[]} list @param {number} n @returns {T[]} */
function sample(random, list, n) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

export const MODEL = 'demo';
export const PARTNER = 'cloudnine';
export const DISTILLER = 'orbit-labs';
/** The distiller's end-customer id at the reseller. */
export const DISTILLER_AT_PARTNER = 'orbit-labs-ai';

export const ORDINARY_CUSTOMERS = [
  { name: 'acme-support', use: 'chat' },
  { name: 'globex-dev', use: 'code' },
  { name: 'initech-writers', use: 'writing' },
];

const WRITING_TASKS = [
  'Write a short welcome email for new members of our community garden.',
  'Draft a polite reminder to a client that their invoice is two weeks overdue.',
  'Give me three possible titles for a blog post about learning to bake bread at home.',
  'Rewrite this sentence so it sounds friendlier: "Your request has been denied."',
  'Write a two-paragraph product description for a handmade ceramic mug.',
  "Help me write a toast for my sister's wedding; she loves hiking and terrible puns.",
  'Summarize the main arguments for and against a four-day work week in a few sentences.',
  'Write a haiku about the first snow of winter.',
  'Turn these notes into a short meeting summary: budget approved, launch moved to May, Sam owns QA.',
  'Write a cover letter opening paragraph for a junior data analyst position.',
  'Suggest a gentle way to tell a coworker their music is too loud.',
  'Draft a tweet announcing that our bakery now opens at 7am on weekends.',
  'Write a bedtime story about a lighthouse keeper and a lost seagull.',
  'Make this paragraph more concise without losing meaning: our team has been working very hard over the course of the last several months in order to deliver the new version.',
  'Write a thank-you note to a teacher who helped my son with reading.',
  'Propose an agenda for a one-hour quarterly planning meeting.',
  'Write a limerick about a cat who hates Mondays.',
  'Write the opening paragraph of a mystery novel set in a rainy harbour town.',
  'Explain, for a newsletter, why we are switching to recycled packaging.',
  "Draft a short apology to customers for yesterday's website outage.",
];

const CHAT_EXTRA = [
  'What should I pack for a three-day hiking trip in early autumn?',
  'How do I get red wine out of a cotton shirt?',
  'Can you explain compound interest with a simple example?',
  'What are some good stretches after a long day at a desk?',
];

/** How a developer asks about a function (several phrasings, as people write them). */
const CODE_ASKS = [
  (/** @type {string} */ c) => c,
  (/** @type {string} */ c) => `can you finish this?\n${c}`,
  (/** @type {string} */ c) => `${c}\n# what's the cleanest way to implement this`,
  (/** @type {string} */ c) => `I'm stuck on this exercise, my loop keeps returning None:\n\n${c}`,
  (/** @type {string} */ c) => `Write the body of this function. Keep it short.\n${c}`,
  (/** @type {string} */ c) => `${c}\nplease add a couple of tests too`,
  (/** @type {string} */ c) => `Is there an O(n) solution for this one?\n${c}`,
];

const CODE_QUESTIONS = [
  'Why does my React useEffect run twice in development?',
  'How do I read a CSV file with pandas and skip the first two rows?',
  'What is the difference between git rebase and git merge, and when should I use each?',
  'My Docker container exits immediately after starting. How do I debug that?',
  'Explain the difference between a process and a thread like I am new to this.',
  'How can I make this SQL faster? SELECT * FROM orders WHERE YEAR(created_at) = 2024',
  'What does "TypeError: cannot read properties of undefined (reading \'map\')" usually mean?',
  'Write a bash one-liner that finds the 10 largest files under the current directory.',
  'Should I use a Set or an Array to check membership in JavaScript?',
  'How do I undo my last commit but keep the changes?',
  "Regex to validate a UK postcode? Doesn't need to be perfect.",
  'What is a good folder structure for a small Flask app with a few blueprints?',
  'How do I stop my Python script from using 100% CPU while it waits for a file?',
  'Convert this callback code to async/await: fs.readFile(path, (err, data) => { if (err) throw err; done(data); })',
  'Why is 0.1 + 0.2 not equal to 0.3 in JavaScript?',
];

// The distiller's seed tasks for its self-instruct style generator (written for this demo).
const SEED_TASKS = [
  ['Give three tips for staying focused while studying.', ''],
  ['Convert the temperature to Fahrenheit.', '25 degrees Celsius'],
  ['Classify the animal as a mammal, bird, reptile or fish.', 'penguin'],
  ['Write a short poem about the ocean at night.', ''],
  ['Explain what a hash table is to a beginner.', ''],
  ['Rewrite the sentence in the passive voice.', 'The committee approved the new budget.'],
  ['List five countries in South America and their capitals.', ''],
  ['Suggest a name for a coffee shop that also sells books.', ''],
  ['Find the grammatical error in the sentence and fix it.', 'Their going to the park tomorrow.'],
  ['Describe the water cycle in three sentences.', ''],
  ['Generate a riddle whose answer is "a shadow".', ''],
  ['Calculate the area of a circle with the given radius.', 'radius = 4 cm'],
  ['Give an example of a metaphor and explain it.', ''],
  ['Summarize the plot of a famous fairy tale in two sentences.', 'Cinderella'],
  ['Translate the phrase into French.', 'Where is the train station?'],
  ['Write a SQL query that counts orders per customer.', 'table orders(id, customer_id, total)'],
  ['Propose a healthy breakfast for someone who dislikes eggs.', ''],
  ['Explain the difference between weather and climate.', ''],
  ['Create a short dialogue between a customer and a librarian.', ''],
  [
    'Identify the main idea of the paragraph.',
    'Bees pollinate a third of the crops we eat, so their decline worries farmers.',
  ],
];

const DOMAINS = [
  'science',
  'cooking',
  'travel',
  'personal finance',
  'programming',
  'history',
  'health',
  'grammar',
  'mathematics',
  'geography',
  'music',
  'sports',
];

const REVIEWS = [
  'The battery lasts all day and the screen is gorgeous.',
  'Arrived broken and support never answered my emails.',
  'It does what it says, nothing more, nothing less.',
  'Best purchase I made this year, my kids love it.',
  'The instructions were confusing but it works now.',
  'Too expensive for what you get.',
  'Shipping was fast and the packaging was neat.',
  'Stopped working after two weeks.',
  'Decent sound quality for the price.',
  'I would not buy this again.',
  'Comfortable, light and easy to clean.',
  'The app keeps crashing on my phone.',
  'Exactly as pictured, very happy.',
  'Average product, average service.',
  'The color faded after the first wash.',
  'Customer service replaced it without any questions.',
];

const QUESTIONS = [
  'Why is the sky blue?',
  'How does a vaccine train the immune system?',
  'What is the difference between a list and a tuple in Python?',
  'Why do leaves change color in autumn?',
  'How do I calculate a 15% tip on a $48 bill?',
  'What causes inflation?',
  'How does public-key cryptography work?',
  'What is the capital of Australia and why is it not Sydney?',
  'How do noise-cancelling headphones work?',
  'What is a good way to learn a new language as an adult?',
];

const STUDENT_ANSWERS = [
  'It is because of the way light is scattered by the air; shorter blue wavelengths scatter more.',
  'I am not sure, but I think it has to do with many different factors.',
  'The answer depends on several things. First, consider the basics. Then look at the details.',
  'Short answer: yes. Long answer: it depends on the context you are in.',
  'There are three main reasons, which are explained below in a numbered list.',
];

/**
 * @typedef {{ role: string, content: string }} Message
 * @typedef {{ model: string, messages: Message[], max_tokens?: number, temperature?: number }} ChatBody
 * @typedef {{ account: string, use: string, body: ChatBody }} OrdinaryRequest
 * @typedef {{ phase: 'generation' | 'annotation' | 'evaluation', channel: 'direct' | 'partner', body: ChatBody }} DistillerRequest
 */

/** @param {() => number} random @returns {ChatBody} */
function generationRequest(random) {
  const seeds = sample(random, SEED_TASKS, 3);
  const domain = pick(random, DOMAINS);
  const count = 5 + Math.floor(random() * 4);
  const examples = seeds
    .map(
      ([instruction, input], i) =>
        `${i + 1}. Instruction: ${instruction}\n${i + 1}. Input: ${input || '<noinput>'}\n${i + 1}. Output:`,
    )
    .join('\n###\n');
  const prompt =
    `You are generating training data for an instruction-following language model. ` +
    `Come up with ${count} new, diverse tasks about ${domain}. Do not repeat the examples. ` +
    `Each task has an instruction, an optional input (write <noinput> when there is none) and a complete, ` +
    `high-quality output. Use exactly this numbered format and separate tasks with ###.\n\n` +
    `Examples:\n${examples}\n###\n4. Instruction:`;
  return {
    model: MODEL,
    messages: [{ role: 'user', content: prompt }],
    max_tokens: 400,
    temperature: 1,
  };
}

/** @param {() => number} random @returns {ChatBody} */
function annotationRequest(random) {
  const batch = sample(random, REVIEWS, 8);
  const items = batch.map((r, i) => `${i + 1}. ${r}`).join('\n');
  return {
    model: MODEL,
    messages: [
      { role: 'system', content: 'You are a precise data annotator. Answer only with JSON.' },
      {
        role: 'user',
        content:
          `Label the sentiment of each product review below as "positive", "negative" or "neutral". ` +
          `Return a JSON array of objects {"id": <number>, "label": <label>} and nothing else.\n\n${items}`,
      },
    ],
    max_tokens: 200,
    temperature: 0,
  };
}

/** @param {() => number} random @returns {ChatBody} */
function evaluationRequest(random) {
  const question = pick(random, QUESTIONS);
  const [a, b] = sample(random, STUDENT_ANSWERS, 2);
  return {
    model: MODEL,
    messages: [
      {
        role: 'system',
        content: 'You are an impartial judge evaluating the quality of answers produced by AI assistants.',
      },
      {
        role: 'user',
        content:
          `Compare the two responses to the user question below. Judge helpfulness, accuracy, depth and ` +
          `clarity; ignore length and the order of presentation. Output your verdict as "[[A]]", "[[B]]" or ` +
          `"[[tie]]" followed by a one-paragraph explanation.\n\n[User Question]\n${question}\n\n` +
          `[The Start of Assistant A's Answer]\n${a}\n[The End of Assistant A's Answer]\n\n` +
          `[The Start of Assistant B's Answer]\n${b}\n[The End of Assistant B's Answer]`,
      },
    ],
    max_tokens: 250,
    temperature: 0,
  };
}

/**
 * The demo's traffic, in the order it is replayed.
 * @param {{ seed?: number, ordinaryPerCustomer?: number, lowVolume?: number, fullVolume?: number }} [options]
 */
export function buildDemoTraffic({
  seed = 7,
  ordinaryPerCustomer = 40,
  lowVolume = 12,
  fullVolume = 60,
} = {}) {
  const random = seededRandom(seed);
  const oasst = readJsonl('oasst-prompts.jsonl').map((r) => r.text);
  const code = readJsonl('humaneval-prompts.jsonl').map((r) => r.text);
  /** @type {Record<string, string[]>} */
  const prompts = {
    chat: [...sample(random, oasst, oasst.length), ...CHAT_EXTRA],
    code: code
      .slice(0, 20)
      .flatMap((c, i) => [CODE_ASKS[i % CODE_ASKS.length](c), CODE_QUESTIONS[i % CODE_QUESTIONS.length]]),
    writing: [...WRITING_TASKS, ...sample(random, oasst, 30)],
  };
  /** @type {OrdinaryRequest[]} */
  const ordinary = [];
  for (let i = 0; i < ordinaryPerCustomer; i++) {
    for (const customer of ORDINARY_CUSTOMERS) {
      const list = prompts[customer.use];
      ordinary.push({
        account: customer.name,
        use: customer.use,
        body: {
          model: MODEL,
          messages: [{ role: 'user', content: list[i % list.length] }],
          max_tokens: 200,
          temperature: 0.7,
        },
      });
    }
  }
  /** @type {DistillerRequest[]} */
  const lowVolumeRequests = [];
  for (let i = 0; i < lowVolume; i++) {
    const phase = i % 3 === 0 ? 'annotation' : i % 3 === 1 ? 'evaluation' : 'generation';
    const body =
      phase === 'generation'
        ? generationRequest(random)
        : phase === 'annotation'
          ? annotationRequest(random)
          : evaluationRequest(random);
    lowVolumeRequests.push({ phase, channel: i % 2 === 0 ? 'direct' : 'partner', body });
  }
  /** @type {DistillerRequest[]} */
  const fullVolumeRequests = [];
  for (let i = 0; i < fullVolume; i++) {
    const phase = i % 5 === 4 ? 'evaluation' : i % 5 === 3 ? 'annotation' : 'generation';
    const body =
      phase === 'generation'
        ? generationRequest(random)
        : phase === 'annotation'
          ? annotationRequest(random)
          : evaluationRequest(random);
    fullVolumeRequests.push({ phase, channel: i % 3 === 0 ? 'partner' : 'direct', body });
  }
  return { ordinary, lowVolume: lowVolumeRequests, fullVolume: fullVolumeRequests };
}
