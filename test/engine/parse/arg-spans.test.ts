/** `Operation.argSpans`: the place of each argument's value, the same from both readers. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';
import { literalReaderCounts } from '../../../src/engine/parse/literal-module.js';
import { useLiteralReader } from '../../../src/engine/parse/migration.js';
import type { Operation, SourceSpan } from '../../../src/engine/types.js';

const PATH = 'shop/migrations/0002_change.py';

/** The text a span covers, from 1-based lines and columns (end column exclusive). */
function covered(source: string, span: SourceSpan): string {
  const lines = source.split('\n');
  if (span.line === span.endLine) return (lines[span.line - 1] as string).slice(span.column - 1, span.endColumn - 1);
  const first = (lines[span.line - 1] as string).slice(span.column - 1);
  const middle = lines.slice(span.line, span.endLine - 1);
  const last = (lines[span.endLine - 1] as string).slice(0, span.endColumn - 1);
  return [first, ...middle, last].join('\n');
}

function argTexts(source: string, op: Operation): Record<string, string> {
  return Object.fromEntries(Object.entries(op.argSpans ?? {}).map(([name, span]) => [name, covered(source, span)]));
}

beforeAll(async () => {
  await initParser();
});

afterEach(() => {
  useLiteralReader(true);
});

const SOURCE = [
  'from django.db import migrations, models',
  '',
  '',
  'class Migration(migrations.Migration):',
  '    operations = [',
  '        migrations.AddField(',
  '            "order", name=("note"),',
  '            field=models.TextField(',
  '                null=False,  # a comment',
  '            ),',
  '        ),',
  '        migrations.RunSQL("SELECT 1", *EXTRA, reverse_sql=migrations.RunSQL.noop, hints={"x": 1}),',
  '        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Legacy")]),',
  '        Custom("a", b=1),',
  '    ]',
  '',
].join('\n');

describe.each([
  ['the literal reader', true],
  ['the tree-sitter reader', false],
])('argument spans from %s', (_name, literal) => {
  it('cover the value of every keyword and mapped positional argument, not the name', () => {
    useLiteralReader(literal);
    const read = literalReaderCounts.read;
    const [addField, runSql, separate, custom] = parseMigration(SOURCE, { path: PATH }).operations as Operation[];
    expect(literalReaderCounts.read - read).toBe(literal ? 1 : 0);
    expect(argTexts(SOURCE, addField as Operation)).toEqual({
      model_name: '"order"',
      name: '("note")',
      field: 'models.TextField(\n                null=False,  # a comment\n            )',
    });
    expect((addField as Operation).argSpans?.['model_name']).toEqual({ line: 7, column: 13, endLine: 7, endColumn: 20 });
    // A starred argument is not mapped to a name, so it has no span.
    expect(argTexts(SOURCE, runSql as Operation)).toEqual({ sql: '"SELECT 1"', reverse_sql: 'migrations.RunSQL.noop', hints: '{"x": 1}' });
    expect(argTexts(SOURCE, (separate as Operation).children?.['state_operations']?.[0] as Operation)).toEqual({ name: '"Legacy"' });
    // Unknown operations keep positional arguments unnamed; keyword ones are still placed.
    expect(argTexts(SOURCE, custom as Operation)).toEqual({ b: '1' });
  });

  it('place every argument in `args`, in the same order', () => {
    useLiteralReader(literal);
    const visit = (ops: Operation[]): void => {
      for (const op of ops) {
        expect(Object.keys(op.argSpans ?? {})).toEqual(Object.keys(op.args));
        for (const children of Object.values(op.children ?? {})) visit(children);
      }
    };
    visit(parseMigration(SOURCE, { path: PATH }).operations);
  });
});
