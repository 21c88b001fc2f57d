import { beforeAll, describe, expect, it } from 'vitest';
import { appLabelFromPath, initParser, parseAppConfigLabel, parseMigration, parseSnippet, toParseJson } from '../../../src/engine/parse/index.js';

beforeAll(async () => {
  await initParser();
});

describe('initParser', () => {
  it('is idempotent', async () => {
    await Promise.all([initParser(), initParser()]);
    expect(parseMigration('class Migration(migrations.Migration):\n    pass\n', { path: 'a/migrations/0001_x.py' }).hasMigrationClass).toBe(true);
  });
});

describe('appLabelFromPath', () => {
  it.each([
    ['shop/migrations/0001_initial.py', 'shop'],
    ['src/apps/shop/migrations/0002_x.py', 'shop'],
    ['C:\\work\\project\\billing\\migrations\\0003_y.py', 'billing'],
    ['test/fixtures/migrations/blog/migrations/0001_initial.py', 'blog'],
    ['/repo/migrations/shop/migrations/0001_initial.py', 'shop'],
    ['legacy/0001_initial.py', 'legacy'],
    ['0001_initial.py', ''],
  ])('%s → %s', (path, label) => {
    expect(appLabelFromPath(path)).toBe(label);
  });

  it('prefers the label the caller read from apps.py and normalises separators', () => {
    const file = parseMigration('class Migration(migrations.Migration):\n    pass\n', { path: 'src\\shop\\migrations\\0001_initial.py', appLabel: 'store' });
    expect(file).toMatchObject({ path: 'src/shop/migrations/0001_initial.py', app: 'store', name: '0001_initial' });
  });
});

describe('parseAppConfigLabel', () => {
  it('reads the label of an AppConfig subclass', () => {
    const source = ['from django.apps import AppConfig', '', '', 'class Helper:', '    label = "not-this"', '', '', 'class ShopConfig(AppConfig):', '    name = "project.shop"', "    label = 'store'", ''].join('\n');
    expect(parseAppConfigLabel(source)).toBe('store');
  });

  it('returns null when no label is declared or the text is not Python', () => {
    expect(parseAppConfigLabel('from django.apps import AppConfig\nclass ShopConfig(AppConfig):\n    name = "shop"\n')).toBeNull();
    expect(parseAppConfigLabel('\u0000\u0001 label = ((')).toBeNull();
    expect(parseAppConfigLabel('')).toBeNull();
  });
});

describe('parseSnippet', () => {
  it('reads a whole file pasted in a code fence', () => {
    const text = 'Is this safe?\n```python\nfrom django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    dependencies = [("shop", "0041_x")]\n    operations = [migrations.AddField("order", "note", models.TextField(null=True))]\n```\nthanks';
    const file = parseSnippet(text);
    expect(file).not.toBeNull();
    expect(file?.dependencies).toEqual([{ app: 'shop', name: '0041_x', line: 4 }]);
    expect(file?.operations.map((op) => [op.type, op.model, op.name, op.span.line])).toEqual([['AddField', 'order', 'note', 5]]);
    expect(file?.problems).toEqual([]);
  });

  it('reads `operations = [...]` copied from inside a class (indented, first line not)', () => {
    const text = 'operations = [\n        migrations.AddField(\n            model_name="order",\n            name="paid",\n            field=models.BooleanField(default=False),\n        ),\n    ]\n\n    dependencies = [("shop", "0001_initial")]';
    const file = parseSnippet(text);
    expect(file?.operations.map((op) => [op.type, op.name, op.span.line])).toEqual([['AddField', 'paid', 2]]);
    expect(file?.dependencies).toEqual([{ app: 'shop', name: '0001_initial', line: 9 }]);
    expect(file?.hasMigrationClass).toBe(true);
  });

  it('reads bare operation calls, with or without commas, keeping the pasted line numbers', () => {
    const bare = parseSnippet('migrations.AddIndex(\n    model_name="order",\n    index=models.Index(fields=["created"], name="order_created_idx"),\n)\nmigrations.RemoveField("order", "legacy")\n');
    expect(bare?.operations.map((op) => [op.type, op.span.line])).toEqual([
      ['AddIndex', 1],
      ['RemoveField', 5],
    ]);
    const listed = parseSnippet('[\n  migrations.DeleteModel("Old"),\n  RunSQL("DROP TABLE x", reverse_sql=migrations.RunSQL.noop),\n]');
    expect(listed?.operations.map((op) => [op.type, op.known, op.span.line])).toEqual([
      ['DeleteModel', true, 2],
      ['RunSQL', true, 3],
    ]);
    expect(listed?.operations[1]?.reverseSql).toEqual([]);
  });

  it('returns null for text without migration content', () => {
    expect(parseSnippet('How do I squash migrations?')).toBeNull();
    expect(parseSnippet('```\nprint("hello")\n```')).toBeNull();
    expect(parseSnippet('')).toBeNull();
    expect(parseSnippet('Traceback (most recent call last):\n  File "manage.py", line 22\ndjango.db.migrations.exceptions.NodeNotFoundError: x')).toBeNull();
  });

  it('uses the path it is given', () => {
    expect(parseSnippet('migrations.DeleteModel("Old")', { path: 'shop/migrations/0042_drop.py' })).toMatchObject({ app: 'shop', name: '0042_drop' });
  });
});

describe('toParseJson', () => {
  it('emits the documented record', () => {
    const source = [
      'from django.conf import settings',
      'from django.db import migrations, models',
      'import django.db.models.deletion',
      '',
      'def forwards(apps, schema_editor):',
      '    pass',
      '',
      'class Migration(migrations.Migration):',
      '    atomic = False',
      '    replaces = [("shop", "0001_a"), ("shop", "0002_b")]',
      '    run_before = [("other", "0001_initial")]',
      '    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL), ("shop", "0002_b")]',
      '    operations = [',
      '        migrations.AddField("order", "buyer", models.ForeignKey(settings.AUTH_USER_MODEL, django.db.models.deletion.CASCADE, null=True)),',
      '        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[migrations.DeleteModel("Legacy")]),',
      '        migrations.RunPython(forwards, lambda apps, editor: None),',
      '        migrations.RunSQL([("SELECT %s", [1.5, None, True])]),',
      '        custom.Operation(1, type="x"),',
      '    ]',
    ].join('\n');
    const json = toParseJson(parseMigration(source, { path: 'shop/migrations/0003_c.py' }));
    expect(json).toEqual({
      path: 'shop/migrations/0003_c.py',
      app: 'shop',
      name: '0003_c',
      hasMigrationClass: true,
      dependencies: [{ setting: 'AUTH_USER_MODEL' }, { app: 'shop', name: '0002_b' }],
      replaces: [
        { app: 'shop', name: '0001_a' },
        { app: 'shop', name: '0002_b' },
      ],
      runBefore: [{ app: 'other', name: '0001_initial' }],
      initial: null,
      atomic: false,
      operations: [
        { type: 'AddField', model_name: 'order', name: 'buyer', field: { type: 'ForeignKey', to: 'settings.AUTH_USER_MODEL', on_delete: 'django.db.models.deletion.CASCADE', null: true } },
        { type: 'SeparateDatabaseAndState', database_operations: [], state_operations: [{ type: 'DeleteModel', name: 'Legacy' }] },
        { type: 'RunPython', code: 'forwards', reverse_code: { expr: 'lambda apps, editor: None' } },
        { type: 'RunSQL', sql: [['SELECT %s', [1.5, null, true]]] },
        { type: 'Operation', 'kw:type': 'x', args: [1] },
      ],
      problems: [],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('suppression comments', () => {
  it('reads bare ignore-file as every rule, ignores markers inside strings, and keeps free text out of ids', () => {
    const source = [
      '# migrate-help: ignore-file',
      'from django.db import migrations',
      'class Migration(migrations.Migration):',
      '    operations = [',
      '        migrations.RunSQL("SELECT 1 -- # migrate-help: ignore fake-rule"),',
      '        migrations.RunSQL("SELECT 2"),  # migrate-help: ignore run-sql-lock -- reviewed by DBA',
      '        migrations.RunSQL("SELECT 3"),  # migrate-help: ignore',
      '    ]',
    ].join('\n');
    const file = parseMigration(source, { path: 'a/migrations/0001_x.py' });
    expect(file.fileSuppressions).toEqual(['*']);
    expect(file.operations.map((op) => op.suppressed)).toEqual([[], ['run-sql-lock'], ['*']]);
    expect(file.suppressionComments).toEqual([
      { line: 1, ids: ['*'], scope: 'file' },
      { line: 6, ids: ['run-sql-lock'], scope: 'operation' },
      { line: 7, ids: ['*'], scope: 'operation' },
    ]);
  });
});

describe('never throws', () => {
  it.each([
    ['empty', ''],
    ['binary junk', '\u0000\u0001\u0002\uFFFD\uD800 PK\u0003\u0004 class Migration(('],
    ['deep nesting', `class Migration(migrations.Migration):\n    operations = ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
    ['deep call nesting', `class Migration(migrations.Migration):\n    operations = [migrations.RunPython(${'f('.repeat(3000)}${')'.repeat(3000)})]\n`],
    ['only a comment', '# migrate-help: ignore x'],
    ['python 2 syntax', 'class Migration(migrations.Migration):\n    print "hi"\n    operations = [migrations.DeleteModel(u"A")]\n'],
  ])('%s', (_name, source) => {
    const file = parseMigration(source, { path: 'x/migrations/0001_a.py' });
    expect(file.path).toBe('x/migrations/0001_a.py');
    expect(Array.isArray(file.problems)).toBe(true);
  });

  it('reads a python 2 file as far as it can', () => {
    const file = parseMigration('class Migration(migrations.Migration):\n    print "hi"\n    operations = [migrations.DeleteModel(u"A")]\n', { path: 'x/migrations/0001_a.py' });
    expect(file.operations.map((op) => [op.type, op.model])).toEqual([['DeleteModel', 'A']]);
  });

  it('refuses non-string input and oversized files with a problem', () => {
    expect(parseMigration(undefined as unknown as string, { path: 'a.py' }).problems[0]?.code).toBe('unreadable-source');
    const huge = 'x'.repeat(17 * 1024 * 1024);
    expect(parseMigration(huge, { path: 'a.py' }).problems[0]?.code).toBe('file-too-large');
  });
});
