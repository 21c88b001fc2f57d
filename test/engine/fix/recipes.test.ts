import { describe, expect, it } from 'vitest';
import { FixInputError, fixRecipes, generateFix } from '../../../src/engine/fix/index.js';
import { FIX_CASES } from './cases.js';
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
      ['0002_change_step1_add_nullable', 1],
      ['0002_change_step2_backfill', 2],
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
