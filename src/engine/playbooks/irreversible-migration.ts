import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'irreversible-migration',
  title: 'IrreversibleError: a migration cannot be reversed',
  summary: 'Rolling back hit an operation without a reverse (RunPython/RunSQL without reverse, or a lossy op).',
  patterns: [
    { regex: /Operation (.{1,400}?) in (\w+)\.(\w+) is not reversible/, extract: (m) => ({ operation: m[1], app: m[2], migration: m[3] }), confidence: 'high' },
    { regex: /NotImplementedError: You cannot reverse this operation/, extract: () => ({}), confidence: 'high' },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    const migration = orPlaceholder(x.migration, 'migration');
    return {
      meaning: `Reversing ${app}.${migration} needs to undo ${x.operation ? `the operation ${x.operation}` : 'an operation'} that has no reverse, so Django stops the rollback there.`,
      likelyCauses: ['RunPython without reverse_code, or RunSQL without reverse_sql.', 'A custom operation without database_backwards.'],
      steps: [
        step('If undoing the data change is not needed, give the operation a no-op reverse: reverse_code=migrations.RunPython.noop (or reverse_sql=migrations.RunSQL.noop).'),
        step('If it needs undoing, write the real reverse (function or SQL) and rerun the rollback.'),
        step(`If you already undid the effects by hand, mark the step as rolled back without running it (go back to the migration before ${migration}):`, `python manage.py migrate ${app} <previous_migration> --fake`),
      ],
      verify: [`\`python manage.py migrate ${app} <previous_migration> --plan\` lists the backwards steps without an IRREVERSIBLE marker.`],
      prevent: ['Give every RunPython and RunSQL a reverse (`migrate-help check` flags missing ones).'],
    };
  },
  cases: {
    match: [
      {
        name: 'RunPython',
        text: 'django.db.migrations.exceptions.IrreversibleError: Operation <RunPython <function forwards at 0x7f1c2>> in shop.0005_backfill is not reversible',
        expect: { app: 'shop', migration: '0005_backfill', operation: '<RunPython <function forwards at 0x7f1c2>>' },
      },
      { name: 'raw', text: 'NotImplementedError: You cannot reverse this operation', expect: {} },
    ],
    nearMiss: ['Operation RunPython is reversible', 'is not reversible'],
  },
});
