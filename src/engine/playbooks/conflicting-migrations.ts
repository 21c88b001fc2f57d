import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'conflicting-migrations',
  title: 'Conflicting migrations: an app has more than one leaf migration',
  summary: 'Two branches each added a migration on the same parent; Django wants a merge migration.',
  patterns: [
    {
      regex: /Conflicting migrations detected; multiple leaf nodes in the migration graph: \(([^)]{1,2000})\)/,
      extract: (m) => {
        const conflicts = m[1] ?? '';
        // "0002_a, 0002_b in shop; 0003_x, 0003_y in billing"
        const first = conflicts.split('; ')[0] ?? '';
        const at = first.lastIndexOf(' in ');
        return at === -1 ? { conflicts } : { conflicts, app: first.slice(at + 4), leaves: first.slice(0, at) };
      },
      confidence: 'high',
    },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    const leaves = orPlaceholder(x.leaves, 'leaves');
    return {
      meaning: `The app ${app} has several migrations that nothing depends on (${leaves}). Django does not know which one comes last, so migrate and makemigrations stop.`,
      likelyCauses: ['Two branches each generated a migration from the same parent and were merged.', 'A migration was renumbered or a dependency edited by hand.'],
      steps: [
        step(`See the branches and what each one adds:`, `migrate-help graph . --format text`),
        step(`Check the two branches do not touch the same fields. If they are independent, create an empty merge migration that depends on both leaves:`, `python manage.py makemigrations --merge ${x.app ?? ''}`.trimEnd()),
        step(`If one of the leaves is yours and no database has applied it yet, you can instead delete it, rebase on the other branch and regenerate it:`, `python manage.py makemigrations ${x.app ?? ''}`.trimEnd()),
        step('Do not edit the dependencies of a migration that some database already applied: that creates InconsistentMigrationHistory.'),
      ],
      verify: [`\`python manage.py makemigrations --check --dry-run\` reports no conflict.`, `\`migrate-help graph .\` shows one leaf for ${app}.`],
      prevent: ['Run `migrate-help graph .` (or `makemigrations --check`) in CI on the merge result, so the second PR learns about the conflict before merging.'],
    };
  },
  cases: {
    match: [
      {
        name: 'one app',
        text: `CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph: (0007_order_note, 0007_order_status in shop).
To fix them run 'python manage.py makemigrations --merge'`,
        expect: { app: 'shop', leaves: '0007_order_note, 0007_order_status' },
      },
      {
        name: 'two apps',
        text: 'Conflicting migrations detected; multiple leaf nodes in the migration graph: (0002_a, 0002_b in billing; 0004_x, 0004_y in shop).',
        expect: { app: 'billing', leaves: '0002_a, 0002_b' },
      },
    ],
    nearMiss: ['Conflicting migrations detected', 'multiple leaf nodes somewhere in shop'],
  },
});
