import { defineRule } from './types.js';
import { ALL_DATABASES } from './_lib/databases.js';
import { runPythonCallables } from './_lib/runpython.js';

/** `apps` or `_apps`: a leading underscore only says "unused", the name still tells what it is. */
function named(param: string | undefined, expected: string): boolean {
  return param === expected || param === `_${expected}`;
}

/**
 * A plain callable must take `(apps, schema_editor, …)`; one wrapped in functools.partial may have
 * bound parameters around the pair, so the pair only has to appear in order.
 */
function conforms(params: readonly string[], wrapped: boolean): boolean {
  if (!wrapped) return named(params[0], 'apps') && named(params[1], 'schema_editor');
  return params.some((param, index) => named(param, 'apps') && named(params[index + 1], 'schema_editor'));
}

export default defineRule({
  id: 'runpython-arg-names',
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'data-migration',
  summary: 'RunPython callables should take (apps, schema_editor), the names Django documents.',
  messages: {
    argNames:
      '{{what}} takes `({{params}})`: Django calls RunPython code with `(apps, schema_editor)`, and other names hide that the first is the historical app registry (use `apps.get_model`) and the second the schema editor.',
  },
  why: [
    'Django passes two positional arguments to every RunPython callable: the app registry of the migration\'s',
    'historical state and the schema editor. The documented names make data migrations readable at a glance and',
    'greppable, and they keep reviewers from mistaking `apps` for the real `django.apps.apps` (whose models do',
    'not match the migration\'s state). A callable with fewer parameters fails with TypeError when the migration',
    'runs. Names with a leading underscore (`_schema_editor`) are accepted: they only mark the argument unused.',
  ].join('\n'),
  safeAlternative: [
    'Use the documented signature, even when an argument is unused:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def publish_drafts(apps, schema_editor):',
    '    Article = apps.get_model("blog", "Article")',
    '    Article.objects.filter(status="draft", reviewed=True).update(status="published")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("blog", "0012_article_reviewed")]',
    '',
    '    operations = [',
    '        migrations.RunPython(publish_drafts, migrations.RunPython.noop),',
    '    ]',
    '```',
    '',
    'With `functools.partial`, keep `apps, schema_editor` together and in that order, and bind the other',
    'parameters by keyword: `RunPython(functools.partial(publish, status="draft"))` with',
    '`def publish(apps, schema_editor, *, status)`. Lambdas are reported by `runpython-lambda`, whose fix (a',
    'module-level function) uses this signature.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython'],
  operationTypes: ['RunPython'],
  check(ctx) {
    const reported = new Set<number>();
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      for (const callable of runPythonCallables(op, ctx.migration)) {
        const original = callable.slot === 'code' ? op.code : op.reverseCode;
        const wrapped = original?.kind === 'partial';
        const { ref, fn } = callable;
        // Lambdas are runpython-lambda's (its fix brings this signature); imported callables are defined elsewhere.
        if (!fn || ref.kind !== 'function') continue;
        if (conforms(fn.params, wrapped) || reported.has(fn.line)) continue;
        reported.add(fn.line);
        const what = `\`${fn.name}\`${wrapped ? ' (in functools.partial)' : ''}`;
        ctx.report({ messageId: 'argNames', op, line: fn.line, data: { what, params: fn.params.join(', ') } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'short names, forward and reverse',
        path: 'blog/migrations/0013_publish_drafts.py',
        code: `from django.db import migrations


def publish_drafts(app_registry, editor):
    Article = app_registry.get_model("blog", "Article")
    Article.objects.filter(status="draft", reviewed=True).update(status="published")


def unpublish(apps):
    pass


class Migration(migrations.Migration):
    dependencies = [("blog", "0012_article_reviewed")]

    operations = [
        migrations.RunPython(publish_drafts, unpublish),
    ]
`,
        expect: [
          { messageId: 'argNames', line: 4 },
          { messageId: 'argNames', line: 9 },
        ],
      },
      {
        name: 'catch-all parameters',
        path: 'blog/migrations/0013_publish_drafts.py',
        code: `from django.db import migrations


def publish_drafts(*args, **kwargs):
    pass


class Migration(migrations.Migration):
    dependencies = [("blog", "0012_article_reviewed")]

    operations = [
        migrations.RunPython(publish_drafts, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'argNames', line: 4 }],
      },
    ],
    good: [
      {
        name: 'documented names, an unused one underscored',
        path: 'blog/migrations/0013_publish_drafts.py',
        code: `from django.db import migrations


def publish_drafts(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    Article.objects.filter(status="draft", reviewed=True).update(status="published")


def unpublish(apps, _schema_editor):
    Article = apps.get_model("blog", "Article")
    Article.objects.filter(status="published", reviewed=True).update(status="draft")


class Migration(migrations.Migration):
    dependencies = [("blog", "0012_article_reviewed")]

    operations = [
        migrations.RunPython(publish_drafts, unpublish),
    ]
`,
      },
      {
        name: 'a lambda is left to runpython-lambda',
        path: 'blog/migrations/0013_noop.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0012_article_reviewed")]

    operations = [
        migrations.RunPython(lambda a, s: None, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'functools.partial binding a keyword',
        path: 'blog/migrations/0013_publish_drafts.py',
        code: `import functools

from django.db import migrations


def set_status(apps, schema_editor, status):
    Article = apps.get_model("blog", "Article")
    Article.objects.filter(reviewed=True).update(status=status)


class Migration(migrations.Migration):
    dependencies = [("blog", "0012_article_reviewed")]

    operations = [
        migrations.RunPython(functools.partial(set_status, status="published"), migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
