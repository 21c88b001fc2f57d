import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'sqlite-schema-editor',
  title: 'SQLite: schema change not possible inside this transaction',
  summary: "SQLite's schema editor needs foreign key checks off, or cannot rename inside a transaction on old SQLite.",
  patterns: [
    { regex: /SQLite schema editor cannot be used while foreign key constraint checks are enabled/, extract: () => ({ kind: 'fk-checks', database: 'sqlite' }), confidence: 'high' },
    {
      regex: /Renaming the '(\w+)'\.'(\w+)' column while in a transaction is not supported on SQLite/,
      extract: (m) => ({ kind: 'rename-column', table: m[1], column: m[2], database: 'sqlite' }),
      confidence: 'high',
    },
    { regex: /Renaming the '(\w+)' table while in a transaction is not supported on SQLite/, extract: (m) => ({ kind: 'rename-table', table: m[1], database: 'sqlite' }), confidence: 'high' },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    if (x.kind === 'fk-checks') {
      return {
        meaning: 'Code opened transaction.atomic() before running schema changes on SQLite. SQLite can only switch off foreign key checks outside a transaction, and the schema editor needs them off to rebuild tables.',
        likelyCauses: ['A test or script wraps migrate / schema_editor() in transaction.atomic().', 'A RunPython calls schema_editor operations from inside its own atomic block.'],
        steps: [step('Do not wrap migrate or schema_editor() in transaction.atomic() on SQLite; let the migration executor manage transactions.'), step('Rerun:', `python manage.py migrate ${app}`)],
        verify: [`\`python manage.py migrate ${app}\` completes.`],
        prevent: ['Run the test suite against the database you deploy to as well as SQLite.'],
      };
    }
    return {
      meaning: `Renaming ${x.column ? `the column ${orPlaceholder(x.table, 'table')}.${x.column}` : `the table ${orPlaceholder(x.table, 'table')}`} inside a transaction would break references on SQLite older than 3.26.`,
      likelyCauses: ['The SQLite library linked into Python is older than 3.26.'],
      steps: [
        step('Add atomic = False to the Migration class that renames, then rerun:', `python manage.py migrate ${app}`),
        step('Or upgrade SQLite (check with: python -c "import sqlite3; print(sqlite3.sqlite_version)").'),
      ],
      verify: [`\`python manage.py migrate ${app}\` completes.`],
      prevent: ['Use a current SQLite in development and CI.'],
    };
  },
  cases: {
    match: [
      {
        name: 'fk checks',
        text: 'django.db.utils.NotSupportedError: SQLite schema editor cannot be used while foreign key constraint checks are enabled. Make sure to disable them before entering a transaction.atomic() context because SQLite does not support disabling them in the middle of a multi-statement transaction.',
        expect: { kind: 'fk-checks' },
      },
      {
        name: 'rename column',
        text: "NotSupportedError: Renaming the 'shop_order'.'note' column while in a transaction is not supported on SQLite < 3.26 because it would break referential integrity. Try adding `atomic = False` to the Migration class.",
        expect: { kind: 'rename-column', table: 'shop_order', column: 'note' },
      },
    ],
    nearMiss: ['SQLite schema editor is fine', "Renaming the 'shop_order' table is supported"],
  },
});
