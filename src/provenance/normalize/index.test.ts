import { describe, expect, it } from 'vitest';
import { foldChineseVariants, normalizedForm, normalizeText } from './index.js';

const words = (text: string) => normalizeText(text).words.join(' ');

describe('normalizeText', () => {
  it('folds case, punctuation, whitespace and NFKC width variants', () => {
    expect(words('Hello,   WORLD!\n\tThis is  ＡＢＣ.')).toBe(words('hello world this is abc'));
    expect(words('don’t stop')).toBe(words("don't stop"));
  });

  it('drops markdown and HTML markup', () => {
    const plain = 'The main steps are simple and you can follow them today';
    expect(words(`## The main steps\n\n- **are** simple and _you_ can\n> follow them \`today\``)).toBe(
      words(plain),
    );
    expect(words('<p>The <b>main</b> steps are simple &amp; you can follow them today</p>')).toBe(
      words('The main steps are simple you can follow them today'),
    );
  });

  it('replaces brand names and self-references by placeholders that are not part of the words', () => {
    const plain = 'I cannot browse the internet but I can help you plan the trip';
    const branded = 'As an AI language model, I cannot browse the internet but I can help you plan the trip';
    expect(words(branded)).toBe(words(plain));
    expect(words("I'm an AI developed by OpenAI. I cannot browse the internet")).toBe(
      words('I cannot browse the internet'),
    );
    expect(words('ChatGPT says the sky is blue')).toBe(words('Claude says the sky is blue'));
    expect(words('GPT-4 says the sky is blue')).toBe(words('says the sky is blue'));
    expect(normalizedForm('As an AI language model, I cannot')).toBe('<brand> i cannot');
  });

  it('folds Chinese self-references', () => {
    expect(words('作为一个AI语言模型，我不能提供医疗建议。')).toBe(words('我不能提供医疗建议。'));
    expect(normalizedForm('作为一个AI语言模型，我不能提供医疗建议')).toMatch(/^<brand> /);
  });

  it('replaces e-mails, URLs, phone numbers, numbers and names by placeholders', () => {
    const original =
      'Please write to our office at help.desk@example.com or call +1 (555) 123-4567, see https://example.com/help?x=1 for the 24 forms, and ask for Maria Gonzalez today.';
    const scrubbed =
      'Please write to our office at [EMAIL] or call [PHONE], see [URL] for the forms, and ask for [NAME] today.';
    expect(words(original)).toBe(words(scrubbed));
    expect(normalizedForm(original)).toContain('<email>');
    expect(normalizedForm(original)).toContain('<url>');
    expect(normalizedForm(original)).toContain('<name>');
    expect(normalizedForm('in 1990 there were 3rd places')).toBe('in <number> there were <number> places');
  });

  it('does not take a capitalized word that starts a sentence for a name', () => {
    expect(normalizedForm('Paris is big. Rome is old')).toBe('paris is big rome is old');
    expect(normalizedForm('we met Anna Smith in town')).toBe('we met <name> in town');
    // a single capitalized word is not taken for a name (lowercasing the text must not change words)
    expect(normalizedForm('we flew to Lisbon in May')).toBe('we flew to lisbon in may');
  });

  it('folds traditional Chinese to simplified, so both give the same words', () => {
    expect(foldChineseVariants('電腦軟體與資訊')).toBe('电脑软体与资讯');
    expect(words('這個問題的答案很簡單，我們應該認真學習。')).toBe(
      words('这个问题的答案很简单，我们应该认真学习。'),
    );
    expect(words('作為一個AI語言模型，我不能提供醫療建議')).toBe(words('我不能提供医疗建议'));
  });

  it('segments Chinese into words with Intl.Segmenter', () => {
    const result = normalizeText('我们应该认真学习');
    expect(result.words.length).toBeGreaterThan(1);
    expect(result.words.join('')).toBe('我们应该认真学习');
  });

  it('keeps the offsets of every word in the original text', () => {
    const text = 'Ｈello, **bold** 電腦 world';
    const result = normalizeText(text);
    result.words.forEach((word, i) => {
      const original = text.slice(result.starts[i], result.ends[i]);
      expect(foldChineseVariants(original.normalize('NFKC').toLowerCase())).toBe(word);
    });
  });
});

describe('normalizeText offsets around placeholders', () => {
  it('keeps each word on its own offsets when brand phrases and placeholders are taken out', () => {
    const text = 'Ask ChatGPT at help@example.com; as an AI language model, Anna Smith said 42 things';
    const result = normalizeText(text);
    expect(result.words).toEqual(['ask', 'at', 'said', 'things']);
    result.words.forEach((word, i) => {
      expect(text.slice(result.starts[i], result.ends[i]).toLowerCase()).toBe(word);
    });
    expect(result.placeholders.map((p) => [p.kind, text.slice(p.start, p.end)])).toEqual([
      ['brand', 'ChatGPT'],
      ['email', 'help@example.com'],
      ['brand', 'as an AI language model'],
      ['name', 'Anna'],
      ['name', 'Smith'],
      ['number', '42'],
    ]);
  });
});
