/** Building blocks the recipes share: names, SQL pieces and the batched backfill. */
import { columnOf, createIndexName, quoteName, tableName, vendorOf } from '../sql/index.js';
import type { Column, SqlStatement } from '../sql/index.js';
import type { ModelState } from '../rules/types.js';
import type { FieldDef, PyValue } from '../types.js';
import { call, pySource, runSql, separate } from './render.js';
import { pyString } from './source.js';
import type { FixContext, FixStep } from './types.js';

export const BATCH_SIZE = 1000;

export function str(value: PyValue | undefined): string | undefined {
  return value?.kind === 'str' ? value.value : undefined;
}

/** Source text of one argument of the operation, as the user wrote it. */
export function argSource(ctx: FixContext, name: string): string | undefined {
  const span = ctx.op.argSpans?.[name];
  return span ? ctx.source.slice(span) : undefined;
}

/** The whole operation as written. */
export function opSource(ctx: FixContext): string {
  return ctx.source.block(ctx.op.span);
}

/** The model the operation names, in the state before it. */
export function modelBefore(ctx: FixContext, name = ctx.op.model): ModelState | undefined {
  return name ? ctx.before.model(ctx.migration.app, name) : undefined;
}

/** The vendor-quoted identifier. */
export function q(ctx: FixContext, name: string): string {
  return quoteName(vendorOf(ctx.target.database) ?? 'postgresql', name);
}

export function table(ctx: FixContext, model: ModelState): string {
  return tableName(model, vendorOf(ctx.target.database) ?? 'postgresql');
}

/** The column a field has in a state; undefined when the SQL model cannot say (custom field types…). */
export function column(ctx: FixContext, model: ModelState, fieldName: string, field: FieldDef, state = ctx.before): Column | undefined {
  try {
    return columnOf(state, ctx.migration.app, fieldName, field, vendorOf(ctx.target.database) ?? 'postgresql', ctx.swappable);
  } catch {
    return undefined;
  }
}

/** A name Django-style (table, columns, hash, suffix) for the helper objects a recipe adds and drops. */
export function helperName(tableName: string, columns: readonly string[], suffix: string): string {
  return createIndexName(tableName, columns, suffix, 63);
}

/** The predicted statements of the operation, or the reason they are not known. */
export function predictedStatements(ctx: FixContext): SqlStatement[] | string {
  const predicted = ctx.predicted;
  if (!predicted) return 'the SQL of this operation was not predicted';
  if (predicted.unknown) return `its SQL is not predicted (${predicted.reason ?? 'unknown'})`;
  return predicted.statements;
}

export function pgVersionAtLeast(ctx: FixContext, major: number): boolean {
  return Number.parseInt(ctx.target.version, 10) >= major;
}

/** A field definition from the state as source, with some keyword arguments replaced. */
export function fieldSource(field: FieldDef, overrides: Record<string, string> = {}): string {
  const kwargs = Object.entries(field.kwargs).map(([key, value]) => [key, overrides[key] ?? pySource(value)] as const);
  for (const [key, value] of Object.entries(overrides)) if (!(key in field.kwargs)) kwargs.push([key, value]);
  return `${field.callee}(${[...field.extraArgs.map(pySource), ...kwargs.map(([k, v]) => `${k}=${v}`)].join(', ')})`;
}

/** Import statements the dotted names of a state value need (`django.db.models.deletion.CASCADE`). */
export function importsFor(value: PyValue, into = new Set<string>()): Set<string> {
  const visit = (v: PyValue): void => {
    if (v.kind === 'name' || v.kind === 'call') {
      const path = v.kind === 'name' ? v.path : v.callee;
      const parts = path.split('.');
      if (parts[0] === 'django' && parts.length > 2) into.add(`import ${parts.slice(0, -1).join('.')}`);
      if (parts[0] === 'settings') into.add('from django.conf import settings');
    }
    if (v.kind === 'call') {
      v.args.forEach(visit);
      Object.values(v.kwargs).forEach(visit);
    } else if (v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set') v.items.forEach(visit);
    else if (v.kind === 'dict') v.entries.forEach((e) => visit(e.value));
  };
  visit(value);
  return into;
}

export function fieldImports(field: FieldDef): string[] {
  return [...importsFor({ kind: 'call', callee: field.callee, args: field.extraArgs, kwargs: field.kwargs, line: field.line })];
}

/** `migrations.AddField(model_name=…, name=…, field=…)` with the given sources. */
export function fieldOperation(type: 'AddField' | 'AlterField' | 'RemoveField', model: string, name: string, field?: string, extra: Array<[string, string]> = []): string {
  const kwargs: Array<[string, string]> = [
    ['model_name', pyString(model)],
    ['name', pyString(name)],
  ];
  if (field !== undefined) kwargs.push(['field', field]);
  return call(`migrations.${type}`, [...kwargs, ...extra]);
}

/** A Python identifier from words (function names of generated code). */
export function identifier(...words: string[]): string {
  return words
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * A RunPython function that walks the model's rows in primary-key order, `BATCH_SIZE` at a time, and
 * runs `batch` (Python lines using `manager`, `pks` and `connection`) for each batch in its own transaction.
 */
export function batchedFunction(name: string, app: string, model: string, batch: string[], setup: string[] = []): string {
  return [
    `def ${name}(apps, schema_editor):`,
    `    ${modelVar(model)} = apps.get_model(${pyString(app)}, ${pyString(model)})`,
    '    connection = schema_editor.connection',
    `    manager = ${modelVar(model)}._base_manager.using(connection.alias)`,
    ...setup.map((line) => `    ${line}`),
    '    last_pk = None',
    '    while True:',
    '        rows = manager.order_by("pk")',
    '        if last_pk is not None:',
    '            rows = rows.filter(pk__gt=last_pk)',
    `        pks = list(rows.values_list("pk", flat=True)[:${BATCH_SIZE}])`,
    '        if not pks:',
    '            break',
    '        with transaction.atomic(using=connection.alias):',
    ...batch.map((line) => `            ${line}`),
    '        last_pk = pks[-1]',
  ].join('\n');
}

export function modelVar(model: string): string {
  return model.charAt(0).toUpperCase() + model.slice(1);
}

/** The non-atomic step running a batched RunPython function. */
export function backfillStep(fn: string, fnName: string, release: number, note: string): FixStep {
  return {
    slug: 'backfill',
    release,
    nonAtomicBecause: 'each batch commits on its own, so no long transaction holds row locks',
    functions: [fn],
    djangoDbNames: ['transaction'],
    operations: [call('migrations.RunPython', [['code', fnName], ['reverse_code', 'migrations.RunPython.noop'], ['elidable', 'True']])],
    note,
  };
}

/**
 * NOT NULL without the long ACCESS EXCLUSIVE scan (PostgreSQL 12+): a CHECK (col IS NOT NULL) added
 * NOT VALID in one migration; in the next, the check validated under SHARE UPDATE EXCLUSIVE, SET NOT
 * NULL (which trusts the validated check) and the check dropped. `between` runs after the check exists
 * and before it is validated (the backfill); `state` goes on the last step.
 */
export function notNullSteps(ctx: FixContext, tableName: string, columnName: string, release: number, between: FixStep[], state: string[]): FixStep[] {
  const t = q(ctx, tableName);
  const c = q(ctx, columnName);
  const check = q(ctx, helperName(tableName, [columnName], '_notnull'));
  return [
    {
      slug: 'check_not_valid',
      release,
      operations: [runSql([`ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID`], [`ALTER TABLE ${t} DROP CONSTRAINT ${check}`])],
      note: `adds CHECK (${columnName} IS NOT NULL) NOT VALID: instant, and from now on no write may store NULL`,
    },
    ...between,
    {
      slug: 'set_not_null',
      release,
      operations: [
        separate(
          [runSql([`ALTER TABLE ${t} VALIDATE CONSTRAINT ${check}`, `ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL`, `ALTER TABLE ${t} DROP CONSTRAINT ${check}`], [`ALTER TABLE ${t} ALTER COLUMN ${c} DROP NOT NULL`, `ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID`])],
          state,
        ),
      ],
      note: 'validates the check (a scan under SHARE UPDATE EXCLUSIVE: reads and writes go on), then SET NOT NULL, which trusts the validated check and skips its own scan, and drops the check',
    },
  ];
}
