import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'circular-dependency',
  title: 'CircularDependencyError: migrations depend on each other in a loop',
  summary: 'Two or more migrations (usually across apps) depend on each other, so there is no order to run them.',
  patterns: [
    {
      regex: /CircularDependencyError: (\w+\.\w+(?:, \w+\.\w+)*)/,
      extract: (m) => {
        const cycle = m[1] ?? '';
        const first = cycle.split(', ')[0] ?? '';
        const dot = first.indexOf('.');
        return { cycle, app: first.slice(0, dot), migration: first.slice(dot + 1) };
      },
      confidence: 'high',
    },
  ],
  explain(x) {
    const cycle = orPlaceholder(x.cycle, 'cycle');
    return {
      meaning: `The dependencies of ${cycle} form a loop, so Django cannot put them in any order. Nothing in the loop can be applied until one edge is removed.`,
      likelyCauses: [
        'Two apps have ForeignKeys to each other and both relations were created in their initial migrations.',
        'A squash merged operations so that the squashed migration now needs a migration that needs it back.',
        'A run_before was added that contradicts an existing dependency.',
      ],
      steps: [
        step('Print the graph problems to see the whole loop and which dependency closes it:', 'migrate-help graph . --format json'),
        step(
          'Break the loop by moving one cross-app ForeignKey out of its initial migration into a new, later migration of the same app: CreateModel without that field first, then an AddField that depends on the other app.',
        ),
        step(`Make the new migration depend on the other app's migration, and remove that app from the dependencies of ${orPlaceholder(x.app, 'app')}.${orPlaceholder(x.migration, 'migration')}.`),
        step('If the databases already applied these migrations, keep the applied files as they are and only change unapplied ones; otherwise coordinate a `--fake` of the split migration.'),
      ],
      verify: ['`python manage.py migrate --plan` prints a plan.', '`migrate-help graph .` reports no cycles.'],
      prevent: ['Keep cross-app ForeignKeys out of initial migrations when the apps point at each other.', 'Run `migrate-help graph .` in CI.'],
    };
  },
  cases: {
    match: [
      {
        name: 'two apps',
        text: 'django.db.migrations.exceptions.CircularDependencyError: shop.0002_order_customer, customers.0001_initial',
        expect: { app: 'shop', migration: '0002_order_customer', cycle: 'shop.0002_order_customer, customers.0001_initial' },
      },
    ],
    nearMiss: ['raise CircularDependencyError(", ".join("%s.%s" % n for n in cycle))', 'I think we have a circular dependency between shop and customers'],
  },
});
