/**
 * RenameModel as expand-contract: release 1 renames the model in the migration state only, its table
 * pinned to the old name (`db_table`), so no SQL runs and old and new code query the same table. On
 * PostgreSQL, release 2 moves the table to the new default name and leaves an updatable view under the
 * old one for the servers still on release 1; release 3 drops the view. Elsewhere the table keeps its
 * old name (a rename and a view cannot be swapped in one transaction there).
 */
import type { ModelState } from '../../rules/types.js';
import { normaliseRelationTarget } from '../../rules/_lib/columns.js';
import { modelBefore, opSource, q, str, table } from '../lib.js';
import { call, runSql, separate } from '../render.js';
import { pyString } from '../source.js';
import type { CodeStep, FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';

/** `app.model`, lower-cased as relation targets are compared. */
const modelLabel = (model: ModelState): string => `${model.app}.${model.name}`.toLowerCase();

/** An auto-created join table's columns are named after the models: a state-only rename would leave them behind. */
function joinTableObstacle(ctx: FixContext, model: ModelState): string | null {
  for (const [fieldName, field] of model.fields) {
    if (field.type === 'ManyToManyField' && !field.kwargs['through']) {
      return `the model has the many-to-many field \`${fieldName}\`: its join table's \`${model.name.toLowerCase()}_id\` column is named after the model and Django renames it with the model, under the old code; give the field an explicit \`through\` model first`;
    }
  }
  for (const other of ctx.before.models()) {
    if (other === model) continue;
    for (const [fieldName, field] of other.fields) {
      if (field.type === 'ManyToManyField' && !field.kwargs['through'] && normaliseRelationTarget(field, other.app, ctx) === modelLabel(model)) {
        return `\`${other.name}.${fieldName}\` is a many-to-many field to the model: its join table's \`${model.name.toLowerCase()}_id\` column is named after the model and Django renames it with the model, under the old code; give that field an explicit \`through\` model first`;
      }
    }
  }
  return null;
}

/** The setting that names the model (AUTH_USER_MODEL…): it has to change in the same release as the class. */
function swappableSetting(ctx: FixContext, model: ModelState): string | undefined {
  const own = str(model.options['swappable']);
  if (own) return own;
  const label = `${model.app}.${model.name}`.toLowerCase();
  return Object.entries(ctx.swappable).find(([, target]) => target.toLowerCase() === label)?.[0];
}

/** Models whose foreign keys point at the renamed one (their constraints keep the names they have). */
function referencingModels(ctx: FixContext, model: ModelState): string[] {
  const names = new Set<string>();
  for (const other of ctx.before.models()) {
    for (const field of other.fields.values()) if (field.type !== 'ManyToManyField' && normaliseRelationTarget(field, other.app, ctx) === modelLabel(model)) names.add(other.name);
  }
  return [...names];
}

/** The lookup is guarded, which the dependency rule cannot see; file-wide, as that rule's finding has no operation. */
const GUARDED_LOOKUP = '    # migrate-help: ignore-file runpython-missing-app-dependency -- without contenttypes there is no row to rename';

/**
 * Django renames the content type of a model only after a top-level RenameModel; this one is in
 * state_operations, so the file does it (as Django's RenameContentType does, and skipped the same way
 * when contenttypes is not installed or not routed to this database).
 */
function contentTypeFunctions(app: string, oldName: string, newName: string): { names: [string, string]; source: string[] } {
  const forward = `rename_${oldName}_content_type`;
  const backward = `restore_${oldName}_content_type`;
  // Written out twice rather than shared: the function rules read a helper's second parameter as the schema editor.
  const renaming = (name: string, from: string, to: string) =>
    [
      `def ${name}(apps, schema_editor):`,
      ...(name === forward ? [GUARDED_LOOKUP] : []),
      '    try:',
      '        ContentType = apps.get_model("contenttypes", "ContentType")',
      '    except LookupError:',
      '        return',
      '    alias = schema_editor.connection.alias',
      '    if not router.allow_migrate_model(alias, ContentType):',
      '        return',
      `    content_types = ContentType.objects.using(alias).filter(app_label=${pyString(app)})`,
      `    content_type = content_types.filter(model=${pyString(from)}).first()`,
      '    # A stale row under the new name keeps its place, as in Django; remove_stale_contenttypes sorts it out.',
      `    if content_type is not None and not content_types.filter(model=${pyString(to)}).exists():`,
      `        content_type.model = ${pyString(to)}`,
      '        content_type.save(using=alias, update_fields=["model"])',
    ].join('\n');
  return { names: [forward, backward], source: [renaming(forward, oldName, newName), renaming(backward, newName, oldName)] };
}

function alterModelTable(model: string, tableSource: string): string {
  return call('migrations.AlterModelTable', [
    ['name', pyString(model.toLowerCase())],
    ['table', tableSource],
  ]);
}

function plan(ctx: FixContext): RecipePlan | null {
  const oldName = str(ctx.op.args['old_name']);
  const newName = str(ctx.op.args['new_name']);
  const model = oldName ? modelBefore(ctx, oldName) : undefined;
  const renamed = newName ? ctx.after.model(ctx.migration.app, newName) : undefined;
  if (!model || !renamed || !oldName || !newName) return null;
  const setting = swappableSetting(ctx, model);
  if (setting) return { noFix: `the model is swappable (settings.${setting} names it): the setting changes with the class, in the same release, so there is nothing to keep the old code working with; rename it by hand` };
  const blocked = joinTableObstacle(ctx, model);
  if (blocked) return { noFix: blocked };
  const oldTable = table(ctx, model);
  const newTable = table(ctx, renamed);
  const oldLower = oldName.toLowerCase();
  const contentTypes = contentTypeFunctions(ctx.migration.app, oldLower, newName.toLowerCase());
  const referencing = referencingModels(ctx, model);
  const pin: FixStep = {
    slug: 'rename_state',
    release: 1,
    functions: contentTypes.source,
    djangoDbNames: ['router'],
    operations: [
      separate([], [opSource(ctx), alterModelTable(newName, pyString(oldTable))]),
      call('migrations.RunPython', [
        ['code', contentTypes.names[0]],
        ['reverse_code', contentTypes.names[1]],
      ]),
    ],
    note: `renames \`${oldName}\` to \`${newName}\` in the migration state only, its table pinned to \`${oldTable}\` (no SQL on the table), and renames its content type when contenttypes is installed`,
  };
  const code: CodeStep[] = [
    {
      release: 1,
      text: `rename the class to \`${newName}\` with \`class Meta: db_table = ${pyString(oldTable)}\`, and every use of it (imports, \`"${ctx.migration.app}.${oldName}"\` references; reverse accessors and lookups such as \`${oldLower}_set\` and \`${oldLower}__…\` on models whose foreign keys have no related_name)`,
    },
  ];
  if (ctx.target.database !== 'postgresql') {
    code.push({ release: 1, text: `keep the \`db_table\` for good: on ${ctx.target.database} the table is not moved to \`${newTable}\` (its rename and a view under the old name cannot happen in one transaction)` });
    return { steps: [pin], codeSteps: code };
  }
  const view = `CREATE VIEW ${q(ctx, oldTable)} AS SELECT * FROM ${q(ctx, newTable)}`;
  const move: FixStep = {
    slug: 'move_table',
    release: 2,
    operations: [
      runSql([`ALTER TABLE ${q(ctx, oldTable)} RENAME TO ${q(ctx, newTable)}`, view], [`DROP VIEW ${q(ctx, oldTable)}`, `ALTER TABLE ${q(ctx, newTable)} RENAME TO ${q(ctx, oldTable)}`], [alterModelTable(newName, 'None')]),
    ],
    note: `renames the table to \`${newTable}\` and, in the same transaction, creates the view \`${oldTable}\` over it, which release 1 servers keep reading and writing (PostgreSQL updates a simple view's table); until release 3 a column type change on the table fails, the view uses it${referencing.length > 0 ? `; foreign keys from ${referencing.map((name) => `\`${name}\``).join(', ')} keep their constraint names (Django finds them by column)` : ''}`,
  };
  const dropView: FixStep = {
    slug: 'drop_view',
    release: 3,
    operations: [runSql([`DROP VIEW ${q(ctx, oldTable)}`], [view])],
    note: `drops the view \`${oldTable}\``,
  };
  code.push(
    { release: 2, text: `remove \`db_table\` from \`${newName}\`'s Meta (optional: to keep the table name \`${oldTable}\` for good, keep it and ship only the release 1 file, renamed to the original migration's name)` },
    { release: 3, text: 'nothing to change: the view goes once no server runs release 1 code' },
  );
  return { steps: [pin, move, dropView], codeSteps: code };
}

const recipe: FixRecipe = {
  id: 'rename-model-expand-contract',
  title: 'RenameModel as expand-contract (state-only rename with the table pinned, then the table moved behind a view)',
  fixes: ['rename-model-table'],
  operationTypes: ['RenameModel'],
  databases: ['postgresql', 'mysql', 'mariadb'],
  plan,
};

export default recipe;
