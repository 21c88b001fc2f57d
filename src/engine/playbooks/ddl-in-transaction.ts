import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'ddl-in-transaction',
  title: "DDL inside a transaction on a database that can't roll it back",
  summary: 'schema_editor was used inside an atomic block on MySQL/Oracle.',
  patterns: [
    {
      regex: /Executing DDL statements while in a transaction on databases that can't perform a rollback is prohibited/,
      extract: () => ({}),
      confidence: 'high',
    },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    return {
      meaning: 'A schema change ran inside an atomic block on a database (MySQL, Oracle) whose DDL commits implicitly and cannot be rolled back, so Django refuses to run it.',
      likelyCauses: ['A RunPython uses schema_editor (or calls another migration operation) and the migration is atomic.', 'Code runs schema_editor() inside transaction.atomic().'],
      steps: [
        step('Set atomic = False on the migration (or pass atomic=False to the RunPython that runs DDL).'),
        step('Rerun:', `python manage.py migrate ${app}`),
        step('MySQL DDL is not transactional: if an earlier attempt failed half way, compare the schema with `sqlmigrate` output before rerunning.', `python manage.py sqlmigrate ${app} ${orPlaceholder(x.migration, 'migration')}`),
      ],
      verify: [`\`python manage.py migrate ${app}\` completes.`],
      prevent: ['Keep schema changes in schema operations, not in RunPython.'],
    };
  },
  cases: {
    match: [{ name: 'MySQL', text: "django.db.transaction.TransactionManagementError: Executing DDL statements while in a transaction on databases that can't perform a rollback is prohibited.", expect: {} }],
    nearMiss: ['TransactionManagementError: An error occurred in the current transaction. You can\'t execute queries until the end of the \'atomic\' block.'],
  },
});
