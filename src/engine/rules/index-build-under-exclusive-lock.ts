import { defineRule } from './types.js';
import type { MigrationRuleContext, OperationVisit } from './types.js';
import { asString } from './_lib/values.js';
import { changesDatabase } from './_lib/columns.js';
import { constraintInfo, objectName } from './_lib/constraints.js';
import { addedSets, addsPlainIndex, addsUniqueIndex, previousTogether, togetherSets } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, previousField, touchesExistingTable } from './_lib/tables.js';

/** What takes ACCESS EXCLUSIVE on the operation's table, or undefined (unknown earlier state counts as no). */
function exclusiveLock(ctx: MigrationRuleContext, visit: OperationVisit): string | undefined {
  const { op } = visit;
  switch (op.type) {
    case 'AddField':
    case 'RemoveField':
    case 'RenameField':
      return `${op.type} \`${op.name ?? op.oldName ?? 'unknown'}\``;
    case 'AlterField': {
      const before = previousField(visit, ctx.migration.app);
      if (!before || !op.field) return undefined;
      // Turning db_index on or off alone is CREATE/DROP INDEX, not an ALTER TABLE.
      return changesDatabase(before, op.field, ['db_index']) ? `AlterField \`${op.name ?? 'unknown'}\`` : undefined;
    }
    case 'RemoveIndex':
    case 'RemoveConstraint':
      return `${op.type} \`${asString(op.args['name']) ?? 'unnamed'}\``;
    case 'AddConstraint': {
      const info = constraintInfo(op.args['constraint']);
      return info && !info.indexBacked ? `AddConstraint \`${info.name}\`` : undefined;
    }
    case 'AlterUniqueTogether':
      return 'AlterUniqueTogether';
    default:
      return undefined;
  }
}

/** What builds an index on the operation's table (AddField is left to add-field-index / add-field-unique). */
function indexBuild(ctx: MigrationRuleContext, visit: OperationVisit): string | undefined {
  const { op } = visit;
  switch (op.type) {
    case 'AddIndex':
      return `AddIndex \`${objectName(op.args['index']) ?? 'unnamed'}\``;
    case 'AlterField': {
      const before = previousField(visit, ctx.migration.app);
      if (!before || !op.field) return undefined;
      const adds = (addsUniqueIndex(op.field) && !addsUniqueIndex(before)) || (addsPlainIndex(op.field) && !addsPlainIndex(before));
      return adds ? `AlterField \`${op.name ?? 'unknown'}\`` : undefined;
    }
    case 'AddConstraint': {
      const info = constraintInfo(op.args['constraint']);
      return info && (info.kind === 'unique' || info.kind === 'exclusion') ? `AddConstraint \`${info.name}\`` : undefined;
    }
    case 'AlterUniqueTogether':
    case 'AlterIndexTogether': {
      const option = op.type === 'AlterUniqueTogether' ? 'unique_together' : 'index_together';
      const after = togetherSets(op.args[option]);
      const before = previousTogether(ctx, visit, option);
      return after && before && addedSets(before, after).length > 0 ? op.type : undefined;
    }
    default:
      return undefined;
  }
}

const alterOnly: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="channel",', '    field=models.CharField(max_length=32, null=True),', '),'],
};

const indexAfter: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddIndexConcurrently', 'from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0042_order_channel',
  operations: ['AddIndexConcurrently(', '    model_name="order",', '    index=models.Index(fields=["channel", "created_at"], name="shop_order_channel_idx"),', '),'],
};

export default defineRule({
  id: 'index-build-under-exclusive-lock',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'index-build',
  summary: 'An index build after an ALTER TABLE on the same table in one atomic migration runs while reads are blocked too.',
  messages: {
    buildUnderExclusiveLock:
      '{{build}} on `{{model}}` builds an index after {{lock}} (line {{line}}) took an ACCESS EXCLUSIVE lock on the same table in this transaction: reads are blocked too, not just writes, for the whole build.',
  },
  why: [
    'On its own, a plain `CREATE INDEX` holds a SHARE lock: writes wait, reads continue. But locks in PostgreSQL last',
    'until the transaction ends, and Django runs the whole migration in one transaction. When an earlier operation',
    'in the same migration altered the table (`ADD COLUMN`, `DROP COLUMN`, `RENAME`, `ADD CONSTRAINT`,',
    '`DROP INDEX`…), it took ACCESS EXCLUSIVE and still holds it. The index build then runs with **every** query on',
    'the table blocked, reads included, for as long as the build takes.',
  ].join('\n'),
  safeAlternative: [
    'Split the migration: the ALTER in one (atomic) migration, the index in the next, built concurrently:',
    '',
    '1. The table change alone (its ACCESS EXCLUSIVE lock is released at commit, right after the quick ALTER):',
    '',
    migrationFile('shop/migrations/0042_order_channel.py', alterOnly),
    '',
    '2. The index, concurrently, alone in a non-atomic migration:',
    '',
    migrationFile('shop/migrations/0043_order_channel_idx.py', indexAfter),
    '',
    'Where a concurrent build is not an option (another database, a unique constraint Django must create), still',
    'split the migration so the index build at least runs without the ACCESS EXCLUSIVE lock of the ALTER.',
    '',
    'Verify: `python manage.py sqlmigrate shop 0042_order_channel` shows only the ALTER TABLE.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the index (concurrently), then the column.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES'],
  // What takes the table lock (exclusiveLock) and what builds an index under it (indexBuild).
  operationTypes: ['AddField', 'RemoveField', 'RenameField', 'RemoveIndex', 'RemoveConstraint', 'AddIndex', 'AlterField', 'AddConstraint', 'AlterUniqueTogether', 'AlterIndexTogether'],
  check(ctx) {
    if (!ctx.isAtomic) return;
    const locked = new Map<string, { lock: string; line: number }>();
    ctx.each((op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const held = locked.get(visit.model);
      const build = held ? indexBuild(ctx, visit) : undefined;
      if (held && build) ctx.report({ messageId: 'buildUnderExclusiveLock', op, data: { build, model: modelLabel(visit), lock: held.lock, line: held.line } });
      if (!held) {
        const lock = exclusiveLock(ctx, visit);
        if (lock) locked.set(visit.model, { lock, line: op.span.line });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'AddField then AddIndex on the same table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["channel", "created_at"], name="shop_order_channel_idx"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_channel.py',
        expect: [{ messageId: 'buildUnderExclusiveLock', line: 13 }],
      },
      {
        name: 'RemoveIndex then a unique constraint on the same table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="shop_order_number_idx",
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(fields=["number"], name="shop_order_number_uniq"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_number_unique.py',
        expect: [{ messageId: 'buildUnderExclusiveLock', line: 12 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: the ALTER alone', code: migrationSource(alterOnly), path: 'shop/migrations/0042_order_channel.py' },
      { name: 'safe alternative step 2: the index alone, concurrently', code: migrationSource(indexAfter), path: 'shop/migrations/0043_order_channel_idx.py' },
      {
        name: 'index on another table, and on a table created in this migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["sku"], name="shop_product_sku_idx"),
        ),
        migrations.CreateModel(
            name="Shipment",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("code", models.CharField(max_length=16))],
        ),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(fields=["code"], name="shop_shipment_code_idx"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_channel.py',
      },
    ],
  },
});
