import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue, toJsonValue } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('orders keys by UTF-16 code units as RFC 8785 does', () => {
    // RFC 8785 §3.2.3 example: "\u20ac" (€) sorts before "\ud83d\ude00" (😀) and after "\u0080".
    expect(canonicalJson({ '😀': 1, '€': 2, '\u0080': 3, a: 4 })).toBe('{"a":4,"\u0080":3,"€":2,"😀":1}');
  });

  it('is the same whatever the key order and survives a round trip through JSON text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const v = toJsonValue(value);
        const text = canonicalJson(v);
        expect(canonicalJson(JSON.parse(text) as JsonValue)).toBe(text);
        expect(JSON.parse(text)).toEqual(v);
      }),
    );
  });

  it('drops undefined members and refuses what JSON cannot carry', () => {
    expect(canonicalJson(toJsonValue({ a: undefined, b: 1 }))).toBe('{"b":1}');
    expect(() => toJsonValue({ n: 1n })).toThrow();
  });
});
