import { describe, expect, it } from 'vitest';
import { FixInputError, fixRecipes, generateFix } from '../../../src/engine/fix/index.js';
import { predictSql, loadSqlParser } from '../../../src/engine/sql/index.js';
import { FIX_CASES, INITIAL } from './cases.js';
import { caseTree, finalState, fixCase, RISKY_PATH, risks } from './helpers.js';

const PG16 = { database: 'postgresql' as const, databaseVersion: '16' };

describe.each(FIX_CASES)('fix recipe for $name', (fixCaseSpec) => {
  it('is flagged before the fix', async () => {
    const { files } = await caseTree(fixCaseSpec.operation);
    expect(risks(files, [RISKY_PATH], PG16).map((f) => f.ruleId)).toContain(fixCaseSpec.rule);
  });

  it('generates files our parser reads, chained, the last one under the original name', async () => {
    const { fixed, result } = await fixCase(fixCaseSpec.operation);
    expect(result.fixed.map((f) => f.recipe)).toEqual([fixCaseSpec.recipe]);
    expect(result.unfixed).toEqual([]);
    const generated = fixed.slice(1);
    expect(generated.length).toBe(result.files.length);
    for (const file of generated) {
      expect(file.hasMigrationClass).toBe(true);
      expect(file.problems).toEqual([]);
      expect(file.operations.every((op) => op.known)).toBe(true);
    }
    expect(generated[0]!.dependencies).toEqual([{ app: 'shop', name: '0001_initial', line: expect.any(Number) }]);
    generated.slice(1).forEach((file, i) => expect(file.dependencies.map((d) => ('name' in d ? d.name : d))).toEqual([generated[i]!.name]));
    expect(generated.at(-1)!.name).toBe('0002_change');
    // Django picks a migrate target by prefix: the original name must match only the last file.
    expect(generated.filter((file) => file.name.startsWith('0002_change')).map((file) => file.name)).toEqual(['0002_change']);
    expect(result.files.at(-1)!.original).toBe(true);
    // A concurrent build never shares a transaction.
    for (const file of generated) if (/CONCURRENTLY|AddIndexConcurrently/.test(JSON.stringify(file.operations))) expect(file.atomic).toBe(false);
  });

  it('ends in the state the original migration leads to', async () => {
    const { original, fixed } = await fixCase(fixCaseSpec.operation);
    expect(finalState(fixed)).toEqual(finalState(original));
  });

  it('leaves nothing at warning or above for check', async () => {
    const { fixed, result } = await fixCase(fixCaseSpec.operation);
    const found = risks(fixed, result.files.map((f) => f.path), PG16);
    expect(found.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  });
});

describe('fix on other databases', () => {
  it('MySQL: a NOT NULL column is added nullable, backfilled, then altered by Django', async () => {
    const { fixed, original, result } = await fixCase(FIX_CASES[0]!.operation, { database: 'mysql', databaseVersion: '8.0' });
    expect(result.files.map((f) => [f.name, f.release])).toEqual([
      ['0002_step1_change_add_nullable', 1],
      ['0002_step2_change_backfill', 2],
      ['0002_change', 2],
    ]);
    expect(fixed.at(-1)!.operations.map((op) => op.type)).toEqual(['AlterField']);
    expect(finalState(fixed)).toEqual(finalState(original));
  });

  it('MariaDB: a PostgreSQL-only recipe says so and keeps the operation', async () => {
    const { result } = await fixCase('migrations.AddField(model_name="book", name="author", field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to="shop.author"))', { database: 'mariadb', databaseVersion: '10.11' });
    expect(result.files).toEqual([]);
    expect(result.unfixed).toHaveLength(1);
    expect(result.unfixed[0]!.reason).toMatch(/postgresql only/);
  });

  it('PostgreSQL 11: SET NOT NULL has no automatic fix and the reason says why', async () => {
    const { result } = await fixCase(FIX_CASES.find((c) => c.recipe === 'set-not-null-check')!.operation, { database: 'postgresql', databaseVersion: '11' });
    expect(result.unfixed[0]!.reason).toMatch(/before PostgreSQL 12/);
  });
});

describe('fix input', () => {
  it('refuses a file without risk, a file that is not a migration and one that does not parse', async () => {
    const cases: Array<[string, string]> = [
      ['migrations.AddField(model_name="book", name="note", field=models.TextField(null=True))', 'no-risk'],
    ];
    for (const [operation, code] of cases) {
      const { files, source } = await caseTree(operation);
      expect(() => generateFix({ files, path: RISKY_PATH, source, settings: PG16 })).toThrow(expect.objectContaining({ code }));
    }
    const { files } = await caseTree('migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)');
    const notMigration = { ...files[1]!, hasMigrationClass: false };
    expect(() => generateFix({ files: [files[0]!, notMigration], path: RISKY_PATH, source: '', settings: PG16 })).toThrow(FixInputError);
    const broken = { ...files[1]!, problems: [{ code: 'syntax-error', message: 'unexpected token', line: 3 }] };
    expect(() => generateFix({ files: [files[0]!, broken], path: RISKY_PATH, source: '', settings: PG16 })).toThrow(/does not parse/);
  });

  it('keeps an operation without a recipe and says why', async () => {
    const { result } = await fixCase('migrations.AlterModelTable(name="book", table="books")');
    expect(result.files).toEqual([]);
    expect(result.unfixed.map((u) => u.type)).toEqual(['AlterModelTable']);
    expect(result.unfixed[0]!.reason).not.toBe('');
  });

  it('every recipe has a case here', () => {
    const covered = new Set(FIX_CASES.map((c) => c.recipe));
    expect(fixRecipes.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});

describe('RenameModel', () => {
  const RENAME = FIX_CASES.find((c) => c.recipe === 'rename-model-expand-contract')!.operation;
  const BOOK_FIELDS = '("author_name", models.CharField(max_length=100)),';
  /** The shop app with one more field on Book or Author (a relation to or from the renamed model). */
  const withField = (model: 'Book' | 'Author', field: string) =>
    model === 'Book' ? INITIAL.replace(BOOK_FIELDS, `${BOOK_FIELDS}\n                ${field},`) : INITIAL.replace('("name", models.CharField(max_length=100)),', `("name", models.CharField(max_length=100)),\n                ${field},`);

  it('runs no SQL in release 1: the rename is state-only with the old table pinned', async () => {
    await loadSqlParser();
    const { fixed, result } = await fixCase(RENAME);
    const first = result.files[0]!;
    expect(first.release).toBe(1);
    const predicted = predictSql(fixed, { database: 'postgresql', version: '16' }, { targets: [first.path] })[0]!;
    expect(predicted.operations.map((op) => [op.type, op.unknown, op.statements.length])).toEqual([
      ['SeparateDatabaseAndState', false, 0],
      ['RunPython', true, 0],
    ]);
    expect(first.source).toContain('table="shop_book"');
    expect(result.files.map((f) => [f.name, f.release])).toEqual([
      ['0002_step1_change_rename_state', 1],
      ['0002_step2_change_move_table', 2],
      ['0002_change', 3],
    ]);
    expect(result.files[1]!.source).toContain('CREATE VIEW "shop_book" AS SELECT * FROM "shop_novel"');
  });

  it('keeps foreign keys from other models and says their constraints keep their names', async () => {
    const initial = withField('Author', '("favourite", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.book"))').replace('from django.db import migrations, models', 'from django.db import migrations, models\nimport django.db.models.deletion');
    const { original, fixed, result } = await fixCase(RENAME, PG16, initial);
    expect(result.unfixed).toEqual([]);
    expect(result.note.join('\n')).toMatch(/foreign keys from `Author` keep their constraint names/);
    expect(finalState(fixed)).toEqual(finalState(original));
    expect(risks(fixed, result.files.map((f) => f.path), PG16)).toEqual([]);
  });

  it.each([
    ['a many-to-many field of its own', withField('Book', '("fans", models.ManyToManyField(to="shop.author"))'), /many-to-many field `fans`.*`book_id` column/],
    ['a many-to-many field pointing at it', withField('Author', '("books", models.ManyToManyField(to="shop.book"))'), /`Author.books` is a many-to-many field to the model/],
  ])('declines a model with %s: the join table column is named after the model', async (_name, initial, reason) => {
    const { result } = await fixCase(RENAME, PG16, initial);
    expect(result.files).toEqual([]);
    expect(result.unfixed.map((u) => u.type)).toEqual(['RenameModel']);
    expect(result.unfixed[0]!.reason).toMatch(reason);
  });

  it('declines a model a swappable setting names', async () => {
    const { result } = await fixCase(RENAME, { ...PG16, swappable: { AUTH_USER_MODEL: 'shop.Book' } });
    expect(result.files).toEqual([]);
    expect(result.unfixed[0]!.reason).toMatch(/swappable \(settings\.AUTH_USER_MODEL/);
  });

  it('MySQL: release 1 only, under the original name, and the model keeps its old table', async () => {
    const MYSQL = { database: 'mysql' as const, databaseVersion: '8.0' };
    const { fixed, original, result } = await fixCase(RENAME, MYSQL);
    expect(result.files.map((f) => [f.name, f.release])).toEqual([['0002_change', 1]]);
    expect(result.note.join('\n')).toMatch(/keep the `db_table` for good/);
    const renamed = (state: unknown) => (state as Array<{ name: string; options: Record<string, unknown> }>).find((model) => model.name === 'Novel')!;
    expect(renamed(finalState(fixed)).options).toEqual({ db_table: { kind: 'str', value: 'shop_book' } });
    expect({ ...renamed(finalState(fixed)), options: {} }).toEqual(renamed(finalState(original)));
    expect(risks(fixed, result.files.map((f) => f.path), MYSQL)).toEqual([]);
  });
});
