import { defineRule } from './types.js';
import { concurrentBuild } from './_lib/effects.js';

export default defineRule({
  id: 'pg14-concurrent-index-corruption',
  severity: 'warning',
  databases: { postgresql: '>=14.0 <14.4' },
  category: 'locking',
  risk: 'failure',
  summary: 'PostgreSQL 14.0–14.3 can silently corrupt indexes built or rebuilt CONCURRENTLY.',
  messages: {
    corruptionRisk:
      '{{operation}} builds an index CONCURRENTLY on PostgreSQL {{version}}: releases 14.0 to 14.3 can silently miss rows in such indexes; upgrade to 14.4 or later before running it.',
  },
  why: [
    'A bug in PostgreSQL 14.0 through 14.3 lets `CREATE INDEX CONCURRENTLY` and `REINDEX CONCURRENTLY` build an index',
    'that misses rows updated while the build runs. Nothing fails: queries that use the index quietly return wrong',
    'results (a unique index can even let duplicates in). PostgreSQL 14.4 fixed the bug; indexes built on an',
    'affected release stay corrupt until rebuilt.',
  ].join('\n'),
  safeAlternative: [
    '1. Upgrade the server to PostgreSQL 14.4 or later (a minor upgrade: restart only), then run the migration.',
    '2. If concurrent builds already ran on 14.0–14.3, check them with the `amcheck` extension and rebuild the ones',
    '   that fail, after upgrading:',
    '',
    '```sql',
    'CREATE EXTENSION IF NOT EXISTS amcheck;',
    '-- heapallindexed = true also finds rows missing from the index',
    "SELECT bt_index_check('shop_order_created_idx'::regclass, true);",
    'REINDEX INDEX CONCURRENTLY shop_order_created_idx;',
    '```',
    '',
    'If the upgrade must wait, a plain (non-concurrent) `CREATE INDEX` is not affected but blocks writes for the',
    'build: run it in a quiet period.',
    '',
    'Verify: `SELECT version();` reports 14.4 or later before the migration runs.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/release/14.4/', 'https://www.postgresql.org/docs/current/amcheck.html'],
  operationTypes: ['AddIndexConcurrently', 'RunSQL'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      const operation = concurrentBuild(op);
      if (operation) ctx.report({ messageId: 'corruptionRisk', op, data: { operation, version: ctx.settings.versionText } });
    });
  },
  cases: {
    bad: [
      {
        name: 'AddIndexConcurrently on PostgreSQL 14.2',
        code: `from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["created_at"], name="shop_order_created_idx"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_created_idx.py',
        settings: { database: 'postgresql', databaseVersion: '14.2' },
        expect: [{ messageId: 'corruptionRisk', line: 10 }],
      },
    ],
    good: [
      {
        name: 'dropping an index concurrently is not affected',
        code: `from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        RemoveIndexConcurrently(
            model_name="order",
            name="shop_order_created_idx",
        ),
    ]
`,
        path: 'shop/migrations/0042_remove_order_created_idx.py',
        settings: { database: 'postgresql', databaseVersion: '14.2' },
      },
      {
        name: 'plain CREATE INDEX in SQL on 14.2',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS shop_order_created_idx ON shop_order (created_at);",
            reverse_sql="DROP INDEX IF EXISTS shop_order_created_idx;",
        ),
    ]
`,
        path: 'shop/migrations/0042_order_created_idx.py',
        settings: { database: 'postgresql', databaseVersion: '14.2' },
      },
    ],
  },
});
