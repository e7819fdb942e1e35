import { describe, expect, it } from 'vitest';
import { HUMAN_PROMPTS, viewOf } from '../test-views.js';
import { createLinker } from './index.js';

const SYSTEM = 'You are DataForge, a generator of diverse instruction-tuning examples in JSON.';

describe('linker', () => {
  it('links accounts that share a specific system prompt, after minimum support', () => {
    const l = createLinker({ minSupport: 3 });
    for (let i = 0; i < 2; i++) {
      l.observe(viewOf(HUMAN_PROMPTS[i], { account: 'a', systemPrompt: SYSTEM }));
      l.observe(viewOf(HUMAN_PROMPTS[i + 5], { account: 'b', systemPrompt: SYSTEM }));
    }
    expect(l.find('a')).not.toBe(l.find('b'));
    l.observe(viewOf(HUMAN_PROMPTS[3], { account: 'a', systemPrompt: SYSTEM }));
    const joined = l.observe(viewOf(HUMAN_PROMPTS[9], { account: 'b', systemPrompt: SYSTEM }));
    expect(joined).toHaveLength(1);
    expect(l.find('a')).toBe(l.find('b'));
    expect(l.members('a').sort()).toEqual(['a', 'b']);
    expect(l.evidence('b')[0]).toMatchObject({ with: 'a', via: 'system_prompt' });
  });

  it('does not link on a short stock system prompt', () => {
    const l = createLinker({ minSupport: 1 });
    l.observe(viewOf('hi', { account: 'a', systemPrompt: 'You are a helpful assistant.' }));
    l.observe(viewOf('hello', { account: 'b', systemPrompt: 'You are a helpful assistant.' }));
    expect(l.find('a')).not.toBe(l.find('b'));
  });

  it('stops linking through a key that too many accounts share (generic)', () => {
    const l = createLinker({ minSupport: 1, maxAccountsPerKey: 3 });
    for (const a of ['a', 'b', 'c', 'd', 'e']) l.observe(viewOf('x', { account: a, clientIp: '10.0.0.1' }));
    expect(l.members('a')).toHaveLength(3);
    expect(l.find('e')).toBe('e');
  });

  it('does not link on a key that is a small share of an account (pasted phrases)', () => {
    const l = createLinker({ minSupport: 3, minShare: 0.25 });
    const pasted =
      'I like to host guests at my home from time to time, and I am gathering recipes of different dishes and drinks to keep things interesting. Can you give me a recipe for';
    for (const account of ['a', 'b']) {
      for (let i = 0; i < 30; i++) {
        const prompt = i % 10 === 0 ? `${pasted} dish number ${i}?` : `${HUMAN_PROMPTS[i]} ${account}`;
        l.observe(viewOf(prompt, { account }));
      }
    }
    expect(l.find('a')).not.toBe(l.find('b'));
  });

  it('links an account whose prompts quote outputs served to another (output reuse)', () => {
    const l = createLinker({ minSupport: 2 });
    const outputs = HUMAN_PROMPTS.slice(0, 6).map(
      (p, i) =>
        `Answer ${i}: ${p} The short answer is that it depends on several factors, which we now go through one by one in detail with examples.`,
    );
    outputs.forEach((o, i) => {
      l.observe(viewOf(HUMAN_PROMPTS[i], { account: 'gen', outputText: o }));
    });
    outputs.forEach((o) => {
      l.observe(viewOf(`Rate the following answer from 1 to 10.\n\n${o}`, { account: 'judge' }));
    });
    expect(l.find('gen')).toBe(l.find('judge'));
    expect(l.evidence('judge').some((e) => e.via === 'output_reuse')).toBe(true);
  });
});

describe('linker memory', () => {
  it('still links a long-lived account after its key table filled with one-off keys', () => {
    const l = createLinker({ minSupport: 3, maxKeysPerAccount: 8, minShare: 0 });
    for (let i = 0; i < 50; i++)
      l.observe(viewOf(`question ${i}`, { account: 'old', clientIp: `192.168.0.${i}` }));
    for (let i = 0; i < 3; i++) {
      l.observe(viewOf('x', { account: 'old', clientIp: '10.9.9.9' }));
      l.observe(viewOf('y', { account: 'new', clientIp: '10.9.9.9' }));
    }
    expect(l.find('old')).toBe(l.find('new'));
  });
});
