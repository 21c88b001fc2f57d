/**
 * The rule API as a rule author meets it: `ctx.each` subscriptions (typed by `operationTypes`,
 * enforced at run time), the state before each operation, stopping a walk, and the range a
 * finding carries (the operation, the argument at fault, or a bare line). Driven with small rules
 * on real parsed files.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/engine/analyze.js';
import { initParser, parseMigration } from '../../src/engine/parse/index.js';
import { defineRule } from '../../src/engine/rules/types.js';
import type { Finding, Rule } from '../../src/engine/rules/types.js';
import type { MigrationFile, Operation } from '../../src/engine/types.js';

const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Book",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
    ]
`;

const CHANGE = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="book",
            name="isbn",
            field=models.CharField(max_length=13, null=True),
        ),
        migrations.RunSQL("SELECT 1", migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="book", name="pages", field=models.IntegerField(null=True)),
            ],
        ),
        migrations.AlterField(model_name="book", name="isbn", field=models.CharField(max_length=17, null=True)),
    ]
`;

const PATHS = { initial: 'library/migrations/0001_initial.py', change: 'library/migrations/0002_change.py' };

function files(): MigrationFile[] {
  return [parseMigration(INITIAL, { path: PATHS.initial }), parseMigration(CHANGE, { path: PATHS.change })];
}

const base: Pick<Rule, 'severity' | 'databases' | 'category' | 'summary' | 'why' | 'safeAlternative' | 'cases'> = {
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'hygiene',
  summary: 'test rule',
  why: 'test',
  safeAlternative: '```python\npass\n```',
  cases: { bad: [], good: [] },
};

function run(rule: Rule, parsed: MigrationFile[] = files()): Finding[] {
  return analyze(parsed, { database: 'postgresql' }, { rules: [rule], targets: [PATHS.change] }).findings;
}

beforeAll(async () => {
  await initParser();
});

describe('ctx.each', () => {
  it('visits the subscribed types in execution order, nested ones included, with the state before each', () => {
    const seen: string[] = [];
    const rule = defineRule({
      ...base,
      id: 'each-order',
      messages: { saw: 'saw' },
      operationTypes: ['AddField', 'AlterField'],
      check(ctx) {
        ctx.each((op, before, visit) => {
          const fields = [...(before.model('library', 'book')?.fields.keys() ?? [])].join(',');
          seen.push(`${op.type} ${op.name} db=${visit.dbEffective} fields=${fields}`);
        });
      },
    });
    expect(run(rule)).toEqual([]);
    expect(seen).toEqual(['AddField isbn db=true fields=id', 'AddField pages db=false fields=id,isbn', 'AlterField isbn db=true fields=id,isbn,pages']);
  });

  it('takes one type or a list of types among the declared ones', () => {
    const seen: string[] = [];
    const rule = defineRule({
      ...base,
      id: 'each-subset',
      messages: { saw: 'saw' },
      operationTypes: ['AddField', 'AlterField', 'RunSQL'],
      check(ctx) {
        ctx.each('RunSQL', (op) => {
          seen.push(op.type);
        });
        ctx.each(['AlterField'], (op) => {
          seen.push(op.type);
        });
      },
    });
    run(rule);
    expect(seen).toEqual(['RunSQL', 'AlterField']);
  });

  it('stops the walk when the handler returns false', () => {
    const rule = defineRule({
      ...base,
      id: 'each-stop',
      messages: { first: 'first {{name}}' },
      operationTypes: ['AddField'],
      check(ctx) {
        ctx.each((op) => {
          ctx.report({ messageId: 'first', op, data: { name: op.name ?? '?' } });
          return false;
        });
      },
    });
    expect(run(rule).map((finding) => finding.message)).toEqual(['first isbn']);
  });

  it('refuses a subscription outside operationTypes: an internal error, not a silently skipped check', () => {
    const rule = defineRule({
      ...base,
      id: 'each-undeclared',
      messages: { saw: 'saw' },
      operationTypes: ['AddField'],
      check(ctx) {
        // @ts-expect-error the compiler refuses a type the rule did not declare
        ctx.each('RunSQL', () => undefined);
      },
    });
    const [finding] = run(rule);
    expect(finding?.ruleId).toBe('internal-error');
    expect(finding?.message).toContain("ctx.each('RunSQL') is not among the rule's operationTypes");
  });

  it('without types needs declared operationTypes', () => {
    const rule = defineRule({
      ...base,
      id: 'each-untyped',
      messages: { saw: 'saw' },
      check(ctx) {
        ctx.each(() => undefined);
      },
    });
    expect(run(rule)[0]?.message).toContain('ctx.each without types needs the rule to declare operationTypes');
  });
});

describe('finding ranges', () => {
  const pointing = (arg?: string, line?: (op: Operation) => number) =>
    defineRule({
      ...base,
      id: 'range-probe',
      messages: { here: 'here' },
      operationTypes: ['AddField'],
      check(ctx) {
        ctx.each((op, _before, visit) => {
          if (visit.dbEffective) ctx.report({ messageId: 'here', op, ...(arg ? { arg } : {}), ...(line ? { line: line(op) } : {}) });
        });
      },
    });

  it('spans the operation: line, column, end line and end column of the call', () => {
    const parsed = files();
    const op = parsed[1]!.operations[0]!;
    const [finding] = run(pointing(), parsed);
    expect(op.span).toMatchObject({ line: 8, column: 9, endLine: 12 });
    expect(finding).toMatchObject({ line: op.span.line, column: op.span.column, endLine: op.span.endLine, endColumn: op.span.endColumn });
  });

  it('points at the argument at fault when the parser placed it', () => {
    const parsed = files();
    const op = parsed[1]!.operations[0]!;
    const fieldSpan = { line: 11, column: 19, endLine: 11, endColumn: 61 };
    op.argSpans = { ...op.argSpans, field: fieldSpan };
    const [finding] = run(pointing('field'), parsed);
    expect(finding).toMatchObject({ line: 11, column: 19, endLine: 11, endColumn: 61 });
  });

  it('falls back to the operation for an argument without a place', () => {
    const parsed = files();
    const op = parsed[1]!.operations[0]!;
    const [finding] = run(pointing('no_such_argument'), parsed);
    expect(finding).toMatchObject({ line: op.span.line, column: op.span.column, endLine: op.span.endLine, endColumn: op.span.endColumn });
  });

  it('keeps an explicit other line without columns', () => {
    const [finding] = run(pointing(undefined, (op) => op.span.line + 2));
    expect(finding?.line).toBe(10);
    expect(finding).not.toHaveProperty('column');
    expect(finding).not.toHaveProperty('endLine');
    expect(finding).not.toHaveProperty('endColumn');
  });
});

describe('docs/writing-rules.md', () => {
  it('shows the shipped add-field-index module, character for character', () => {
    const doc = readFileSync(new URL('../../docs/writing-rules.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## A complete example: `add-field-index`'));
    const example = /```ts\n([\s\S]*?)\n```\n/.exec(section)?.[1];
    const source = readFileSync(new URL('../../src/engine/rules/add-field-index.ts', import.meta.url), 'utf8');
    expect(example).toBe(source.trimEnd());
  });
});
