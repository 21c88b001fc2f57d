import { defineRule } from './types.js';
import type { MigrationFile, Operation } from '../types.js';
import { ALL_DATABASES } from './_lib/databases.js';
import { asString, lastSegment } from './_lib/values.js';

type Action = 'pending' | 'delete' | 'unknown';

/** `deletion_action=DeletionAction.MOVE_TO_PENDING` / `.DELETE`, as written. */
function deletionAction(op: Operation): Action {
  const value = op.args['deletion_action'];
  const text = value?.kind === 'name' ? lastSegment(value.path) : value?.kind === 'str' ? value.value : undefined;
  if (text === 'MOVE_TO_PENDING') return 'pending';
  if (text === 'DELETE') return 'delete';
  return 'unknown';
}

/** What the operation removes: `model.field` for SafeRemoveField, `model` for SafeDeleteModel (lower-cased). */
function target(op: Operation): string | undefined {
  if (op.type === 'SafeDeleteModel') return asString(op.args['name'] ?? op.extraArgs[0])?.toLowerCase();
  const model = asString(op.args['model_name'] ?? op.extraArgs[0]);
  const name = asString(op.args['name'] ?? op.extraArgs[1]);
  return model && name ? `${model}.${name}`.toLowerCase() : undefined;
}

function pendingIn(file: MigrationFile, type: string, key: string): boolean {
  return file.operations.some((op) => op.type === type && deletionAction(op) === 'pending' && target(op) === key);
}

export default defineRule({
  id: 'sentry-safe-deletion',
  severity: 'warning',
  databases: ALL_DATABASES,
  category: 'rolling-deploy',
  summary: 'Sentry-style SafeRemoveField / SafeDeleteModel with `deletion_action=DELETE` in the same migration as its MOVE_TO_PENDING step (or with no pending step found).',
  messages: {
    deleteWithPending:
      '`{{type}}` deletes `{{target}}` in the same migration that moves it to pending: the column or table is dropped while the code deployed before this migration still uses it. Ship the DELETE step in a later release.',
    pendingNotFound:
      '`{{type}}` deletes `{{target}}`, but no earlier migration read in this run moves it to pending (`deletion_action=DeletionAction.MOVE_TO_PENDING`): check that the pending step shipped in an earlier release.',
  },
  why: [
    'Sentry\'s `SafeRemoveField` and `SafeDeleteModel` split a removal in two releases. With',
    '`deletion_action=DeletionAction.MOVE_TO_PENDING` Django forgets the field or model (state only) while the column or',
    'table stays, so the code still running keeps working. A later migration with `deletion_action=DeletionAction.DELETE`',
    'drops it, once no running code knows about it. The pending step is safe and is not reported; `remove-field` and',
    '`delete-model` do not report these operations either. Doing both steps at once, or the DELETE without the pending',
    'step having shipped, brings back the breakage the pair exists to avoid.',
  ].join('\n'),
  safeAlternative: [
    '1. Release one: remove the field from the model and move it to pending.',
    '',
    '```python',
    'from django.db import migrations',
    'from sentry.new_migrations.migrations import CheckedMigration',
    'from sentry.new_migrations.monkey.fields import SafeRemoveField',
    'from sentry.new_migrations.monkey.state import DeletionAction',
    '',
    '',
    'class Migration(CheckedMigration):',
    '    is_post_deployment = False',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        SafeRemoveField(model_name="order", name="legacy_code", deletion_action=DeletionAction.MOVE_TO_PENDING),',
    '    ]',
    '```',
    '',
    '2. A later release, after every server runs the code from step 1: drop it.',
    '',
    '```python',
    'from django.db import migrations',
    'from sentry.new_migrations.migrations import CheckedMigration',
    'from sentry.new_migrations.monkey.fields import SafeRemoveField',
    'from sentry.new_migrations.monkey.state import DeletionAction',
    '',
    '',
    'class Migration(CheckedMigration):',
    '    is_post_deployment = False',
    '    dependencies = [("shop", "0042_order_legacy_code_pending")]',
    '',
    '    operations = [',
    '        SafeRemoveField(model_name="order", name="legacy_code", deletion_action=DeletionAction.DELETE),',
    '    ]',
    '```',
    '',
    'Rollback: before step 2, reversing step 1 only restores Django\'s state (the column never left). After step 2 the',
    'data comes from a backup.',
  ].join('\n'),
  links: ['https://develop.sentry.dev/api-server/application-domains/database-migrations/'],
  operationTypes: ['SafeRemoveField', 'SafeDeleteModel'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective || deletionAction(op) !== 'delete') return;
      const key = target(op);
      if (!key) return;
      const data = { type: op.type, target: key };
      if (pendingIn(ctx.migration, op.type, key)) {
        ctx.report({ messageId: 'deleteWithPending', op, data });
        return;
      }
      const earlier = [...(ctx.files?.values() ?? [])].filter((file) => file !== ctx.migration && file.app === ctx.migration.app);
      // Without the app's earlier migrations there is nothing to compare against: stay quiet.
      if (earlier.length === 0) return;
      if (!earlier.some((file) => pendingIn(file, op.type, key))) ctx.report({ messageId: 'pendingNotFound', op, data, severity: 'info' });
    });
  },
  cases: {
    bad: [
      {
        name: 'pending and delete in one migration',
        code: `from sentry.new_migrations.migrations import CheckedMigration
from sentry.new_migrations.monkey.fields import SafeRemoveField
from sentry.new_migrations.monkey.state import DeletionAction


class Migration(CheckedMigration):
    is_post_deployment = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        SafeRemoveField(model_name="order", name="legacy_code", deletion_action=DeletionAction.MOVE_TO_PENDING),
        SafeRemoveField(model_name="order", name="legacy_code", deletion_action=DeletionAction.DELETE),
    ]
`,
        path: 'shop/migrations/0042_remove_order_legacy_code.py',
        expect: [{ messageId: 'deleteWithPending', line: 12 }],
      },
    ],
    good: [
      {
        name: 'delete after the pending step shipped in an earlier migration',
        code: `from sentry.new_migrations.migrations import CheckedMigration
from sentry.new_migrations.monkey.models import SafeDeleteModel
from sentry.new_migrations.monkey.state import DeletionAction


class Migration(CheckedMigration):
    is_post_deployment = False
    dependencies = [("shop", "0042_legacy_pending")]

    operations = [
        SafeDeleteModel(name="LegacyInvoice", deletion_action=DeletionAction.DELETE),
    ]
`,
        path: 'shop/migrations/0043_delete_legacy_invoice.py',
        context: {
          'shop/migrations/0042_legacy_pending.py': `from sentry.new_migrations.migrations import CheckedMigration
from sentry.new_migrations.monkey.models import SafeDeleteModel
from sentry.new_migrations.monkey.state import DeletionAction


class Migration(CheckedMigration):
    is_post_deployment = False
    dependencies = []

    operations = [
        SafeDeleteModel(name="LegacyInvoice", deletion_action=DeletionAction.MOVE_TO_PENDING),
    ]
`,
        },
      },
    ],
  },
});
