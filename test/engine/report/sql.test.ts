/**
 * The shared SQL renderer: findings matched to their operation's predicted statements, lock clauses for
 * each vendor, and the Slack quote's limits. Predictions come from the real engine on migrations written here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, initParser, parseMigration } from '../../../src/engine/index.js';
import { lockClause, predictForReport, sqlSections, statementFacts, statementsByFinding } from '../../../src/engine/report/sql.js';
import type { PredictedStatement } from '../../../src/engine/report/sql.js';
import { MAX_QUOTED_STATEMENTS, MAX_STATEMENT_CHARS, quoteStatements } from '../../../src/pipeline/grounders/sql-quote.js';

const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(name="Customer", fields=[("id", models.BigAutoField(primary_key=True))]),
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True))]),
    ]
`;

const CHANGE = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(model_name="order", name="customer", field=models.ForeignKey(null=True, on_delete=models.CASCADE, to="shop.customer")),
        migrations.RunPython(migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(database_operations=[migrations.AddIndex(model_name="order", index=models.Index(fields=["id"], name="order_id_idx"))]),
    ]
`;

async function predicted(database: 'postgresql' | 'mysql') {
  const files = [parseMigration(INITIAL, { path: 'shop/migrations/0001_initial.py' }), parseMigration(CHANGE, { path: 'shop/migrations/0002_change.py' })];
  const report = analyze(files, { database, enabledRules: ['runpython-irreversible'] }, { targets: ['shop/migrations/0002_change.py'] });
  const sql = await predictForReport(files, report.settings, ['shop/migrations/0002_change.py']);
  return { report, sql, statementsOf: statementsByFinding(sql) };
}

beforeAll(async () => {
  await initParser();
});

describe('statements by finding', () => {
  it('gives a finding its top-level operation’s statements, and none to RunPython or a nested operation', async () => {
    const { report, statementsOf } = await predicted('postgresql');
    const byType = (type: string) => report.findings.filter((finding) => finding.operation?.type === type);
    const fk = byType('AddField')[0]!;
    expect(statementsOf(fk).map((statement) => statement.sql).join('\n')).toContain('ADD COLUMN "customer_id" bigint NULL');
    expect(byType('RunPython')).not.toHaveLength(0);
    for (const finding of byType('RunPython')) expect(statementsOf(finding)).toEqual([]);
    const nested = report.findings.filter((item) => (item.operation?.path.length ?? 0) > 0);
    expect(nested).not.toHaveLength(0);
    for (const finding of nested) expect(statementsOf(finding)).toEqual([]);
  });

  it('names every relation a PostgreSQL foreign key locks', async () => {
    const { sql } = await predicted('postgresql');
    const addColumn = sql[0]!.operations[0]!.statements.find((statement) => statement.sql.includes('REFERENCES'))!;
    expect(lockClause(addColumn)).toBe('takes ACCESS EXCLUSIVE on "shop_order" and SHARE ROW EXCLUSIVE on "shop_customer"');
  });
});

describe('lock clauses', () => {
  const base: PredictedStatement = { sql: 'x', lock: null, rewrite: false, scan: false };
  it('says ALGORITHM and LOCK for MySQL and MariaDB, with the table', () => {
    expect(lockClause({ ...base, lock: 'ALGORITHM=COPY, LOCK=SHARED', table: 'shop_order' })).toBe('runs with ALGORITHM=COPY, LOCK=SHARED on "shop_order"');
    expect(statementFacts({ ...base, lock: 'ALGORITHM=COPY, LOCK=SHARED', table: 'shop_order', rewrite: true, scan: true })).toBe('runs with ALGORITHM=COPY, LOCK=SHARED on "shop_order"; rewrites the table; reads every row');
  });

  it('reads a bare PostgreSQL mode (the JSON document has no relations) and says when there is no lock', () => {
    expect(lockClause({ ...base, lock: 'ACCESS EXCLUSIVE' })).toBe('takes ACCESS EXCLUSIVE');
    expect(lockClause(base)).toBe('takes no table lock worth naming');
  });
});

describe('the Slack quote', () => {
  const statement = (sql: string): PredictedStatement => ({ sql, lock: 'ACCESS EXCLUSIVE', rewrite: false, scan: false, table: 't', locks: [{ relation: 't', mode: 'ACCESS EXCLUSIVE' }] });

  it('cuts long statements, counts the ones left out and keeps the fence closed', () => {
    const long = `CREATE TABLE "t" (${Array.from({ length: 60 }, (_, i) => `"c${i}" integer NOT NULL`).join(', ')})`;
    const quote = quoteStatements([statement(long), ...Array.from({ length: MAX_QUOTED_STATEMENTS + 1 }, (_, i) => statement(`ALTER TABLE "t" ADD COLUMN "x${i}" integer NULL`))]);
    const lines = quote.split('\n');
    expect(lines[0]).toBe('```sql');
    expect(lines.at(-1)).toBe('```');
    expect(lines[1]!.length).toBeLessThanOrEqual(MAX_STATEMENT_CHARS + 6);
    expect(lines[1]).toMatch(/… \(cut\)$/);
    expect(lines[2]).toBe('-- takes ACCESS EXCLUSIVE on "t"');
    expect(quote).toContain('-- …and 2 more statements');
    expect(quote).not.toContain('"x2"');
  });

  it('neutralises a fence inside the SQL and is empty for no statements', () => {
    expect(quoteStatements([statement("SELECT '```'")]).match(/```/g)).toHaveLength(2);
    expect(quoteStatements([])).toBe('');
  });
});

describe('the PR comment block', () => {
  it('folds the statements with their lock under the finding, from a JSON-shaped document too', () => {
    const sections = sqlSections([{ app: 'shop', name: '0002_change', operations: [{ index: 0, unknown: false, statements: [{ sql: 'ALTER TABLE "t" ADD COLUMN "c" integer NULL', lock: 'ACCESS EXCLUSIVE', rewrite: false, scan: false }] }] }])!;
    const finding = { app: 'shop', migration: '0002_change', operation: { type: 'AddField', index: 0, path: [] } } as unknown as Parameters<typeof sections>[0];
    expect(sections(finding)).toEqual([{ title: 'SQL and locks', body: '```sql\n-- lock: ACCESS EXCLUSIVE; rewrite: no; scan: no\nALTER TABLE "t" ADD COLUMN "c" integer NULL;\n```' }]);
    expect(sections({ ...finding, operation: { type: 'AddField', index: 1, path: [] } })).toEqual([]);
    expect(sqlSections(undefined)).toBeUndefined();
  });
});
