import { defineRule } from './types.js';
import type { MigrationRuleContext, OperationVisit } from './types.js';
import type { FieldDef, Operation, PyValue } from '../types.js';
import { hasNoColumn, isAutoField, isGeneratedField, isNullable, isPrimaryKey, isUnique, relationTarget } from './_lib/fields.js';
import { changesDatabase, relationResolver, typeChange } from './_lib/columns.js';
import { constraintInfo, objectName } from './_lib/constraints.js';
import { existingRowFill, isLiteralDbDefault } from './_lib/defaults.js';
import { addsUniqueIndex } from './_lib/indexes.js';
import { modelLabel, previousField, touchesExistingTable } from './_lib/tables.js';
import { asBool, asItems } from './_lib/values.js';

/**
 * Why SQLite must rebuild the table to add this column (Django's sqlite3 schema editor uses
 * ALTER TABLE ADD COLUMN only for a nullable, non-unique, non-pk column without an effective
 * default and with at most a constant db_default), or undefined when it adds it in place.
 * Unique, primary-key and auto columns are left to add-field-unique / add-field-auto-increment.
 */
function addFieldRebuildReason(field: FieldDef): string | undefined {
  if (!isNullable(field)) return 'adds a NOT NULL column';
  const fill = existingRowFill(field);
  if (fill && fill.source !== 'db_default') return 'adds a column with a default';
  const dbDefault = field.kwargs['db_default'];
  if (dbDefault && dbDefault.kind !== 'none' && !isLiteralDbDefault(dbDefault)) return 'adds a column with a db_default expression';
  return undefined;
}

/** What changed in an AlterField that the other SQLite rules do not already report (type and NULL changes are theirs). */
function alterFieldRebuildReason(ctx: MigrationRuleContext, visit: OperationVisit, before: FieldDef, after: FieldDef): string | undefined {
  if (hasNoColumn(before) || hasNoColumn(after) || isGeneratedField(before) || isGeneratedField(after)) return undefined;
  if (isPrimaryKey(before) || isPrimaryKey(after)) return undefined; // alter-field-pk-type
  if (!changesDatabase(before, after)) return undefined;
  if (typeChange(before, after, 'sqlite', relationResolver(visit, ctx.migration.app, ctx.settings)) !== 'none') return undefined; // alter-field-type
  if (isNullable(before) !== isNullable(after)) return undefined; // alter-field-set-not-null / alter-field-drop-not-null
  // A pure column rename without foreign key constraints is ALTER TABLE … RENAME COLUMN (SQLite 3.25+).
  if (!changesDatabase(before, after, ['db_column'])) {
    if (!isForeignKeyWithConstraint(before) && !ctx.versionBelow('3.25')) return undefined;
    return isForeignKeyWithConstraint(before) ? 'renames a foreign key column' : `renames a column (SQLite ${ctx.settings.versionText} has no RENAME COLUMN)`;
  }
  if (addsUniqueIndex(before) !== addsUniqueIndex(after)) return addsUniqueIndex(after) ? 'makes the column unique' : 'drops the column\'s unique constraint';
  if (asBool(before.kwargs['db_index']) !== asBool(after.kwargs['db_index'])) return asBool(after.kwargs['db_index']) ? 'adds an index on the column' : 'drops the column\'s index';
  if (relationTarget(before) !== relationTarget(after)) return 'points the foreign key at another table';
  return 'changes the column definition';
}

function isForeignKeyWithConstraint(field: FieldDef): boolean {
  return (field.type === 'ForeignKey' || field.type === 'OneToOneField') && asBool(field.kwargs['db_constraint']) !== false;
}

/** Django's sqlite3 editor adds/removes these constraints as an index; every other check/unique constraint rebuilds. */
function constraintRebuilds(value: PyValue | undefined): { name: string; kind: string } | undefined {
  const info = constraintInfo(value);
  if (!info || value?.kind !== 'call') return undefined;
  if (info.kind === 'check') return { name: info.name, kind: 'check constraint' };
  if (info.kind === 'unique') {
    const deferrable = value.kwargs['deferrable'];
    if (info.indexBacked || (deferrable !== undefined && deferrable.kind !== 'none')) return undefined;
    return { name: info.name, kind: 'unique constraint' };
  }
  return undefined;
}

export default defineRule({
  id: 'sqlite-table-rebuild',
  severity: 'info',
  databases: { sqlite: '*' },
  category: 'locking',
  risk: 'rewrite',
  summary: 'The operation makes Django rebuild the whole SQLite table (create a copy, move every row, drop, rename).',
  messages: {
    rebuildsTable:
      '{{operation}} on `{{model}}` {{reason}}, which SQLite\'s ALTER TABLE cannot do: Django creates a new table, copies every row into it, drops the old one and renames the copy.',
  },
  why: [
    'SQLite\'s ALTER TABLE can only add a plain nullable column, rename, and (3.35.5+) drop an unindexed column.',
    'For everything else Django\'s SQLite schema editor "remakes" the table: `CREATE TABLE new__app_model`,',
    '`INSERT INTO … SELECT` of every row, `DROP TABLE`, `ALTER TABLE … RENAME`, then recreates the indexes.',
    'The database is locked for writes for the whole copy, the file temporarily needs room for two copies of',
    'the table, and the time grows with the row count. On a development database that is harmless; on an',
    'SQLite database in production (a desktop app, an edge device, a small service) it is a real outage window.',
  ].join('\n'),
  safeAlternative: [
    'Prefer the shapes SQLite can do in place, and batch the rest:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("notes", "0007_previous")]',
    '',
    '    operations = [',
    '        # Nullable, no default, not unique: a plain ALTER TABLE ADD COLUMN, no copy.',
    '        migrations.AddField(',
    '            model_name="note",',
    '            name="pinned_at",',
    '            field=models.DateTimeField(null=True, blank=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Add columns as `null=True` without a `default`; fill them in a data migration, and tighten them (NOT NULL,',
    '   unique) only when the rebuild is acceptable.',
    '2. Group the changes that do rebuild into one migration per table: each rebuilding operation copies the',
    '   table again.',
    '3. Run it while the application is stopped or idle, with free disk space for a second copy of the table, and',
    '   keep a backup of the database file (`sqlite3 app.db ".backup app-before.db"`).',
  ].join('\n'),
  links: ['https://www.sqlite.org/lang_altertable.html#otheralter', 'https://docs.djangoproject.com/en/stable/ref/databases/#sqlite-notes'],
  operationTypes: ['AddField', 'AlterField', 'AddConstraint', 'RemoveConstraint'],
  check(ctx) {
    const rebuilds = (op: Operation, visit: OperationVisit, reason: string | undefined, operation = op.name ? `${op.type} \`${op.name}\`` : op.type): void => {
      if (reason) ctx.report({ messageId: 'rebuildsTable', op, data: { operation, model: modelLabel(visit), reason } });
    };
    ctx.each('AddField', (op, _before, visit) => {
      const field = op.field;
      if (!field || !touchesExistingTable(ctx, visit)) return;
      if (hasNoColumn(field) || isGeneratedField(field) || isUnique(field) || addsUniqueIndex(field) || isAutoField(field)) return;
      rebuilds(op, visit, addFieldRebuildReason(field));
    });
    ctx.each('AlterField', (op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      if (!before) return; // without the earlier definition we cannot tell what changes
      rebuilds(op, visit, alterFieldRebuildReason(ctx, visit, before, op.field));
    });
    ctx.each('AddConstraint', (op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const rebuild = constraintRebuilds(op.args['constraint']);
      // Unique constraints are add-unique-constraint's; SQLite check constraints have no other rule.
      if (rebuild && rebuild.kind === 'check constraint') rebuilds(op, visit, 'adds a check constraint', `AddConstraint \`${rebuild.name}\``);
    });
    ctx.each('RemoveConstraint', (op, state, visit) => {
      if (!op.name || !touchesExistingTable(ctx, visit)) return;
      const existing = asItems(state.model(ctx.migration.app, visit.model)?.options['constraints'])?.find((value) => objectName(value) === op.name);
      const rebuild = constraintRebuilds(existing);
      if (rebuild) rebuilds(op, visit, `removes a ${rebuild.kind}`);
    });
  },
  cases: {
    bad: [
      {
        name: 'NOT NULL column with a default, a check constraint, an index flag',
        path: 'notes/migrations/0008_note_changes.py',
        settings: { database: 'sqlite' },
        context: {
          'notes/migrations/0007_previous.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=200)),
                ("rank", models.IntegerField(default=0)),
            ],
            options={"constraints": [models.CheckConstraint(check=models.Q(rank__gte=0), name="notes_rank_gte_0")]},
        ),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0007_previous")]

    operations = [
        migrations.AddField(model_name="note", name="archived", field=models.BooleanField(default=False)),
        migrations.AddConstraint(
            model_name="note",
            constraint=models.CheckConstraint(check=models.Q(title__gt=""), name="notes_title_not_empty"),
        ),
        migrations.AlterField(model_name="note", name="title", field=models.CharField(max_length=200, db_index=True)),
        migrations.RemoveConstraint(model_name="note", name="notes_rank_gte_0"),
    ]
`,
        expect: [
          { messageId: 'rebuildsTable', line: 8 },
          { messageId: 'rebuildsTable', line: 9 },
          { messageId: 'rebuildsTable', line: 13 },
          { messageId: 'rebuildsTable', line: 14 },
        ],
      },
    ],
    good: [
      {
        name: 'nullable column without default, a plain index, help_text change, and a new table',
        path: 'notes/migrations/0008_note_changes.py',
        settings: { database: 'sqlite' },
        context: {
          'notes/migrations/0007_previous.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("title", models.CharField(max_length=200))],
        ),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0007_previous")]

    operations = [
        migrations.AddField(model_name="note", name="pinned_at", field=models.DateTimeField(null=True, blank=True)),
        migrations.AddIndex(model_name="note", index=models.Index(fields=["pinned_at"], name="notes_pinned_idx")),
        migrations.AlterField(model_name="note", name="title", field=models.CharField(max_length=200, help_text="Shown in lists")),
        migrations.CreateModel(name="Tag", fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("name", models.TextField())]),
        migrations.AddField(model_name="tag", name="color", field=models.CharField(max_length=7, default="#000000")),
    ]
`,
      },
      {
        name: 'type and NULL changes are left to alter-field-type / alter-field-set-not-null',
        path: 'notes/migrations/0008_note_changes.py',
        settings: { database: 'sqlite' },
        context: {
          'notes/migrations/0007_previous.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("title", models.CharField(max_length=200, null=True)), ("body", models.CharField(max_length=500))],
        ),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0007_previous")]

    operations = [
        migrations.AlterField(model_name="note", name="title", field=models.CharField(max_length=200)),
        migrations.AlterField(model_name="note", name="body", field=models.TextField()),
    ]
`,
      },
    ],
  },
});
