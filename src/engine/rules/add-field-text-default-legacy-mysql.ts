import { defineRule } from './types.js';
import { databaseName } from './_lib/databases.js';
import { existingRowFill, isTextOrBlobField } from './_lib/defaults.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addNullable: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="product",', '    name="notes",', '    field=models.TextField(null=True),', '),'],
};

const backfill: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  preamble: [
    'def fill_notes(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        while True:',
    '            cursor.execute("UPDATE shop_product SET notes = \'\' WHERE notes IS NULL LIMIT 5000")',
    '            if cursor.rowcount == 0:',
    '                break',
  ].join('\n'),
  nonAtomicBecause: 'each batch commits on its own',
  dependsOn: '0042_product_notes',
  operations: ['migrations.RunPython(fill_notes, migrations.RunPython.noop, atomic=False),'],
};

export default defineRule({
  id: 'add-field-text-default-legacy-mysql',
  severity: 'info',
  databases: { mysql: '<8.0.13', mariadb: '<10.2.1' },
  category: 'locking',
  risk: 'rewrite',
  summary: 'On MySQL < 8.0.13 / MariaDB < 10.2.1, AddField of a TextField/BinaryField/JSONField with a default runs one UPDATE over the whole table.',
  messages: {
    fullTableUpdate:
      'AddField `{{field}}` on `{{model}}` is a {{type}} with a default ({{value}}): {{database}} {{version}} cannot store a default on TEXT/BLOB columns, so Django fills existing rows with a single UPDATE over the whole table.',
  },
  why: [
    'MySQL before 8.0.13 and MariaDB before 10.2.1 do not accept a DEFAULT on TEXT, BLOB or JSON columns. Django',
    'therefore adds the column without a default and then runs `UPDATE <table> SET <column> = <default>` to',
    'simulate it. That one statement touches every row: it holds row locks on the whole table until it commits,',
    'fills the undo log and the binary log, and replicas fall behind while they replay it. Without transactional DDL,',
    'a failure leaves the column added but only partly filled.',
  ].join('\n'),
  safeAlternative: [
    'Add the column as nullable without a default, then fill it in small committed batches:',
    '',
    '1. Add the column (instant or in-place, no UPDATE):',
    '',
    migrationFile('shop/migrations/0042_product_notes.py', addNullable),
    '',
    '2. Deploy code that writes the value for new rows (a Python `default=` on the model field does that), then',
    '   backfill existing rows:',
    '',
    migrationFile('shop/migrations/0043_fill_product_notes.py', backfill),
    '',
    'Verify: `SELECT count(*) FROM shop_product WHERE notes IS NULL;` returns 0, and `SHOW SLAVE STATUS` (or',
    '`SHOW REPLICA STATUS`) shows replicas caught up between batches.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the column.',
  ].join('\n'),
  links: ['https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      if (!isTextOrBlobField(op.field)) return;
      const fill = existingRowFill(op.field);
      if (!fill) return;
      ctx.report({
        messageId: 'fullTableUpdate',
        op, arg: 'field',
        data: { field: op.name ?? 'unknown', model: modelLabel(visit), type: op.field.type, value: fill.value, database: databaseName(ctx.settings.database), version: ctx.settings.versionText },
      });
    });
  },
  cases: {
    bad: [
      {
        name: 'TextField with a default on MySQL 5.7',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="notes",
            field=models.TextField(default=""),
        ),
    ]
`,
        path: 'shop/migrations/0042_product_notes.py',
        settings: { database: 'mysql', databaseVersion: '5.7.44' },
        expect: [{ messageId: 'fullTableUpdate', line: 11 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: nullable TextField', code: migrationSource(addNullable), path: 'shop/migrations/0042_product_notes.py', settings: { database: 'mysql', databaseVersion: '5.7.44' } },
      {
        name: 'CharField default is stored by the server',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="code",
            field=models.CharField(default="", max_length=16),
        ),
    ]
`,
        path: 'shop/migrations/0042_product_code.py',
        settings: { database: 'mariadb', databaseVersion: '10.1.48' },
      },
      {
        name: 'TextField with a default on a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[("id", models.AutoField(primary_key=True, serialize=False))],
        ),
        migrations.AddField(
            model_name="product",
            name="notes",
            field=models.TextField(default=""),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
        settings: { database: 'mysql', databaseVersion: '5.7.44' },
      },
    ],
  },
});
