import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BRANDS,
  findBrands,
  SELF_IDENTIFICATION_PROMPTS,
  scoreSelfIdentification,
} from './self-identification.js';

const brands = ['OpenAI', 'ChatGPT', 'GPT-4'];

describe('findBrands', () => {
  it.each([
    ['en', 'I am ChatGPT, a large language model trained by OpenAI.', ['OpenAI', 'ChatGPT']],
    ['zh', '我是ChatGPT，由OpenAI开发的人工智能助手。', ['OpenAI', 'ChatGPT']],
    ['zh full-width', '我是ＣｈａｔＧＰＴ。', ['ChatGPT']],
    ['es', 'Soy un modelo de lenguaje creado por OpenAI, basado en GPT-4.', ['OpenAI', 'GPT-4']],
    ['fr', 'Je suis ChatGPT, un assistant conçu par OpenAI.', ['OpenAI', 'ChatGPT']],
    ['de', 'Ich bin ein Sprachmodell namens GPT 4 von Open AI.', ['OpenAI', 'GPT-4']],
    ['ja', '私はOpenAIによって開発されたChatGPTです。', ['OpenAI', 'ChatGPT']],
    ['ru', 'Я — языковая модель GPT-4, созданная компанией OpenAI.', ['OpenAI', 'GPT-4']],
    ['ko', '저는 OpenAI가 만든 gpt4 기반 모델입니다.', ['OpenAI', 'GPT-4']],
  ])('finds the brands in a %s answer', (_language, answer, expected) => {
    expect(findBrands(answer, brands)).toEqual(expected);
  });

  it.each([
    ['I am Claude, made by Anthropic.'],
    ['我是通义千问，由阿里云开发。'],
    ['Ich bin ein offenes Modell (openair project).'],
    ['We tested GPT-40 and GPT-45 variants.'],
    ['Soy un asistente de IA de código abierto.'],
  ])('finds no brand in %s', (answer) => {
    expect(findBrands(answer, brands)).toEqual([]);
  });

  it('matches a brand written in another script', () => {
    expect(findBrands('私はチャットGPTです', ['チャットGPT'])).toEqual(['チャットGPT']);
  });
});

describe('self-identification prompts', () => {
  it('ask who made the model, which model and its name in at least seven languages', () => {
    const languages = new Set(SELF_IDENTIFICATION_PROMPTS.map((p) => p.language));
    for (const l of ['en', 'zh', 'es', 'fr', 'de', 'ja', 'ru']) expect(languages.has(l)).toBe(true);
    for (const l of languages) {
      const questions = SELF_IDENTIFICATION_PROMPTS.filter((p) => p.language === l).map((p) => p.question);
      expect(questions.sort()).toEqual(['maker', 'model', 'name']);
    }
  });

  it('scores answers into hits by language', () => {
    const [en, zh, es] = [0, 3, 6].map((i) => SELF_IDENTIFICATION_PROMPTS[i]);
    const result = scoreSelfIdentification(
      [
        { ...en, answer: 'I was created by OpenAI.' },
        { ...zh, answer: '我是由深度求索公司开发的。' },
        { ...es, answer: null, error: 'timeout' },
      ],
      DEFAULT_BRANDS,
    );
    expect(result.asked).toBe(3);
    expect(result.answered).toBe(2);
    expect(result.hits).toHaveLength(1);
    expect(result.hits[0]).toMatchObject({ language: 'en', brands: ['OpenAI'] });
    expect(result.languages).toEqual(['en']);
  });
});
