import { beforeAll, describe, expect, it } from 'vitest';
import { applyBaseline, createBaseline } from '../../src/engine/baseline.js';
import { analyze, initParser, parseMigration } from '../../src/engine/index.js';
import type { MigrationFile } from '../../src/engine/index.js';

const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True)), ("a", models.IntegerField()), ("b", models.IntegerField())]),
    ]
`;

const NESTED = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RunSQL("SELECT 1", migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AddIndex(model_name="order", index=models.Index(fields=["a"], name="order_a_idx"))],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AddIndex(model_name="order", index=models.Index(fields=["b"], name="order_b_idx"))],
        ),
    ]
`;

let files: MigrationFile[];
beforeAll(async () => {
  await initParser();
  files = [parseMigration(INITIAL, { path: 'shop/migrations/0001_initial.py' }), parseMigration(NESTED, { path: 'shop/migrations/0002_indexes.py' })];
});

describe('baseline keys', () => {
  it('names a nested operation by its parent chain, so two nested operations at index 0 differ', () => {
    const report = analyze(files, { database: 'postgresql' }, { targets: ['shop/migrations/0002_indexes.py'] });
    const nested = report.findings.filter((f) => f.operation && f.operation.path.length > 0);
    expect(nested.length).toBeGreaterThanOrEqual(2);
    const baseline = createBaseline(report.findings, files);
    const positions = baseline.entries.filter((e) => e.operation?.includes('/')).map((e) => e.operation);
    expect(positions).toContain('1/database_operations/0');
    expect(positions).toContain('2/database_operations/0');
    expect(baseline.entries).toEqual([...baseline.entries].sort((a, b) => (JSON.stringify([a.app, a.migration, a.operation, a.rule]) < JSON.stringify([b.app, b.migration, b.operation, b.rule]) ? -1 : 1)));
  });

  it('matches findings by count: one recorded, two found → one reported; a vanished one is stale', () => {
    const report = analyze(files, { database: 'postgresql' }, { targets: ['shop/migrations/0002_indexes.py'] });
    const [first] = report.findings;
    const recorded = createBaseline([first!], files);
    recorded.entries.push({ app: 'shop', migration: '0002_indexes', operation: '9', rule: first!.ruleId, count: 2 });
    const outcome = applyBaseline(report.findings, recorded, files, [files[1]!]);
    expect(outcome.baselined).toBe(1);
    expect(outcome.reported).toHaveLength(report.findings.length - 1);
    expect(outcome.stale).toEqual([{ app: 'shop', migration: '0002_indexes', operation: '9', rule: first!.ruleId, count: 2 }]);
    // Not linted this run (and still on disk): not judged stale.
    expect(applyBaseline(report.findings, recorded, files, []).stale).toEqual([]);
  });
});
