import { defineRule } from './types.js';
import type { FieldDef } from '../types.js';
import { modelLabel, previousField } from './_lib/tables.js';
import { asBool, asNumber } from './_lib/values.js';

/** `max_length` of a CharField, when it is one and the length is a literal. */
function varcharLength(field: FieldDef | undefined): number | undefined {
  if (field?.type !== 'CharField') return undefined;
  return asNumber(field.kwargs['max_length']);
}

/** How many names a message lists before saying "and N more". */
const LISTED = 4;

function listNames(names: string[]): string {
  const shown = names.slice(0, LISTED).map((name) => `\`${name}\``);
  return names.length > LISTED ? `${shown.join(', ')} and ${names.length - LISTED} more` : shown.join(', ');
}

export default defineRule({
  id: 'varchar-length',
  severity: 'info',
  databases: { postgresql: '*' },
  optIn: true,
  category: 'hygiene',
  summary: 'CharField(max_length=…) on PostgreSQL: a length limit that will need an ACCESS EXCLUSIVE migration to change.',
  messages: {
    createWithLimits:
      'CreateModel `{{model}}` declares {{count}} CharField column{{plural}} with max_length ({{fields}}): on PostgreSQL a length limit buys no speed or space, and raising it later takes an ACCESS EXCLUSIVE lock on the table.',
    addWithLimit:
      'AddField `{{field}}` on `{{model}}` is a CharField(max_length={{length}}): on PostgreSQL the limit buys no speed or space, and raising it later takes an ACCESS EXCLUSIVE lock on the table.',
    raisedLimit:
      'AlterField `{{field}}` on `{{model}}` raises max_length from {{from}} to {{to}}: PostgreSQL takes an ACCESS EXCLUSIVE lock for it (no rewrite), and limits that were too small once tend to be raised again.',
  },
  why: [
    'PostgreSQL stores `varchar(n)` and `text` the same way; the length is only a check applied on write. It',
    'does not make the column smaller or faster. What it does add is a migration every time the limit turns out',
    'too small: `ALTER COLUMN … TYPE varchar(m)` needs an ACCESS EXCLUSIVE lock (no rewrite when growing, a full',
    'rewrite when shrinking), and that lock queues behind long transactions and blocks every query behind it.',
    'Django 4.2+ accepts `CharField()` without `max_length` on PostgreSQL (an unlimited `varchar`), and a',
    '`TextField` works on every version. Keep a limit where the value really has one (country codes, hashes) or',
    'where other databases must share the schema.',
  ].join('\n'),
  safeAlternative: [
    'Store free text without a database length limit and validate the length where it is a business rule:',
    '',
    '```python',
    'from django.core.validators import MaxLengthValidator',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AddField(',
    '            model_name="order",',
    '            name="customer_note",',
    '            # Django 4.2+ on PostgreSQL: models.CharField(null=True, blank=True) without max_length',
    '            field=models.TextField(null=True, blank=True, validators=[MaxLengthValidator(2000)]),',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Validators and forms enforce the limit for the application; changing it later is a code change, not a',
    '   migration.',
    '2. If the database must enforce it, use a CHECK constraint on `Length("customer_note")` instead: a new limit',
    '   is then an `AddConstraintNotValid` + `ValidateConstraint` pair, which checks existing rows without blocking',
    '   reads or writes, in both directions (lowering a `varchar` limit rewrites the whole table).',
    '3. Keep `max_length` for fixed-size codes and when the schema must also run on MySQL/Oracle (they need it).',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/datatype-character.html', 'https://squawkhq.com/docs/prefer-text-field'],
  operationTypes: ['CreateModel', 'AddField', 'AlterField'],
  check(ctx) {
    ctx.each('CreateModel', (op, _before, visit) => {
      if (!visit.dbEffective || !op.fields) return;
      const options = op.args['options'];
      const managed = options?.kind === 'dict' ? options.entries.find((entry) => entry.key.kind === 'str' && entry.key.value === 'managed')?.value : undefined;
      if (asBool(managed) === false) return; // no table created by Django
      const limited = op.fields.filter(({ field }) => varcharLength(field) !== undefined).map(({ name }) => name);
      if (limited.length === 0) return;
      ctx.report({ messageId: 'createWithLimits', op, arg: 'fields', data: { model: modelLabel(visit), count: limited.length, plural: limited.length === 1 ? '' : 's', fields: listNames(limited) } });
    });
    ctx.each('AddField', (op, _before, visit) => {
      if (!visit.dbEffective) return;
      const length = varcharLength(op.field);
      if (length !== undefined) ctx.report({ messageId: 'addWithLimit', op, arg: 'field', data: { field: op.name ?? '?', model: modelLabel(visit), length } });
    });
    ctx.each('AlterField', (op, _before, visit) => {
      if (!visit.dbEffective) return;
      // Only a raised limit: lowering one rewrites the table, which alter-field-type reports.
      const before = varcharLength(previousField(visit, ctx.migration.app));
      const after = varcharLength(op.field);
      if (before !== undefined && after !== undefined && after > before) {
        ctx.report({ messageId: 'raisedLimit', op, arg: 'field', data: { field: op.name ?? '?', model: modelLabel(visit), from: before, to: after } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'new table with limited CharFields, and a limit raised later',
        path: 'shop/migrations/0001_initial.py',
        settings: { enabledRules: ['varchar-length'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("number", models.CharField(max_length=32)),
                ("customer_note", models.CharField(max_length=255, blank=True)),
                ("notes", models.TextField(blank=True)),
            ],
        ),
        migrations.AddField(
            model_name="order",
            name="coupon",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.AlterField(
            model_name="order",
            name="customer_note",
            field=models.CharField(max_length=500, blank=True),
        ),
    ]
`,
        expect: [
          { messageId: 'createWithLimits', line: 11 },
          { messageId: 'addWithLimit', line: 21 },
          { messageId: 'raisedLimit', line: 26 },
        ],
      },
    ],
    good: [
      {
        name: 'text columns and an unlimited CharField',
        path: 'shop/migrations/0001_initial.py',
        settings: { enabledRules: ['varchar-length'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("number", models.CharField()),
                ("customer_note", models.TextField(blank=True)),
            ],
        ),
    ]
`,
      },
      {
        name: 'lowering a limit is left to alter-field-type',
        path: 'shop/migrations/0002_shorter_number.py',
        settings: { enabledRules: ['varchar-length'] },
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("number", models.CharField(max_length=64))]),
    ]
`,
        },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="number", field=models.CharField(max_length=32)),
    ]
`,
      },
    ],
  },
});
