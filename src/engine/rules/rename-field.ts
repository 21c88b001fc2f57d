import { defineRule } from './types.js';
import type { FieldDef } from '../types.js';
import { columnName, hasNoColumn, isManyToMany } from './_lib/fields.js';
import { asString } from './_lib/values.js';
import { shopContext } from './_lib/cases.js';
import { defaultTableName, mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'rename-field',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'RenameField (or a db_column change) renames a column the old code still uses while the deploy rolls out.',
  messages: {
    renamesColumn:
      'RenameField `{{oldName}}` → `{{newName}}` on `{{model}}` renames column `{{oldColumn}}` to `{{newColumn}}`: the old code still reads and writes `{{oldColumn}}` and fails until the rollout ends.',
    renamesColumnUnverified:
      'RenameField `{{oldName}}` → `{{newName}}` on `{{model}}` renames the column unless the field pins `db_column` (its earlier definition was not read): if it does rename, the old code fails until the rollout ends.',
    renamesJoinTable:
      'RenameField `{{oldName}}` → `{{newName}}` on `{{model}}` renames the many-to-many table `{{oldTable}}` to `{{newTable}}`: the old code still queries `{{oldTable}}` and fails until the rollout ends.',
    alterRenamesColumn:
      'AlterField `{{field}}` on `{{model}}` changes its column from `{{oldColumn}}` to `{{newColumn}}` (a RENAME COLUMN): the old code still uses `{{oldColumn}}` and fails until the rollout ends.',
  },
  why: [
    'Renaming is incompatible in both directions of a rolling deploy: after the migration the old code asks for a column',
    'that no longer exists (`column "…" does not exist`, `Unknown column`), and if the new code starts first it asks for',
    'one that does not exist yet. There is no deploy order that keeps both working.',
    '',
    'The rename itself is cheap on PostgreSQL (catalog change under a brief ACCESS EXCLUSIVE lock), MySQL 8.0.4+ and',
    'MariaDB 10.5.2+ (`RENAME COLUMN`; older versions use `CHANGE`, which may copy the table); SQLite rebuilds the table',
    'when foreign keys are involved. Renaming a many-to-many field renames its join table the same way.',
  ].join('\n'),
  safeAlternative: [
    '**Rename only in Python.** Keep the column name with `db_column`; the migration then changes nothing in the',
    'database and both the old and the new code keep working:',
    '',
    '```python',
    '# models.py',
    'class Order(models.Model):',
    '    placed_at = models.DateTimeField(db_column="created")  # was: created = models.DateTimeField()',
    '```',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        # Pin the column first, so the rename below is a Python-only change.',
    '        migrations.AlterField(',
    '            model_name="order",',
    '            name="created",',
    '            field=models.DateTimeField(db_column="created"),',
    '        ),',
    '        migrations.RenameField(model_name="order", old_name="created", new_name="placed_at"),',
    '    ]',
    '```',
    '',
    'Verify: `python manage.py sqlmigrate shop 0042_rename_order_created` prints no `RENAME COLUMN`.',
    '',
    '**If the column name itself must change**, expand and contract over several deploys:',
    '',
    '1. `0042`: AddField `placed_at` with `null=True`; deploy code that writes both `created` and `placed_at`.',
    '2. `0043`: a batched, non-atomic RunPython that copies `created` into `placed_at` where it is NULL',
    '   (see the backfill in `add-field-not-null-without-db-default`).',
    '3. Deploy code that reads `placed_at` and still writes both.',
    '4. `0044` (post-deploy): make `placed_at` NOT NULL if needed, then deploy code that no longer knows `created`.',
    '5. `0045` (after that rollout): RemoveField `created` (see `remove-field`).',
    '',
    'Rollback: with `db_column` there is nothing to undo in the database. In the expand/contract path each step is',
    'reversible until step 5; roll the code back one release at a time.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#renamefield', 'https://docs.djangoproject.com/en/stable/ref/models/fields/#db-column'],
  operationTypes: ['RenameField', 'AlterField'],
  check(ctx) {
    const app = ctx.migration.app;
    ctx.each('AlterField', (op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const before = previousField(visit, app);
      const after = op.field;
      if (!before || !after || !op.name || hasNoColumn(before) || hasNoColumn(after)) return;
      const oldColumn = columnName(before, op.name);
      const newColumn = columnName(after, op.name);
      if (oldColumn !== newColumn) ctx.report({ messageId: 'alterRenamesColumn', op, arg: 'field', data: { field: op.name, model: modelLabel(visit), oldColumn, newColumn } });
    });
    ctx.each('RenameField', (op, state, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const model = modelLabel(visit);
      const oldName = op.oldName;
      const newName = op.name;
      if (!oldName || !newName) return;
      const before = previousField(visit, app, oldName);
      if (!before) {
        ctx.report({ messageId: 'renamesColumnUnverified', op, data: { oldName, newName, model }, severity: 'warning' });
        return;
      }
      if (isManyToMany(before)) {
        const joinTable = joinTableRename(before, state.model(app, model)?.dbTable ?? defaultTableName(app, model), oldName, newName);
        if (joinTable) ctx.report({ messageId: 'renamesJoinTable', op, data: { oldName, newName, model, ...joinTable } });
        return;
      }
      if (hasNoColumn(before)) return;
      const oldColumn = columnName(before, oldName);
      const newColumn = columnName(before, newName);
      // A field that pins db_column keeps its column: the rename is Python-only.
      if (oldColumn !== newColumn) ctx.report({ messageId: 'renamesColumn', op, data: { oldName, newName, model, oldColumn, newColumn } });
    });
  },
  cases: {
    bad: [
      {
        name: 'renaming a column the old code uses',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RenameField(
            model_name="order",
            old_name="number",
            new_name="order_number",
        ),
        migrations.RenameField(model_name="order", old_name="watchers", new_name="followers"),
    ]
`,
        path: 'shop/migrations/0002_rename_order_number.py',
        context: shopContext(),
        expect: [
          { messageId: 'renamesColumn', line: 8 },
          { messageId: 'renamesJoinTable', line: 13 },
        ],
      },
      {
        name: 'AlterField that changes db_column',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="reference",
            field=models.CharField(max_length=40, db_column="external_ref"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_reference_column.py',
        context: shopContext(),
        expect: [{ messageId: 'alterRenamesColumn', line: 11 }],
      },
      {
        name: 'earlier migrations not read',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_previous")]

    operations = [
        migrations.RenameField(model_name="payment", old_name="amount", new_name="gross_amount"),
    ]
`,
        path: 'billing/migrations/0008_rename_payment_amount.py',
        expect: [{ messageId: 'renamesColumnUnverified', line: 8 }],
      },
    ],
    good: [
      {
        name: 'column pinned with db_column, then renamed in Python only',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="number",
            field=models.CharField(max_length=20, db_column="number"),
        ),
        migrations.RenameField(model_name="order", old_name="number", new_name="order_number"),
        migrations.RenameField(model_name="order", old_name="reference", new_name="external_reference"),
    ]
`,
        path: 'shop/migrations/0002_rename_order_number.py',
        context: shopContext(),
      },
      {
        name: 'rename on a model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("why", models.TextField()),
            ],
        ),
        migrations.RenameField(model_name="refund", old_name="why", new_name="reason"),
    ]
`,
        path: 'shop/migrations/0002_refund.py',
      },
    ],
  },
});

/** The auto-created join table is `<model table>_<field name>` unless the field sets `db_table` or a `through` model. */
function joinTableRename(field: FieldDef, modelTable: string, oldName: string, newName: string): { oldTable: string; newTable: string } | null {
  if (field.kwargs['through'] || asString(field.kwargs['db_table'])) return null;
  const oldTable = `${modelTable}_${oldName}`.toLowerCase();
  const newTable = `${modelTable}_${newName}`.toLowerCase();
  return oldTable === newTable ? null : { oldTable, newTable };
}
