import { defineRule } from './types.js';
import type { MigrationRuleContext } from './types.js';
import type { Database, MigrationFile, Operation, PyValue } from '../types.js';
import { asItems, asString } from './_lib/values.js';

/** Django's system check models.E034 (Index.max_name_length). */
const DJANGO_INDEX_NAME_MAX = 30;

/** contrib.postgres index classes swap Index's `idx` suffix for their own and allow the difference (PostgresIndex.max_name_length). */
const POSTGRES_INDEX_SUFFIXES: Record<string, string> = { BloomIndex: 'bloom', BrinIndex: 'brin', BTreeIndex: 'btree', GinIndex: 'gin', GistIndex: 'gist', HashIndex: 'hash', SpGistIndex: 'spgist' };

function djangoIndexNameMax(thing: NamedThing): number {
  const callee = thing.value?.kind === 'call' ? thing.value.callee : '';
  const suffix = POSTGRES_INDEX_SUFFIXES[callee.slice(callee.lastIndexOf('.') + 1)];
  return suffix === undefined ? DJANGO_INDEX_NAME_MAX : DJANGO_INDEX_NAME_MAX - 'idx'.length + suffix.length;
}

const INDEX_CLASSES = /(^|\.)(Index|GinIndex|GistIndex|BTreeIndex|BrinIndex|HashIndex|SpGistIndex|BloomIndex)$/;

/** The database's identifier limit and its unit; undefined when there is none worth checking (SQLite). */
function databaseLimit(ctx: MigrationRuleContext): { max: number; unit: 'bytes' | 'characters'; what: string } | undefined {
  const database: Database = ctx.settings.database;
  switch (database) {
    case 'postgresql':
      return { max: 63, unit: 'bytes', what: 'PostgreSQL silently truncates longer names to 63 bytes, so two long names can collide and later migrations cannot find the object by its full name' };
    case 'mysql':
    case 'mariadb':
      return { max: 64, unit: 'characters', what: `${database === 'mysql' ? 'MySQL' : 'MariaDB'} refuses the statement (error 1059, identifier name too long)` };
    case 'oracle':
      return ctx.versionBelow('12.2')
        ? { max: 30, unit: 'bytes', what: 'Oracle before 12.2 refuses the statement (ORA-00972: identifier is too long)' }
        : { max: 128, unit: 'bytes', what: 'Oracle refuses the statement (ORA-00972: identifier is too long)' };
    case 'sqlite':
      return undefined;
  }
}

function measure(name: string, unit: 'bytes' | 'characters'): number {
  return unit === 'bytes' ? new TextEncoder().encode(name).length : [...name].length;
}

interface NamedThing {
  name: string;
  kind: 'index' | 'constraint' | 'table';
  line: number;
  /** The Index/Constraint call, when the name came from one. */
  value?: PyValue;
}

function nameOf(value: PyValue | undefined): string | undefined {
  return value?.kind === 'call' ? asString(value.kwargs['name']) : undefined;
}

function dictValue(value: PyValue | undefined, key: string): PyValue | undefined {
  if (value?.kind !== 'dict') return undefined;
  return value.entries.find((entry) => entry.key.kind === 'str' && entry.key.value === key)?.value;
}

/** PostgreSQL keeps an identifier's first 63 bytes, never splitting a character. */
function truncateToBytes(name: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const char of name) {
    bytes += new TextEncoder().encode(char).length;
    if (bytes > max) break;
    out += char;
  }
  return out;
}

const POSTGRES_IDENTIFIER_MAX = 63;

interface StoredName {
  name: string;
  /** Constraints other than unique ones are named per table; indexes and tables share the schema's namespace. */
  namespace: string;
  where: string;
}

/**
 * Truncated names of every index, constraint and table declared in the files read, by stored name.
 * Built once per run: the files map is the same object for every file of the run.
 */
const storedNamesCache = new WeakMap<ReadonlyMap<string, MigrationFile>, Map<string, StoredName[]>>();

function namespaceOf(file: MigrationFile, op: Operation, thing: NamedThing, value?: PyValue): string {
  // A CHECK (or exclusion) constraint's name is unique per table; indexes, unique constraints and tables are relations of the schema.
  if (thing.kind !== 'constraint' || (value?.kind === 'call' && /UniqueConstraint$/.test(value.callee))) return 'schema';
  return `table:${file.app}.${(op.model ?? '').toLowerCase()}`;
}

function storedNames(files: ReadonlyMap<string, MigrationFile>): Map<string, StoredName[]> {
  let byStored = storedNamesCache.get(files);
  if (byStored) return byStored;
  byStored = new Map();
  for (const file of files.values()) {
    const walk = (ops: readonly Operation[]): void => {
      for (const op of ops) {
        for (const thing of namesIn(op)) {
          if (new TextEncoder().encode(thing.name).length <= POSTGRES_IDENTIFIER_MAX) continue;
          const stored = truncateToBytes(thing.name, POSTGRES_IDENTIFIER_MAX);
          const list = byStored.get(stored) ?? [];
          list.push({ name: thing.name, namespace: namespaceOf(file, op, thing, thing.value), where: `${file.app}.${file.name}` });
          byStored.set(stored, list);
        }
        for (const children of Object.values(op.children ?? {})) walk(children);
      }
    };
    walk(file.operations);
  }
  storedNamesCache.set(files, byStored);
  return byStored;
}

/** Over 63 bytes on PostgreSQL: an error only when another name truncates to the same stored name in the same namespace. */
function reportTruncation(ctx: MigrationRuleContext, op: Operation, thing: NamedThing, length: number): void {
  const kind = thing.kind === 'index' ? 'Index' : thing.kind === 'constraint' ? 'Constraint' : 'Table';
  const stored = truncateToBytes(thing.name, POSTGRES_IDENTIFIER_MAX);
  const namespace = namespaceOf(ctx.migration, op, thing, thing.value);
  const others = [...(ctx.files ? (storedNames(ctx.files).get(stored) ?? []) : []), ...namesIn(op).filter((other) => other !== thing).map((other) => ({ name: other.name, namespace: namespaceOf(ctx.migration, op, other, other.value), where: 'this migration' }))];
  const clash = others.find((other) => other.name !== thing.name && other.namespace === namespace && truncateToBytes(other.name, POSTGRES_IDENTIFIER_MAX) === stored);
  if (clash) {
    ctx.report({ messageId: 'truncatedCollision', op, line: thing.line, data: { kind, name: thing.name, other: clash.name, where: clash.where, stored } });
  } else {
    ctx.report({ messageId: 'truncated', op, line: thing.line, severity: 'info', data: { kind, name: thing.name, length, stored } });
  }
}

/** The operation types `namesIn` reads (also the rule's `operationTypes`). */
const NAMING_TYPES = new Set(['AddIndex', 'AddIndexConcurrently', 'AddConstraint', 'AddConstraintNotValid', 'RenameIndex', 'AlterModelTable', 'CreateModel', 'AlterModelOptions']);
const NO_NAMES: readonly NamedThing[] = [];

/** Names an operation gives to indexes, constraints and tables. */
function namesIn(op: Operation): readonly NamedThing[] {
  if (!NAMING_TYPES.has(op.type)) return NO_NAMES;
  const line = op.span.line;
  const found: NamedThing[] = [];
  const addCall = (value: PyValue | undefined, fallback: 'index' | 'constraint'): void => {
    const name = nameOf(value);
    if (!name || value?.kind !== 'call') return;
    found.push({ name, kind: INDEX_CLASSES.test(value.callee) ? 'index' : fallback, line: value.line || line, value });
  };
  switch (op.type) {
    case 'AddIndex':
    case 'AddIndexConcurrently':
      addCall(op.args['index'], 'index');
      break;
    case 'AddConstraint':
    case 'AddConstraintNotValid':
      addCall(op.args['constraint'], 'constraint');
      break;
    case 'RenameIndex': {
      const name = asString(op.args['new_name']);
      if (name) found.push({ name, kind: 'index', line });
      break;
    }
    case 'AlterModelTable': {
      const table = asString(op.args['table']);
      if (table) found.push({ name: table, kind: 'table', line });
      break;
    }
    case 'CreateModel':
    case 'AlterModelOptions': {
      const options = op.args['options'];
      for (const index of asItems(dictValue(options, 'indexes')) ?? []) addCall(index, 'index');
      for (const constraint of asItems(dictValue(options, 'constraints')) ?? []) addCall(constraint, 'constraint');
      const table = asString(dictValue(options, 'db_table'));
      if (table) found.push({ name: table, kind: 'table', line });
      break;
    }
  }
  return found;
}

export default defineRule({
  id: 'identifier-too-long',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'hygiene',
  risk: 'failure',
  summary: 'An index, constraint or table name is longer than Django or the database allows.',
  messages: {
    indexNameDjango:
      'Index name `{{name}}` is {{length}} characters long; Django allows at most {{max}} for this index class: the system check models.E034 fails for the model that declares it (unless silenced), and `migrate` runs the checks before anything else.',
    tooLong: '{{kind}} name `{{name}}` is {{length}} {{unit}} long, over the {{max}}-{{unit}} limit: {{consequence}}.',
    truncated:
      '{{kind}} name `{{name}}` is {{length}} bytes long: PostgreSQL stores it as `{{stored}}` (its first 63 bytes). Django sends the same long name in later statements and PostgreSQL truncates those the same way, so this works; only the name you see in `psql` differs.',
    truncatedCollision:
      '{{kind}} name `{{name}}` and `{{other}}` (in {{where}}) share their first 63 bytes, `{{stored}}`: PostgreSQL truncates both to that name, so the second one fails with "already exists" (or a later drop removes the wrong object).',
  },
  why: [
    'Names are limited in two places. Django\'s system checks reject `Index` names over 30 characters',
    '(models.E034) so that the same model works on every backend; checks run before `migrate`, so a long name',
    'stops the deploy. The databases have their own limits: PostgreSQL truncates anything over 63 bytes',
    'with only a NOTICE, and truncates the name the same way in every later statement, so a long name on its',
    'own works (reported as info); two names that share their first 63 bytes in one namespace (the schema for',
    'indexes, unique constraints and tables, the table for other constraints) collide, and the second CREATE',
    'fails. MySQL and MariaDB refuse names over 64 characters, and Oracle over 30 bytes before 12.2 (128 after).',
  ].join('\n'),
  safeAlternative: [
    'Choose a short, unique name and keep it in the model `Meta` so makemigrations writes the same one:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("inventory", "0014_stockmovement_warehouse")]',
    '',
    '    operations = [',
    '        migrations.AddIndex(',
    '            model_name="stockmovement",',
    '            # app prefix + table hint + columns + suffix, 30 characters at most',
    '            index=models.Index(fields=["warehouse", "created_at"], name="inv_stockmv_wh_created_idx"),',
    '        ),',
    '        migrations.AddConstraint(',
    '            model_name="stockmovement",',
    '            constraint=models.CheckConstraint(',
    '                condition=models.Q(quantity__gt=0), name="inv_stockmv_qty_positive"',
    '            ),',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Set the same `name=` in the model\'s `Meta.indexes` / `Meta.constraints`, then run',
    '   `python manage.py makemigrations --check` to confirm the state matches.',
    '2. If a long name already reached PostgreSQL, find what it became:',
    '   `SELECT indexname FROM pg_indexes WHERE tablename = \'inventory_stockmovement\';` and use',
    '   `RenameIndex(model_name=..., old_name=<truncated>, new_name=<short>)` to bring the two back in line.',
  ].join('\n'),
  links: [
    'https://docs.djangoproject.com/en/stable/ref/models/indexes/#name',
    'https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS',
  ],
  operationTypes: [...NAMING_TYPES],
  check(ctx) {
    const limit = databaseLimit(ctx);
    // State-only operations count too: they name what the model Meta declares.
    ctx.each((op) => {
      for (const thing of namesIn(op)) {
        const djangoMax = djangoIndexNameMax(thing);
        if (thing.kind === 'index' && [...thing.name].length > djangoMax) {
          ctx.report({ messageId: 'indexNameDjango', op, line: thing.line, data: { name: thing.name, length: [...thing.name].length, max: djangoMax } });
          continue;
        }
        if (!limit) continue;
        const length = measure(thing.name, limit.unit);
        if (length > limit.max && ctx.settings.database === 'postgresql') {
          reportTruncation(ctx, op, thing, length);
        } else if (length > limit.max) {
          const kind = thing.kind === 'index' ? 'Index' : thing.kind === 'constraint' ? 'Constraint' : 'Table';
          ctx.report({ messageId: 'tooLong', op, line: thing.line, data: { kind, name: thing.name, length, unit: limit.unit, max: limit.max, consequence: limit.what } });
        }
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'index name over 30 characters',
        path: 'inventory/migrations/0015_stockmovement_idx.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0014_stockmovement_warehouse")]

    operations = [
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(fields=["warehouse", "created_at"], name="inventory_stockmovement_warehouse_created_idx"),
        ),
    ]
`,
        expect: [{ messageId: 'indexNameDjango', line: 10 }],
      },
      {
        name: 'constraint name over 63 bytes on PostgreSQL, in CreateModel options',
        path: 'inventory/migrations/0001_initial.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="StockMovement",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("quantity", models.IntegerField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("quantity__gt", 0)),
                        name="inventory_stockmovement_quantity_must_be_strictly_positive_always",
                    ),
                ],
            },
        ),
    ]
`,
        expect: [{ messageId: 'truncated', line: 17 }],
      },
      {
        name: 'two constraint names of one table that PostgreSQL truncates to the same 63 bytes',
        path: 'inventory/migrations/0017_stockmovement_checks.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0016_table")]

    operations = [
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(condition=models.Q(("quantity__gt", 0)), name="inventory_stockmovement_quantity_must_be_strictly_positive_on_all_inserts"),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(condition=models.Q(("quantity__lt", 10000)), name="inventory_stockmovement_quantity_must_be_strictly_positive_on_all_updates"),
        ),
    ]
`,
        expect: [
          { messageId: 'truncatedCollision', line: 10 },
          { messageId: 'truncatedCollision', line: 14 },
        ],
      },
      {
        name: 'table name over 30 bytes on Oracle 11',
        path: 'inventory/migrations/0016_table.py',
        settings: { database: 'oracle', databaseVersion: '11.2' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0015_stockmovement_idx")]

    operations = [
        migrations.AlterModelTable(name="stockmovement", table="inventory_stock_movement_history"),
    ]
`,
        expect: [{ messageId: 'tooLong', line: 8 }],
      },
    ],
    good: [
      {
        name: 'a BTreeIndex name of 32 characters: contrib.postgres classes allow 30 minus `idx` plus their own suffix',
        path: 'inventory/migrations/0015_stockmovement_idx.py',
        code: `from django.contrib.postgres.indexes import BTreeIndex, GinIndex
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0014_stockmovement_warehouse")]

    operations = [
        migrations.AddIndex(model_name="stockmovement", index=BTreeIndex(fields=["warehouse"], name="inventory_stockmv_warehous_btree")),
        migrations.AddIndex(model_name="stockmovement", index=GinIndex(fields=["tags"], name="inventory_stockmv_tags_gin")),
    ]
`,
      },
      {
        name: 'short names',
        path: 'inventory/migrations/0015_stockmovement_idx.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0014_stockmovement_warehouse")]

    operations = [
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(fields=["warehouse", "created_at"], name="inv_stockmv_wh_created_idx"),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(condition=models.Q(("quantity__gt", 0)), name="inv_stockmv_qty_positive"),
        ),
    ]
`,
      },
      {
        name: 'long table name is fine on Oracle 19',
        path: 'inventory/migrations/0016_table.py',
        settings: { database: 'oracle' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0015_stockmovement_idx")]

    operations = [
        migrations.AlterModelTable(name="stockmovement", table="inventory_stock_movement_history"),
    ]
`,
      },
    ],
  },
});
