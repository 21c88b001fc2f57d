import { defineRule } from './types.js';
import { STATE_FIRST_DROP_CASE } from './_lib/cases.js';
import type { Database } from '../types.js';
import type { LocatedStatement } from './_lib/sql.js';
import { bareIdentifier, excerpt, forwardStatements, statementTable } from './_lib/sql.js';
import { dropsStateFirstRemoval } from './_lib/state-first.js';

type SqlMessage =
  | 'dropTable'
  | 'dropColumn'
  | 'renameColumn'
  | 'renameTable'
  | 'alterColumnType'
  | 'setNotNull'
  | 'createIndex'
  | 'dropIndex'
  | 'reindex'
  | 'foreignKeyNotValid'
  | 'checkNotValid'
  | 'uniqueWithoutIndex'
  | 'truncateCascade'
  | 'copyAlgorithm'
  | 'lockOption'
  | 'opaqueSql'
  | 'proceduralBlock';

/** Actions after `ALTER TABLE x DROP` that are not columns. */
const DROP_NOT_COLUMN = '(?!CONSTRAINT\\b|INDEX\\b|KEY\\b|PRIMARY\\b|FOREIGN\\b|CHECK\\b|DEFAULT\\b|NOT\\b|PARTITION\\b|IDENTITY\\b|EXPRESSION\\b|TRIGGER\\b|RULE\\b|ROW\\b|SYSTEM\\b|COLUMN\\b)';
const ALTER_TABLE_HEAD = '^ALTER TABLE (?:ONLY |IF EXISTS )*[^ ]+ ';

/** MySQL `CHANGE [COLUMN] old new …`: a rename when the names differ, else a redefinition. */
function mysqlChange(text: string): 'rename' | 'modify' | undefined {
  const match = /\bCHANGE\s+(?:COLUMN\s+)?([\w`"]+)\s+([\w`"]+)/i.exec(text);
  if (!match) return undefined;
  return bareIdentifier(match[1]!) === bareIdentifier(match[2]!) ? 'modify' : 'rename';
}

/** Which checks fire on one statement for the target database. */
export function classifyStatement(statement: Pick<LocatedStatement, 'masked' | 'text'>, database: Database): SqlMessage[] {
  const s = statement.masked;
  const pg = database === 'postgresql';
  const mysqlFamily = database === 'mysql' || database === 'mariadb';
  const found: SqlMessage[] = [];

  if (pg && /^DO\b/.test(s)) found.push('proceduralBlock');
  if (/^DROP TABLE\b/.test(s)) found.push('dropTable');
  if (/^RENAME TABLE\b/.test(s)) found.push('renameTable');
  if (/^TRUNCATE\b/.test(s) && /\bCASCADE\b/.test(s)) found.push('truncateCascade');

  if (/^CREATE (UNIQUE )?INDEX\b/.test(s) && pg && !/\bINDEX CONCURRENTLY\b/.test(s)) found.push('createIndex');
  if (/^DROP INDEX\b/.test(s) && pg && !/^DROP INDEX CONCURRENTLY\b/.test(s)) found.push('dropIndex');
  if (/^REINDEX\b/.test(s) && pg && !/\bCONCURRENTLY\b/.test(s)) found.push('reindex');

  if (/^ALTER TABLE\b/.test(s)) {
    if (/\bDROP COLUMN\b/.test(s) || new RegExp(`(?:${ALTER_TABLE_HEAD}|, ?)DROP (?:IF EXISTS )?${DROP_NOT_COLUMN}[^ ]`).test(s)) found.push('dropColumn');
    // PostgreSQL names a serial column's sequence `<table>_<column>_seq`; ALTER TABLE renames it too, but no query names it.
    if (/\bRENAME TO\b/.test(s)) {
      if (!/^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?"?[\w.]+_seq"? RENAME TO\b/i.test(s)) found.push('renameTable');
    } else if (/\bRENAME COLUMN\b/.test(s) || new RegExp(`${ALTER_TABLE_HEAD}RENAME (?!CONSTRAINT\\b|INDEX\\b|KEY\\b)[^ ]+ TO\\b`).test(s)) found.push('renameColumn');
    const change = mysqlChange(statement.text);
    if (change === 'rename') found.push('renameColumn');
    if (/\bALTER (COLUMN )?[^ ]+ (SET DATA )?TYPE\b/.test(s) || /\bMODIFY\b/.test(s) || change === 'modify') found.push('alterColumnType');
    if (/\bALTER (COLUMN )?[^ ]+ SET NOT NULL\b/.test(s)) found.push('setNotNull');
    if (pg) {
      const notValid = /\bNOT VALID\b/.test(s);
      if (!notValid && (/\bADD (CONSTRAINT [^ ]+ )?FOREIGN KEY\b/.test(s) || /\bADD (COLUMN )?.*\bREFERENCES\b/.test(s))) found.push('foreignKeyNotValid');
      if (!notValid && /\bADD (CONSTRAINT [^ ]+ )?CHECK\b/.test(s)) found.push('checkNotValid');
      if (/\bADD (CONSTRAINT [^ ]+ )?UNIQUE\b/.test(s) && !/\bUSING INDEX\b/.test(s)) found.push('uniqueWithoutIndex');
    }
  }
  if (mysqlFamily && /^(ALTER TABLE|CREATE (UNIQUE |FULLTEXT |SPATIAL )?INDEX|DROP INDEX|OPTIMIZE TABLE)\b/.test(s)) {
    if (/\bALGORITHM ?= ?COPY\b/.test(s)) found.push('copyAlgorithm');
    if (/\bLOCK ?= ?(SHARED|EXCLUSIVE)\b/.test(s)) found.push('lockOption');
  }
  return [...new Set(found)];
}

const DROP_COLUMN_OF = /^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?([^ ]+) DROP (?:COLUMN )?(?:IF EXISTS )?([^ ;]+)/;
const RENAME_COLUMN_OF = /^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?([^ ]+) RENAME (?:COLUMN )?([^ ]+) TO ([^ ;]+)/;

/**
 * A column swap in one RunSQL: `DROP COLUMN c` and then `RENAME COLUMN shadow TO c` on the same
 * table. The code keeps using `c` (now the new column) before and after, so neither statement is
 * the rolling-deploy break a lone drop or rename is. Returns the swapped statements.
 */
export function columnSwaps(statements: readonly LocatedStatement[]): Set<LocatedStatement> {
  const swaps = new Set<LocatedStatement>();
  const dropped = new Map<string, LocatedStatement>();
  for (const statement of statements) {
    const drop = DROP_COLUMN_OF.exec(statement.text.trim());
    if (drop) dropped.set(`${bareIdentifier(drop[1]!)}.${bareIdentifier(drop[2]!)}`, statement);
    const rename = RENAME_COLUMN_OF.exec(statement.text.trim());
    const earlier = rename ? dropped.get(`${bareIdentifier(rename[1]!)}.${bareIdentifier(rename[3]!)}`) : undefined;
    if (earlier) swaps.add(earlier).add(statement);
  }
  return swaps;
}

const RENAME_TABLE_OF = /^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?([^ ]+) RENAME TO ([^ ;]+)/;
const CREATE_VIEW_OF = /^CREATE (?:OR REPLACE )?VIEW ([^ (]+)/;

/**
 * A table moved behind a view in one RunSQL: `ALTER TABLE t RENAME TO u` and then `CREATE VIEW t`.
 * The running code's queries on `t` reach the table through the view (PostgreSQL writes through a
 * simple view), so the rename is not the rolling-deploy break a lone rename is (when both run in one
 * transaction). Returns the renames.
 */
function renamesBehindView(statements: readonly LocatedStatement[]): Set<LocatedStatement> {
  const covered = new Set<LocatedStatement>();
  const renamed = new Map<string, LocatedStatement>();
  for (const statement of statements) {
    const rename = RENAME_TABLE_OF.exec(statement.text.trim());
    if (rename) renamed.set(bareIdentifier(rename[1]!), statement);
    const view = CREATE_VIEW_OF.exec(statement.text.trim());
    const earlier = view ? renamed.get(bareIdentifier(view[1]!)) : undefined;
    if (earlier) covered.add(earlier);
  }
  return covered;
}

/** Lock-only checks do not matter for a table created earlier in the same migration (nobody else uses it yet). */
const LOCK_ONLY = new Set<SqlMessage>(['createIndex', 'foreignKeyNotValid', 'checkNotValid', 'uniqueWithoutIndex', 'setNotNull', 'alterColumnType', 'copyAlgorithm', 'lockOption', 'dropIndex', 'reindex']);

export default defineRule({
  id: 'runsql-raw-sql',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  summary: 'Risky statements inside RunSQL: drops, renames, type changes, blocking index and constraint builds.',
  messages: {
    dropTable: '`{{statement}}` drops a table: code still deployed that reads or writes it fails at once, and the data cannot be brought back by a rollback.',
    dropColumn: '`{{statement}}` drops a column: the running code still selects and inserts it by name and errors until the new code is everywhere.',
    renameColumn: '`{{statement}}` renames a column: the running code still uses the old name and fails until the new code is deployed.',
    renameTable: '`{{statement}}` renames a table: the running code still queries the old name and fails until the new code is deployed.',
    alterColumnType: '`{{statement}}` changes a column definition: unless the change is binary-compatible the whole table is rewritten while reads and writes are blocked (MySQL copies it with writes blocked).',
    setNotNull: '`{{statement}}` sets NOT NULL: PostgreSQL scans the whole table under an ACCESS EXCLUSIVE lock to check it, blocking reads and writes.',
    createIndex: '`{{statement}}` builds an index without CONCURRENTLY: writes to the table are blocked for the whole build.',
    dropIndex: '`{{statement}}` drops an index without CONCURRENTLY: it takes an ACCESS EXCLUSIVE lock and queues every query on the table behind running transactions.',
    reindex: '`{{statement}}` rebuilds an index without CONCURRENTLY: writes are blocked (and reads that use the index) for the whole rebuild.',
    foreignKeyNotValid: '`{{statement}}` adds a foreign key without NOT VALID: both tables are locked against writes while every existing row is checked.',
    checkNotValid: '`{{statement}}` adds a CHECK constraint without NOT VALID: the table is locked against reads and writes while every row is checked.',
    uniqueWithoutIndex: '`{{statement}}` adds a UNIQUE constraint by building its index under a lock that blocks writes; build the index concurrently first and attach it with USING INDEX.',
    truncateCascade: '`{{statement}}` truncates with CASCADE: it also empties every table that references this one, recursively, which is rarely what the migration means.',
    copyAlgorithm: '`{{statement}}` forces ALGORITHM=COPY: MySQL rebuilds the table by copying it while writes are blocked.',
    lockOption: '`{{statement}}` asks for LOCK=SHARED or LOCK=EXCLUSIVE: writes (or reads and writes) are blocked for the whole ALTER.',
    opaqueSql: 'RunSQL builds its SQL at run time (`{{text}}`), so it cannot be checked: review the statements it produces with `python manage.py sqlmigrate`.',
    proceduralBlock: '`{{statement}}` runs a procedural block: the statements inside it cannot be checked, review their locks by hand.',
  },
  why: [
    'RunSQL runs whatever SQL it holds; Django neither checks nor rewrites it. The same operations that make the',
    'Django operations risky are risky here, without the help of the schema editor: dropping or renaming what',
    'the running code uses breaks a rolling deploy, and many ALTERs take an ACCESS EXCLUSIVE lock (PostgreSQL)',
    'or copy the table (MySQL) for as long as they run. Behind that lock every other query on the table waits,',
    'which turns a slow migration into an outage. SQL assembled at run time cannot be checked at all.',
  ].join('\n'),
  safeAlternative: [
    'Use the lock-friendly form of each statement, one risky step per migration, and a short lock timeout so a',
    'blocked ALTER gives up instead of stalling traffic (PostgreSQL shown):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False  # CONCURRENTLY cannot run inside a transaction',
    '',
    '    dependencies = [("shop", "0050_order_customer")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql=[',
    '                "SET lock_timeout = \'5s\';",',
    '                "CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_order_customer_idx ON shop_order (customer_id);",',
    '                "ALTER TABLE shop_order ADD CONSTRAINT shop_order_customer_fk FOREIGN KEY (customer_id) "',
    '                "REFERENCES crm_customer (id) NOT VALID;",',
    '            ],',
    '            reverse_sql=[',
    '                "ALTER TABLE shop_order DROP CONSTRAINT IF EXISTS shop_order_customer_fk;",',
    '                "DROP INDEX CONCURRENTLY IF EXISTS shop_order_customer_idx;",',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Validate constraints in a later migration: `ALTER TABLE shop_order VALIDATE CONSTRAINT shop_order_customer_fk;`',
    '   (takes only a SHARE UPDATE EXCLUSIVE lock).',
    '2. For NOT NULL on PostgreSQL 12+: add `CHECK (col IS NOT NULL) NOT VALID`, validate it, then `SET NOT NULL`',
    '   (no scan) and drop the check.',
    '3. For UNIQUE: `CREATE UNIQUE INDEX CONCURRENTLY …`, then `ADD CONSTRAINT … UNIQUE USING INDEX …`.',
    '4. Drops and renames follow expand/contract: deploy code that no longer uses the column or table first,',
    '   and drop it in a later release.',
    '5. On MySQL prefer `ALGORITHM=INPLACE, LOCK=NONE` (or INSTANT) and let the server refuse when it cannot.',
  ].join('\n'),
  links: [
    'https://www.postgresql.org/docs/current/sql-altertable.html',
    'https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html',
    'https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql',
  ],
  operationTypes: ['RunSQL', 'CreateModel'],
  check(ctx) {
    const database = ctx.settings.database;
    // Tables created in this migration (CreateModel or CREATE TABLE): no one else holds them yet.
    const newTables = new Set<string>();
    // PostgreSQL 12+ skips SET NOT NULL's scan when a validated CHECK proves the column has no NULL:
    // a VALIDATE CONSTRAINT earlier in the migration (the check added NOT VALID before) is that proof.
    const validated = new Set<string>();
    const trustsCheck = database === 'postgresql' && ctx.settings.version[0] >= 12;
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      if (op.type === 'CreateModel') {
        if (!op.model) return;
        const options = op.args['options'];
        const dbTable = options?.kind === 'dict' ? options.entries.find((entry) => entry.key.kind === 'str' && entry.key.value === 'db_table')?.value : undefined;
        newTables.add(dbTable?.kind === 'str' ? dbTable.value.toLowerCase() : `${ctx.migration.app}_${op.model}`.toLowerCase());
        return;
      }
      for (const item of op.sql ?? []) {
        if (item.dynamic) ctx.report({ messageId: 'opaqueSql', op, line: item.line, data: { text: item.text.length > 60 ? `${item.text.slice(0, 59)}…` : item.text } });
      }
      const swaps = columnSwaps(forwardStatements(op));
      // Only PostgreSQL renames and creates the view in one transaction; elsewhere each DDL commits on its own.
      const behindViews = database === 'postgresql' ? renamesBehindView(forwardStatements(op)) : new Set<LocatedStatement>();
      for (const statement of forwardStatements(op)) {
        const table = statementTable(statement);
        if (/^CREATE (UNLOGGED )?TABLE\b/.test(statement.masked) && table) {
          newTables.add(table);
          continue;
        }
        const isNew = table !== undefined && newTables.has(table);
        if (trustsCheck && table && /\bVALIDATE CONSTRAINT\b/.test(statement.masked)) validated.add(table);
        for (const messageId of classifyStatement(statement, database)) {
          if (isNew && LOCK_ONLY.has(messageId)) continue;
          if (messageId === 'setNotNull' && table && validated.has(table)) continue;
          if ((messageId === 'dropColumn' || messageId === 'dropTable') && dropsStateFirstRemoval(ctx, statement)) continue;
          if ((messageId === 'dropColumn' || messageId === 'renameColumn') && swaps.has(statement)) continue;
          if (messageId === 'renameTable' && behindViews.has(statement)) continue;
          ctx.report({ messageId, op, line: statement.line, data: { statement: excerpt(statement) } });
        }
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'blocking index and foreign key on PostgreSQL',
        path: 'shop/migrations/0051_order_customer_sql.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0050_order_customer")]

    operations = [
        migrations.RunSQL(
            sql="""
                CREATE INDEX shop_order_customer_idx ON shop_order (customer_id);
                ALTER TABLE shop_order
                    ADD CONSTRAINT shop_order_customer_fk FOREIGN KEY (customer_id) REFERENCES crm_customer (id);
                ALTER TABLE shop_order ALTER COLUMN customer_id SET NOT NULL;
            """,
            reverse_sql="""
                ALTER TABLE shop_order DROP CONSTRAINT shop_order_customer_fk;
                DROP INDEX shop_order_customer_idx;
            """,
        ),
    ]
`,
        expect: [
          { messageId: 'createIndex', line: 10 },
          { messageId: 'foreignKeyNotValid', line: 11 },
          { messageId: 'setNotNull', line: 13 },
        ],
      },
      {
        name: 'destructive statements, any database',
        path: 'legacy/migrations/0007_cleanup.py',
        settings: { database: 'sqlite' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("legacy", "0006_archive")]

    operations = [
        migrations.RunSQL(
            [
                "DROP TABLE legacy_archive;",
                "ALTER TABLE legacy_item DROP COLUMN notes;",
                "ALTER TABLE legacy_item RENAME COLUMN title TO name;",
                'ALTER TABLE "legacy_box" RENAME TO "legacy_crate";',
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        expect: [
          { messageId: 'dropTable', line: 10 },
          { messageId: 'dropColumn', line: 11 },
          { messageId: 'renameColumn', line: 12 },
          { messageId: 'renameTable', line: 13 },
        ],
      },
      {
        name: 'type change, CHECK, UNIQUE, REINDEX, DROP INDEX, TRUNCATE CASCADE on PostgreSQL',
        path: 'ledger/migrations/0012_sql_cleanup.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_entry")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE ledger_entry ALTER COLUMN amount TYPE numeric(20, 4);",
                "ALTER TABLE ledger_entry ADD CONSTRAINT amount_positive CHECK (amount > 0);",
                "ALTER TABLE ledger_entry ADD CONSTRAINT entry_ref_uniq UNIQUE (reference);",
                "REINDEX INDEX ledger_entry_reference_idx;",
                "DROP INDEX ledger_entry_old_idx;",
                "TRUNCATE ledger_staging CASCADE;",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        expect: [
          { messageId: 'alterColumnType', line: 10 },
          { messageId: 'checkNotValid', line: 11 },
          { messageId: 'uniqueWithoutIndex', line: 12 },
          { messageId: 'reindex', line: 13 },
          { messageId: 'dropIndex', line: 14 },
          { messageId: 'truncateCascade', line: 15 },
        ],
      },
      {
        name: 'a table renamed with a view under its old name on MySQL: two commits, a moment without the table',
        path: 'shop/migrations/0054_move_book_table.py',
        settings: { database: 'mysql' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0053_rename_book_novel")]

    operations = [
        migrations.RunSQL(
            sql=["ALTER TABLE shop_book RENAME TO shop_novel", "CREATE VIEW shop_book AS SELECT * FROM shop_novel"],
            reverse_sql=["DROP VIEW shop_book", "ALTER TABLE shop_novel RENAME TO shop_book"],
        ),
    ]
`,
        expect: [{ messageId: 'renameTable', line: 9 }],
      },
      {
        name: 'MySQL copy algorithm and lock option',
        path: 'shop/migrations/0052_mysql_alter.py',
        settings: { database: 'mysql' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0051_order_customer_sql")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE shop_order ADD INDEX shop_order_status_idx (status), ALGORITHM=COPY, LOCK=EXCLUSIVE;",
            reverse_sql="ALTER TABLE shop_order DROP INDEX shop_order_status_idx;",
        ),
    ]
`,
        expect: [
          { messageId: 'copyAlgorithm', line: 9 },
          { messageId: 'lockOption', line: 9 },
        ],
      },
      {
        name: 'SQL built at run time, and a DO block',
        path: 'shop/migrations/0053_dynamic.py',
        code: `from django.db import migrations

TABLE = "shop_order"


class Migration(migrations.Migration):
    dependencies = [("shop", "0052_mysql_alter")]

    operations = [
        migrations.RunSQL(f"ALTER TABLE {TABLE} ADD COLUMN note text NULL;", reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(
            "DO $$ BEGIN PERFORM 1; END $$;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        expect: [
          { messageId: 'opaqueSql', line: 10 },
          { messageId: 'proceduralBlock', line: 12 },
        ],
      },
    ],
    good: [
      STATE_FIRST_DROP_CASE,
      {
        name: 'renaming the sequence of a moved table (no query names it)',
        path: 'core/migrations/0005_move_objectchange.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0004_previous")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE extras_objectchange_id_seq RENAME TO core_objectchange_id_seq",
            reverse_sql="ALTER TABLE core_objectchange_id_seq RENAME TO extras_objectchange_id_seq",
        ),
    ]
`,
      },
      {
        name: 'lock-friendly PostgreSQL forms',
        path: 'shop/migrations/0051_order_customer_sql.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("shop", "0050_order_customer")]

    operations = [
        migrations.RunSQL(
            sql=[
                "SET lock_timeout = '5s';",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_order_customer_idx ON shop_order (customer_id);",
                "ALTER TABLE shop_order ADD CONSTRAINT shop_order_customer_fk FOREIGN KEY (customer_id) REFERENCES crm_customer (id) NOT VALID;",
                "ALTER TABLE shop_order ADD CONSTRAINT customer_set CHECK (customer_id IS NOT NULL) NOT VALID;",
                "CREATE UNIQUE INDEX CONCURRENTLY shop_order_number_uniq ON shop_order (number);",
                "ALTER TABLE shop_order ADD CONSTRAINT shop_order_number_uniq UNIQUE USING INDEX shop_order_number_uniq;",
                "UPDATE shop_order SET note = 'drop table later; rename' WHERE note IS NULL;",
            ],
            reverse_sql=[
                "ALTER TABLE shop_order DROP CONSTRAINT IF EXISTS shop_order_customer_fk;",
                "DROP INDEX CONCURRENTLY IF EXISTS shop_order_customer_idx;",
            ],
        ),
    ]
`,
      },
      {
        name: 'SET NOT NULL after validating a CHECK (col IS NOT NULL) added NOT VALID before (PostgreSQL 12+)',
        path: 'shop/migrations/0052_order_customer_not_null.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0051_order_customer_check")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE shop_order VALIDATE CONSTRAINT customer_set;",
                "ALTER TABLE shop_order ALTER COLUMN customer_id SET NOT NULL;",
                "ALTER TABLE shop_order DROP CONSTRAINT customer_set;",
            ],
            reverse_sql=["ALTER TABLE shop_order ALTER COLUMN customer_id DROP NOT NULL;"],
        ),
    ]
`,
      },
      {
        name: 'a column swap: the old column dropped and a shadow column renamed to its name in one RunSQL',
        path: 'shop/migrations/0053_order_total_bigint.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0052_order_total_shadow")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE shop_order DROP COLUMN total;",
                "ALTER TABLE shop_order RENAME COLUMN total_new TO total;",
            ],
            reverse_sql=["ALTER TABLE shop_order RENAME COLUMN total TO total_new;"],
        ),
    ]
`,
      },
      {
        name: 'a table renamed with a view under its old name in one RunSQL',
        path: 'shop/migrations/0054_move_book_table.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0053_rename_book_novel")]

    operations = [
        migrations.RunSQL(
            sql=[
                'ALTER TABLE "shop_book" RENAME TO "shop_novel"',
                'CREATE VIEW "shop_book" AS SELECT * FROM "shop_novel"',
            ],
            reverse_sql=['DROP VIEW "shop_book"', 'ALTER TABLE "shop_novel" RENAME TO "shop_book"'],
        ),
    ]
`,
      },
      {
        name: 'table created in the same migration',
        path: 'reports/migrations/0002_daily.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="""
                CREATE TABLE reports_daily (day date PRIMARY KEY, total numeric NOT NULL);
                CREATE INDEX reports_daily_total_idx ON reports_daily (total);
            """,
            reverse_sql="DROP TABLE reports_daily;",
        ),
    ]
`,
      },
      {
        name: 'MySQL online DDL',
        path: 'shop/migrations/0052_mysql_alter.py',
        settings: { database: 'mysql' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0051_order_customer_sql")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE shop_order ADD INDEX shop_order_status_idx (status), ALGORITHM=INPLACE, LOCK=NONE;",
            reverse_sql="ALTER TABLE shop_order DROP INDEX shop_order_status_idx;",
        ),
    ]
`,
      },
    ],
  },
});
