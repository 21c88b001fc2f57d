/** Migrations and pastes written for these tests, shaped like what people paste into Slack. */
import type { Question } from '../../../src/pipeline/types.js';

export const ADD_NOT_NULL = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_order_note")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="paid",
            field=models.BooleanField(),
        ),
    ]
`;

export const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("note", models.TextField(null=True)),
            ],
        ),
    ]
`;

/** Makes the column created by INITIAL NOT NULL: only visible as a change with 0001 in hand. */
export const SET_NOT_NULL = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="note", field=models.TextField()),
    ]
`;

export const ADD_INDEX = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_order_note")]

    operations = [
        migrations.AddIndex(model_name="order", index=models.Index(fields=["note"], name="order_note_idx")),
    ]
`;

export const NULLABLE_FIELD = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_order_note")]

    operations = [
        migrations.AddField(model_name="order", name="coupon", field=models.CharField(max_length=20, null=True)),
    ]
`;

export const NOT_A_MIGRATION = `import math


def area(radius):
    return math.pi * radius ** 2


class Circle:
    def __init__(self, radius):
        self.radius = radius
`;

export const INCONSISTENT_TRACEBACK = `Traceback (most recent call last):
  File "/srv/app/manage.py", line 22, in <module>
    main()
  File "/srv/venv/lib/python3.12/site-packages/django/core/management/commands/migrate.py", line 120, in handle
    executor.loader.check_consistent_history(connection)
  File "/srv/venv/lib/python3.12/site-packages/django/db/migrations/loader.py", line 327, in check_consistent_history
    raise InconsistentMigrationHistory(
django.db.migrations.exceptions.InconsistentMigrationHistory: Migration billing.0007_invoice_due is applied before its dependency ledger.0003_account_currency on database 'default'.`;

export function fenced(code: string, lang = 'python'): string {
  return `\`\`\`${lang}\n${code}\`\`\``;
}

let counter = 0;
export function question(text: string, extra: Partial<Question> = {}): Question {
  counter += 1;
  return { id: `Q${counter}`, source: 'mention', userId: 'U1', channel: 'C1', text, history: [], ...extra };
}

/** The grounders' context argument; records the status lines they show. */
export function groundContext(statuses: string[] = []) {
  return { status: async (text: string) => void statuses.push(text) };
}
