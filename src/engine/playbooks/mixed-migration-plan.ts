import { definePlaybook, step } from './types.js';

export default definePlaybook({
  id: 'mixed-migration-plan',
  title: 'InvalidMigrationPlan: forwards and backwards in one plan',
  summary: 'The target asks Django to unapply some migrations and apply others at once.',
  patterns: [
    { regex: /Migration plans with both forwards and backwards migrations are not supported/, extract: () => ({}), confidence: 'high' },
  ],
  explain() {
    return {
      meaning: 'The migrate target needs some migrations rolled back and others applied in the same run, which Django does not do.',
      likelyCauses: ['migrate was given targets in several apps that sit on different sides of applied dependencies.', 'Switching between branches whose migrations diverge.'],
      steps: [
        step('See where each app stands:', 'python manage.py showmigrations --plan'),
        step('Run the backwards part first, one app at a time:', 'python manage.py migrate <app> <older_migration>'),
        step('Then run the forwards part:', 'python manage.py migrate'),
      ],
      verify: ['`python manage.py migrate --plan` shows only forwards operations.'],
      prevent: ['Roll back before switching branches when migrations diverge.'],
    };
  },
  cases: {
    match: [{ name: 'executor', text: 'django.db.migrations.exceptions.InvalidMigrationPlan: Migration plans with both forwards and backwards migrations are not supported. Please split your migration process into separate plans of only forwards OR backwards migrations.', expect: {} }],
    nearMiss: ['Migration plans are supported'],
  },
});
