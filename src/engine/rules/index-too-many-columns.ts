import { defineRule } from './types.js';
import type { Operation } from '../types.js';
import { ALL_DATABASES } from './_lib/databases.js';
import type { IndexColumns } from './_lib/indexes.js';
import { addedSets, btreeIndexColumns, previousTogether, togetherSets } from './_lib/indexes.js';
import { modelLabel } from './_lib/tables.js';
import { asItems } from './_lib/values.js';

/** strong_migrations' threshold: a B-tree key past three columns rarely pays for itself. */
const MAX_COLUMNS = 3;

const INDEX_OPERATIONS = ['AddIndex', 'AddIndexConcurrently'] as const;

export default defineRule({
  id: 'index-too-many-columns',
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'hygiene',
  summary: 'A non-unique index with more than three columns is rarely used in full and costs every write.',
  messages: {
    tooManyColumns:
      'Index `{{index}}` on `{{model}}` has {{count}} columns ({{columns}}): queries rarely filter on all of them, and every INSERT and UPDATE pays to maintain the wide key.',
    togetherTooManyColumns:
      'index_together on `{{model}}` adds an index over {{count}} columns ({{columns}}): queries rarely filter on all of them, and every INSERT and UPDATE pays to maintain the wide key.',
  },
  why: [
    'A B-tree index is used from its leading columns: a query that filters on the first one or two already gets',
    'most of the benefit, and the trailing columns only help queries that constrain every column before them.',
    'Each extra column makes the index larger, slower to build (a longer lock window when it is not built',
    'concurrently) and more expensive to keep up to date on every write, and the planner often prefers a',
    'narrower index anyway. Unique indexes are different (the column set defines the rule) and are not checked.',
  ].join('\n'),
  safeAlternative: [
    'Index the columns your queries filter on most selectively, leading with the one used for equality, and',
    'check with `EXPLAIN` that the query uses it:',
    '',
    '```python',
    'from django.contrib.postgres.operations import AddIndexConcurrently',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        AddIndexConcurrently(',
    '            model_name="order",',
    '            index=models.Index(fields=["channel", "status"], name="shop_order_channel_status_idx"),',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Run the real query with `EXPLAIN (ANALYZE, BUFFERS)` before and after: the narrower index should be chosen.',
    '2. If a query needs extra columns only to avoid reading the table, add them as a covering index instead:',
    '   `models.Index(fields=["channel", "status"], include=["total"], name=...)` (PostgreSQL 11+), which keeps',
    '   the key narrow.',
    '3. If the wide index is measured and wanted, keep it and suppress this finding on the operation with',
    '   `# migrate-help: ignore index-too-many-columns`.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/indexes-multicolumn.html', 'https://github.com/ankane/strong_migrations#best-practices'],
  operationTypes: [...INDEX_OPERATIONS, 'CreateModel', 'AlterIndexTogether'],
  check(ctx) {
    const reportIndex = (op: Operation, model: string, index: IndexColumns | undefined, line?: number): void => {
      if (!index || index.columns.length <= MAX_COLUMNS) return;
      ctx.report({ messageId: 'tooManyColumns', op, ...(line === undefined ? { arg: 'index' } : { line }), data: { index: index.name, model, count: index.columns.length, columns: index.columns.join(', ') } });
    };
    const reportTogether = (op: Operation, model: string, sets: string[][], arg?: string): void => {
      for (const set of sets) {
        if (set.length <= MAX_COLUMNS) continue;
        ctx.report({ messageId: 'togetherTooManyColumns', op, ...(arg === undefined ? {} : { arg }), data: { model, count: set.length, columns: set.join(', ') } });
      }
    };
    ctx.each(INDEX_OPERATIONS, (op, _before, visit) => {
      if (visit.dbEffective) reportIndex(op, modelLabel(visit), btreeIndexColumns(op.args['index'], op.span.line));
    });
    ctx.each('CreateModel', (op, _before, visit) => {
      if (!visit.dbEffective) return;
      const model = modelLabel(visit);
      // Indexes declared with the model: point at each index, the CreateModel can be long.
      const options = op.args['options'];
      const optionValue = (key: string) => (options?.kind === 'dict' ? options.entries.find((entry) => entry.key.kind === 'str' && entry.key.value === key)?.value : undefined);
      for (const value of asItems(optionValue('indexes')) ?? []) {
        const index = btreeIndexColumns(value, op.span.line);
        reportIndex(op, model, index, index?.line);
      }
      reportTogether(op, model, togetherSets(optionValue('index_together')) ?? []);
    });
    ctx.each('AlterIndexTogether', (op, _before, visit) => {
      if (!visit.dbEffective) return;
      const after = togetherSets(op.args['index_together']);
      if (!after) return;
      // Only the sets this operation adds; the ones already there were judged when they were added.
      const before = previousTogether(ctx, visit, 'index_together');
      reportTogether(op, modelLabel(visit), before ? addedSets(before, after) : after, 'index_together');
    });
  },
  cases: {
    bad: [
      {
        name: 'five-column AddIndex',
        path: 'shop/migrations/0042_order_report_idx.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["channel", "status", "-created_at", "customer", "currency"], name="shop_order_report_idx"),
        ),
    ]
`,
        expect: [{ messageId: 'tooManyColumns', line: 10 }],
      },
      {
        name: 'wide index declared with the model, and a wide index_together',
        path: 'shop/migrations/0001_initial.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("channel", models.CharField(max_length=32)),
                ("status", models.CharField(max_length=16)),
                ("customer", models.IntegerField()),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["channel"], name="shop_order_channel_idx"),
                    models.Index(fields=["channel", "status", "customer", "created_at"], name="shop_order_wide_idx"),
                ],
                "index_together": {("status", "customer", "channel", "created_at")},
            },
        ),
    ]
`,
        expect: [
          { messageId: 'tooManyColumns', line: 21 },
          { messageId: 'togetherTooManyColumns', line: 9 },
        ],
      },
    ],
    good: [
      {
        name: 'three columns, and a covering column that is not part of the key',
        path: 'shop/migrations/0042_order_report_idx.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["channel", "status", "created_at"], include=["total"], name="shop_order_report_idx"),
        ),
    ]
`,
      },
      {
        name: 'a wide unique constraint and a multi-column GIN index',
        path: 'shop/migrations/0042_order_constraints.py',
        code: `import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(fields=["channel", "number", "year", "store"], name="shop_order_number_uniq"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=django.contrib.postgres.indexes.GinIndex(fields=["tags", "labels", "search", "meta"], name="shop_order_gin_idx"),
        ),
    ]
`,
      },
    ],
  },
});
