import { defineRule } from './types.js';
import type { ReportInput } from './types.js';
import type { MigrationFile } from '../types.js';

/** A suppression comment (by index in `suppressionComments`) that hid a finding of `id` ('*' = via a bare comment). */
export interface SuppressionUse {
  comment: number;
  id: string;
}

type Message = 'unused' | 'unusedAll' | 'unusedFile' | 'unknownRule';

/**
 * The runner records which comments hid something while the other rules ran, then asks this
 * module what to say about the rest. Rules that did not run here (another database, disabled,
 * opt-in) are not judged: their comments may matter for another target.
 */
export function unusedSuppressionInputs(
  file: MigrationFile,
  uses: readonly SuppressionUse[],
  rules: { known: ReadonlySet<string>; active: ReadonlySet<string> },
): Array<ReportInput<Message>> {
  const inputs: Array<ReportInput<Message>> = [];
  file.suppressionComments.forEach((comment, index) => {
    const ids = comment.ids.length === 0 ? ['*'] : comment.ids;
    const marker = comment.scope === 'file' ? 'ignore-file' : 'ignore';
    for (const id of ids) {
      if (id === '*') {
        if (!uses.some((use) => use.comment === index)) {
          inputs.push({ messageId: comment.scope === 'file' ? 'unusedFile' : 'unusedAll', line: comment.line, data: { marker, rule: 'all rules' } });
        }
        continue;
      }
      if (id === 'unused-suppression') continue;
      if (!rules.known.has(id)) {
        inputs.push({ messageId: 'unknownRule', line: comment.line, data: { marker, rule: id } });
        continue;
      }
      if (!rules.active.has(id)) continue;
      if (!uses.some((use) => use.comment === index && use.id === id)) {
        inputs.push({ messageId: comment.scope === 'file' ? 'unusedFile' : 'unused', line: comment.line, data: { marker, rule: id } });
      }
    }
  });
  return inputs;
}

export default defineRule({
  id: 'unused-suppression',
  severity: 'info',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'hygiene',
  summary: 'A `# migrate-help: ignore` comment that hides nothing.',
  messages: {
    unused: '`# migrate-help: ignore {{rule}}` hides nothing: {{rule}} reports nothing on this operation. Remove it so it cannot hide a real finding later.',
    unusedAll: '`# migrate-help: ignore` (all rules) hides nothing on this operation. Remove it so it cannot hide a real finding later.',
    unusedFile: '`# migrate-help: ignore-file` for {{rule}} hides nothing in this file. Remove it so it cannot hide a real finding later.',
    unknownRule: '`{{rule}}` in this `# migrate-help: {{marker}}` comment is not a migrate-help rule id, so it hides nothing. Check the spelling against docs/rules/README.md.',
  },
  why: [
    'A suppression is a promise that someone looked at a finding and accepted the risk. When the finding goes',
    'away (the operation changed, or the rule id is misspelt), the comment stays behind and silently hides the',
    'next finding of that rule on the same operation, which may be a different, unreviewed risk. Misspelt ids',
    'never hid anything, so the finding they were meant for is still being reported, or the rule name is wrong.',
  ].join('\n'),
  safeAlternative: [
    'Keep suppressions next to the operation they excuse, name the exact rule, and say why:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("audit", "0003_event")]',
    '',
    '    operations = [',
    '        # migrate-help: ignore runsql-ddl-without-state -- audit_archive is not a Django model',
    '        migrations.RunSQL(',
    '            "CREATE TABLE audit_archive (LIKE audit_event INCLUDING ALL);",',
    '            reverse_sql="DROP TABLE audit_archive;",',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Delete the comment this finding points at, or fix the rule id (ids are listed in docs/rules/README.md).',
    '2. Run `migrate-help check` again: a finding that reappears is the one the comment was hiding.',
  ].join('\n'),
  links: [],
  cases: {
    bad: [
      {
        name: 'suppression on an operation the rule has nothing to say about',
        path: 'audit/migrations/0004_archive.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_event")]

    operations = [
        # migrate-help: ignore runsql-irreversible
        migrations.RunSQL(
            "CREATE VIEW audit_recent AS SELECT * FROM audit_event WHERE created > now() - interval '1 day';",
            reverse_sql="DROP VIEW audit_recent;",
        ),
    ]
`,
        expect: [{ messageId: 'unused', line: 8 }],
      },
      {
        name: 'misspelt rule id and an unused file-level suppression',
        path: 'audit/migrations/0005_cleanup.py',
        code: `# migrate-help: ignore-file runpython-lambda
from django.db import migrations


def purge(apps, schema_editor):
    Event = apps.get_model("audit", "Event")
    Event.objects.filter(kind="debug").delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_archive")]

    operations = [
        migrations.RunPython(purge, migrations.RunPython.noop),  # migrate-help: ignore runpython-unbatched
    ]
`,
        expect: [
          { messageId: 'unusedFile', line: 1 },
          { messageId: 'unknownRule', line: 14 },
        ],
      },
    ],
    good: [
      {
        name: 'suppression that hides a finding',
        path: 'audit/migrations/0004_archive.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_event")]

    operations = [
        # migrate-help: ignore runsql-irreversible
        migrations.RunSQL("CREATE VIEW audit_recent AS SELECT * FROM audit_event;"),
    ]
`,
      },
      {
        name: 'suppression for a rule that does not run on this database',
        path: 'audit/migrations/0006_sqlite_only.py',
        settings: { database: 'mysql' },
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_cleanup")]

    operations = [
        # migrate-help: ignore runsql-transaction-control
        migrations.RunSQL("UPDATE audit_event SET kind = 'info' WHERE kind = '';", migrations.RunSQL.noop),
    ]
`,
      },
    ],
  },
});
