import { defineRule } from './types.js';
import { runPythonCallables, withHelpers } from './_lib/runpython.js';
import { excerpt, splitSqlStatements, statementTable } from './_lib/sql.js';
import type { SqlStatement } from './_lib/sql.js';

type TableChange = 'drops' | 'renames';

/** DROP TABLE / TRUNCATE (rows gone) or a table rename (`ALTER TABLE … RENAME TO`, MySQL `RENAME TABLE`). */
function tableChange(statement: SqlStatement): TableChange | undefined {
  const s = statement.masked;
  if (/^(DROP TABLE|TRUNCATE)\b/.test(s)) return 'drops';
  if (/^RENAME TABLE\b/.test(s) || (/^ALTER TABLE\b/.test(s) && /\bRENAME TO\b/.test(s))) return 'renames';
  return undefined;
}

export default defineRule({
  id: 'runpython-raw-table-ddl',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  summary: 'A RunPython function drops, truncates or renames a table through a raw cursor, out of sight of Django\'s state and of the other rules.',
  messages: {
    drops:
      '`{{function}}` runs `{{statement}}` through a raw cursor: the rows of `{{table}}` are gone, Django\'s state still lists the model, and the reverse of this RunPython cannot bring them back.',
    renames:
      '`{{function}}` runs `{{statement}}` through a raw cursor: the old code still queries `{{table}}` and fails until the rollout ends, and Django\'s state still has the old table name.',
  },
  why: [
    'SQL sent with `schema_editor.execute(…)` or `connection.cursor().execute(…)` inside a RunPython is invisible to',
    'Django\'s migration state and to the operation-level checks: a `DROP TABLE` there loses every row without the',
    '`DeleteModel` that would make the loss visible in review (and in `delete-model`), and the state still describes the',
    'table, so later migrations and `makemigrations` disagree with the database. A rename breaks every running process',
    'that still uses the old name, exactly like `RenameModel` without a pinned `db_table`, but nothing says so.',
  ].join('\n'),
  safeAlternative: [
    'Use the operation that says what happens, so review, Django\'s state and these checks all see it. To drop a table',
    'Django no longer models, drop it in a RunSQL that keeps state in step (after the code stopped using it, and after a',
    'backup):',
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
    '            state_operations=[migrations.DeleteModel(name="LegacyCoupon")],',
    '            database_operations=[',
    '                migrations.RunSQL(',
    '                    sql="DROP TABLE IF EXISTS shop_legacycoupon;",',
    '                    reverse_sql=migrations.RunSQL.noop,  # the rows come back from the backup only',
    '                ),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    'For a rename, pin the old name with `db_table` instead, or follow `rename-model-table`. Verify with',
    '`python manage.py sqlmigrate shop 0042_drop_legacy_coupon` and `python manage.py makemigrations --check`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql'],
  operationTypes: ['RunPython'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      for (const { fn, slot } of runPythonCallables(op, ctx.migration)) {
        if (!fn || slot !== 'code') continue;
        for (const body of withHelpers(fn, ctx.migration)) {
          for (const { sql, line } of body.executedSql) {
            for (const statement of splitSqlStatements(sql)) {
              const change = tableChange(statement);
              if (!change) continue;
              ctx.report({ messageId: change, line, severity: change === 'renames' ? 'warning' : undefined, data: { function: body.name, statement: excerpt(statement, 60), table: statementTable(statement) ?? renamedTable(statement) ?? 'the table' } });
            }
          }
        }
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'schema_editor.execute("DROP TABLE …") and a cursor rename',
        code: `from django.db import migrations


def drop_legacy(apps, schema_editor):
    schema_editor.execute("DROP TABLE shop_legacycoupon")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE shop_voucher RENAME TO shop_giftcard")


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunPython(drop_legacy, migrations.RunPython.noop),
    ]
`,
        path: 'shop/migrations/0042_drop_legacy.py',
        expect: [
          { messageId: 'drops', line: 5 },
          { messageId: 'renames', line: 7 },
        ],
      },
    ],
    good: [
      {
        name: 'raw cursor for data only',
        code: `from django.db import migrations


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE shop_order SET channel = 'web' WHERE channel IS NULL AND id < 1000")


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
`,
        path: 'shop/migrations/0042_fill_channel.py',
      },
    ],
  },
});

/** The table of `RENAME TABLE a TO b` (MySQL), which statementTable does not read. */
function renamedTable(statement: SqlStatement): string | undefined {
  const match = /^\s*RENAME\s+TABLE\s+([\w."`$]+)/i.exec(statement.code);
  return match?.[1]?.replace(/["`]/g, '').toLowerCase();
}
