/** The earlier migration many rule cases give as context, so state replay knows the fields they change. */

/** Path of the shared earlier migration the rolling-deploy rule cases replay state from. */
export const SHOP_INITIAL_PATH = 'shop/migrations/0001_initial.py';

/**
 * The earlier migration the rolling-deploy rule cases give as context, so state replay knows each
 * field's previous definition (nullable `note`, NOT NULL `number`, a foreign key, an M2M, a pinned
 * `db_column` and a model with an explicit `db_table`).
 */
export const SHOP_INITIAL = `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254)),
            ],
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("number", models.CharField(max_length=20)),
                ("note", models.TextField(null=True)),
                ("status", models.CharField(max_length=16)),
                ("total", models.DecimalField(max_digits=10, decimal_places=2)),
                ("reference", models.CharField(max_length=40, db_column="legacy_ref")),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer")),
                ("watchers", models.ManyToManyField(related_name="watched_orders", to="shop.customer")),
            ],
        ),
        migrations.CreateModel(
            name="Invoice",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.order")),
            ],
            options={"db_table": "legacy_invoice"},
        ),
    ]
`;

/** `{ [SHOP_INITIAL_PATH]: SHOP_INITIAL }` plus any further earlier migrations. */
export function shopContext(extra: Record<string, string> = {}): Record<string, string> {
  return { [SHOP_INITIAL_PATH]: SHOP_INITIAL, ...extra };
}

/** Good case shared by the raw-SQL rules: the DROP that completes a state-first removal is not a risk of its own. */
export const STATE_FIRST_DROP_CASE = {
  name: 'the drop that completes a state-first removal (an earlier migration removed the field from the state only)',
  path: 'shop/migrations/0003_drop_order_note.py',
  context: shopContext({
    'shop/migrations/0002_remove_order_note_state.py': `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.RemoveField(model_name="order", name="note")],
        ),
    ]
`,
  }),
  code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_remove_order_note_state")]

    operations = [
        migrations.RunSQL(
            sql=['ALTER TABLE "shop_order" DROP COLUMN "note" CASCADE'],
            reverse_sql=['ALTER TABLE "shop_order" ADD COLUMN "note" text NULL'],
        ),
    ]
`,
};
