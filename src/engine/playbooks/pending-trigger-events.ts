import { appFromTable, definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'pending-trigger-events',
  title: 'PostgreSQL: cannot ALTER TABLE because it has pending trigger events',
  summary: 'Data changes and a schema change on the same table ran in one transaction.',
  patterns: [
    { regex: /cannot ALTER TABLE "([^"]{1,128})" because it has pending trigger events/, extract: (m) => ({ table: m[1], database: 'postgresql' }), confidence: 'high' },
  ],
  explain(x) {
    const table = orPlaceholder(x.table, 'table');
    const app = orPlaceholder(x.app ?? appFromTable(x.table), 'app');
    return {
      meaning: `Rows of ${table} were changed earlier in the same transaction, and deferred foreign-key checks for them are still pending. PostgreSQL refuses to ALTER the table until they fire.`,
      likelyCauses: ['A migration mixes a RunPython/RunSQL data update with an AlterField/AddField on the same table.', 'Two migrations run in one transaction (atomic migrate) with an update before the schema change.'],
      steps: [
        step('Split the migration: keep the data change in one migration and the schema change in the next one (each migration is its own transaction).'),
        step('Or, if splitting is not possible, add migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop) right after the data step, or set atomic = False on the migration.'),
        step('Rerun:', `python manage.py migrate ${app}`),
      ],
      verify: [`\`python manage.py showmigrations ${app}\` shows the migrations as [X].`],
      prevent: ['Never put data migrations and schema changes of the same table in one migration (`migrate-help check` flags this).'],
    };
  },
  cases: {
    match: [{ name: 'PG', text: 'django.db.utils.OperationalError: cannot ALTER TABLE "shop_order" because it has pending trigger events', expect: { table: 'shop_order', database: 'postgresql' } }],
    nearMiss: ['cannot ALTER TABLE "shop_order" because it is being used by active queries'],
  },
});
