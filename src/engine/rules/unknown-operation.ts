import { defineRule } from './types.js';
import type { MigrationFile, Operation } from '../types.js';
import { ALL_DATABASES } from './_lib/databases.js';

/**
 * Operations of the tools the catalog builds on, whose behaviour is documented and safe by design:
 * django-migration-linter's `IgnoreMigration` (a no-op marker), django-pg-migration-tools' Safer*
 * operations, django-syzygy's staged field operations, django-add-default-value's `AddDefaultValue`, Sentry's `SafeRemoveField`/`SafeDeleteModel`
 * (checked by sentry-safe-deletion). Reporting them as "not analysed" would be noise.
 */
const TOOL_OPERATIONS = new Set([
  'IgnoreMigration',
  'SaferAddIndexConcurrently',
  'SaferRemoveIndexConcurrently',
  'SaferAddUniqueConstraint',
  'SaferRemoveUniqueConstraint',
  'SaferAddCheckConstraint',
  'SaferRemoveCheckConstraint',
  'SaferAlterFieldSetNotNull',
  'SaferAddFieldForeignKey',
  'SaferRemoveFieldForeignKey',
  'SaferAddFieldOneToOne',
  'PostAddField',
  'PreRemoveField',
  'AddDefaultValue',
  'SafeRemoveField',
  'SafeDeleteModel',
]);

/** The module the operation's class is imported from (`from myapp.ops import X`, `import myapp.ops`), when the file says. */
function sourceModule(op: Operation, file: MigrationFile): string | undefined {
  const root = op.callee.split('.')[0]!;
  for (const entry of file.imports) {
    for (const { name, alias } of entry.names) {
      if ((alias ?? name) === root) return entry.module;
      // `import myapp.ops` binds the dotted path: `myapp.ops.Custom(...)`.
      if (alias === null && name.includes('.') && op.callee.startsWith(`${name}.`)) return name;
    }
  }
  return undefined;
}

export default defineRule({
  id: 'unknown-operation',
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'hygiene',
  summary: 'A custom or third-party migration operation: its database effect was not analysed.',
  messages: {
    notAnalysed:
      '`{{callee}}` is not a Django operation{{origin}}: the engine cannot tell what SQL it runs, so no rule checked it. Review it with `sqlmigrate`.',
  },
  why: [
    'The engine reads migrations without running them, so it only understands the operations Django and',
    '`django.contrib.postgres` ship (and a few well-known safe ones from migration tools). A custom operation',
    '(a subclass in your project, a third-party package such as a partitioning or a trigger library) can run any',
    'SQL: it may take the same locks, rewrite tables or break old code exactly like the operations the other rules',
    'check, and nothing here would say so. A class that only shares its name with a Django operation counts as',
    'custom too, since its behaviour may differ.',
  ].join('\n'),
  safeAlternative: [
    'Look at the SQL the operation really runs and review it like a RunSQL:',
    '',
    '```bash',
    'python manage.py sqlmigrate events 0012_add_partition      # forward SQL',
    'python manage.py sqlmigrate events 0012_add_partition --backwards',
    '```',
    '',
    'When the SQL is simple and stable, writing it as a RunSQL lets the SQL rules check it:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("events", "0011_previous")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            "CREATE TABLE IF NOT EXISTS events_event_2025_01 PARTITION OF events_event FOR VALUES FROM (\'2025-01-01\') TO (\'2025-02-01\');",',
    '            "DROP TABLE IF EXISTS events_event_2025_01;",',
    '        ),',
    '    ]',
    '```',
    '',
    'Once reviewed, keep the custom operation and suppress the finding on it with',
    '`# migrate-help: ignore unknown-operation`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#writing-your-own'],
  check(ctx) {
    for (const { op, dbEffective } of ctx.visits) {
      // State-only operations never reach the database.
      if (!dbEffective || op.known || TOOL_OPERATIONS.has(op.type)) continue;
      const module = sourceModule(op, ctx.migration);
      ctx.report({ messageId: 'notAnalysed', op, data: { callee: op.callee, origin: module ? ` (it comes from \`${module}\`)` : '' } });
    }
  },
  cases: {
    bad: [
      {
        name: 'a third-party operation and a project subclass named like Django\'s',
        path: 'events/migrations/0012_add_partition.py',
        code: `from django.db import migrations, models
from psqlextra.backend.migrations.operations import PostgresAddRangePartition

from events.operations import AddField


class Migration(migrations.Migration):
    dependencies = [("events", "0011_previous")]

    operations = [
        PostgresAddRangePartition(model_name="event", name="pt_2025_01", from_values="2025-01-01", to_values="2025-02-01"),
        AddField("event", "region", models.TextField(null=True)),
    ]
`,
        expect: [
          { messageId: 'notAnalysed', line: 11 },
          { messageId: 'notAnalysed', line: 12 },
        ],
      },
    ],
    good: [
      {
        name: 'Django and contrib.postgres operations',
        path: 'events/migrations/0012_event_region.py',
        code: `from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("events", "0011_previous")]

    operations = [
        TrigramExtension(),
        migrations.AddField(model_name="event", name="region", field=models.TextField(null=True)),
        AddIndexConcurrently(model_name="event", index=models.Index(fields=["region"], name="events_region_idx")),
    ]
`,
      },
      {
        name: 'known tool operations, and a custom one in state_operations only',
        path: 'events/migrations/0012_event_region.py',
        code: `from django.db import migrations, models
from django_migration_linter import IgnoreMigration
from django_pg_migration_tools.operations import SaferAddIndexConcurrently

from events.operations import MarkPartitioned


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("events", "0011_previous")]

    operations = [
        IgnoreMigration(),
        SaferAddIndexConcurrently(model_name="event", index=models.Index(fields=["region"], name="events_region_idx")),
        migrations.SeparateDatabaseAndState(state_operations=[MarkPartitioned("event")]),
    ]
`,
      },
    ],
  },
});
