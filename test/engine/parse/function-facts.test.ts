import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastName } from '../../../src/engine/parse/function-facts.js';

/** The regex lastName replaces, kept here as its specification. */
const METHOD = /([\p{L}_][\p{L}\p{N}_]*)\s*$/u;
const spec = (text: string): string => METHOD.exec(text)?.[1] ?? '';

describe('lastName', () => {
  it.each(['objects.update', 'Book.objects.filter ', 'f', 'x.1abc', 'x.123', 'f(x)', '";".join', 'a.b_c2', 'schema_editor.execute\n', 'café.métier', '_', ''])('%j as the regex reads it', (text) => {
    expect(lastName(text)).toBe(spec(text));
  });

  it('agrees with the regex on any text', () => {
    const piece = fc.constantFrom('a', 'Z', '_', '1', '9', '.', ' ', '\t', '(', ')', 'é', 'ß', '\u00a0', '"', 'x.y');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')), (text) => {
        expect(lastName(text)).toBe(spec(text));
      }),
      { numRuns: 2000, seed: 11 },
    );
  });
});
