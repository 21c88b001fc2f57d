import { defineRule } from './types.js';
import type { MigrationRuleContext, OperationVisit } from './types.js';
import { databaseEffect } from './_lib/effects.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import type { SqlStatement } from './_lib/sql.js';
import { bareIdentifier, excerpt, forwardStatements, statementTable } from './_lib/sql.js';
import { isSchemaStatement } from './_lib/statements.js';
import { defaultTableName } from './_lib/tables.js';

const addColumn: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="channel",', '    field=models.CharField(max_length=16, null=True),', '),'],
};

const batchedBackfill: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  preamble: [
    'BATCH = 10000',
    '',
    '',
    'def backfill_channel(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        cursor.execute("SELECT coalesce(max(id), 0) FROM shop_order")',
    '        (last,) = cursor.fetchone()',
    '        for start in range(0, last + 1, BATCH):',
    '            # Each batch commits on its own (atomic = False), so locks last one batch.',
    '            cursor.execute(',
    '                "UPDATE shop_order SET channel = \'web\' WHERE channel IS NULL AND id >= %s AND id < %s",',
    '                [start, start + BATCH],',
    '            )',
  ].join('\n'),
  nonAtomicBecause: 'each batch commits on its own',
  dependsOn: '0042_order_channel',
  operations: ['migrations.RunPython(backfill_channel, migrations.RunPython.noop, elidable=True),'],
};

/** `UPDATE [ONLY] table …`: the table, or undefined for anything else (CTEs, UPDATE … WHERE). */
function wholeTableUpdate(statement: SqlStatement): string | undefined {
  if (!/^UPDATE\b/.test(statement.masked) || hasTopLevelWhere(statement.masked)) return undefined;
  const match = /^\s*UPDATE\s+(?:ONLY\s+)?([\w."`$]+)/i.exec(statement.code);
  return match?.[1] ? bareIdentifier(match[1]) : undefined;
}

/** A `WHERE` outside parentheses (a subquery's WHERE does not limit the rows updated). */
function hasTopLevelWhere(masked: string): boolean {
  let depth = 0;
  for (const token of masked.matchAll(/[()]|\bWHERE\b/g)) {
    if (token[0] === '(') depth++;
    else if (token[0] === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) return true;
  }
  return false;
}

/** Tables a Django operation changes, as far as the state knows them. */
function operationTable(visit: OperationVisit, app: string): string | undefined {
  if (!visit.model) return undefined;
  const model = visit.stateBefore.model(app, visit.model);
  return (model?.dbTable ?? defaultTableName(app, visit.model)).toLowerCase();
}

interface SchemaChange {
  label: string;
  line: number;
  table: string | undefined;
}

/** Every schema change the migration makes in its transaction (Django operations and DDL statements). */
function schemaChanges(ctx: MigrationRuleContext): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const visit of ctx.visits) {
    if (!visit.dbEffective) continue;
    if (visit.op.type === 'RunSQL') {
      for (const statement of forwardStatements(visit.op)) {
        if (isSchemaStatement(statement)) changes.push({ label: `\`${excerpt(statement, 60)}\``, line: statement.line, table: statementTable(statement) });
      }
    } else if (databaseEffect(visit.op, ctx.migration) === 'schema') {
      changes.push({ label: visit.op.type, line: visit.op.span.line, table: operationTable(visit, ctx.migration.app) });
    }
  }
  return changes;
}

export default defineRule({
  id: 'runsql-full-table-update',
  severity: 'warning',
  databases: { postgresql: '*', sqlite: '*' },
  category: 'data-migration',
  summary: 'RunSQL updates every row of a table (UPDATE without WHERE) in the same transaction as schema changes.',
  messages: {
    updateWithSchemaChange:
      'RunSQL `{{statement}}` rewrites every row of `{{table}}` in the same transaction as {{change}} (line {{changeLine}}): the row locks of the whole-table UPDATE and the schema change\'s lock are all held until the migration commits.',
    updateUnderTableLock:
      'RunSQL `{{statement}}` rewrites every row of `{{table}}` after {{change}} (line {{changeLine}}) changed the same table in this transaction: the ACCESS EXCLUSIVE lock taken by the schema change is held for the whole UPDATE, so every read and write of `{{table}}` waits.',
  },
  why: [
    'An atomic migration is one transaction on PostgreSQL and SQLite. An `UPDATE` without `WHERE` writes a new version of',
    'every row and keeps every row locked until commit; on PostgreSQL it also doubles the table on disk until vacuum.',
    'Next to a schema change the two costs add up: the schema change\'s ACCESS EXCLUSIVE lock (ALTER TABLE, ADD COLUMN,',
    'a new constraint) is held until commit too, so when the UPDATE runs on the same table nothing can read or write it',
    'for as long as the UPDATE takes, and on another table the locks of both are held for the sum of their durations.',
    'A failure at the end rolls everything back, the rewritten rows included.',
  ].join('\n'),
  safeAlternative: [
    'Keep the schema change in its own migration, and backfill in a separate, non-atomic migration in batches by',
    'primary key, so each batch commits (and releases its locks) on its own:',
    '',
    migrationFile('shop/migrations/0042_order_channel.py', addColumn),
    '',
    migrationFile('shop/migrations/0043_backfill_order_channel.py', batchedBackfill),
    '',
    'Re-running the backfill is safe (`WHERE channel IS NULL`). Make the column NOT NULL afterwards in its own migration',
    '(see `alter-field-set-not-null`).',
    '',
    'Verify: `SELECT count(*) FROM shop_order WHERE channel IS NULL;` is 0 after the backfill. Rollback:',
    '`python manage.py migrate shop 0042_order_channel` (the backfill reverses as a no-op), then `0041_previous`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#non-atomic-migrations', 'https://www.postgresql.org/docs/current/explicit-locking.html'],
  operationTypes: ['RunSQL'],
  check(ctx) {
    if (!ctx.isAtomic) return;
    let changes: SchemaChange[] | undefined;
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      for (const statement of forwardStatements(op)) {
        const table = wholeTableUpdate(statement);
        if (!table) continue;
        changes ??= schemaChanges(ctx);
        const earlierSameTable = changes.find((change) => change.table === table && change.line < statement.line);
        const other = earlierSameTable ?? changes[0];
        if (!other) return;
        const sameTable = earlierSameTable !== undefined;
        ctx.report({
          messageId: sameTable ? 'updateUnderTableLock' : 'updateWithSchemaChange',
          op,
          line: statement.line,
          // Reads and writes of the table wait for the whole UPDATE: that blocks a large table.
          severity: sameTable ? 'error' : undefined,
          data: { statement: excerpt(statement, 60), table, change: other.label, changeLine: other.line },
        });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'UPDATE without WHERE right after AddField on the same table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.RunSQL(
            "UPDATE shop_order SET channel = 'web';",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        path: 'shop/migrations/0042_order_channel.py',
        expect: [{ messageId: 'updateUnderTableLock', line: 14 }],
      },
      {
        name: 'UPDATE with only a subquery WHERE, next to DDL on another table',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            [
                "ALTER TABLE shop_invoice ADD COLUMN region varchar(8);",
                "UPDATE shop_order SET region = (SELECT c.region FROM shop_customer c WHERE c.id = shop_order.customer_id);",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        path: 'shop/migrations/0042_region.py',
        expect: [{ messageId: 'updateWithSchemaChange', line: 11 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: the column alone', code: migrationSource(addColumn), path: 'shop/migrations/0042_order_channel.py' },
      { name: 'safe alternative step 2: batched, non-atomic backfill', code: migrationSource(batchedBackfill), path: 'shop/migrations/0043_backfill_order_channel.py' },
      {
        name: 'UPDATE with WHERE next to a schema change, and a whole-table UPDATE alone',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=16, null=True)),
        migrations.RunSQL("UPDATE shop_order SET channel = 'web' WHERE id = 1;", reverse_sql=migrations.RunSQL.noop),
    ]
`,
        path: 'shop/migrations/0042_order_channel.py',
      },
      {
        name: 'whole-table UPDATE alone in its migration',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0042_order_channel")]

    operations = [
        migrations.RunSQL("UPDATE shop_order SET channel = 'web';", reverse_sql=migrations.RunSQL.noop),
    ]
`,
        path: 'shop/migrations/0043_order_channel_backfill.py',
      },
    ],
  },
});
