import { defineRule } from './types.js';
import type { ImportInfo, MigrationFile } from '../types.js';
import { runPythonCallables, withHelpers } from './_lib/runpython.js';

/** A name bound by importing something from a models module, and where it came from. */
interface ModelBinding {
  /** The local name (`Book`), or a module prefix ending in a dot (`shop.models.`, `shop_models.`); `*` for a star import. */
  local: string;
  prefix: boolean;
  /** `from shop.models import *`: every bare capitalised name may be one of its models. */
  star?: boolean;
  module: string;
}

/** `shop.models`, `shop.models.book`, `django.contrib.auth.models` — but not `django.db.models` (fields, F, Q). */
function isModelsModule(module: string): boolean {
  if (module === 'django.db' || module.startsWith('django.db.')) return false;
  return /(^|\.)models(\.|$)/.test(module);
}

function modelBindings(imports: readonly ImportInfo[]): ModelBinding[] {
  const bindings: ModelBinding[] = [];
  for (const info of imports) {
    if (info.names.length === 0 || (info.names.length === 1 && info.names[0]!.name === info.module)) {
      // `import shop.models` / `import shop.models as shop_models`
      if (!isModelsModule(info.module)) continue;
      const alias = info.names[0]?.alias;
      bindings.push({ local: `${alias ?? info.module}.`, prefix: true, module: info.module });
      continue;
    }
    for (const { name, alias } of info.names) {
      if (isModelsModule(info.module) && name === '*') {
        bindings.push({ local: '*', prefix: false, star: true, module: info.module });
      } else if (isModelsModule(info.module)) {
        // `from shop.models import Book`
        bindings.push({ local: alias ?? name, prefix: false, module: info.module });
      } else if (name === 'models' && !info.module.startsWith('django')) {
        // `from shop import models as shop_models`
        bindings.push({ local: `${alias ?? name}.`, prefix: true, module: `${info.module}.models` });
      }
    }
  }
  return bindings;
}

function matchBinding(name: string, bindings: readonly ModelBinding[]): ModelBinding | undefined {
  const exact = bindings.find((binding) => (binding.prefix ? name.startsWith(binding.local) : name === binding.local));
  if (exact) return exact;
  // A star import binds names we cannot list; a bare class-like name the function did not define may come from it.
  return /^[A-Z]\w*$/.test(name) ? bindings.find((binding) => binding.star) : undefined;
}

function usesOf(file: MigrationFile, bindings: readonly ModelBinding[], fnName: string) {
  const fn = file.functions[fnName];
  if (!fn) return [];
  const found: Array<{ model: string; module: string; line: number; function: string }> = [];
  for (const body of withHelpers(fn, file)) {
    // A name the function got from apps.get_model is historical even if it shadows an import.
    const historical = new Set(body.getModelCalls.map((call) => call.variable).filter((v): v is string => v !== null));
    for (const use of body.managerUses) {
      if (historical.has(use.name)) continue;
      const binding = matchBinding(use.name, bindings);
      if (binding) found.push({ model: use.name, module: binding.module, line: use.line, function: body.name });
    }
  }
  return found;
}

export default defineRule({
  id: 'runpython-direct-model-import',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  summary: 'RunPython uses a model imported from models.py instead of apps.get_model().',
  messages: {
    importedModel:
      '`{{function}}` uses `{{model}}` imported from `{{module}}`: that is the model as the code is today, not as it was at this migration, so the query breaks (missing or extra columns) as soon as the model changes again.',
  },
  why: [
    'A migration must see the schema as it was at that point in history. `apps.get_model()` gives a historical',
    'model built from the migration state; a class imported from `models.py` describes the schema of whatever',
    'code is deployed. The migration works on the day it is written, then fails later (on a fresh database, in',
    'CI, on a new developer machine) when a field is added or removed: `column "x" does not exist`, or the',
    'opposite. Imported models also bring custom `save()` methods and signals into a data migration.',
  ].join('\n'),
  safeAlternative: [
    'Load models through the `apps` registry Django passes to the function:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def archive_old_orders(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")  # the historical model',
    '    Order.objects.filter(status="closed", closed_at__year__lt=2020).update(archived=True)',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0031_order_archived")]',
    '',
    '    operations = [',
    '        migrations.RunPython(archive_old_orders, migrations.RunPython.noop),',
    '    ]',
    '```',
    '',
    '1. Remove the `from shop.models import …` import from the migration.',
    '2. If the function needs custom model methods, copy the logic into the migration: historical models have',
    '   fields and `use_in_migrations` managers only.',
    '3. For models of another app, add a dependency on that app\'s latest migration (see',
    '   `runpython-missing-app-dependency`).',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#historical-models'],
  operationTypes: ['RunPython'],
  check(ctx) {
    const bindings = modelBindings(ctx.migration.imports);
    if (bindings.length === 0) return;
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      for (const { fn } of runPythonCallables(op, ctx.migration)) {
        if (!fn) return;
        for (const use of usesOf(ctx.migration, bindings, fn.name)) {
          ctx.report({ messageId: 'importedModel', line: use.line, data: { function: use.function, model: use.model, module: use.module } });
        }
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'model imported from the app',
        path: 'shop/migrations/0032_archive_old_orders.py',
        code: `from django.db import migrations

from shop.models import Order


def archive_old_orders(apps, schema_editor):
    Order.objects.filter(status="closed").update(archived=True)


class Migration(migrations.Migration):
    dependencies = [("shop", "0031_order_archived")]

    operations = [
        migrations.RunPython(archive_old_orders, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'importedModel', line: 7 }],
      },
      {
        name: 'models pulled in by a star import',
        path: 'shop/migrations/0034_close_stale_carts.py',
        code: `from django.db import migrations

from shop.models import *  # noqa: F403


def close_stale_carts(apps, schema_editor):
    Cart.objects.filter(status="open").update(status="closed")


class Migration(migrations.Migration):
    dependencies = [("shop", "0033_cart")]

    operations = [
        migrations.RunPython(close_stale_carts, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'importedModel', line: 7 }],
      },
      {
        name: 'auth model used in a helper',
        path: 'accounts/migrations/0005_staff_flags.py',
        code: `from django.contrib.auth.models import User
from django.db import migrations


def flag(apps, schema_editor):
    mark_staff()


def mark_staff():
    User.objects.filter(email__endswith="@example.com").update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_profile")]

    operations = [
        migrations.RunPython(flag, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'importedModel', line: 10 }],
      },
    ],
    good: [
      {
        name: 'historical model from apps.get_model',
        path: 'shop/migrations/0032_archive_old_orders.py',
        code: `from django.db import migrations, models


def archive_old_orders(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(status="closed").update(archived=True, total=models.F("total"))


class Migration(migrations.Migration):
    dependencies = [("shop", "0031_order_archived")]

    operations = [
        migrations.RunPython(archive_old_orders, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'star import, but the function loads its model from apps',
        path: 'shop/migrations/0034_close_stale_carts.py',
        code: `from django.db import migrations

from shop.models import *  # noqa: F403


def close_stale_carts(apps, schema_editor):
    Cart = apps.get_model("shop", "Cart")
    Cart.objects.filter(status="open").update(status="closed")


class Migration(migrations.Migration):
    dependencies = [("shop", "0033_cart")]

    operations = [
        migrations.RunPython(close_stale_carts, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'imported model used only outside RunPython (field default)',
        path: 'shop/migrations/0033_order_status.py',
        code: `from django.db import migrations, models

import shop.models


class Migration(migrations.Migration):
    dependencies = [("shop", "0032_archive_old_orders")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="status",
            field=models.CharField(default=shop.models.default_status, max_length=20),
        ),
    ]
`,
      },
    ],
  },
});
