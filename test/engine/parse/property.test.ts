import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseMigration, parseSnippet, toParseJson } from '../../../src/engine/parse/index.js';
import type { MigrationFile, Operation } from '../../../src/engine/types.js';

const DIR = fileURLToPath(new URL('../../fixtures/migrations/shapes/migrations/', import.meta.url));
const SEEDS = readdirSync(DIR)
  .filter((name) => name.endsWith('.py') && !name.startsWith('_'))
  .sort()
  .map((name) => readFileSync(`${DIR}${name}`, 'utf8'));

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'deleteBracket'; nth: number }
  | { kind: 'duplicateLine'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('(', ')', '[', ']', '"""', "'", '\\', '\n', '\t', '\u0000', '#', ':', '\r\n', '\uD800', 'é', ',')) }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('deleteBracket' as const), nth: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
);

function apply(source: string, change: Mutation): string {
  switch (change.kind) {
    case 'truncate':
      return source.slice(0, change.at % (source.length + 1));
    case 'insert': {
      const at = change.at % (source.length + 1);
      return source.slice(0, at) + change.text + source.slice(at);
    }
    case 'swapLines': {
      const lines = source.split('\n');
      const a = change.a % lines.length;
      const b = change.b % lines.length;
      [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
      return lines.join('\n');
    }
    case 'deleteBracket': {
      const positions = [...source.matchAll(/[()[\]{}]/g)].map((match) => match.index);
      if (positions.length === 0) return source;
      const at = positions[change.nth % positions.length] as number;
      return source.slice(0, at) + source.slice(at + 1);
    }
    case 'duplicateLine': {
      const lines = source.split('\n');
      const at = change.at % lines.length;
      lines.splice(at, 0, lines[at] as string);
      return lines.join('\n');
    }
  }
}

function checkOperation(op: Operation, lines: number): void {
  expect(typeof op.type).toBe('string');
  expect(typeof op.known).toBe('boolean');
  expect(Array.isArray(op.extraArgs)).toBe(true);
  expect(Array.isArray(op.suppressed)).toBe(true);
  expect(op.span.line).toBeGreaterThanOrEqual(1);
  expect(op.span.endLine).toBeGreaterThanOrEqual(op.span.line);
  expect(op.span.endLine).toBeLessThanOrEqual(lines);
  for (const children of Object.values(op.children ?? {})) for (const child of children) checkOperation(child, lines);
}

function checkWellFormed(file: MigrationFile, source: string): void {
  const lines = source.split(/\r\n|\r|\n/).length;
  expect(file.path).toBe('shop/migrations/0002_mutant.py');
  expect(file.app).toBe('shop');
  expect(typeof file.hasMigrationClass).toBe('boolean');
  expect(file.initial === null || typeof file.initial === 'boolean').toBe(true);
  expect(file.atomic === null || typeof file.atomic === 'boolean').toBe(true);
  for (const dependency of file.dependencies) expect('setting' in dependency ? typeof dependency.setting : typeof dependency.app + typeof dependency.name).toMatch(/^string/);
  for (const op of file.operations) checkOperation(op, lines);
  for (const problem of file.problems) {
    expect(typeof problem.code).toBe('string');
    expect(problem.line).toBeGreaterThanOrEqual(0);
    expect(problem.line).toBeLessThanOrEqual(lines);
  }
  expect(file.problems.map((problem) => problem.code)).not.toContain('internal-error');
  // The JSON record must always serialise.
  expect(typeof JSON.stringify(toParseJson(file))).toBe('string');
}

beforeAll(async () => {
  await initParser();
});

describe('parseMigration on mutated real-looking input', () => {
  it('never throws and always returns a well-formed MigrationFile', () => {
    fc.assert(
      fc.property(fc.nat(SEEDS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, changes) => {
        const source = changes.reduce(apply, SEEDS[seed] as string);
        const file = parseMigration(source, { path: 'shop/migrations/0002_mutant.py' });
        checkWellFormed(file, source);
      }),
      { numRuns: 300, seed: 20240611 },
    );
  });

  it('parseSnippet never throws on mutated snippets', () => {
    fc.assert(
      fc.property(fc.nat(SEEDS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, changes) => {
        const source = changes.reduce(apply, SEEDS[seed] as string);
        const body = source.slice(Math.max(0, source.indexOf('operations')));
        const file = parseSnippet(body, { path: 'shop/migrations/0002_mutant.py' });
        if (file) checkWellFormed(file, body.startsWith('[') ? `operations = ${body}` : body);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
