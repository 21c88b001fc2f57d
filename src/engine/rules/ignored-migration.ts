import { defineRule } from './types.js';
import type { MigrationFile } from '../types.js';
import { ALL_DATABASES } from './_lib/databases.js';

export const IGNORED_MIGRATION_ID = 'ignored-migration';

/**
 * django-migration-linter's convention: an `IgnoreMigration()` operation marks the whole migration as reviewed.
 * The runner honours it like `# migrate-help: ignore-file` and lets only this rule say so.
 */
export function isIgnoredByMigrationLinter(file: MigrationFile): boolean {
  return file.operations.some((op) => op.type === 'IgnoreMigration') && file.imports.some((entry) => entry.module.startsWith('django_migration_linter'));
}

export default defineRule({
  id: IGNORED_MIGRATION_ID,
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'hygiene',
  summary: 'A migration marked with django-migration-linter\'s IgnoreMigration() is skipped by every other rule.',
  messages: {
    skipped:
      'This migration holds django-migration-linter\'s `IgnoreMigration()`: the team marked it as reviewed, so migrate-help reports nothing else on it either. Remove the marker to have it checked.',
  },
  why: [
    'Teams that use django-migration-linter mark migrations they have reviewed and accepted with an `IgnoreMigration()`',
    'operation (a no-op that only the linter looks at). Reporting the same risks again would repeat a decision already',
    'taken, so migrate-help treats the marker as a suppression of the whole file, like',
    '`# migrate-help: ignore-file`, and says so once. Parse errors are still reported: a file Django cannot load fails',
    'whatever the marker says.',
  ].join('\n'),
  safeAlternative: [
    'Nothing to change if the migration was reviewed on purpose. To have it checked again, remove the marker:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        # IgnoreMigration() removed: every rule checks this file again.',
    '        migrations.RemoveField(model_name="order", name="legacy_code"),',
    '    ]',
    '```',
    '',
    'To silence only some rules, prefer `# migrate-help: ignore <rule-id>` on the operation: the others keep watching.',
  ].join('\n'),
  links: ['https://github.com/3YOURMIND/django-migration-linter/blob/main/docs/usage.md'],
  operationTypes: ['IgnoreMigration'],
  check(ctx) {
    if (!isIgnoredByMigrationLinter(ctx.migration)) return;
    ctx.each((op) => {
      ctx.report({ messageId: 'skipped', op });
      return false;
    });
  },
  cases: {
    bad: [
      {
        name: 'marked with IgnoreMigration()',
        code: `from django.db import migrations
from django_migration_linter import IgnoreMigration


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        IgnoreMigration(),
        migrations.RemoveField(model_name="order", name="legacy_code"),
    ]
`,
        path: 'shop/migrations/0042_remove_order_legacy_code.py',
        expect: [{ messageId: 'skipped', line: 9 }],
      },
    ],
    good: [
      {
        name: 'a project class of the same name that is not the linter\'s',
        code: `from django.db import migrations

from shop.operations import IgnoreMigration


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        IgnoreMigration(),
    ]
`,
        path: 'shop/migrations/0042_custom.py',
      },
    ],
  },
});
