import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'node-not-found',
  title: 'NodeNotFoundError: a migration depends on one that does not exist',
  summary: 'A dependency, run_before or squash points at a migration file Django cannot find.',
  patterns: [
    {
      regex: /Migration (\w+)\.(\w+) dependencies reference nonexistent (parent|child) node \('(\w+)', '(\w+)'\)/,
      extract: (m) => ({ app: m[1], migration: m[2], kind: m[3], missingApp: m[4], missingMigration: m[5] }),
      confidence: 'high',
    },
    {
      regex: /Migration (\w+)\.(\w+) depends on nonexistent node \('(\w+)', '(\w+)'\)/,
      extract: (m) => ({ app: m[1], migration: m[2], kind: 'squash', missingApp: m[3], missingMigration: m[4] }),
      confidence: 'high',
    },
    {
      regex: /Node \('(\w+)', '(\w+)'\) not a valid node/,
      extract: (m) => ({ kind: 'target', missingApp: m[1], missingMigration: m[2] }),
      confidence: 'high',
    },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    const migration = orPlaceholder(x.migration, 'migration');
    const missingApp = orPlaceholder(x.missingApp, 'app');
    const missing = orPlaceholder(x.missingMigration, 'migration');
    const squash = x.kind === 'squash';
    const target = x.kind === 'target';
    return {
      meaning: target
        ? `The migration ${missingApp}.${missing} you asked for is not in the migration graph.`
        : squash
          ? `${app}.${migration} depends on ${missingApp}.${missing}, which was replaced by a squashed migration. Django cannot use the squashed one because only some of the migrations it replaces are applied on this database, and the file ${missing}.py is gone.`
          : `${app}.${migration} names ${missingApp}.${missing} as a ${x.kind === 'child' ? 'run_before target' : 'dependency'}, but no such migration file exists, so Django cannot build the graph at all.`,
      likelyCauses: [
        `The file ${missingApp}/migrations/${missing}.py was deleted or renamed (often right after squashing).`,
        'A branch switch left stale files (or stale .pyc files) behind, or this branch lacks a migration another branch added.',
        `The app ${missingApp} was removed from INSTALLED_APPS or a third-party app upgraded and renumbered its migrations.`,
        ...(squash ? ['Replaced migrations were deleted before every database had applied all of them.'] : []),
      ],
      steps: [
        step(`See which migrations of ${missingApp} exist on disk and in the database:`, `python manage.py showmigrations ${missingApp}`),
        step(`Find who still references the missing node:`, `grep -rn "${missing}" --include='*.py' */migrations/`),
        step(
          squash
            ? `Restore the deleted replaced migrations from version control (git log --diff-filter=D -- '*/${missing}.py'), apply them everywhere, and only then delete them again.`
            : `Restore ${missing}.py from version control if it was removed by mistake (git log --diff-filter=D -- '*/${missing}.py' shows when).`,
        ),
        step(`If the migration was squashed on purpose, point the dependency of ${app}.${migration} at the squashed migration that replaces ${missing} (or at the app's current leaf).`),
        step('Delete stale bytecode that can shadow removed files:', `find . -path '*/migrations/__pycache__' -prune -exec rm -rf {} +`),
      ],
      verify: ['`python manage.py migrate --plan` prints a plan instead of NodeNotFoundError.', '`migrate-help graph .` reports no missing dependencies.'],
      prevent: [
        'Keep replaced migrations until every database (every environment and developer) has applied them.',
        'Run `migrate-help graph .` or `python manage.py makemigrations --check` in CI so a dangling dependency fails the PR.',
      ],
    };
  },
  cases: {
    match: [
      {
        name: 'deleted parent',
        text: `django.db.migrations.exceptions.NodeNotFoundError: Migration shop.0004_order_note dependencies reference nonexistent parent node ('shop', '0003_auto_20240101_1200')`,
        expect: { app: 'shop', migration: '0004_order_note', kind: 'parent', missingApp: 'shop', missingMigration: '0003_auto_20240101_1200' },
      },
      {
        name: 'squash partially applied',
        text: `NodeNotFoundError: Migration billing.0010_x depends on nonexistent node ('billing', '0004_old'). Django tried to replace migration billing.0004_old with any of [billing.0001_squashed_0006] but wasn't able to because some of the replaced migrations are already applied.`,
        expect: { app: 'billing', migration: '0010_x', kind: 'squash', missingApp: 'billing', missingMigration: '0004_old' },
      },
      {
        name: 'bad target',
        text: `NodeNotFoundError: Node ('shop', '0099_nope') not a valid node`,
        expect: { kind: 'target', missingApp: 'shop', missingMigration: '0099_nope' },
      },
    ],
    nearMiss: ["Migration shop.0004 dependencies reference ('shop', '0003')", 'NodeNotFoundError happens sometimes'],
  },
});
