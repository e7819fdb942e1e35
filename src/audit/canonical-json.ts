// Canonical JSON: the one byte string a JSON value hashes as, whoever serializes it. Object keys are
// sorted by UTF-16 code units, there is no whitespace, and strings and numbers are written as
// ECMAScript's JSON.stringify writes them — which is the JSON Canonicalization Scheme of RFC 8785
// (Rundgren, Jordan, Erdtman, 2020) for any value that survives JSON.parse(JSON.stringify(value)).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The value as plain JSON data, as JSON.stringify sees it (toJSON applied, undefined members dropped,
 * non-finite numbers as null). Throws on what JSON cannot carry (BigInt, cycles).
 */
export function toJsonValue(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('the value has no JSON form');
  return JSON.parse(text) as JsonValue;
}

/** RFC 8785-style canonical serialization of a JSON value. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}
