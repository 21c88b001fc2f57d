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
