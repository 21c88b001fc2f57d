/**
 * One risky migration per fix recipe, on a small shop app, shared by the unit tests (generate, parse,
 * replay, check) and the verification suite (apply with Django on PostgreSQL under a writer).
 */

export const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100)),
                ("pages", models.IntegerField(null=True)),
                ("author_name", models.CharField(max_length=100)),
            ],
        ),
    ]
`;

export function riskyMigration(operation: string): string {
  return `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        ${operation},
    ]
`;
}

/** What the application code sends while a migration runs; `phase` is the release of the code deployed (0: before the fix). */
export type Writer = (phase: number, i: number) => string[];

const bookWrites: Writer = (_phase, i) => [
  `INSERT INTO shop_book (title, pages, author_name) VALUES ('w-${i}', ${i % 500}, 'a')`,
  `UPDATE shop_book SET pages = ${i % 500} WHERE id = ${1 + (i % 1000)}`,
];

export interface FixCase {
  name: string;
  recipe: string;
  /** The rule the original migration breaks. */
  rule: string;
  operation: string;
  writer: Writer;
  /** Releases whose files must leave the catalog as it was (state-only steps). */
  catalogUnchangedBy?: number[];
}

export const FIX_CASES: FixCase[] = [
  {
    name: 'NOT NULL column added with a default',
    recipe: 'add-not-null-column',
    rule: 'add-field-not-null-without-db-default',
    operation: 'migrations.AddField(model_name="book", name="stock", field=models.IntegerField(default=0))',
    // Release 1 code declares the field (nullable, with its default): the ORM sends the value.
    writer: (phase, i) =>
      phase === 0
        ? bookWrites(phase, i)
        : [`INSERT INTO shop_book (title, pages, author_name, stock) VALUES ('w-${i}', 1, 'a', 0)`, `UPDATE shop_book SET stock = ${i % 7} WHERE id = ${1 + (i % 1000)}`],
  },
  {
    name: 'AddIndex',
    recipe: 'add-index-concurrently',
    rule: 'add-index-non-concurrent',
    operation: 'migrations.AddIndex(model_name="book", index=models.Index(fields=["title"], name="book_title_idx"))',
    writer: bookWrites,
  },
  {
    name: 'AddField with db_index=True',
    recipe: 'field-index-concurrently',
    rule: 'add-field-index',
    operation: 'migrations.AddField(model_name="book", name="isbn", field=models.CharField(max_length=13, db_index=True, null=True))',
    writer: bookWrites,
  },
  {
    name: 'UniqueConstraint',
    recipe: 'unique-using-index',
    rule: 'add-unique-constraint',
    operation: 'migrations.AddConstraint(model_name="book", constraint=models.UniqueConstraint(fields=["title"], name="book_title_uniq"))',
    writer: bookWrites,
  },
  {
    name: 'CheckConstraint',
    recipe: 'check-not-valid',
    rule: 'add-check-constraint',
    operation: 'migrations.AddConstraint(model_name="book", constraint=models.CheckConstraint(check=models.Q(pages__gte=0), name="book_pages_gte_0"))',
    writer: bookWrites,
  },
  {
    name: 'nullable ForeignKey',
    recipe: 'foreign-key-not-valid',
    rule: 'add-field-foreign-key',
    operation: 'migrations.AddField(model_name="book", name="author", field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to="shop.author"))',
    writer: bookWrites,
  },
  {
    name: 'AlterField to NOT NULL',
    recipe: 'set-not-null-check',
    rule: 'alter-field-set-not-null',
    operation: 'migrations.AlterField(model_name="book", name="pages", field=models.IntegerField())',
    writer: bookWrites,
  },
  {
    name: 'RemoveField of a NOT NULL column',
    recipe: 'remove-field-state-first',
    rule: 'remove-field',
    operation: 'migrations.RemoveField(model_name="book", name="author_name")',
    // Release 1 code no longer knows the field: its INSERTs leave the column out.
    writer: (phase, i) =>
      phase === 0 ? bookWrites(phase, i) : [`INSERT INTO shop_book (title, pages) VALUES ('w-${i}', 1)`, `UPDATE shop_book SET pages = ${i % 500} WHERE id = ${1 + (i % 1000)}`],
  },
  {
    name: 'DeleteModel',
    recipe: 'delete-model-state-first',
    rule: 'delete-model',
    operation: 'migrations.DeleteModel(name="Author")',
    writer: (phase, i) => [...bookWrites(phase, i), ...(phase === 0 ? [`INSERT INTO shop_author (name) VALUES ('a-${i}')`] : [])],
  },
  {
    name: 'RenameField',
    recipe: 'rename-field-expand-contract',
    rule: 'rename-field',
    operation: 'migrations.RenameField(model_name="book", old_name="title", new_name="name")',
    // 0: old code (title); 1 and 2: both written; 3: the new field only.
    writer: (phase, i) => {
      const row = phase === 0 ? `(title, pages, author_name) VALUES ('w-${i}', 1, 'a')` : phase < 3 ? `(title, name, pages, author_name) VALUES ('w-${i}', 'w-${i}', 1, 'a')` : `(name, pages, author_name) VALUES ('w-${i}', 1, 'a')`;
      const update = phase === 0 ? `title = 'u-${i}'` : phase < 3 ? `title = 'u-${i}', name = 'u-${i}'` : `name = 'u-${i}'`;
      return [`INSERT INTO shop_book ${row}`, `UPDATE shop_book SET ${update} WHERE id = ${1 + (i % 1000)}`];
    },
  },
  {
    name: 'RenameModel',
    recipe: 'rename-model-expand-contract',
    rule: 'rename-model-table',
    operation: 'migrations.RenameModel(old_name="Book", new_name="Novel")',
    catalogUnchangedBy: [1],
    // 0 and 1: code whose model uses the table shop_book (release 1 pins it; in release 2 it is a view); 2 on: shop_novel.
    writer: (phase, i) => {
      const table = phase < 2 ? 'shop_book' : 'shop_novel';
      return [`INSERT INTO ${table} (title, pages, author_name) VALUES ('w-${i}', ${i % 500}, 'a')`, `UPDATE ${table} SET pages = ${i % 500} WHERE id = ${1 + (i % 1000)}`];
    },
  },
  {
    name: 'AlterField type change (and NOT NULL)',
    recipe: 'alter-type-swap',
    rule: 'alter-field-type',
    operation: 'migrations.AlterField(model_name="book", name="pages", field=models.BigIntegerField())',
    writer: bookWrites,
  },
];
