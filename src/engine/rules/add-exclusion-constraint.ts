import { defineRule } from './types.js';
import { constraintInfo } from './_lib/constraints.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const newTable: MigrationFileSpec = {
  imports: [
    'import django.contrib.postgres.constraints',
    'import django.contrib.postgres.fields.ranges',
    'import django.db.models.deletion',
    'from django.contrib.postgres.fields import RangeOperators',
    'from django.db import migrations, models',
  ],
  dependsOn: '0041_previous',
  operations: [
    'migrations.CreateModel(',
    '    name="Booking",',
    '    fields=[',
    '        ("id", models.BigAutoField(primary_key=True, serialize=False)),',
    '        ("period", django.contrib.postgres.fields.ranges.DateTimeRangeField()),',
    '        ("room", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.room")),',
    '    ],',
    '),',
    'migrations.AddConstraint(',
    '    model_name="booking",',
    '    constraint=django.contrib.postgres.constraints.ExclusionConstraint(',
    '        name="shop_booking_no_overlap",',
    '        expressions=[("room", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],',
    '    ),',
    '),',
  ],
};

const copyRows: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  preamble: [
    'def copy_reservations(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        cursor.execute("SELECT coalesce(max(id), 0) FROM shop_reservation")',
    '        (last_id,) = cursor.fetchone()',
    '        for start in range(0, last_id + 1, 5000):',
    '            # ON CONFLICT DO NOTHING skips rows the exclusion constraint rejects (and rows already copied).',
    '            cursor.execute(',
    '                "INSERT INTO shop_booking (id, period, room_id) "',
    '                "SELECT id, period, room_id FROM shop_reservation WHERE id >= %s AND id < %s "',
    '                "ON CONFLICT DO NOTHING",',
    '                [start, start + 5000],',
    '            )',
  ].join('\n'),
  nonAtomicBecause: 'each batch commits on its own',
  dependsOn: '0042_booking',
  operations: ['migrations.RunPython(copy_reservations, migrations.RunPython.noop),'],
};

export default defineRule({
  id: 'add-exclusion-constraint',
  severity: 'error',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'table-lock',
  summary: 'AddConstraint with an ExclusionConstraint on an existing table blocks reads and writes for the whole build; there is no online way.',
  messages: {
    blocksTable:
      'AddConstraint `{{name}}` on `{{model}}` adds an EXCLUDE constraint: PostgreSQL builds its index and checks every row under an ACCESS EXCLUSIVE lock (no reads, no writes), and it cannot be added NOT VALID.',
  },
  why: [
    '`ExclusionConstraint` becomes `ALTER TABLE … ADD CONSTRAINT … EXCLUDE USING gist (…)`. PostgreSQL builds the',
    'GiST index and checks every pair of conflicting rows while holding ACCESS EXCLUSIVE: nothing can read or write',
    'the table until it finishes and the migration commits. Unlike CHECK and FOREIGN KEY constraints, an exclusion',
    'constraint cannot be added `NOT VALID` and validated later, and there is no `USING INDEX` form: no online path',
    'exists. One overlapping pair of rows makes the whole migration fail after the build.',
  ].join('\n'),
  safeAlternative: [
    'Choose one of two paths.',
    '',
    '**A. Maintenance window** (small tables, or when a short outage is acceptable). First check for conflicts:',
    '',
    '```sql',
    'SELECT a.id, b.id FROM shop_reservation a JOIN shop_reservation b',
    '  ON a.room_id = b.room_id AND a.id < b.id AND a.period && b.period;',
    '```',
    '',
    'Then run the plain AddConstraint in its own migration, with a lock timeout so it gives up instead of queueing',
    'behind running queries (`PGOPTIONS="-c lock_timeout=5s" python manage.py migrate shop`), and mark it as',
    'reviewed with `# migrate-help: ignore add-exclusion-constraint` on the operation.',
    '',
    '**B. New table, no outage.** Create a new table that has the constraint from the start, write to both, copy the',
    'old rows, then switch:',
    '',
    '1. The new table with its constraint (a table created in the same migration is empty, so this is instant):',
    '',
    migrationFile('shop/migrations/0042_booking.py', newTable),
    '',
    '2. Deploy code that writes every new or changed reservation to both tables (and surfaces the exclusion error',
    '   from `shop_booking` to the user).',
    '',
    '3. Copy the existing rows in batches:',
    '',
    migrationFile('shop/migrations/0043_copy_reservations.py', copyRows),
    '',
    '4. Compare the tables (`SELECT count(*) FROM shop_reservation` vs `shop_booking`; the difference is the rows',
    '   that violate the rule — resolve them with the business owner), switch reads and writes to `Booking`, and',
    '   remove the old model later with the usual two-step removal (`delete-model`).',
    '',
    'Rollback: until step 4, `python manage.py migrate shop 0041_previous` drops the new table; the old table is',
    'untouched throughout.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/contrib/postgres/constraints/', 'https://www.postgresql.org/docs/current/sql-altertable.html'],
  operationTypes: ['AddConstraint'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const info = constraintInfo(op.args['constraint']);
      if (info?.kind !== 'exclusion') return;
      ctx.report({ messageId: 'blocksTable', op, arg: 'constraint', data: { name: info.name, model: modelLabel(visit) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'ExclusionConstraint on an existing table',
        code: `from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddConstraint(
            model_name="reservation",
            constraint=ExclusionConstraint(
                name="shop_reservation_no_overlap",
                expressions=[("room", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
            ),
        ),
    ]
`,
        path: 'shop/migrations/0042_reservation_no_overlap.py',
        expect: [{ messageId: 'blocksTable', line: 12 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: new table created with the constraint', code: migrationSource(newTable), path: 'shop/migrations/0042_booking.py' },
      { name: 'safe alternative step 3: batched copy', code: migrationSource(copyRows), path: 'shop/migrations/0043_copy_reservations.py' },
      {
        name: 'unique constraint is not an exclusion constraint',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddConstraint(
            model_name="reservation",
            constraint=models.UniqueConstraint(fields=["room", "starts_at"], name="shop_reservation_room_start_uniq"),
        ),
    ]
`,
        path: 'shop/migrations/0042_reservation_unique.py',
      },
    ],
  },
});
