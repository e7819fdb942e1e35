import { describe, expect, it } from 'vitest';
import { applyPolicy, combineRisk } from './apply-policy.js';
import { loadPolicy, parsePolicy } from './policy.js';

const BASE = `
version: 1
combine:
  weights: { templates: 0.8, automation: 0.2 }
uses:
  annotation: [intent.annotation]
rules:
  - name: suspend
    when: { risk_at_least: 90, any_signal_at_least: { templates: 0.9 } }
    verdict: suspend
  - name: review
    when: { risk_at_least: 50 }
    verdict: review
`;

describe('policy file', () => {
  it('loads the shipped default policy', () => {
    const policy = loadPolicy();
    expect(policy.rules.length).toBeGreaterThan(0);
  });

  it('names the path, field and reason of a malformed value', () => {
    const text = BASE.replace('risk_at_least: 50', "risk_at_least: 'high'");
    expect(() => parsePolicy(text, 'policies/x.yaml')).toThrow(
      'policies/x.yaml: rules[1].when.risk_at_least must be a number',
    );
  });

  it('rejects unknown keys, unknown uses and broken YAML', () => {
    expect(() =>
      parsePolicy(BASE.replace('verdict: review', 'verdict: review\n    severity: 3'), 'p.yaml'),
    ).toThrow('p.yaml: rules[1] has unknown key "severity"');
    expect(() => parsePolicy(`${BASE}\nallow: [scraping]\n`, 'p.yaml')).toThrow(
      'allow[0] names unknown use "scraping"',
    );
    expect(() => parsePolicy('rules: [', 'p.yaml')).toThrow(/^p\.yaml: not valid YAML/);
    expect(() => loadPolicy('/nonexistent/policy.yaml')).toThrow(
      '/nonexistent/policy.yaml: cannot read policy file (ENOENT)',
    );
  });

  it('refuses a suspend rule that rests on volume/behaviour signals alone', () => {
    const text = BASE.replace(
      'any_signal_at_least: { templates: 0.9 }',
      'any_signal_at_least: { automation.burst: 0.9 }',
    );
    expect(() => parsePolicy(text, 'p.yaml')).toThrow('volume alone never suspends');
  });
});

describe('applyPolicy', () => {
  const policy = parsePolicy(BASE, 'base');

  it('combines signals by noisy-OR with the policy weights', () => {
    expect(combineRisk(policy, [{ id: 'templates', score: 1 }])).toBe(80);
    expect(
      combineRisk(policy, [
        { id: 'templates', score: 1 },
        { id: 'automation.burst', score: 1 },
      ]),
    ).toBe(84);
  });

  it('picks the most severe matching rule and lists its action', () => {
    const d = applyPolicy(policy, { account: 'a', requests: 10, signals: [{ id: 'templates', score: 0.9 }] });
    expect(d.verdict).toBe('review');
    expect(d.actions).toEqual([
      { action: 'review', rule: 'review', reason: 'risk 72 matched rule review', dry_run: false },
    ]);
  });

  it('records a dry-run rule without letting it change the verdict', () => {
    const dry = parsePolicy(BASE.replace('verdict: review', 'verdict: review\n    dry_run: true'), 'dry');
    const d = applyPolicy(dry, { account: 'a', requests: 10, signals: [{ id: 'templates', score: 0.9 }] });
    expect(d.verdict).toBe('ok');
    expect(d.actions[0]).toMatchObject({ action: 'review', dry_run: true });
  });

  it('drops the signals of allowed uses, per policy and per account', () => {
    const text = `${BASE}\naccounts:\n  labeler: { allow: [annotation] }\n`;
    const p = parsePolicy(text.replace('templates: 0.8,', 'templates: 0.8, intent: 0.9,'), 'p');
    const signals = [{ id: 'intent.annotation', score: 1 }];
    expect(applyPolicy(p, { account: 'other', requests: 5, signals }).verdict).toBe('review');
    expect(applyPolicy(p, { account: 'labeler', requests: 5, signals }).verdict).toBe('ok');
    expect(applyPolicy(p, { account: 'other', requests: 5, signals, allowed: ['annotation'] }).risk).toBe(0);
  });
});
