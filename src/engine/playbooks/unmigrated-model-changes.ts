import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'unmigrated-model-changes',
  title: 'Model changes without a migration',
  summary: 'Models changed but no migration was generated, so migrate will not apply the change.',
  patterns: [
    {
      regex: /Your models in app\(s\): ([^\n]{1,500}?) have changes that are not yet reflected in a migration/,
      extract: (m) => {
        const apps = (m[1] ?? '').replace(/'/g, '');
        return { apps, app: apps.split(', ')[0] };
      },
      confidence: 'high',
    },
    { regex: /Your models have changes that are not yet reflected in a migration/, extract: () => ({}), confidence: 'high' },
    { regex: /Migrations for '(\w+)':/, extract: (m) => ({ app: m[1], apps: m[1] }), confidence: 'low' },
  ],
  explain(x) {
    const apps = x.apps ? x.apps.split(', ').join(' ') : '';
    return {
      meaning: `The models${x.apps ? ` of ${x.apps}` : ''} differ from what the migrations describe. migrate only runs migrations, so the database will not get these changes until a migration exists.`,
      likelyCauses: ['makemigrations was not run (or its output not committed) after a model change.', 'A third-party upgrade or a settings change (e.g. DEFAULT_AUTO_FIELD) alters model state.'],
      steps: [
        step('See what would be generated:', `python manage.py makemigrations ${apps} --dry-run --verbosity 3`.replace('  ', ' ')),
        step('Generate and review the migration, then commit it with the model change:', `python manage.py makemigrations ${apps}`.trimEnd()),
        step('Lint it before merging:', `migrate-help check ${orPlaceholder(x.app, 'app')}/migrations`),
      ],
      verify: ['`python manage.py makemigrations --check --dry-run` exits 0.'],
      prevent: ['Run `python manage.py makemigrations --check --dry-run` in CI.'],
    };
  },
  cases: {
    match: [
      { name: 'migrate notice', text: "  Your models in app(s): 'shop', 'billing' have changes that are not yet reflected in a migration, and so won't be applied.", expect: { app: 'shop', apps: 'shop, billing' } },
      { name: 'old notice', text: "Your models have changes that are not yet reflected in a migration, and so won't be applied.", expect: {} },
    ],
    nearMiss: ['No changes detected', 'Your models look fine'],
  },
});
