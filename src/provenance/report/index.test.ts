import { describe, expect, it } from 'vitest';
import type { TraceResult } from '../types.js';
import { highlight, renderTraceReport } from './index.js';

const matched: TraceResult = {
  id: 'doc<1>',
  match: true,
  account: 'acme',
  score: 0.97,
  outputs: ['out-1'],
  coverage: 0.8,
  fpr: 0.0003,
  accounts: ['acme'],
  matches: [
    {
      output: 'out-1',
      account: 'acme',
      accountId: 'acct_1',
      servedAt: 0,
      score: 0.97,
      sharedFingerprints: 12,
      outputFingerprints: 14,
      coverage: 0.8,
      containment: 0.86,
      alignedCoverage: 0.9,
      fpr: 0.0003,
      documentSpans: [[0, 5]],
      servedText: 'Hello <world>',
      servedSpans: [[0, 5]],
    },
  ],
};

describe('renderTraceReport', () => {
  it('highlights and escapes', () => {
    expect(highlight('a <b> c', [[2, 5]])).toBe('a <mark>&lt;b&gt;</mark> c');
    expect(
      highlight('abcdef', [
        [3, 5],
        [0, 2],
      ]),
    ).toBe('<mark>ab</mark>c<mark>de</mark>f');
  });

  it('is one self-contained page with the spans side by side', () => {
    const html = renderTraceReport(
      [
        matched,
        { ...matched, id: 'no', match: false, matches: [], outputs: [], accounts: [], account: null },
      ],
      {
        documents: [{ id: 'doc<1>', text: 'Hello there' }],
        generatedAt: 0,
      },
    );
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(html).toContain('<mark>Hello</mark> there');
    expect(html).toContain('<mark>Hello</mark> &lt;world&gt;');
    expect(html).toContain('doc&lt;1&gt;');
    expect(html).toContain('acme');
    expect(html).toContain('12 of its 14 fingerprints found; 90.0% of the document lines up with it');
  });
});
