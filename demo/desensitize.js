// @ts-check
// The distiller's "desensitization" of what it harvested, as a data vendor would do before selling or
// training on it: brand and character names scrubbed, reformatted into Alpaca-style records, lightly
// reworded, truncated, and mixed with human-written text. `warden trace` must still find it.
import { seededRandom } from './traffic.js';

/** Names scrubbed from the text (the demo model writes in the voice of a 19th-century novel). */
const NAMES = [
  'Warden',
  'Elizabeth',
  'Lizzy',
  'Eliza',
  'Darcy',
  'Bennet',
  'Bingley',
  'Jane',
  'Lydia',
  'Kitty',
  'Wickham',
  'Collins',
  'Charlotte',
  'Lucas',
  'Catherine',
  'Gardiner',
  'Phillips',
  'Netherfield',
  'Longbourn',
  'Pemberley',
  'Meryton',
  'Rosings',
  'Hertfordshire',
  'Derbyshire',
  'Brighton',
  'London',
  'Georgiana',
  'Fitzwilliam',
  'Hurst',
  'Caroline',
  'Forster',
  'Denny',
  'Jenkinson',
  'Lady',
  'Sir',
  'Colonel',
];
const REPLACEMENTS = [
  'Alex',
  'Sam',
  'Jordan',
  'Taylor',
  'Morgan',
  'Casey',
  'Riley',
  'the town',
  'the estate',
];

/** Light rewording: word-level substitutions a paraphrasing pass typically makes. */
const SYNONYMS = /** @type {[RegExp, string][]} */ ([
  [/\bvery\b/gi, 'really'],
  [/\bsaid\b/gi, 'replied'],
  [/\breplied\b/gi, 'answered'],
  [/\bhowever\b/gi, 'but'],
  [/\bperhaps\b/gi, 'maybe'],
  [/\bshall\b/gi, 'will'],
  [/\bwhilst\b/gi, 'while'],
  [/\bamongst\b/gi, 'among'],
  [/\bdo not\b/gi, "don't"],
  [/\bcannot\b/gi, "can't"],
  [/\bit is\b/gi, "it's"],
  [/\bI am\b/g, "I'm"],
  [/\bgreat\b/gi, 'considerable'],
  [/\bhappy\b/gi, 'glad'],
]);

/** @param {string} text @param {Map<string, string>} mapping */
function scrubNames(text, mapping) {
  let out = text;
  for (const name of NAMES) {
    const re = new RegExp(`\\b${name}\\b`, 'g');
    if (!re.test(out)) continue;
    if (!mapping.has(name)) mapping.set(name, REPLACEMENTS[mapping.size % REPLACEMENTS.length]);
    out = out.replace(re, /** @type {string} */ (mapping.get(name)));
  }
  return out;
}

/** @param {string} text @param {() => number} random */
function reword(text, random) {
  let out = text;
  for (const [re, to] of SYNONYMS) {
    if (random() < 0.6) out = out.replace(re, to);
  }
  return out;
}

/** @param {string} text */
function reformat(text) {
  const flat = text.replace(/[“”]/g, '"').replace(/[‘’]/g, "'").replace(/\s+/g, ' ').trim();
  // Re-wrap at about 72 columns, as a text tool would.
  const lines = [];
  let line = '';
  for (const word of flat.split(' ')) {
    if (line.length + word.length + 1 > 72 && line) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** Keeps the first 60–90% of the words, ending on a sentence boundary when one is near. @param {string} text @param {() => number} random */
function truncate(text, random) {
  const words = text.split(/(\s+)/);
  const keep = Math.max(1, Math.floor(words.length * (0.6 + random() * 0.3)));
  const cut = words.slice(0, keep).join('');
  const lastStop = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('.\n'));
  return lastStop > cut.length * 0.7 ? cut.slice(0, lastStop + 1) : cut;
}

/**
 * @typedef {{ id: string, prompt: string, text: string }} Harvested
 * @typedef {{ id: string, instruction: string, input: string, output: string }} DatasetRecord
 */

/**
 * Turns harvested outputs into a "clean" dataset, mixed with human text (records `human-…`).
 * @param {Harvested[]} harvested
 * @param {{ seed?: number, human?: string[] }} [options]
 * @returns {DatasetRecord[]}
 */
export function desensitize(harvested, { seed = 11, human = [] } = {}) {
  const random = seededRandom(seed);
  const mapping = new Map();
  /** @type {DatasetRecord[]} */
  const records = harvested.map((h, i) => ({
    id: `sample-${String(i + 1).padStart(4, '0')}`,
    instruction: 'Continue the story in the same style.',
    input: '',
    output: reformat(truncate(reword(scrubNames(h.text, mapping), random), random)),
  }));
  human.forEach((text, i) => {
    records.push({
      id: `human-${String(i + 1).padStart(4, '0')}`,
      instruction: 'Answer the question.',
      input: '',
      output: text,
    });
  });
  // Shuffle so the human text is mixed in, as a vendor's dataset would be.
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [records[i], records[j]] = [records[j], records[i]];
  }
  return records;
}
