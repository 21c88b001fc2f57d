import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'inconsistent-migration-history',
  title: 'InconsistentMigrationHistory: a migration is recorded as applied before its dependency',
  summary: 'The django_migrations table says a migration ran while one it depends on never did.',
  patterns: [
    {
      regex: /Migration (\w+)\.(\w+) is applied before its dependency (\w+)\.(\w+)(?: on database '([^']*)')?/,
      extract: (m) => ({ app: m[1], migration: m[2], dependencyApp: m[3], dependencyMigration: m[4], alias: m[5] }),
      confidence: 'high',
    },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    const migration = orPlaceholder(x.migration, 'migration');
    const depApp = orPlaceholder(x.dependencyApp, 'dependency_app');
    const depMigration = orPlaceholder(x.dependencyMigration, 'dependency_migration');
    const database = x.alias && x.alias !== 'default' ? ` --database ${x.alias}` : '';
    const customUser = x.app === 'admin' && x.dependencyMigration === '0001_initial';
    const steps = [
      step(`Look at what the database has recorded for both apps (nothing changes yet):`, `python manage.py showmigrations ${app} ${depApp}${database}`),
      step(
        `Check whether the tables that ${depApp}.${depMigration} creates already exist. If they do (the schema is there, only the history row is missing), record the dependency as applied without running it:`,
        `python manage.py migrate ${depApp} ${depMigration} --fake${database}`,
      ),
    ];
    if (customUser) {
      steps.push(
        step(
          `Classic custom-user case on a development database: comment out 'django.contrib.admin' in INSTALLED_APPS and the admin URLs, migrate the user app, then restore both:`,
          `python manage.py migrate ${depApp}${database}`,
        ),
      );
    }
    steps.push(
      step(`If the schema is not there either, a development database is quickest to drop and rebuild with \`python manage.py migrate\`. On production, stop and plan: never fake or edit history there without a backup and a reviewed SQL check of what exists.`),
      step(`If someone edited the dependencies of ${app}.${migration} after it was applied, restore the original dependencies instead of changing the database history.`),
    );
    return {
      meaning: `Django found ${app}.${migration} recorded as applied in django_migrations${x.alias ? ` on database '${x.alias}'` : ''}, but ${depApp}.${depMigration}, which it depends on, is not. Django refuses to migrate (or makemigrations) until the history is consistent.`,
      likelyCauses: [
        ...(customUser ? [`A custom AUTH_USER_MODEL (${depApp}) was introduced after admin.0001_initial had already been applied.`] : []),
        'The dependencies of an applied migration were edited (for example while linearising two branches).',
        'The database was copied or restored from another branch or project.',
        'A squashed migration was introduced or removed while only part of the replaced migrations had run.',
        'Someone ran `migrate --fake` on the wrong migration.',
      ],
      steps,
      verify: [`\`python manage.py migrate --plan${database}\` runs without raising InconsistentMigrationHistory.`, `\`python manage.py showmigrations ${app} ${depApp}${database}\` shows [X] for both migrations.`],
      prevent: [
        'Set AUTH_USER_MODEL before the first `migrate` of a project and never switch it afterwards without a migration plan.',
        'Never edit the dependencies of migrations that any database has applied; add a new migration instead.',
        'Run `python manage.py migrate --check` in CI against a copy of the production schema.',
      ],
    };
  },
  cases: {
    match: [
      {
        name: 'custom user model introduced late',
        text: `Traceback (most recent call last):
  File "manage.py", line 22, in <module>
    main()
django.db.migrations.exceptions.InconsistentMigrationHistory: Migration admin.0001_initial is applied before its dependency accounts.0001_initial on database 'default'.`,
        expect: { app: 'admin', migration: '0001_initial', dependencyApp: 'accounts', dependencyMigration: '0001_initial', alias: 'default' },
      },
      {
        name: 'other database alias',
        text: `InconsistentMigrationHistory: Migration shop.0005_order_total is applied before its dependency billing.0002_invoice on database 'replica'.`,
        expect: { app: 'shop', migration: '0005_order_total', dependencyApp: 'billing', dependencyMigration: '0002_invoice', alias: 'replica' },
      },
    ],
    nearMiss: ['We got an InconsistentMigrationHistory error yesterday, any idea?', 'Migration shop.0005 was applied before lunch.'],
  },
});
