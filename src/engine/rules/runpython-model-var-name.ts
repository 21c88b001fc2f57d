import { defineRule } from './types.js';
import { ALL_DATABASES } from './_lib/databases.js';
import { runPythonCallables, withHelpers } from './_lib/runpython.js';

export default defineRule({
  id: 'runpython-model-var-name',
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'data-migration',
  summary: 'apps.get_model("app", "Model") should be assigned to a variable named like the model.',
  messages: {
    variableName:
      '`{{variable}} = apps.get_model(…, "{{model}}")` in `{{function}}`: name the variable `{{model}}`, so readers see which historical model the code works on.',
  },
  why: [
    'Data migrations are read under pressure, often long after they were written. When the historical model',
    'is bound to a different name (`Order = apps.get_model("shop", "Cart")`, or a generic `Model`), every line',
    'below it reads as if it worked on another table. Naming the variable after the model keeps the code honest',
    'and makes `grep` find every migration that touches a model. Case differences are accepted, since',
    '`get_model` is case-insensitive.',
  ].join('\n'),
  safeAlternative: [
    'Bind each historical model to its own name:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def close_stale_carts(apps, schema_editor):',
    '    Cart = apps.get_model("shop", "Cart")',
    '    Cart.objects.filter(status="open", updated_at__year__lt=2023).update(status="closed")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0050_cart_status")]',
    '',
    '    operations = [',
    '        migrations.RunPython(close_stale_carts, migrations.RunPython.noop),',
    '    ]',
    '```',
    '',
    'When two apps have models with the same name, prefix the app: `ShopOrder = apps.get_model("shop", "Order")`',
    'and suppress the finding with `# migrate-help: ignore runpython-model-var-name`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#data-migrations'],
  operationTypes: ['RunPython'],
  check(ctx) {
    const reported = new Set<number>();
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      for (const { fn } of runPythonCallables(op, ctx.migration)) {
        if (!fn) return;
        for (const info of withHelpers(fn, ctx.migration)) {
          for (const call of info.getModelCalls) {
            if (!call.variable || !call.model || reported.has(call.line)) continue;
            if (call.variable.replace(/^_+/, '').toLowerCase() === call.model.toLowerCase()) continue;
            reported.add(call.line);
            ctx.report({ messageId: 'variableName', op, line: call.line, data: { variable: call.variable, model: call.model, function: info.name } });
          }
        }
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'generic and misleading names',
        path: 'shop/migrations/0051_close_stale_carts.py',
        code: `from django.db import migrations


def close_stale_carts(apps, schema_editor):
    Model = apps.get_model("shop", "Cart")
    Model.objects.filter(status="open").update(status="closed")
    order_model = apps.get_model("shop.Order")
    order_model.objects.filter(cart__status="closed", paid=False).delete()


class Migration(migrations.Migration):
    dependencies = [("shop", "0050_cart_status")]

    operations = [
        migrations.RunPython(close_stale_carts, migrations.RunPython.noop),
    ]
`,
        expect: [
          { messageId: 'variableName', line: 5 },
          { messageId: 'variableName', line: 7 },
        ],
      },
    ],
    good: [
      {
        name: 'variables named after their models (case-insensitive)',
        path: 'shop/migrations/0051_close_stale_carts.py',
        code: `from django.db import migrations


def close_stale_carts(apps, schema_editor):
    Cart = apps.get_model("shop", "Cart")
    Cart.objects.filter(status="open").update(status="closed")
    ProductVariant = apps.get_model("product", "productvariant")
    ProductVariant.objects.filter(stock=0).update(available=False)


class Migration(migrations.Migration):
    dependencies = [("shop", "0050_cart_status"), ("product", "0010_variant_stock")]

    operations = [
        migrations.RunPython(close_stale_carts, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'model looked up in a loop (dynamic name)',
        path: 'shop/migrations/0051_touch_models.py',
        code: `from django.db import migrations


def touch(apps, schema_editor):
    for name in ("Cart", "Order"):
        model = apps.get_model("shop", name)
        model.objects.filter(updated_at__isnull=True).update(updated_at=None)


class Migration(migrations.Migration):
    dependencies = [("shop", "0050_cart_status")]

    operations = [
        migrations.RunPython(touch, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
