import { defineRule } from './types.js';
import type { MigrationRuleContext, OperationVisit } from './types.js';
import type { FieldDef, Operation } from '../types.js';
import { shopContext } from './_lib/cases.js';
import { literalOrName, normaliseRelationTarget } from './_lib/columns.js';
import { isManyToMany } from './_lib/fields.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { declaredStage } from './_lib/rolling-deploy.js';
import { defaultTableName, mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';
import { asString } from './_lib/values.js';

const stateOnlyRemoval: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  dependsOn: '0041_previous',
  operations: [
    '# Django forgets the field; the join table and its rows stay until the cleanup migration.',
    'migrations.SeparateDatabaseAndState(',
    '    state_operations=[migrations.RemoveField(model_name="order", name="watchers")],',
    '    database_operations=[],',
    '),',
  ],
};

const dropJoinTable: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  dependsOn: '0042_remove_order_watchers_state',
  operations: [
    'migrations.RunSQL(',
    '    sql="DROP TABLE IF EXISTS shop_order_watchers;",',
    '    reverse_sql=migrations.RunSQL.noop,  # restoring the rows is a restore from the backup',
    '    state_operations=[],',
    '),',
  ],
};

/** Explicit `through` (normalised `app.model`), or null for Django's automatic join table. */
function throughOf(field: FieldDef, app: string): string | null {
  const through = literalOrName(field.kwargs['through']);
  if (!through) return null;
  return (through.includes('.') ? through : `${app}.${through}`).toLowerCase();
}

/** The join table Django would use for an automatic M2M: `db_table=`, else `<app>_<model>_<field>`. */
function autoJoinTable(field: FieldDef, app: string, model: string, name: string): string {
  return asString(field.kwargs['db_table']) ?? `${defaultTableName(app, model)}_${name.toLowerCase()}`;
}

/** The model's DeleteModel later in the same migration: Django's own teardown, reported by delete-model. */
function deletedLater(ctx: MigrationRuleContext, visit: OperationVisit): boolean {
  const at = ctx.visits.indexOf(visit);
  return ctx.visits.slice(at + 1).some((later) => later.op.type === 'DeleteModel' && later.dbEffective && later.model === visit.model);
}

type Change = { messageId: 'retargetsJoinTable' | 'renamesJoinTable' | 'swapsThrough'; data: Record<string, string> };

function alterChange(op: Operation, before: FieldDef, after: FieldDef, visit: OperationVisit, ctx: MigrationRuleContext): Change | undefined {
  const app = ctx.migration.app;
  const throughBefore = throughOf(before, app);
  const throughAfter = throughOf(after, app);
  // Adding or removing `through` fails outright: alter-field-m2m-incompatible reports it.
  if ((throughBefore === null) !== (throughAfter === null)) return undefined;
  if (throughBefore !== null && throughAfter !== null) {
    return throughBefore === throughAfter ? undefined : { messageId: 'swapsThrough', data: { from: throughBefore, to: throughAfter } };
  }
  const model = visit.model ?? '';
  const name = op.name ?? '';
  const tableBefore = autoJoinTable(before, app, model, name);
  const tableAfter = autoJoinTable(after, app, model, name);
  const targetBefore = normaliseRelationTarget(before, app, ctx.settings);
  const targetAfter = normaliseRelationTarget(after, app, ctx.settings);
  if (targetBefore && targetAfter && targetBefore !== targetAfter) return { messageId: 'retargetsJoinTable', data: { table: tableAfter, from: targetBefore, to: targetAfter } };
  if (tableBefore !== tableAfter) return { messageId: 'renamesJoinTable', data: { from: tableBefore, to: tableAfter } };
  return undefined;
}

export default defineRule({
  id: 'm2m-join-table',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  summary: 'RemoveField of a many-to-many drops its join table with every row; AlterField giving it another `to`, `db_table` or `through` repoints, renames or swaps that table.',
  messages: {
    dropsJoinTable:
      'RemoveField `{{field}}` on `{{model}}` removes a many-to-many field: Django drops its join table `{{table}}` with every link in it (data loss), and the old code still reading `{{field}}` fails until the rollout ends.',
    retargetsJoinTable:
      'AlterField `{{field}}` on `{{model}}` points the many-to-many from `{{from}}` to `{{to}}`: Django renames the target column of `{{table}}` and re-creates its foreign key, but the existing rows keep ids of `{{from}}` — they now link to unrelated `{{to}}` rows, or the new constraint fails on them.',
    renamesJoinTable:
      'AlterField `{{field}}` on `{{model}}` renames the many-to-many join table `{{from}}` to `{{to}}`: the old code still queries `{{from}}` and fails until the rollout ends.',
    swapsThrough:
      'AlterField `{{field}}` on `{{model}}` switches the explicit `through` model from `{{from}}` to `{{to}}`: Django changes nothing in the database, so the links stay in the old model\'s table and the field reads the new one (empty unless the data was copied).',
  },
  why: [
    'A many-to-many field has no column: it owns a join table (`<app>_<model>_<field>` unless `db_table` or an explicit',
    '`through` model says otherwise). `RemoveField` of an automatic many-to-many runs `DROP TABLE` on it, so every link is',
    'gone and the reverse migration brings back an empty table. While the deploy rolls out, old code that prefetches or',
    'filters on the field fails on the missing table.',
    '',
    'Altering the field is not metadata-only either. Another `to` keeps the rows but renames the column that points at',
    'the target and re-creates its foreign key: every existing row still holds ids of the old target. Another',
    '`db_table` renames the table under the old code. Switching from one explicit `through` model to another does',
    'nothing in the database, so the data stays behind in the old table.',
  ].join('\n'),
  safeAlternative: [
    'Remove a many-to-many in two deploys and keep the rows until you are sure:',
    '',
    '1. Delete the field from the model and every use of it (admin, serializers, prefetches), and make Django forget it',
    '   in state only, so the table and its rows stay:',
    '',
    migrationFile('shop/migrations/0042_remove_order_watchers_state.py', stateOnlyRemoval),
    '',
    '2. After the rollout, and after taking a copy (`pg_dump -t shop_order_watchers`, or',
    '   `mysqldump shop shop_order_watchers`), drop the table in a later release:',
    '',
    migrationFile('shop/migrations/0043_drop_order_watchers_table.py', dropJoinTable),
    '',
    'To point a many-to-many at another target, add a second field for it, copy the links in a batched',
    'RunPython (mapping the old ids), switch the code, then remove the old field as above. To give the table a',
    'different name, keep `db_table` as it is (a name is only a label). To move to another `through` class, copy the rows into',
    'its table in the same release (or describe the existing table with that class in a SeparateDatabaseAndState).',
    '',
    'Verify: `python manage.py sqlmigrate shop 0042_remove_order_watchers_state` prints no SQL. Rollback: before step 2,',
    '`python manage.py migrate shop 0041_previous` restores the field and the rows are still there.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/models/fields/#manytomanyfield', 'https://docs.djangoproject.com/en/stable/ref/migration-operations/#separatedatabaseandstate'],
  operationTypes: ['RemoveField', 'AlterField'],
  check(ctx) {
    // A post-deploy removal is the second step of the recipe: the drop is intended by then.
    const postDeploy = declaredStage(ctx.migration)?.stage === 'post-deploy';
    ctx.each('RemoveField', (op, _before, visit) => {
      if (postDeploy || !mayTouchExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      // An explicit `through` table belongs to its own model: RemoveField leaves it alone.
      if (!before || !isManyToMany(before) || throughOf(before, ctx.migration.app) !== null) return;
      if (deletedLater(ctx, visit)) return;
      const table = autoJoinTable(before, ctx.migration.app, visit.model ?? '', op.name ?? '');
      ctx.report({ messageId: 'dropsJoinTable', op, data: { field: op.name ?? '?', model: modelLabel(visit), table } });
    });
    ctx.each('AlterField', (op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit) || !op.field) return;
      const before = previousField(visit, ctx.migration.app);
      if (!before || !isManyToMany(before) || !isManyToMany(op.field)) return;
      const change = alterChange(op, before, op.field, visit, ctx);
      if (!change) return;
      // Nothing fails when the through model changes; the data just seems to vanish.
      const severity = change.messageId === 'swapsThrough' ? 'warning' : undefined;
      ctx.report({ messageId: change.messageId, op, arg: 'field', severity, data: { field: op.name ?? '?', model: modelLabel(visit), ...change.data } });
    });
  },
  cases: {
    bad: [
      {
        name: 'removing an automatic many-to-many drops its join table',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="order", name="watchers"),
    ]
`,
        path: 'shop/migrations/0002_remove_order_watchers.py',
        context: shopContext(),
        expect: [{ messageId: 'dropsJoinTable', line: 8 }],
      },
      {
        name: 'many-to-many pointed at another model, and its join table renamed',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_vendor")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="watchers",
            field=models.ManyToManyField(related_name="watched_orders", to="shop.vendor"),
        ),
        migrations.AlterField(
            model_name="order",
            name="tags",
            field=models.ManyToManyField(db_table="shop_order_labels", to="shop.tag"),
        ),
    ]
`,
        path: 'shop/migrations/0003_order_watchers_vendor.py',
        context: shopContext({
          'shop/migrations/0002_vendor.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(name="Vendor", fields=[("id", models.AutoField(primary_key=True, serialize=False))]),
        migrations.CreateModel(name="Tag", fields=[("id", models.AutoField(primary_key=True, serialize=False))]),
        migrations.AddField(model_name="order", name="tags", field=models.ManyToManyField(to="shop.tag")),
    ]
`,
        }),
        expect: [
          { messageId: 'retargetsJoinTable', line: 11 },
          { messageId: 'renamesJoinTable', line: 16 },
        ],
      },
      {
        name: 'explicit through model swapped for another',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_followers")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="followers",
            field=models.ManyToManyField(through="shop.OrderFollowerV2", to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0003_order_followers_v2.py',
        context: shopContext({
          'shop/migrations/0002_order_followers.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="followers", field=models.ManyToManyField(through="shop.OrderFollower", to="shop.customer")),
    ]
`,
        }),
        expect: [{ messageId: 'swapsThrough', line: 11 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: state-only removal', code: migrationSource(stateOnlyRemoval), path: 'shop/migrations/0042_remove_order_watchers_state.py', context: shopContext() },
      { name: 'safe alternative step 2: drop the kept table later', code: migrationSource(dropJoinTable), path: 'shop/migrations/0043_drop_order_watchers_table.py', context: shopContext() },
      {
        name: 'related_name change, a removed explicit-through M2M, and teardown before DeleteModel',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_followers")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="watchers",
            field=models.ManyToManyField(related_name="followed_orders", to="shop.customer"),
        ),
        migrations.RemoveField(model_name="order", name="followers"),
        migrations.RemoveField(model_name="order", name="watchers"),
        migrations.DeleteModel(name="Order"),
    ]
`,
        path: 'shop/migrations/0003_drop_orders.py',
        context: shopContext({
          'shop/migrations/0002_order_followers.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="followers", field=models.ManyToManyField(through="shop.OrderFollower", to="shop.customer")),
    ]
`,
        }),
      },
    ],
  },
});
