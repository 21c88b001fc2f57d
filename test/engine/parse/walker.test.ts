import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastWalkerActive, usePublicWalkerOnly } from '../../../src/engine/parse/grammar.js';
import { initParser, parseMigration, parseSnippet } from '../../../src/engine/parse/index.js';
import { cursorExports } from '../../../src/engine/parse/walker.js';

const ROOT = fileURLToPath(new URL('../../fixtures/migrations/', import.meta.url));

function fixtureSources(): Array<{ path: string; source: string }> {
  const found: Array<{ path: string; source: string }> = [];
  for (const app of readdirSync(ROOT).sort()) {
    for (const name of readdirSync(`${ROOT}${app}/migrations`).sort()) {
      if (name.endsWith('.py')) found.push({ path: `${app}/migrations/${name}`, source: readFileSync(`${ROOT}${app}/migrations/${name}`, 'utf8') });
    }
  }
  return found;
}

/** Both walkers on the same input: the fast one must give exactly what the public TreeCursor API gives. */
function bothWays(source: string, path: string): [unknown, unknown] {
  usePublicWalkerOnly(true);
  const slow = parseMigration(source, { path });
  usePublicWalkerOnly(false);
  const fast = parseMigration(source, { path });
  return [fast, slow];
}

const TRICKY = [
  // Syntax errors: ERROR nodes inside values, a truncated list, a missing bracket.
  'class Migration(migrations.Migration):\n    operations = [\n        migrations.AddField("a", "b", models.CharField(max_length=(,\n        migrations.RemoveField("a", "c"),\n',
  'class Migration(migrations.Migration):\n    dependencies = [("a", "0001")\n    operations = [migrations.RunSQL("SELECT 1")]\n',
  // Deep nesting beyond the reader's depth guard.
  `X = ${'['.repeat(150)}1${']'.repeat(150)}\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(f, X)]\n`,
  // Unicode identifiers and strings, CRLF line ends, comments between arguments.
  'from django.db import migrations\r\nclass Migration(migrations.Migration):\r\n    operations = [\r\n        migrations.AlterField(  # note\r\n            model_name="café", name="naïve", field=models.TextField(help_text="日本語 \\u00e9"),\r\n        ),\r\n    ]\r\n',
  // Nested functions, lambdas, comprehensions and batches in a RunPython body.
  'def forwards(apps, schema_editor):\n    def handler(sender=None, **kwargs):\n        M = kwargs["apps"].get_model("x", "Y")\n        M.objects.update(a=1)\n    post_migrate.connect(handler)\n    for row in apps.get_model("a", "B").objects.all()[:100]:\n        row.save()\n    schema_editor.execute("SELECT 1")\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(forwards, lambda apps, se: None)]\n',
];

beforeAll(async () => {
  await initParser();
});

afterEach(() => {
  usePublicWalkerOnly(false);
});

describe('the fast tree walker', () => {
  it('is active with the installed web-tree-sitter (its self-test passed)', () => {
    expect(fastWalkerActive()).toBe(true);
  });

  it('reads every fixture exactly as the public TreeCursor API does', () => {
    for (const { path, source } of fixtureSources()) {
      const [fast, slow] = bothWays(source, path);
      expect(fast, path).toEqual(slow);
    }
  });

  it.each(TRICKY.map((source, index) => [index, source]))('reads tricky input %i the same way', (_index, source) => {
    const [fast, slow] = bothWays(source as string, 'app/migrations/0001_x.py');
    expect(fast).toEqual(slow);
  });

  it('reads arbitrary text the same way and keeps working afterwards (the cursor is handed back intact)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('', 'class Migration(migrations.Migration):\n    operations = [', 'def f(apps, schema_editor):\n    '), (text, prefix) => {
        const [fast, slow] = bothWays(prefix + text, 'app/migrations/0001_x.py');
        expect(fast).toEqual(slow);
      }),
      { numRuns: 150 },
    );
    expect(parseSnippet('migrations.AddField("a", "b", models.IntegerField(default=0))')?.operations[0]?.type).toBe('AddField');
  });

  it('is not used when the wasm module lacks what it needs', () => {
    expect(cursorExports(null)).toBeNull();
    expect(cursorExports({ HEAP32: new Int32Array(4) })).toBeNull();
    expect(cursorExports({ _ts_init: () => 0 })).toBeNull();
  });
});
