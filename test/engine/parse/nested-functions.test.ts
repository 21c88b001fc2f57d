import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../../../src/engine/analyze.js';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';

/** Saleor's pattern: the RunPython function only registers a post_migrate handler that loads models later. */
const SIGNAL_HANDLER = `from django.db import migrations
from django.db.models.signals import post_migrate


def assign_permissions(apps, schema_editor):
    def on_migrations_complete(sender=None, **kwargs):
        apps = kwargs["apps"]
        Group = apps.get_model("account", "Group")
        Permission = apps.get_model("permission", "Permission")
        Group.objects.filter(name="x").update(name="y")

    post_migrate.connect(on_migrations_complete, weak=False)


def helper_runs_now(apps, schema_editor):
    def load():
        return apps.get_model("catalog", "Product")

    def nested_twice():
        def innermost():
            return apps.get_model("orders", "Order")
        return innermost

    Product = load()
    Product.objects.update(active=True)
    Book = apps.get_model("shop", "Book")


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunPython(assign_permissions, migrations.RunPython.noop),
        migrations.RunPython(helper_runs_now, migrations.RunPython.noop),
    ]
`;

beforeAll(async () => {
  await initParser();
});

describe('get_model calls in functions nested in a RunPython function', () => {
  const file = () => parseMigration(SIGNAL_HANDLER, { path: 'shop/migrations/0002_perms.py' });

  it('leaves out calls in nested functions that the body only passes along (signal handlers run later, with other apps)', () => {
    expect(file().functions['assign_permissions']?.getModelCalls).toEqual([]);
  });

  it('keeps calls in nested functions the body calls, in source order, and leaves out those nobody calls', () => {
    expect(file().functions['helper_runs_now']?.getModelCalls).toEqual([
      { app: 'catalog', model: 'Product', variable: null, line: 17 },
      { app: 'shop', model: 'Book', variable: 'Book', line: 26 },
    ]);
  });

  it('keeps the other facts of the nested code (writes still count)', () => {
    expect(file().functions['assign_permissions']?.bulkWrites).toEqual([{ kind: 'update', line: 10 }]);
  });

  it('no longer makes runpython-missing-app-dependency fire for the handler, and still fires for a called helper', async () => {
    const report = await analyzeSources([{ path: 'shop/migrations/0002_perms.py', text: SIGNAL_HANDLER }], { database: 'postgresql' });
    const missing = report.findings.filter((finding) => finding.ruleId === 'runpython-missing-app-dependency');
    expect(missing.map((finding) => finding.message).join('\n')).not.toMatch(/account|permission/);
    expect(missing.some((finding) => finding.message.includes('catalog'))).toBe(true);
  });
});
