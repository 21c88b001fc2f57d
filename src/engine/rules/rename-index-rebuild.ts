import { defineRule } from './types.js';
import { databaseName } from './_lib/databases.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';
import { asItems, asString } from './_lib/values.js';

export default defineRule({
  id: 'rename-index-rebuild',
  severity: 'info',
  databases: { sqlite: '*', mariadb: '<10.5.2' },
  category: 'locking',
  risk: 'index-build',
  summary: 'RenameIndex drops and rebuilds the index on SQLite and MariaDB < 10.5.2 (no rename statement there).',
  messages: {
    dropsAndRebuilds:
      'RenameIndex on `{{model}}` ({{from}} → `{{to}}`): {{database}} has no statement to rename an index, so Django drops it and builds it again over every row of the table.',
  },
  why: [
    'Django renames an index with `ALTER INDEX … RENAME` / `ALTER TABLE … RENAME INDEX` where the database has one.',
    'SQLite has none, and MariaDB only gained `RENAME INDEX` in 10.5.2, so on those Django removes the index and',
    'creates the new one: a full index build, not a catalog change. On a large MariaDB table the build holds a',
    'metadata lock at its start and end, queries that relied on the index run without it until the build ends,',
    'and MariaDB cannot roll the pair back if the build fails. makemigrations writes RenameIndex when a model',
    'moves from `index_together` to `Meta.indexes` (Django 4.1+), so it appears in otherwise harmless upgrades.',
  ].join('\n'),
  safeAlternative: [
    'When the rename is only bookkeeping (typically `index_together` → `Meta.indexes`), keep the index name the',
    'database already has and tell only Django\'s state about the move:',
    '',
    '1. Find the current name: `SHOW INDEX FROM shop_order;` (MariaDB) or `PRAGMA index_list(shop_order);` (SQLite).',
    '2. Give the new `models.Index` in `Meta.indexes` exactly that name.',
    '3. Wrap the generated RenameIndex so it changes the state but runs no SQL:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            state_operations=[',
    '                migrations.RenameIndex(',
    '                    model_name="order",',
    '                    new_name="shop_order_status_4b1f27_idx",  # the name the database already uses',
    '                    old_fields=("status", "created_at"),',
    '                ),',
    '            ],',
    '            database_operations=[],  # nothing to do: the index keeps its name',
    '        ),',
    '    ]',
    '```',
    '',
    '4. Check with `python manage.py makemigrations --check --dry-run` (no changes expected).',
    '',
    'If the name must change, run the migration in a quiet window, or upgrade MariaDB to 10.5.2+ first, where the',
    'same migration becomes a metadata-only rename.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#renameindex'],
  operationTypes: ['RenameIndex'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const oldName = op.oldName ?? asString(op.args['old_name']);
      const oldFields = asItems(op.args['old_fields'])?.map((item) => asString(item) ?? '?');
      const from = oldName ? `\`${oldName}\`` : oldFields ? `index on (${oldFields.join(', ')})` : 'old index';
      const to = op.name ?? asString(op.args['new_name']) ?? 'new name';
      const database = ctx.settings.database === 'mariadb' ? `MariaDB ${ctx.settings.versionText}` : databaseName(ctx.settings.database);
      ctx.report({ messageId: 'dropsAndRebuilds', op, data: { model: modelLabel(visit), from, to, database } });
    });
  },
  cases: {
    bad: [
      {
        name: 'index_together moved to Meta.indexes on SQLite',
        path: 'shop/migrations/0042_rename_order_index.py',
        settings: { database: 'sqlite' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RenameIndex(
            model_name="order",
            new_name="shop_order_status_idx",
            old_fields=("status", "created_at"),
        ),
    ]
`,
        expect: [{ messageId: 'dropsAndRebuilds', line: 8 }],
      },
      {
        name: 'rename by name on MariaDB 10.4',
        path: 'shop/migrations/0042_rename_order_index.py',
        settings: { database: 'mariadb', databaseVersion: '10.4.30' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RenameIndex(model_name="order", new_name="shop_order_status_idx", old_name="shop_order_status_5a1e2f_idx"),
    ]
`,
        expect: [{ messageId: 'dropsAndRebuilds', line: 8 }],
      },
    ],
    good: [
      {
        name: 'MariaDB 10.5.2+ renames in place',
        path: 'shop/migrations/0042_rename_order_index.py',
        settings: { database: 'mariadb', databaseVersion: '10.6.12' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RenameIndex(model_name="order", new_name="shop_order_status_idx", old_name="shop_order_status_5a1e2f_idx"),
    ]
`,
      },
      {
        name: 'state-only rename keeps the database index (SQLite)',
        path: 'shop/migrations/0042_rename_order_index.py',
        settings: { database: 'sqlite' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameIndex(model_name="order", new_name="shop_order_status_4b1f27_idx", old_fields=("status", "created_at")),
            ],
            database_operations=[],
        ),
    ]
`,
      },
      {
        name: 'PostgreSQL renames in place',
        path: 'shop/migrations/0042_rename_order_index.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RenameIndex(model_name="order", new_name="shop_order_status_idx", old_name="shop_order_status_5a1e2f_idx"),
    ]
`,
      },
    ],
  },
});
