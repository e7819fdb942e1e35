import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, WardenError } from './errors.js';

describe('error codes', () => {
  it('docs/errors.md lists exactly the codes of src/errors.ts, with their HTTP status', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const match of doc.matchAll(/^\| `([A-Za-z_]+)` \| (\d{3}) \|/gm))
      documented.set(match[1], Number(match[2]));
    const defined = new Map(Object.entries(ERRORS).map(([code, spec]) => [code, spec.status as number]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(defined));
  });

  it('renders OpenAI-shaped JSON with its variables filled in', () => {
    const error = new WardenError(
      'account_suspended',
      { case_id: 'case_1' },
      { extra: { case_id: 'case_1' } },
    );
    expect(error.status).toBe(403);
    expect(error.toJSON()).toEqual({
      error: {
        message: 'This account is suspended pending investigation (case case_1).',
        type: 'permission_error',
        param: null,
        code: 'account_suspended',
        case_id: 'case_1',
      },
    });
  });
});
