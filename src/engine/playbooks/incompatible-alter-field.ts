import { definePlaybook, orPlaceholder, step } from './types.js';

function splitField(path: string | undefined): { app?: string; model?: string; field?: string } {
  const parts = (path ?? '').split('.');
  if (parts.length !== 3) return {};
  return { app: parts[0], model: parts[1], field: parts[2] };
}

export default definePlaybook({
  id: 'incompatible-alter-field',
  title: 'AlterField between incompatible field types',
  summary: 'Django cannot turn one field into the other in place (ManyToMany changes, through= changes, custom fields without db_type).',
  patterns: [
    {
      regex: /Cannot alter field ([\w.]+) into ([\w.]+) - they are not compatible types/,
      extract: (m) => ({ ...splitField(m[1]), oldField: m[1], newField: m[2], kind: 'm2m' }),
      confidence: 'high',
    },
    {
      regex: /Cannot alter field ([\w.]+) into ([\w.]+) - they do not properly define db_type/,
      extract: (m) => ({ ...splitField(m[1]), oldField: m[1], newField: m[2], kind: 'db_type' }),
      confidence: 'high',
    },
  ],
  explain(x) {
    const field = `${orPlaceholder(x.model, 'model')}.${orPlaceholder(x.field, 'field')}`;
    const app = orPlaceholder(x.app, 'app');
    if (x.kind === 'db_type') {
      return {
        meaning: `One side of the AlterField on ${field} is a field class whose db_type() returns None, so Django cannot compute the column change.`,
        likelyCauses: ['A custom field class does not implement db_type() (or returns None for this backend).', 'A third-party field was upgraded and changed its base class.'],
        steps: [
          step('Fix the custom field so db_type(connection) returns the column type (or inherit from the built-in field it wraps).'),
          step('Regenerate the migration:', `python manage.py makemigrations ${app}`),
        ],
        verify: [`\`python manage.py sqlmigrate ${app} ${orPlaceholder(x.migration, 'migration')}\` prints the ALTER statements.`],
        prevent: ['Test custom fields with `sqlmigrate` on every database vendor you deploy to.'],
      };
    }
    return {
      meaning: `Django cannot alter ${field} in place: changing to or from a ManyToManyField, or adding or removing through= on one, is not a column change.`,
      likelyCauses: ['A ForeignKey was turned into a ManyToManyField (or back).', 'An explicit through model was added to an existing ManyToManyField.'],
      steps: [
        step(
          'To add a through model and keep the existing join table: write a migration with SeparateDatabaseAndState whose state_operations create the through model (db_table set to the current join table) and alter the field to use it, with no database_operations.',
        ),
        step('To change the field kind: add a new field with the new type, copy the data in a RunPython data migration, switch the code to the new field, then remove the old field in a later release.'),
        step('Check the SQL the new migrations run:', `python manage.py sqlmigrate ${app} ${orPlaceholder(x.migration, 'migration')}`),
      ],
      verify: [`\`python manage.py migrate ${app}\` completes and \`makemigrations --check\` reports no changes.`],
      prevent: ['Create ManyToMany relations with an explicit through model from the start when extra columns are likely.'],
    };
  },
  cases: {
    match: [
      {
        name: 'FK to M2M',
        text: 'ValueError: Cannot alter field shop.Order.tags into shop.Order.tags - they are not compatible types (you cannot alter to or from M2M fields, or add or remove through= on M2M fields)',
        expect: { app: 'shop', model: 'Order', field: 'tags', kind: 'm2m' },
      },
      {
        name: 'bad custom field',
        text: 'ValueError: Cannot alter field shop.Order.data into shop.Order.data - they do not properly define db_type (are you using a badly-written custom field?)',
        expect: { field: 'data', kind: 'db_type' },
      },
    ],
    nearMiss: ['Cannot alter field shop.Order.tags', 'they are not compatible types'],
  },
});
