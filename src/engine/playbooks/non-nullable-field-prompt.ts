import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'non-nullable-field-prompt',
  title: 'makemigrations asks for a default for a non-nullable field',
  summary: 'Adding (or making) a NOT NULL field needs a value for the rows that already exist.',
  patterns: [
    { regex: /You are trying to add a non-nullable field '(\w+)' to (\w+) without a default/, extract: (m) => ({ field: m[1], model: m[2], kind: 'add' }), confidence: 'high' },
    { regex: /It is impossible to add a non-nullable field '(\w+)' to (\w+) without specifying a default/, extract: (m) => ({ field: m[1], model: m[2], kind: 'add' }), confidence: 'high' },
    { regex: /You are trying to change the nullable field '(\w+)' on (\w+) to non-nullable without a default/, extract: (m) => ({ field: m[1], model: m[2], kind: 'change' }), confidence: 'high' },
    { regex: /It is impossible to change a nullable field '(\w+)' on (\w+) to non-nullable without providing a default/, extract: (m) => ({ field: m[1], model: m[2], kind: 'change' }), confidence: 'high' },
    { regex: /You are trying to add the field '(\w+)' with 'auto_now_add=True' to (\w+) without a default/, extract: (m) => ({ field: m[1], model: m[2], kind: 'auto_now_add' }), confidence: 'high' },
    { regex: /It is impossible to add the field '(\w+)' with 'auto_now_add=True' to (\w+) without providing a default/, extract: (m) => ({ field: m[1], model: m[2], kind: 'auto_now_add' }), confidence: 'high' },
  ],
  explain(x) {
    const field = orPlaceholder(x.field, 'field');
    const model = orPlaceholder(x.model, 'model');
    const app = orPlaceholder(x.app, 'app');
    const change = x.kind === 'change';
    return {
      meaning: change
        ? `You made ${model}.${field} NOT NULL, but existing rows may hold NULL. makemigrations needs to know what to put there before the constraint can be added.`
        : `You added ${model}.${field} as NOT NULL without a default. Existing rows need a value, so makemigrations asks for a one-off default (with --noinput it exits with status 3).`,
      likelyCauses: [change ? `null=True was removed from ${field}.` : `${field} was added without null=True, default or db_default.`],
      steps: change
        ? [
            step(`Choose "Quit", then write a data migration that fills the NULLs first (separate migration, batched on big tables):`, `python manage.py makemigrations ${app} --empty --name backfill_${x.field ?? 'field'}`),
            step(`In it, RunPython that updates rows where ${field} IS NULL (in batches), with reverse_code=migrations.RunPython.noop.`),
            step(`Then generate the NOT NULL change; answer "Ignore for now" since the backfill handles existing rows:`, `python manage.py makemigrations ${app}`),
            step('On PostgreSQL, a big table is safer with a CHECK (col IS NOT NULL) NOT VALID constraint, VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ skips the table scan).'),
          ]
        : [
            step(`Choose "Quit" and make the field safe for existing rows and for code still running during a deploy. Simplest: null=True now, backfill, then NOT NULL in a later release.`),
            step(`On Django 5.0+, db_default=<value> gives the column a database default, so old code that inserts without ${field} keeps working.`),
            step(`A one-off default (option 1) is fine for a small or empty table, but the column still has no database default afterwards: old code inserting rows fails during a rolling deploy.`),
            step('Regenerate the migration:', `python manage.py makemigrations ${app}`),
          ],
      verify: [`\`python manage.py makemigrations --check --dry-run\` reports no changes.`, `\`migrate-help check .\` reports no error for the new migration.`],
      prevent: ['Add new columns as nullable or with db_default, backfill, then tighten in a later deploy (expand/contract).', 'Run makemigrations with --noinput in CI so a prompt fails fast (exit status 3).'],
    };
  },
  cases: {
    match: [
      {
        name: 'Django 3.2 wording',
        text: "You are trying to add a non-nullable field 'slug' to article without a default; we can't do that (the database needs something to populate existing rows).",
        expect: { field: 'slug', model: 'article', kind: 'add' },
      },
      {
        name: 'Django 4+ wording',
        text: "It is impossible to add a non-nullable field 'slug' to article without specifying a default. This is because the database needs something to populate existing rows.",
        expect: { field: 'slug', model: 'article', kind: 'add' },
      },
      {
        name: 'nullable to non-nullable',
        text: "It is impossible to change a nullable field 'email' on customer to non-nullable without providing a default. This is because the database needs something to populate existing rows.",
        expect: { field: 'email', model: 'customer', kind: 'change' },
      },
      {
        name: 'auto_now_add',
        text: "You are trying to add the field 'created' with 'auto_now_add=True' to post without a default; the database needs something to populate existing rows.",
        expect: { field: 'created', model: 'post', kind: 'auto_now_add' },
      },
    ],
    nearMiss: ["You are trying to add a nullable field 'slug' to article", 'add a non-nullable field to the model'],
  },
});
