import { defineRule } from './types.js';
import type { MigrationRuleContext, OperationVisit } from './types.js';
import type { FieldDef, Operation, PyValue } from '../types.js';
import { hasNoColumn, isForeignKey } from './_lib/fields.js';
import { addedSets, addsPlainIndex, addsUniqueIndex, previousTogether, togetherSets } from './_lib/indexes.js';
import { previousField } from './_lib/tables.js';
import { asBool, asItems, asNumber, asString, lastSegment } from './_lib/values.js';

/** utf8mb4, the charset Django's MySQL docs recommend and MySQL 8's default: up to 4 bytes per character. */
const BYTES_PER_CHAR = 4;
/** InnoDB key limits: one key part on COMPACT/REDUNDANT rows, and any key (and a part on DYNAMIC/COMPRESSED rows). */
const OLD_FORMAT_PART_LIMIT = 767;
const KEY_LIMIT = 3072;

/** Default `max_length` of Django's string fields that have one. */
const DEFAULT_LENGTHS: Record<string, number> = { SlugField: 50, EmailField: 254, URLField: 200, FilePathField: 100, FileField: 100, ImageField: 100 };
const STRING_FIELDS = new Set(['CharField', 'SlugField', 'EmailField', 'URLField', 'FilePathField', 'FileField', 'ImageField', 'CICharField', 'CIEmailField']);
/** Fixed-size key bytes of common columns (only to add up multi-column keys; unknown types count as nothing). */
const FIXED_BYTES: Record<string, number> = {
  SmallIntegerField: 2, PositiveSmallIntegerField: 2, SmallAutoField: 2, IntegerField: 4, PositiveIntegerField: 4, AutoField: 4,
  BigIntegerField: 8, PositiveBigIntegerField: 8, BigAutoField: 8, BooleanField: 1, DateField: 3, DateTimeField: 8, TimeField: 6,
  UUIDField: 32 * BYTES_PER_CHAR, ForeignKey: 8, OneToOneField: 8,
};

/** Key bytes one column takes, or 0 when the type is not known. */
function columnBytes(field: FieldDef): number {
  if (STRING_FIELDS.has(field.type)) {
    const length = asNumber(field.kwargs['max_length']) ?? DEFAULT_LENGTHS[field.type];
    return length === undefined ? 0 : length * BYTES_PER_CHAR;
  }
  if (isForeignKey(field)) return FIXED_BYTES['ForeignKey']!;
  return FIXED_BYTES[field.type] ?? 0;
}

/** The field is in an index of its own: unique, primary key, db_index, or a SlugField (indexed by default). */
function hasOwnIndex(field: FieldDef): boolean {
  if (hasNoColumn(field)) return false;
  if (field.type === 'SlugField' && asBool(field.kwargs['db_index']) !== false) return true;
  return addsUniqueIndex(field) || addsPlainIndex(field);
}

interface Limits {
  part: number;
  oldFormat: boolean;
}

function limits(ctx: MigrationRuleContext): Limits {
  const database = ctx.settings.database;
  const oldFormat = database === 'mariadb' ? ctx.versionBelow('10.2.2') : ctx.versionBelow('5.7.7');
  return { part: oldFormat ? OLD_FORMAT_PART_LIMIT : KEY_LIMIT, oldFormat };
}

/** Fields of the model as this operation sees them: the state, plus a CreateModel's own fields. */
function modelFields(ctx: MigrationRuleContext, visit: OperationVisit): ReadonlyMap<string, FieldDef> {
  if (visit.op.type === 'CreateModel') return new Map((visit.op.fields ?? []).map(({ name, field }) => [name.toLowerCase(), field]));
  return (visit.model ? visit.stateBefore.model(ctx.migration.app, visit.model)?.fields : undefined) ?? new Map();
}

/** Field-name lists of the indexes and unique constraints a value declares (`Index(fields=…)`, `UniqueConstraint(fields=…)`). */
function declaredKeys(value: PyValue | undefined): Array<{ name: string; fields: string[] }> {
  if (value?.kind !== 'call' || !['Index', 'BTreeIndex', 'UniqueConstraint'].includes(lastSegment(value.callee))) return [];
  const fields = (asItems(value.kwargs['fields']) ?? []).map((item) => (asString(item) ?? '').replace(/^-/, '').toLowerCase()).filter((name) => name !== '');
  return fields.length > 0 ? [{ name: asString(value.kwargs['name']) ?? 'unnamed', fields }] : [];
}

/** The multi-column keys an operation creates. */
function newKeys(ctx: MigrationRuleContext, visit: OperationVisit): Array<{ name: string; fields: string[] }> {
  const op = visit.op;
  switch (op.type) {
    case 'AddIndex':
      return declaredKeys(op.args['index']);
    case 'AddConstraint':
      return declaredKeys(op.args['constraint']);
    case 'AlterUniqueTogether':
    case 'AlterIndexTogether': {
      const option = op.type === 'AlterUniqueTogether' ? 'unique_together' : 'index_together';
      const after = togetherSets(op.args[option]) ?? [];
      const added = addedSets(previousTogether(ctx, visit, option) ?? [], after);
      return added.map((fields) => ({ name: option, fields }));
    }
    case 'CreateModel': {
      const options = op.args['options'];
      const keys: Array<{ name: string; fields: string[] }> = [];
      if (options?.kind !== 'dict') return keys;
      for (const { key, value } of options.entries) {
        if (key.kind !== 'str') continue;
        if (key.value === 'indexes' || key.value === 'constraints') for (const item of asItems(value) ?? []) keys.push(...declaredKeys(item));
        if (key.value === 'unique_together' || key.value === 'index_together') for (const fields of togetherSets(value) ?? []) keys.push({ name: key.value, fields });
      }
      return keys;
    }
    default:
      return [];
  }
}

/** Columns of this operation that get an index of their own. */
function indexedColumns(ctx: MigrationRuleContext, visit: OperationVisit): Array<{ name: string; field: FieldDef }> {
  const op = visit.op;
  if (op.type === 'CreateModel') return (op.fields ?? []).filter(({ field }) => hasOwnIndex(field));
  if ((op.type === 'AddField' || op.type === 'AlterField') && op.field && op.name && hasOwnIndex(op.field)) {
    const before = op.type === 'AlterField' ? previousField(visit, ctx.migration.app) : undefined;
    // An index that already existed at this width is not built again.
    if (before && hasOwnIndex(before) && columnBytes(before) >= columnBytes(op.field)) return [];
    return [{ name: op.name, field: op.field }];
  }
  return [];
}

function checkOperation(ctx: MigrationRuleContext<'columnTooLong' | 'keyTooLong'>, op: Operation, visit: OperationVisit, limit: Limits): void {
  for (const { name, field } of indexedColumns(ctx, visit)) {
    const bytes = columnBytes(field);
    if (bytes <= limit.part) continue;
    const arg = op.type === 'CreateModel' ? undefined : 'field';
    ctx.report({ messageId: 'columnTooLong', op, arg, data: { field: name, bytes, chars: bytes / BYTES_PER_CHAR, limit: limit.part, format: limit.oldFormat ? 'the COMPACT/REDUNDANT row format this version defaults to' : 'InnoDB' } });
  }
  const keys = newKeys(ctx, visit);
  if (keys.length === 0) return;
  const fields = modelFields(ctx, visit);
  for (const key of keys) {
    if (key.fields.length === 0) continue;
    const widths = key.fields.map((name) => ({ name, bytes: fields.get(name) ? columnBytes(fields.get(name)!) : 0 }));
    const total = widths.reduce((sum, width) => sum + width.bytes, 0);
    const widest = widths.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    if (total > KEY_LIMIT || widest.bytes > limit.part) {
      ctx.report({ messageId: 'keyTooLong', op, data: { key: key.name, fields: key.fields.join(', '), bytes: Math.max(total, widest.bytes), limit: total > KEY_LIMIT ? KEY_LIMIT : limit.part } });
    }
  }
}

export default defineRule({
  id: 'mysql-index-key-length',
  severity: 'error',
  databases: { mysql: '*', mariadb: '*' },
  category: 'hygiene',
  summary: 'An indexed or unique utf8mb4 CharField longer than InnoDB\'s key limit (767 bytes on old row formats, 3072 otherwise) fails with error 1071.',
  messages: {
    columnTooLong:
      '`{{field}}` is indexed (unique, primary key or db_index) and holds {{chars}} utf8mb4 characters = {{bytes}} bytes, over the {{limit}}-byte key limit of {{format}}: the migration fails with error 1071 "Specified key was too long".',
    keyTooLong:
      'Index `{{key}}` on ({{fields}}) needs up to {{bytes}} key bytes in utf8mb4, over the {{limit}}-byte limit: the migration fails with error 1071 "Specified key was too long".',
  },
  why: [
    'InnoDB limits how many bytes an index key may hold. On the COMPACT and REDUNDANT row formats (the default before',
    'MySQL 5.7.7 and MariaDB 10.2.2, and for tables created back then) one column of a key may take at most 767 bytes;',
    'on DYNAMIC and COMPRESSED rows a column, and on every format a whole multi-column key, may take 3072 bytes.',
    'A VARCHAR in utf8mb4 reserves 4 bytes per character, so `CharField(max_length=255, unique=True)` needs 1,020 bytes',
    'and fails on the old formats, and `unique_together` over three `CharField(max_length=255)` columns needs 3,060 bytes',
    'plus whatever the other columns take. The statement fails with `(1071, "Specified key was too long; max key',
    'length is 767 bytes")`; MySQL DDL is not transactional, so operations before it in the migration stay applied.',
  ].join('\n'),
  safeAlternative: [
    'Keep indexed utf8mb4 strings within the limit, or move the table to a row format with the larger limit.',
    '',
    '1. Shorten the field where the data allows it (191 characters × 4 = 764 bytes fits the old limit). Check first:',
    '   `SELECT max(char_length(email)) FROM accounts_user;`',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("accounts", "0007_previous")]',
    '',
    '    operations = [',
    '        migrations.AddField(',
    '            model_name="user",',
    '            name="login",',
    '            field=models.CharField(max_length=191, null=True, unique=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '2. Or, on an old server or an old table that must keep 255 characters, switch the table to DYNAMIC rows first',
    '   (MySQL 5.6 also needs `innodb_file_format=Barracuda` and `innodb_large_prefix=ON`). It copies the table, so run',
    '   it off-peak, in its own migration before the one adding the index:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("accounts", "0007_previous")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE accounts_user ROW_FORMAT=DYNAMIC;",',
    '            reverse_sql=migrations.RunSQL.noop,',
    '        ),',
    '    ]',
    '```',
    '',
    '3. For a multi-column key over 3072 bytes, shorten the columns, or make it unique on a hash of them: a',
    '   `CharField(max_length=64)` filled with the SHA-256 of the joined values, unique on its own.',
    '',
    'Verify: `SELECT row_format FROM information_schema.tables WHERE table_name = \'accounts_user\';` says `Dynamic`, and',
    '`python manage.py sqlmigrate accounts 0008_user_login` shows the index. Tell migrate-help the server version',
    '(`--database-version`) so the limit matches it.',
  ].join('\n'),
  links: ['https://dev.mysql.com/doc/refman/8.0/en/innodb-limits.html', 'https://docs.djangoproject.com/en/stable/ref/databases/#mysql-character-fields'],
  operationTypes: ['CreateModel', 'AddField', 'AlterField', 'AddIndex', 'AddConstraint', 'AlterUniqueTogether', 'AlterIndexTogether'],
  check(ctx) {
    const limit = limits(ctx);
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      checkOperation(ctx, op, visit, limit);
    });
  },
  cases: {
    bad: [
      {
        name: 'unique CharField(max_length=255) on MySQL 5.6',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_previous")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="login",
            field=models.CharField(max_length=255, null=True, unique=True),
        ),
    ]
`,
        path: 'accounts/migrations/0008_user_login.py',
        settings: { database: 'mysql', databaseVersion: '5.6.51' },
        expect: [{ messageId: 'columnTooLong', line: 11 }],
      },
      {
        name: 'unique_together over four long CharFields on MySQL 8',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Address",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("line1", models.CharField(max_length=255)),
                ("line2", models.CharField(max_length=255)),
                ("city", models.CharField(max_length=255)),
                ("region", models.CharField(max_length=255)),
            ],
            options={"unique_together": {("line1", "line2", "city", "region")}},
        ),
    ]
`,
        path: 'geo/migrations/0001_initial.py',
        settings: { database: 'mysql', databaseVersion: '8.0.36' },
        expect: [{ messageId: 'keyTooLong', line: 9 }],
      },
    ],
    good: [
      {
        name: 'CharField(max_length=191) unique on MySQL 5.6, and 255 on MySQL 8',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_previous")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="login",
            field=models.CharField(max_length=191, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="user",
            name="nickname",
            field=models.CharField(max_length=255, null=True),
        ),
    ]
`,
        path: 'accounts/migrations/0008_user_login.py',
        settings: { database: 'mysql', databaseVersion: '5.6.51' },
      },
      {
        name: 'unique CharField(max_length=255) on MariaDB 10.6',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_previous")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="login",
            field=models.CharField(max_length=255, null=True, unique=True),
        ),
    ]
`,
        path: 'accounts/migrations/0008_user_login.py',
        settings: { database: 'mariadb', databaseVersion: '10.6.16' },
      },
    ],
  },
});
