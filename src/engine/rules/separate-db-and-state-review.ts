import { defineRule } from './types.js';
import type { MigrationRuleContext, ModelState, StateView } from './types.js';
import type { FieldDef, MigrationFile, Operation } from '../types.js';
import { columnName, hasDbDefault, hasNoColumn, isNotNull, isPrimaryKey } from './_lib/fields.js';
import { ALL_DATABASES } from './_lib/databases.js';
import { isDatabaseNoop } from './_lib/effects.js';
import type { LocatedStatement } from './_lib/sql.js';
import { bareIdentifier, forwardStatements, statementTable } from './_lib/sql.js';

/** One schema change one side of a SeparateDatabaseAndState makes, reduced to what the two sides can be compared on. */
interface Change {
  kind: 'add' | 'remove' | 'alter';
  /** Lower-cased model name, or undefined when the target could not be resolved (custom table, RunPython). */
  model?: string;
  /** Lower-cased field name for field-level changes. */
  field?: string;
  /** Column name for SQL column changes. */
  column?: string;
  /** Index or constraint changes: deliberate one-sided use is common (CREATE INDEX CONCURRENTLY). */
  index?: boolean;
  label: string;
}

const MODEL_ADD = new Set(['CreateModel']);
const MODEL_REMOVE = new Set(['DeleteModel']);
const MODEL_ALTER = new Set(['RenameModel', 'AlterModelTable', 'AlterOrderWithRespectTo']);
const INDEX_ADD = new Set(['AddIndex', 'AddIndexConcurrently', 'AddConstraint', 'AddConstraintNotValid', 'AlterUniqueTogether', 'AlterIndexTogether']);
const INDEX_REMOVE = new Set(['RemoveIndex', 'RemoveIndexConcurrently', 'RemoveConstraint', 'RenameIndex']);
/** Operations that change only Django's state: nothing to compare. */
const NO_SCHEMA = new Set(['AlterModelOptions', 'AlterModelManagers', 'AlterModelTableComment']);

/** The model whose table is `table`: tries every `<app>_<model>` split against the state (default table names). */
function modelForTable(state: StateView, table: string): { app: string; model: ModelState } | undefined {
  for (let at = table.indexOf('_'); at > 0; at = table.indexOf('_', at + 1)) {
    const app = table.slice(0, at);
    const model = state.model(app, table.slice(at + 1));
    if (model && (model.dbTable === null || model.dbTable.toLowerCase() === table)) return { app, model };
  }
  return undefined;
}

/** Column clauses of an ALTER TABLE: `ADD COLUMN IF NOT EXISTS x …`, `DROP COLUMN y`, several per statement. */
function columnClauses(statement: LocatedStatement): Array<{ kind: 'add' | 'remove'; column: string }> {
  const clauses: Array<{ kind: 'add' | 'remove'; column: string }> = [];
  const pattern = /\b(ADD|DROP)\s+COLUMN\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([\w"`]+)/gi;
  for (const match of statement.text.matchAll(pattern)) {
    clauses.push({ kind: match[1]!.toUpperCase() === 'ADD' ? 'add' : 'remove', column: bareIdentifier(match[2]!) });
  }
  return clauses;
}

function sqlChanges(op: Operation, state: StateView): Change[] {
  const changes: Change[] = [];
  for (const statement of forwardStatements(op)) {
    const s = statement.masked;
    const table = statementTable(statement);
    const target = table ? modelForTable(state, table) : undefined;
    const model = target?.model.name.toLowerCase();
    const label = `\`${(table ?? 'SQL').toLowerCase()}\``;
    if (/^CREATE (UNIQUE )?INDEX\b|^DROP INDEX\b/.test(s) || /^ALTER TABLE \S+ (ADD|DROP) CONSTRAINT\b/.test(s)) {
      changes.push({ kind: /^DROP|DROP CONSTRAINT/.test(s) ? 'remove' : 'add', model, index: true, label });
    } else if (/^CREATE (UNLOGGED )?TABLE\b/.test(s)) {
      changes.push({ kind: 'add', model, label: `table ${label}` });
    } else if (/^DROP TABLE\b/.test(s)) {
      changes.push({ kind: 'remove', model, label: `table ${label}` });
    } else if (/^ALTER TABLE\b/.test(s)) {
      const clauses = columnClauses(statement);
      for (const clause of clauses) {
        const field = target ? [...target.model.fields].find(([name, def]) => !hasNoColumn(def) && columnName(def, name).toLowerCase() === clause.column)?.[0] : undefined;
        changes.push({ kind: clause.kind, model, column: clause.column, ...(field ? { field } : {}), label: `column \`${(table ?? '?').toLowerCase()}.${clause.column}\`` });
      }
      if (clauses.length === 0) changes.push({ kind: 'alter', model, label });
    } else if (!/^(INSERT|UPDATE|DELETE|SELECT|WITH|SET|RESET|DO)\b/.test(s)) {
      changes.push({ kind: 'alter', label }); // other DDL: cannot tell which model
    }
  }
  return changes;
}

/** What the operations of one side change, in the state the SeparateDatabaseAndState starts from. */
function changesOf(ops: readonly Operation[], state: StateView): Change[] {
  const changes: Change[] = [];
  for (const op of ops) {
    if (op.type === 'SeparateDatabaseAndState') {
      changes.push(...changesOf(op.children?.['database_operations'] ?? [], state));
      continue;
    }
    if (NO_SCHEMA.has(op.type) || isDatabaseNoop(op)) continue;
    const model = (op.type === 'RenameModel' ? op.oldName : op.model)?.toLowerCase();
    const name = op.name ?? op.oldName;
    const target = name && op.model ? `${op.model}.${name}` : (op.model ?? name);
    const label = target ? `${op.type} \`${target}\`` : op.type;
    if (op.type === 'RunSQL') changes.push(...sqlChanges(op, state));
    else if (!op.known || op.type === 'RunPython') changes.push({ kind: 'alter', label: op.type });
    else if (MODEL_ADD.has(op.type)) changes.push({ kind: 'add', model, label });
    else if (MODEL_REMOVE.has(op.type)) changes.push({ kind: 'remove', model, label });
    else if (MODEL_ALTER.has(op.type)) changes.push({ kind: 'alter', model, label });
    else if (INDEX_ADD.has(op.type)) changes.push({ kind: 'add', model, index: true, label });
    else if (INDEX_REMOVE.has(op.type)) changes.push({ kind: 'remove', model, index: true, label });
    else if (op.type === 'AddField') changes.push({ kind: 'add', model, field: op.name?.toLowerCase(), label });
    else if (op.type === 'RemoveField') changes.push({ kind: 'remove', model, field: op.name?.toLowerCase(), label });
    else if (op.type === 'AlterField') changes.push({ kind: 'alter', model, field: op.name?.toLowerCase(), label });
    else if (op.type === 'RenameField') changes.push({ kind: 'alter', model, field: op.oldName?.toLowerCase(), label });
    else changes.push({ kind: 'alter', model, label });
  }
  return changes;
}

function list(changes: readonly Change[]): string {
  const labels = [...new Set(changes.map((change) => change.label))];
  return labels.length > 3 ? `${labels.slice(0, 3).join(', ')} and ${labels.length - 3} more` : labels.join(', ');
}

/** Does `later` depend, directly or not, on `target` (both `app.name`)? */
function dependsOn(files: ReadonlyMap<string, MigrationFile>, later: MigrationFile, target: string): boolean {
  const seen = new Set<string>();
  const stack = [later];
  while (stack.length > 0) {
    const file = stack.pop()!;
    for (const dependency of file.dependencies) {
      if (!('app' in dependency)) continue;
      const key = `${dependency.app}.${dependency.name}`;
      if (key === target) return true;
      const next = files.get(key);
      if (next && !seen.has(key)) {
        seen.add(key);
        stack.push(next);
      }
    }
  }
  return false;
}

/** A later migration of the run adds the field back to the state (a model or field moved in two steps: unmount, then mount). */
function addedBackLater(ctx: MigrationRuleContext, model: string, field: string): boolean {
  if (!ctx.files) return false;
  const current = `${ctx.migration.app}.${ctx.migration.name}`;
  const addsField = (ops: readonly Operation[]): boolean =>
    ops.some((op) => (op.type === 'AddField' && op.model?.toLowerCase() === model && op.name?.toLowerCase() === field) || Object.values(op.children ?? {}).some(addsField));
  for (const file of ctx.files.values()) {
    if (file.app !== ctx.migration.app || file === ctx.migration || !addsField(file.operations)) continue;
    if (dependsOn(ctx.files, file, current)) return true;
  }
  return false;
}

type Report = (messageId: 'stateOnlyNotNullRemoval' | 'databaseDropsStateField' | 'stateOnlyAddition' | 'databaseOnlyAddition' | 'differentTargets', data: Record<string, string>) => void;

/** What the two sides of one SeparateDatabaseAndState change. */
interface Sides {
  database: Change[];
  state: Change[];
}

/** State-only removal of a column the database still requires. */
function stateOnlyRemovals(ctx: MigrationRuleContext, state: StateView, sides: Sides, report: Report): void {
  const touchesField = (model: string | undefined, field: string | undefined, column?: string): boolean =>
    sides.database.some((change) => change.model === model && (change.field === field || (column !== undefined && change.column === column)));
  for (const change of sides.state) {
    if (change.kind !== 'remove' || !change.field || !change.model) continue;
    const model = state.model(ctx.migration.app, change.model);
    const field = model?.fields.get(change.field);
    if (!model || !field || !needsValueOnInsert(field)) continue;
    if (touchesField(change.model, change.field, columnName(field, change.field).toLowerCase())) continue;
    // The model leaves the state too (makemigrations removes a model's relations before DeleteModel), or the
    // database drops the table: no code inserts into it any more.
    const dropsModel = (other: Change): boolean => other.model === change.model && other.kind === 'remove' && !other.field && !other.column && !other.index;
    if (sides.state.some(dropsModel) || sides.database.some(dropsModel)) continue;
    if (addedBackLater(ctx, change.model, change.field)) continue;
    report('stateOnlyNotNullRemoval', { field: change.field, model: model.name });
  }
}

/** A database-side column drop while the state keeps the field. */
function databaseOnlyDrops(ctx: MigrationRuleContext, state: StateView, sides: Sides, report: Report): void {
  for (const change of sides.database) {
    if (change.kind !== 'remove' || !change.field || !change.model || !change.column) continue;
    const removedInState = sides.state.some((other) => other.model === change.model && (other.field === change.field || (other.kind === 'remove' && !other.field && !other.index)));
    if (removedInState) continue;
    const model = state.model(ctx.migration.app, change.model) ?? undefined;
    report('databaseDropsStateField', { column: change.column, field: change.field, model: model?.name ?? change.model });
  }
}

/** Schema added on one side only, or the two sides changing different models. */
function oneSidedSchemaChanges(sides: Sides, report: Report): void {
  const schemaState = sides.state.filter((change) => change.kind !== 'remove');
  const schemaDatabase = sides.database.filter((change) => change.kind === 'add' && !change.index);
  if (sides.database.length === 0 && schemaState.some((change) => !change.index)) {
    report('stateOnlyAddition', { changes: list(schemaState) });
  } else if (sides.state.length === 0 && schemaDatabase.length > 0) {
    report('databaseOnlyAddition', { changes: list(schemaDatabase) });
  } else if (sides.database.length > 0 && sides.state.length > 0) {
    // Compare only when every target on both sides is known.
    if ([...sides.database, ...sides.state].some((change) => change.model === undefined)) return;
    const databaseModels = new Set(sides.database.map((change) => change.model));
    const stateModels = new Set(sides.state.map((change) => change.model));
    const overlap = [...databaseModels].some((model) => stateModels.has(model));
    if (!overlap) report('differentTargets', { database: list(sides.database), state: list(sides.state) });
  }
}

/** A NOT NULL column without a database default: INSERTs that leave it out fail. */
function needsValueOnInsert(field: FieldDef | undefined): boolean {
  return field !== undefined && !hasNoColumn(field) && isNotNull(field) && !hasDbDefault(field) && !isPrimaryKey(field);
}

export default defineRule({
  id: 'separate-db-and-state-review',
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'hygiene',
  risk: 'state-drift',
  summary: 'SeparateDatabaseAndState whose database and state sides do not describe the same change.',
  messages: {
    stateOnlyAddition:
      'SeparateDatabaseAndState changes only the state ({{changes}}) and leaves the database as it is: the database must already have exactly this, or the next query on it fails.',
    stateOnlyNotNullRemoval:
      'state_operations remove `{{field}}` from `{{model}}` but the column stays in the database, NOT NULL without a database default: once the code no longer knows the field, every INSERT into `{{model}}` fails.',
    databaseOnlyAddition:
      'SeparateDatabaseAndState adds {{changes}} to the database only: the migration state (and so makemigrations and later data migrations) does not know about it.',
    databaseDropsStateField:
      'database_operations drop column `{{column}}` but the state still has field `{{field}}` on `{{model}}`: the code keeps selecting the column and fails as soon as this runs.',
    differentTargets:
      'SeparateDatabaseAndState changes {{database}} in the database but {{state}} in the state: the two sides should describe the same change, or the state and the database drift apart.',
  },
  why: [
    'SeparateDatabaseAndState lets the database and Django\'s migration state change independently. That is the',
    'tool for expand/contract steps, for adopting tables, and for SQL Django cannot write, but nothing checks that',
    'the two sides agree: if they do not, the state describes tables and columns that are not there (or hides ones',
    'that are), the next `makemigrations` works from a wrong picture, and queries or inserts fail at run time. The',
    'checks here look for the sides disagreeing: state-only additions, database-only additions, a column dropped',
    'while the state keeps its field, a state-only removal of a NOT NULL column the database still requires, and',
    'the two sides touching different models.',
  ].join('\n'),
  safeAlternative: [
    'Make each SeparateDatabaseAndState describe one change twice, once for each side, and check both sides:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        # Step 1 of dropping Order.legacy_code: the code stops using it, the database keeps the column',
    '        # but no longer requires a value, so INSERTs from the new code work.',
    '        migrations.SeparateDatabaseAndState(',
    '            database_operations=[',
    '                migrations.AlterField(',
    '                    model_name="order",',
    '                    name="legacy_code",',
    '                    field=models.CharField(max_length=20, null=True),',
    '                ),',
    '            ],',
    '            state_operations=[',
    '                migrations.RemoveField(model_name="order", name="legacy_code"),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Check the database side with `python manage.py sqlmigrate shop 0042` and the state side with',
    '   `python manage.py makemigrations --check --dry-run` (no changes expected afterwards).',
    '2. Drop the column for real (`RunSQL("ALTER TABLE shop_order DROP COLUMN legacy_code", …)` as a',
    '   database-only operation) in a later release, once no running code uses it.',
    '3. When one side is empty on purpose (the table already exists, or the index is managed outside Django),',
    '   say why in a comment and suppress with `# migrate-help: ignore separate-db-and-state-review`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#separatedatabaseandstate'],
  operationTypes: ['SeparateDatabaseAndState'],
  check(ctx) {
    ctx.each((op, state, visit) => {
      if (!visit.dbEffective) return;
      const sides = { database: changesOf(op.children?.['database_operations'] ?? [], state), state: changesOf(op.children?.['state_operations'] ?? [], state) };
      const report: Report = (messageId, data) => ctx.report({ messageId, op, data });
      stateOnlyRemovals(ctx, state, sides, report);
      databaseOnlyDrops(ctx, state, sides, report);
      oneSidedSchemaChanges(sides, report);
    });
  },
  cases: {
    bad: [
      {
        name: 'state forgets a NOT NULL column the database still requires',
        path: 'shop/migrations/0002_drop_order_number_from_state.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("number", models.CharField(max_length=32)),
                ("note", models.TextField(null=True)),
            ],
        ),
    ]
`,
        },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="order", name="number"),
                migrations.RemoveField(model_name="order", name="note"),
            ],
        ),
    ]
`,
        expect: [{ messageId: 'stateOnlyNotNullRemoval', line: 8 }],
      },
      {
        name: 'database drops a column the state keeps; state-only field addition',
        path: 'shop/migrations/0002_order_changes.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("legacy_code", models.CharField(max_length=20, null=True)),
            ],
        ),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL("ALTER TABLE shop_order DROP COLUMN legacy_code;", migrations.RunSQL.noop),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
            ],
        ),
    ]
`,
        expect: [
          { messageId: 'databaseDropsStateField', line: 8 },
          { messageId: 'stateOnlyAddition', line: 13 },
        ],
      },
      {
        name: 'the two sides touch different models',
        path: 'shop/migrations/0002_mismatch.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
        migrations.CreateModel(name="Cart", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE shop_cart ADD COLUMN channel varchar(32) NULL;",
                    "ALTER TABLE shop_cart DROP COLUMN channel;",
                ),
            ],
            state_operations=[
                migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
            ],
        ),
    ]
`,
        expect: [{ messageId: 'differentTargets', line: 8 }],
      },
    ],
    good: [
      {
        name: 'expand/contract step: database keeps the column nullable, state forgets it',
        path: 'shop/migrations/0002_drop_order_number_from_state.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("number", models.CharField(max_length=32))],
        ),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(model_name="order", name="number", field=models.CharField(max_length=32, null=True)),
            ],
            state_operations=[
                migrations.RemoveField(model_name="order", name="number"),
            ],
        ),
    ]
`,
      },
      {
        name: 'a model leaves the state (relations first, as makemigrations writes it), then a field moves back in later',
        path: 'shop/migrations/0002_unmount.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Cart", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
        migrations.CreateModel(
            name="CartLine",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("cart", models.ForeignKey(on_delete=models.CASCADE, to="shop.cart")),
            ],
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("cart", models.ForeignKey(on_delete=models.CASCADE, to="shop.cart")),
            ],
        ),
    ]
`,
          'shop/migrations/0003_mount.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_unmount")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="order", name="cart", field=models.ForeignKey(on_delete=models.CASCADE, to="shop.cart")),
            ],
        ),
    ]
`,
        },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="cartline", name="cart"),
                migrations.DeleteModel(name="CartLine"),
                migrations.RemoveField(model_name="order", name="cart"),
            ],
        ),
    ]
`,
      },
      {
        name: 'SQL and state describe the same column; concurrent unique index plus its constraint',
        path: 'shop/migrations/0002_order_channel.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("number", models.IntegerField())]),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE shop_order ADD COLUMN IF NOT EXISTS channel varchar(32) NULL;",
                    "ALTER TABLE shop_order DROP COLUMN IF EXISTS channel;",
                ),
            ],
            state_operations=[
                migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shop_order_number_uniq ON shop_order (number);",
                    "DROP INDEX CONCURRENTLY IF EXISTS shop_order_number_uniq;",
                ),
            ],
            state_operations=[
                migrations.AddConstraint(model_name="order", constraint=models.UniqueConstraint(fields=["number"], name="shop_order_number_uniq")),
            ],
        ),
    ]
`,
      },
    ],
  },
});
