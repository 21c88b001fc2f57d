import { defineRule } from './types.js';
import type { MigrationRuleContext, OperationVisit } from './types.js';
import { changesDatabase } from './_lib/columns.js';
import { objectName } from './_lib/constraints.js';
import { isConcurrentStatement } from './_lib/statements.js';
import { modelLabel, previousField, touchesExistingTable } from './_lib/tables.js';
import type { LocatedStatement } from './_lib/sql.js';
import { excerpt, forwardStatements, statementTable } from './_lib/sql.js';

/** Operations whose DDL takes a table lock that conflicts with ordinary reads or writes. */
const LOCKING_TYPES = new Set([
  'AddField', 'RemoveField', 'AlterField', 'RenameField', 'RenameModel', 'DeleteModel', 'AlterModelTable',
  'AddIndex', 'RemoveIndex', 'RenameIndex', 'AddConstraint', 'RemoveConstraint', 'AddConstraintNotValid',
  'AlterUniqueTogether', 'AlterIndexTogether', 'AlterOrderWithRespectTo',
]);

/** Operations that take PostgreSQL's SHARE lock (writes wait, reads go on) rather than ACCESS EXCLUSIVE. */
const SHARE_LOCK_TYPES = new Set(['AddIndex', 'AlterIndexTogether']);

/** SQL that locks an existing table (CONCURRENTLY forms excluded). */
const LOCKING_SQL = /^(ALTER TABLE|DROP TABLE|DROP INDEX|CREATE (UNIQUE )?INDEX|TRUNCATE|LOCK|RENAME TABLE|CREATE (OR REPLACE )?TRIGGER|REINDEX|CLUSTER|VACUUM FULL)\b/;

function setsTimeout(statement: LocatedStatement, variable: 'lock_timeout' | 'lock_wait_timeout'): boolean {
  const text = statement.text;
  // MariaDB's per-statement forms: `SET STATEMENT lock_wait_timeout=5 FOR ALTER …`, `ALTER TABLE … WAIT 5` / `NOWAIT`.
  if (variable === 'lock_wait_timeout' && (/^\s*SET\s+STATEMENT\b[\s\S]*\block_wait_timeout\b/i.test(text) || /^ALTER TABLE \S+ (WAIT \d|NOWAIT)\b/.test(statement.masked))) return true;
  const pattern =
    variable === 'lock_timeout'
      ? /^\s*(?:SET\s+(?:SESSION\s+|LOCAL\s+)?lock_timeout\s*(?:=|\bTO\b)\s*'?\s*(\d+)|SELECT\s+set_config\s*\(\s*'lock_timeout'\s*,\s*'\s*(\d+))/i
      : /^\s*SET\s+(?:SESSION\s+|LOCAL\s+|@@SESSION\.|@@)?lock_wait_timeout\s*(?:=|:=)\s*(\d+)/i;
  const match = pattern.exec(text);
  if (!match) return false;
  // `0` switches the timeout off: that is the opposite of what this rule asks for.
  return Number(match[1] ?? match[2]) > 0;
}

/** What a visit locks, as words for the message, or undefined when it takes no conflicting lock. */
function lockingStep(ctx: MigrationRuleContext, visit: OperationVisit): { operation: string; target: string; share: boolean } | undefined {
  const { op } = visit;
  if (!visit.dbEffective) return undefined;
  if (op.type === 'RunSQL') {
    const statement = forwardStatements(op).find((candidate) => LOCKING_SQL.test(candidate.masked) && !isConcurrentStatement(candidate.text));
    if (!statement) return undefined;
    const table = statementTable(statement);
    return { operation: `RunSQL \`${excerpt(statement, 60)}\``, target: table ? `\`${table}\`` : 'its table', share: /^CREATE (UNIQUE )?INDEX\b/.test(statement.masked) };
  }
  if (!LOCKING_TYPES.has(op.type) || !touchesExistingTable(ctx, visit)) return undefined;
  if (op.type === 'AlterField') {
    const before = previousField(visit, ctx.migration.app);
    if (before && op.field && !changesDatabase(before, op.field)) return undefined; // help_text, choices…: no SQL
  }
  const name = op.name ?? op.oldName ?? objectName(op.args['index']) ?? objectName(op.args['constraint']);
  return { operation: name ? `${op.type} \`${name}\`` : op.type, target: `\`${modelLabel(visit)}\``, share: SHARE_LOCK_TYPES.has(op.type) };
}

export default defineRule({
  id: 'missing-lock-timeout',
  severity: 'info',
  databases: { postgresql: '*', mysql: '*', mariadb: '*' },
  optIn: true,
  category: 'locking',
  risk: 'table-lock',
  summary: 'A migration that locks existing tables without a lock timeout can stall every query on them.',
  messages: {
    noLockTimeout:
      '{{operation}} locks {{target}} ({{lock}}) and nothing in this migration sets `lock_timeout`: behind one long transaction the migration waits without limit, and every query on the table queues behind it.',
    noLockWaitTimeout:
      '{{operation}} needs the metadata lock on {{target}} and nothing in this migration lowers `lock_wait_timeout` (default {{default}}): behind one long transaction the ALTER waits, and every query on the table queues behind it.',
  },
  why: [
    'Even a change that is instant once it runs must first get its lock. PostgreSQL grants table locks in',
    'arrival order: while `ALTER TABLE` waits for ACCESS EXCLUSIVE behind a slow report or an idle-in-transaction',
    'session, every later SELECT, INSERT and UPDATE on that table waits behind the ALTER. Without `lock_timeout`',
    'that lasts until the blocker ends: a full outage of the table caused by a "safe" migration. MySQL and',
    'MariaDB do the same with the table\'s metadata lock (`Waiting for table metadata lock`), and their',
    '`lock_wait_timeout` defaults to a year (MySQL) or a day (MariaDB). A short timeout turns the stall into a',
    'quick, retryable failure. This rule is opt-in: turn it on when the migration role or the deploy does not',
    'already set the timeout (`ALTER ROLE … SET lock_timeout`, `PGOPTIONS`, django-pg-zero-downtime-migrations).',
  ].join('\n'),
  safeAlternative: [
    'Set a short lock timeout for the migration, and retry when it fires. PostgreSQL, first operation of an atomic',
    'migration (`SET LOCAL` lasts until the migration\'s transaction ends):',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.RunSQL("SET LOCAL lock_timeout = \'5s\';", reverse_sql=migrations.RunSQL.noop),',
    '        migrations.AddField(',
    '            model_name="order",',
    '            name="channel",',
    '            field=models.CharField(max_length=32, null=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Or set it once for every migration, which also covers rollbacks (they run the operations in reverse, so the',
    '   SET above comes last): `ALTER ROLE migrator SET lock_timeout = \'5s\';`, or',
    '   `PGOPTIONS="-c lock_timeout=5s" python manage.py migrate`.',
    '2. MySQL / MariaDB: `migrations.RunSQL("SET SESSION lock_wait_timeout = 5;", migrations.RunSQL.noop)` first.',
    '3. When it fires (`canceling statement due to lock timeout`, or `Lock wait timeout exceeded`), nothing was',
    '   changed in an atomic migration: find the blocker (`SELECT pid, state, xact_start, query FROM pg_stat_activity',
    '   ORDER BY xact_start;`), then run `migrate` again, with backoff, at a quieter moment if needed.',
    '4. Keep `statement_timeout` generous (long index builds are fine); only the wait for the lock must be short.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT', 'https://squawkhq.com/docs/require-lock-timeout'],
  operationTypes: [...LOCKING_TYPES, 'RunSQL'],
  check(ctx) {
    const postgres = ctx.settings.database === 'postgresql';
    const variable = postgres ? 'lock_timeout' : 'lock_wait_timeout';
    ctx.each((op, _before, visit) => {
      if (visit.dbEffective && op.type === 'RunSQL' && forwardStatements(op).some((statement) => setsTimeout(statement, variable))) return false;
      const step = lockingStep(ctx, visit);
      if (!step) return;
      if (postgres) {
        const lock = step.share ? 'SHARE lock: writes wait' : 'ACCESS EXCLUSIVE lock: reads and writes wait';
        ctx.report({ messageId: 'noLockTimeout', op, data: { operation: step.operation, target: step.target, lock } });
      } else {
        const oneDay = ctx.settings.database === 'mariadb' && ctx.versionAtLeast('10.2.4');
        ctx.report({ messageId: 'noLockWaitTimeout', op, data: { operation: step.operation, target: step.target, default: oneDay ? 'one day' : 'one year' } });
      }
      return false; // one finding per migration: the first step that can stall
    });
  },
  cases: {
    bad: [
      {
        name: 'AddField on an existing table, no timeout (PostgreSQL)',
        path: 'shop/migrations/0042_order_channel.py',
        settings: { enabledRules: ['missing-lock-timeout'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.RemoveField(model_name="order", name="legacy_code"),
    ]
`,
        expect: [{ messageId: 'noLockTimeout', line: 8 }],
      },
      {
        name: 'timeout switched off with 0, then an index (PostgreSQL)',
        path: 'shop/migrations/0042_order_channel_idx.py',
        settings: { enabledRules: ['missing-lock-timeout'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL("SET lock_timeout = 0;", migrations.RunSQL.noop),
        migrations.AddIndex(model_name="order", index=models.Index(fields=["channel"], name="shop_order_channel_idx")),
    ]
`,
        expect: [{ messageId: 'noLockTimeout', line: 9 }],
      },
      {
        name: 'RunSQL ALTER TABLE on MySQL',
        path: 'shop/migrations/0042_order_channel.py',
        settings: { database: 'mysql', enabledRules: ['missing-lock-timeout'] },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE shop_order ADD COLUMN channel varchar(32) NULL;",
            "ALTER TABLE shop_order DROP COLUMN channel;",
        ),
    ]
`,
        expect: [{ messageId: 'noLockWaitTimeout', line: 8 }],
      },
    ],
    good: [
      {
        name: 'SET LOCAL lock_timeout first (PostgreSQL)',
        path: 'shop/migrations/0042_order_channel.py',
        settings: { enabledRules: ['missing-lock-timeout'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL("SET LOCAL lock_timeout = '5s';", reverse_sql=migrations.RunSQL.noop),
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
    ]
`,
      },
      {
        name: 'SET SESSION lock_wait_timeout first (MySQL)',
        path: 'shop/migrations/0042_order_channel.py',
        settings: { database: 'mysql', enabledRules: ['missing-lock-timeout'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL("SET SESSION lock_wait_timeout = 5;", migrations.RunSQL.noop),
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
    ]
`,
      },
      {
        name: 'only a new table and a data step',
        path: 'shop/migrations/0042_coupon.py',
        settings: { enabledRules: ['missing-lock-timeout'] },
        code: `from django.db import migrations, models


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.CreateModel(name="Coupon", fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("code", models.TextField())]),
        migrations.AddIndex(model_name="coupon", index=models.Index(fields=["code"], name="shop_coupon_code_idx")),
        migrations.RunPython(noop, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
