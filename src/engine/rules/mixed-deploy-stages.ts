import { defineRule } from './types.js';
import type { OperationVisit } from './types.js';
import { isNotNull, isNullable } from './_lib/fields.js';
import { shopContext } from './_lib/cases.js';
import { bothHaveColumns } from './_lib/columns.js';
import { declaredStage } from './_lib/rolling-deploy.js';
import { modelLabel, previousField } from './_lib/tables.js';

/** Operations the new code needs before it starts (expand). */
const EXPAND_TYPES = new Set(['CreateModel', 'AddField', 'AddIndex', 'AddIndexConcurrently']);
/** Operations only safe once the old code is gone (contract). */
const CONTRACT_TYPES = new Set(['RemoveField', 'DeleteModel']);

export default defineRule({
  id: 'mixed-deploy-stages',
  severity: 'info',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'One migration both expands the schema (before the deploy) and contracts it (after the deploy), or contradicts its declared stage.',
  messages: {
    mixed:
      'This migration expands the schema (`{{expand}}`, line {{expandLine}}) and contracts it (`{{contract}}`): the first must run before the new code and the second after it, so no deploy order is safe for both.',
    preDeployContracts:
      'The migration says it runs before the deploy (`{{stage}}`), but `{{contract}}` removes or tightens something the old code still uses.',
    postDeployExpands:
      'The migration says it runs after the deploy (`{{stage}}`), but `{{expand}}` adds something the new code needs as soon as it starts.',
  },
  why: [
    'Zero-downtime deploys split schema changes around the code rollout: *expand* steps (new tables, new columns, new',
    'indexes, loosening NOT NULL) run before the new code starts; *contract* steps (dropping columns or tables, making a',
    'column NOT NULL) run after the old code is gone. A migration is applied as one unit, so if it holds both kinds one',
    'of them is always at the wrong moment: before the deploy the contract step breaks the old code, after it the new',
    'code runs without the expand step.',
    '',
    'Tools that run migrations in stages (django-syzygy `stage = Stage.PRE_DEPLOY/POST_DEPLOY`, django-safemigrate',
    '`safe = Safe.before_deploy()/after_deploy()`) rely on each migration being one kind only, and on the marker being',
    'right. Making a column NOT NULL counts as contract only when the earlier definition was read.',
  ].join('\n'),
  safeAlternative: [
    'Split the migration in two and run them on either side of the rollout.',
    '',
    '`0042_order_expand.py`, run before the new code:',
    '',
    '```python',
    'from django.db import migrations, models',
    'from syzygy import Stage',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    stage = Stage.PRE_DEPLOY',
    '',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AddField(',
    '            model_name="order",',
    '            name="channel",',
    '            field=models.CharField(max_length=32, null=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '`0043_order_contract.py`, run after every server runs the new code:',
    '',
    '```python',
    'from django.db import migrations',
    'from syzygy import Stage',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    stage = Stage.POST_DEPLOY',
    '',
    '    dependencies = [("shop", "0042_order_expand")]',
    '',
    '    operations = [',
    '        migrations.RemoveField(model_name="order", name="legacy_channel"),',
    '    ]',
    '```',
    '',
    'Deploy order: `python manage.py migrate shop 0042_order_expand`, roll out the code, then',
    '`python manage.py migrate shop 0043_order_contract` (with syzygy, `migrate --pre-deploy` before and `migrate`',
    'after). Without a staging tool, ship 0043 in the next release. Rollback: roll the code back while only 0042 is',
    'applied; after 0043 see `remove-field`. Verify with `python manage.py migrate --plan` that the deploy job only runs',
    'the expand migration before the rollout.',
  ].join('\n'),
  links: ['https://github.com/charettes/django-syzygy', 'https://github.com/aspiredu/django-safemigrate'],
  operationTypes: [...EXPAND_TYPES, ...CONTRACT_TYPES, 'AlterField'],
  check(ctx) {
    const app = ctx.migration.app;
    const expands: OperationVisit[] = [];
    const contracts: OperationVisit[] = [];
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      const kind = stageOf(visit, app);
      // A contract step on a table created in this same migration affects nobody.
      if (kind === 'contract' && !(visit.model && ctx.isNewModel(visit.model, op))) contracts.push(visit);
      else if (kind === 'expand') expands.push(visit);
    });
    const declared = declaredStage(ctx.migration);
    if (declared?.stage === 'pre-deploy') {
      for (const visit of contracts) ctx.report({ messageId: 'preDeployContracts', op: visit.op, data: { stage: declared.text, contract: describe(visit, 'contract') } });
      return;
    }
    if (declared?.stage === 'post-deploy') {
      for (const visit of expands) ctx.report({ messageId: 'postDeployExpands', op: visit.op, data: { stage: declared.text, expand: describe(visit, 'expand') } });
      return;
    }
    const firstExpand = expands[0];
    const firstContract = contracts[0];
    if (firstExpand && firstContract) {
      ctx.report({
        messageId: 'mixed',
        op: firstContract.op,
        data: { expand: describe(firstExpand, 'expand'), expandLine: firstExpand.op.span.line, contract: describe(firstContract, 'contract') },
      });
    }
  },
  cases: {
    bad: [
      {
        name: 'adds a column and drops another in one migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.RemoveField(
            model_name="order",
            name="note",
        ),
    ]
`,
        path: 'shop/migrations/0002_order_channel.py',
        context: shopContext(),
        expect: [{ messageId: 'mixed', line: 13 }],
      },
      {
        name: 'marked pre-deploy but tightens a column to NOT NULL',
        code: `from django.db import migrations, models
from django_safemigrate import Safe


class Migration(migrations.Migration):
    safe = Safe.before_deploy()

    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="note", field=models.TextField()),
    ]
`,
        path: 'shop/migrations/0002_order_note_not_null.py',
        context: shopContext(),
        expect: [{ messageId: 'preDeployContracts', line: 11 }],
      },
      {
        name: 'marked post-deploy but adds a table',
        code: `from django.db import migrations, models
from syzygy import Stage


class Migration(migrations.Migration):
    stage = Stage.POST_DEPLOY

    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
    ]
`,
        path: 'shop/migrations/0002_refund.py',
        context: shopContext(),
        expect: [{ messageId: 'postDeployExpands', line: 11 }],
      },
    ],
    good: [
      {
        name: 'expand step alone, marked pre-deploy',
        code: `from django.db import migrations, models
from syzygy import Stage


class Migration(migrations.Migration):
    stage = Stage.PRE_DEPLOY

    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.AlterField(model_name="order", name="status", field=models.CharField(max_length=16, null=True)),
    ]
`,
        path: 'shop/migrations/0002_order_expand.py',
        context: shopContext(),
      },
      {
        name: 'contract step alone, marked post-deploy',
        code: `from django.db import migrations
from syzygy import Stage


class Migration(migrations.Migration):
    stage = Stage.POST_DEPLOY

    dependencies = [("shop", "0002_order_expand")]

    operations = [
        migrations.RemoveField(model_name="order", name="note"),
        migrations.DeleteModel(name="Invoice"),
    ]
`,
        path: 'shop/migrations/0003_order_contract.py',
        context: shopContext({
          'shop/migrations/0002_order_expand.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
    ]
`,
        }),
      },
      {
        name: 'new table with a field removed from it in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("reason", models.TextField()),
            ],
        ),
        migrations.RemoveField(model_name="refund", name="reason"),
    ]
`,
        path: 'shop/migrations/0002_refund.py',
      },
    ],
  },
});

function stageOf(visit: OperationVisit, app: string): 'expand' | 'contract' | null {
  const { op } = visit;
  if (EXPAND_TYPES.has(op.type)) return 'expand';
  if (CONTRACT_TYPES.has(op.type)) return 'contract';
  if (op.type !== 'AlterField' || !op.field) return null;
  const before = previousField(visit, app);
  if (!before || !bothHaveColumns(before, op.field)) return null;
  if (isNullable(before) && isNotNull(op.field)) return 'contract';
  if (isNotNull(before) && isNullable(op.field)) return 'expand';
  return null;
}

function describe(visit: OperationVisit, kind: 'expand' | 'contract'): string {
  const { op } = visit;
  const model = modelLabel(visit);
  if (op.type === 'CreateModel' || op.type === 'DeleteModel') return `${op.type} ${model}`;
  if (op.type === 'AlterField') return `AlterField ${model}.${op.name ?? '?'} ${kind === 'expand' ? 'allowing NULL' : 'to NOT NULL'}`;
  return op.name ? `${op.type} ${model}.${op.name}` : `${op.type} ${model}`;
}
