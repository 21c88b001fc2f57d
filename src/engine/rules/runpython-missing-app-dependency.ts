import { defineRule } from './types.js';
import type { MigrationFile } from '../types.js';
import { runPythonCallables, withHelpers } from './_lib/runpython.js';

/** Apps reachable through dependencies, per file, memoised per run (keyed by the run's files map). */
const reachableCache = new WeakMap<object, Map<MigrationFile, Set<string>>>();

/**
 * Does `file` depend on a migration of `app`, directly or through the migrations we have read?
 * Django only guarantees another app's models in a migration's state when such a path exists.
 */
function dependsOnApp(file: MigrationFile, app: string, files: ReadonlyMap<string, MigrationFile> | undefined, swappable: Record<string, string>): boolean {
  const cacheKey = files ?? swappable;
  let memo = reachableCache.get(cacheKey);
  if (!memo) {
    memo = new Map();
    reachableCache.set(cacheKey, memo);
  }
  return reachableApps(file, files, swappable, memo).has(app);
}

/** The migrations a file depends on that were read in this run. */
function parentMigrations(file: MigrationFile, files: ReadonlyMap<string, MigrationFile> | undefined): MigrationFile[] {
  if (!files) return [];
  const parents: MigrationFile[] = [];
  for (const dep of file.dependencies) {
    if ('setting' in dep) continue;
    const parent = files.get(`${dep.app}.${dep.name}`);
    if (parent) parents.push(parent);
  }
  return parents;
}

/** The apps a file reaches: its own dependencies' apps plus every parent's (already memoised). */
function appsReached(file: MigrationFile, parents: readonly MigrationFile[], swappable: Record<string, string>, memo: ReadonlyMap<MigrationFile, Set<string>>): Set<string> {
  const own: string[] = [];
  for (const dep of file.dependencies) {
    const depApp = 'setting' in dep ? swappableApp(dep.setting, swappable) : dep.app;
    if (depApp !== undefined) own.push(depApp);
  }
  // A parent still in progress means a cycle: the graph rules report it; its apps are partial here.
  const only = parents.length === 1 ? memo.get(parents[0]!) : undefined;
  // The usual chain step (one parent, nothing new): share the parent's set, never mutated once memoised.
  if (only && own.every((app) => only.has(app))) return only;
  const apps = new Set(own);
  for (const parent of parents) for (const reached of memo.get(parent) ?? []) apps.add(reached);
  return apps;
}

/** Iterative post-order walk (histories can be very deep), each file computed once. */
function reachableApps(start: MigrationFile, files: ReadonlyMap<string, MigrationFile> | undefined, swappable: Record<string, string>, memo: Map<MigrationFile, Set<string>>): Set<string> {
  // Parents are found once per file, when it is expanded, and kept for its post-order step.
  const stack: Array<{ file: MigrationFile; parents: MigrationFile[] | undefined }> = [{ file: start, parents: undefined }];
  const inProgress = new Set<MigrationFile>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (memo.has(top.file)) {
      stack.pop();
      continue;
    }
    if (!top.parents) {
      top.parents = parentMigrations(top.file, files);
      inProgress.add(top.file);
      for (const parent of top.parents) if (!memo.has(parent) && !inProgress.has(parent)) stack.push({ file: parent, parents: undefined });
      continue;
    }
    stack.pop();
    memo.set(top.file, appsReached(top.file, top.parents, swappable, memo));
    inProgress.delete(top.file);
  }
  return memo.get(start) ?? new Set();
}

function swappableApp(setting: string, swappable: Record<string, string>): string | undefined {
  const target = swappable[setting];
  return target?.split('.')[0]?.toLowerCase();
}

export default defineRule({
  id: 'runpython-missing-app-dependency',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  risk: 'failure',
  summary: "RunPython loads another app's model but the migration does not depend on that app.",
  messages: {
    missingDependency:
      '`{{function}}` loads `{{app}}.{{model}}` but this migration does not depend on any `{{app}}` migration: whether the model exists at this point depends on plan order, and a fresh database fails with "LookupError: No installed app with label \'{{app}}\'" or a missing model.',
  },
  why: [
    'The `apps` registry a data migration receives holds the state produced by the migrations it depends on.',
    'When a migration of `shop` loads `apps.get_model("billing", "Invoice")` without a dependency on',
    '`billing`, the model is only there when `billing` happens to be migrated earlier in the plan. That is',
    'true on the developer machine and false on a fresh database, in CI, or after someone adds another',
    'dependency: the migration then fails with `LookupError` in the middle of a deploy.',
  ].join('\n'),
  safeAlternative: [
    "Depend on the other app's migration that created (or last changed) the model the function uses:",
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def link_invoices(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    Invoice = apps.get_model("billing", "Invoice")',
    '    for invoice in Invoice.objects.filter(order__isnull=True).iterator(chunk_size=1000):',
    '        invoice.order = Order.objects.filter(number=invoice.order_number).first()',
    '        invoice.save(update_fields=["order"])',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [',
    '        ("shop", "0040_order_number"),',
    '        ("billing", "0012_invoice_order"),  # the state must include billing.Invoice as used here',
    '    ]',
    '',
    '    operations = [',
    '        migrations.RunPython(link_invoices, migrations.RunPython.noop),',
    '    ]',
    '```',
    '',
    '1. Pick the latest `billing` migration whose state matches what the function reads',
    '   (`python manage.py showmigrations billing`).',
    '2. Check the dependency does not create a cycle: `python manage.py migrate --plan` must still print a plan.',
    '3. If the other app is optional, guard the lookup (`try: apps.get_model(...) except LookupError: return`)',
    '   and depend on it only through `run_before` in that app, as Django\'s docs describe.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#accessing-models-from-other-apps'],
  operationTypes: ['RunPython'],
  check(ctx) {
    const file = ctx.migration;
    const reported = new Set<string>();
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      for (const { fn } of runPythonCallables(op, file)) {
        if (!fn) return;
        for (const body of withHelpers(fn, file)) {
          for (const call of body.getModelCalls) {
            if (!call.app || call.app === file.app) continue;
            const key = `${call.app}:${call.line}`;
            if (reported.has(key)) continue;
            if (dependsOnApp(file, call.app, ctx.files, ctx.settings.swappable)) continue;
            reported.add(key);
            ctx.report({ messageId: 'missingDependency', line: call.line, data: { function: body.name, app: call.app, model: call.model ?? '?' } });
          }
        }
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'loads a billing model with only a shop dependency',
        path: 'shop/migrations/0041_link_invoices.py',
        code: `from django.db import migrations


def link_invoices(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Invoice = apps.get_model("billing", "Invoice")
    for invoice in Invoice.objects.filter(order__isnull=True).iterator(chunk_size=1000):
        invoice.order = Order.objects.filter(number=invoice.order_number).first()
        invoice.save(update_fields=["order"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0040_order_number")]

    operations = [
        migrations.RunPython(link_invoices, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'missingDependency', line: 6 }],
      },
    ],
    good: [
      {
        name: 'direct dependency on the other app',
        path: 'shop/migrations/0041_link_invoices.py',
        code: `from django.db import migrations


def link_invoices(apps, schema_editor):
    Invoice = apps.get_model("billing.Invoice")
    Invoice.objects.filter(order_number="").update(order_number="n/a")


class Migration(migrations.Migration):
    dependencies = [("shop", "0040_order_number"), ("billing", "0012_invoice_order")]

    operations = [
        migrations.RunPython(link_invoices, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'dependency through an earlier migration of the same app',
        path: 'shop/migrations/0041_link_invoices.py',
        code: `from django.db import migrations


def link_invoices(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Invoice.objects.filter(order_number="").update(order_number="n/a")


class Migration(migrations.Migration):
    dependencies = [("shop", "0040_order_number")]

    operations = [
        migrations.RunPython(link_invoices, migrations.RunPython.noop),
    ]
`,
        context: {
          'shop/migrations/0040_order_number.py': `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0039_previous"), ("billing", "0012_invoice_order")]

    operations = []
`,
        },
      },
      {
        name: 'user model through the swappable dependency',
        path: 'shop/migrations/0041_staff_orders.py',
        code: `from django.conf import settings
from django.db import migrations


def flag_staff_orders(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.filter(is_staff=True).update(is_active=True)


class Migration(migrations.Migration):
    dependencies = [("shop", "0040_order_number"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.RunPython(flag_staff_orders, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
