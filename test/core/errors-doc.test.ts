import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';

/** docs/errors.md's table, row by row: code → [status, meaning]. */
function documentedCodes(): Map<string, { status: number; meaning: string }> {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; meaning: string }>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*`(RTS_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (!m) continue;
    expect(rows.has(m[1]!), `${m[1]} is listed twice`).toBe(false);
    rows.set(m[1]!, { status: Number(m[2]), meaning: m[3]! });
  }
  return rows;
}

describe('the error catalogue and docs/errors.md', () => {
  const documented = documentedCodes();
  const catalogue = new Map(Object.values(ErrorCodes).map(([code, status]) => [code as string, status as number]));

  it('list the same codes', () => {
    expect([...documented.keys()].sort()).toEqual([...catalogue.keys()].sort());
  });

  it('give each code the same HTTP status, and a meaning', () => {
    for (const [code, status] of catalogue) {
      expect(documented.get(code)?.status, code).toBe(status);
      expect(documented.get(code)?.meaning.length, code).toBeGreaterThan(10);
    }
  });
});
