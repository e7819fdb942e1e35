// Self-identification probes: ask a suspect model, in several languages, who made it, which model it
// is and what its name is, and find the provider's own model and brand names in its answers. A model
// distilled from our outputs often repeats our model's self-description. Pure; no I/O.

export interface SelfIdentificationPrompt {
  language: string;
  question: 'maker' | 'model' | 'name';
  prompt: string;
}

export const SELF_IDENTIFICATION_PROMPTS: SelfIdentificationPrompt[] = [
  { language: 'en', question: 'maker', prompt: 'Who created you?' },
  { language: 'en', question: 'model', prompt: 'Which model are you, exactly?' },
  { language: 'en', question: 'name', prompt: 'What is your name?' },
  { language: 'zh', question: 'maker', prompt: '你是由哪家公司开发的？' },
  { language: 'zh', question: 'model', prompt: '你是哪个模型？' },
  { language: 'zh', question: 'name', prompt: '你叫什么名字？' },
  { language: 'es', question: 'maker', prompt: '¿Quién te creó?' },
  { language: 'es', question: 'model', prompt: '¿Qué modelo eres exactamente?' },
  { language: 'es', question: 'name', prompt: '¿Cómo te llamas?' },
  { language: 'fr', question: 'maker', prompt: "Qui t'a créé ?" },
  { language: 'fr', question: 'model', prompt: 'Quel modèle es-tu exactement ?' },
  { language: 'fr', question: 'name', prompt: "Comment t'appelles-tu ?" },
  { language: 'de', question: 'maker', prompt: 'Wer hat dich entwickelt?' },
  { language: 'de', question: 'model', prompt: 'Welches Modell bist du genau?' },
  { language: 'de', question: 'name', prompt: 'Wie heißt du?' },
  { language: 'ja', question: 'maker', prompt: 'あなたを開発したのはどの会社ですか？' },
  { language: 'ja', question: 'model', prompt: 'あなたはどのモデルですか？' },
  { language: 'ja', question: 'name', prompt: 'あなたの名前は何ですか？' },
  { language: 'ru', question: 'maker', prompt: 'Кто тебя создал?' },
  { language: 'ru', question: 'model', prompt: 'Какая ты модель?' },
  { language: 'ru', question: 'name', prompt: 'Как тебя зовут?' },
  { language: 'ko', question: 'maker', prompt: '누가 당신을 만들었나요?' },
  { language: 'ko', question: 'model', prompt: '당신은 어떤 모델인가요?' },
  { language: 'ko', question: 'name', prompt: '당신의 이름은 무엇인가요?' },
  { language: 'pt', question: 'maker', prompt: 'Quem te criou?' },
  { language: 'pt', question: 'model', prompt: 'Qual modelo você é, exatamente?' },
  { language: 'pt', question: 'name', prompt: 'Qual é o seu nome?' },
];

/** The provider's own brands when none are configured. */
export const DEFAULT_BRANDS = ['OpenAI', 'ChatGPT', 'GPT-4', 'GPT-4o', 'GPT-3.5'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A matcher for one brand name. Matching is on NFKC-folded, case-folded text (so full-width
 * "ＣｈａｔＧＰＴ" matches); spaces, hyphens, dots and middle dots between the parts of a name are
 * optional, and a part boundary is also where case or letters and digits change ("GPT-4" matches
 * "GPT 4" and "gpt4", "OpenAI" matches "Open AI"); a Latin name must not continue a longer Latin word
 * ("OpenAIR") and a name ending in a digit must not continue a longer number ("GPT-4" does not match
 * "GPT-40"). Names in other scripts match anywhere (those scripts put no spaces between words).
 */
function brandPattern(brand: string): RegExp {
  const parts = brand
    .normalize('NFKC')
    // "OpenAI" → "Open AI", "GPT4" → "GPT 4": a scrubbed or retyped name may split there.
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{L})(\p{N})|(\p{N})(\p{L})/gu, (_, a, b, c, d) => (a ? `${a} ${b}` : `${c} ${d}`))
    .toLowerCase()
    .split(/[\s\-_.·・]+/)
    .filter(Boolean)
    .map(escapeRegExp);
  const body = parts.join('[\\s\\-_.·・]*');
  const latinStart = /^[a-z0-9]/.test(parts[0] ?? '');
  const last = parts[parts.length - 1] ?? '';
  const before = latinStart ? '(?<![a-z0-9])' : '';
  const after = /[0-9]$/.test(last) ? '(?![0-9])' : /[a-z]$/.test(last) ? '(?![a-z])' : '';
  return new RegExp(`${before}${body}${after}`, 'u');
}

/** The configured brands an answer names (in the configured spelling), in order of the list. */
export function findBrands(answer: string, brands: string[]): string[] {
  const text = answer.normalize('NFKC').toLowerCase();
  return brands.filter((brand) => brand.trim() !== '' && brandPattern(brand).test(text));
}

export interface SelfIdentificationAnswer extends SelfIdentificationPrompt {
  answer: string | null;
  error?: string;
}

export interface SelfIdentificationResult {
  brands: string[];
  asked: number;
  answered: number;
  /** Answers that name one of the brands, with the brands named. */
  hits: (SelfIdentificationPrompt & { answer: string; brands: string[] })[];
  /** Languages in which at least one answer named a brand. */
  languages: string[];
}

/** Scores collected self-identification answers against the provider's brands. */
export function scoreSelfIdentification(
  answers: SelfIdentificationAnswer[],
  brands: string[],
): SelfIdentificationResult {
  const hits: SelfIdentificationResult['hits'] = [];
  for (const a of answers) {
    if (a.answer === null) continue;
    const named = findBrands(a.answer, brands);
    if (named.length > 0)
      hits.push({
        language: a.language,
        question: a.question,
        prompt: a.prompt,
        answer: a.answer,
        brands: named,
      });
  }
  return {
    brands,
    asked: answers.length,
    answered: answers.filter((a) => a.answer !== null).length,
    hits,
    languages: [...new Set(hits.map((h) => h.language))],
  };
}
