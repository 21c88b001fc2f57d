import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'graph-construction-error',
  title: 'Django could not load the migrations (unknown app, missing Migration class, ambiguous name)',
  summary: 'A dependency names an app Django does not know, a file has no Migration class, or a name prefix is ambiguous.',
  patterns: [
    { regex: /Dependency on unknown app: (\w+)/, extract: (m) => ({ kind: 'unknown-app', app: m[1] }), confidence: 'high' },
    { regex: /Dependency on app with no migrations: (\w+)/, extract: (m) => ({ kind: 'no-migrations', app: m[1] }), confidence: 'high' },
    { regex: /Migration (\w+) in app (\w+) has no Migration class/, extract: (m) => ({ kind: 'no-class', migration: m[1], app: m[2] }), confidence: 'high' },
    { regex: /There is more than one migration for '(\w+)' with the prefix '(\w+)'/, extract: (m) => ({ kind: 'ambiguous', app: m[1], prefix: m[2] }), confidence: 'high' },
    { regex: /Cannot find a migration matching '([^']{1,200})' from app '(\w+)'/, extract: (m) => ({ kind: 'no-match', prefix: m[1], app: m[2] }), confidence: 'high' },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    switch (x.kind) {
      case 'unknown-app':
      case 'no-migrations':
        return {
          meaning:
            x.kind === 'unknown-app'
              ? `A migration depends on the app '${app}', which is not in INSTALLED_APPS (or has another label).`
              : `A migration depends on the app '${app}', which has no migrations folder or no migration files.`,
          likelyCauses: [x.kind === 'unknown-app' ? `${app} was removed from INSTALLED_APPS, renamed, or is installed under a different label.` : `${app} has models but makemigrations was never run for it, or its migrations package is missing __init__.py.`],
          steps: [
            x.kind === 'unknown-app' ? step(`Add ${app} back to INSTALLED_APPS, or update dependencies that name it to the new label.`) : step(`Create the initial migration of ${app}:`, `python manage.py makemigrations ${app}`),
            step('Check the project loads:', 'python manage.py showmigrations'),
          ],
          verify: ['`python manage.py migrate --plan` prints a plan.'],
          prevent: ['Remove an app in two steps: first delete its models with migrations (and repoint other apps\' dependencies), then uninstall it.'],
        };
      case 'no-class':
        return {
          meaning: `The file ${app}/migrations/${orPlaceholder(x.migration, 'migration')}.py is in a migrations package but defines no class Migration, so Django refuses to load the graph.`,
          likelyCauses: ['A helper module was placed in migrations/ without a leading underscore.', 'The file is empty or half-written (merge conflict, failed generation).'],
          steps: [
            step(`Move helper code to a module whose name starts with an underscore (e.g. ${app}/migrations/_utils.py), or out of migrations/ altogether.`),
            step('Or restore the file from version control if it was truncated.'),
          ],
          verify: ['`python manage.py showmigrations ' + app + '` lists the app without error.'],
          prevent: ['`migrate-help check` reports files without a Migration class.'],
        };
      default:
        return {
          meaning:
            x.kind === 'ambiguous'
              ? `The prefix '${orPlaceholder(x.prefix, 'prefix')}' matches several migrations of ${app}.`
              : `No migration of ${app} starts with '${orPlaceholder(x.prefix, 'prefix')}'.`,
          likelyCauses: ['Two migrations share a number after a merge.', 'A typo, or the migration exists only on another branch.'],
          steps: [step(`List the migrations of ${app} and use the full name:`, `python manage.py showmigrations ${app}`)],
          verify: ['The command accepts the full migration name.'],
          prevent: ['Use full migration names in scripts and runbooks.'],
        };
    }
  },
  cases: {
    match: [
      { name: 'unknown app', text: 'ValueError: Dependency on unknown app: billing', expect: { kind: 'unknown-app', app: 'billing' } },
      { name: 'no migrations', text: 'ValueError: Dependency on app with no migrations: billing', expect: { kind: 'no-migrations', app: 'billing' } },
      { name: 'no class', text: 'django.db.migrations.exceptions.BadMigrationError: Migration utils in app shop has no Migration class', expect: { kind: 'no-class', app: 'shop', migration: 'utils' } },
      { name: 'ambiguous', text: "django.db.migrations.exceptions.AmbiguityError: There is more than one migration for 'shop' with the prefix '0007'", expect: { kind: 'ambiguous', app: 'shop', prefix: '0007' } },
      { name: 'no match', text: "CommandError: Cannot find a migration matching '0099' from app 'shop'.", expect: { kind: 'no-match', app: 'shop', prefix: '0099' } },
    ],
    nearMiss: ['Dependency on app billing', 'Migration utils in app shop has a Migration class'],
  },
});
