/**
 * Predict the SQL of migrations: replay the graph in order, run every migration through the schema
 * editor (so the catalog knows what earlier ones built) and keep the targets' statements.
 */
import { buildGraph } from '../graph/index.js';
import { replayState } from '../state/index.js';
import type { ProjectState } from '../state/index.js';
import type { ModelState } from '../rules/types.js';
import type { MigrationFile, Operation, PyValue } from '../types.js';
import { normaliseRelationTarget } from '../rules/_lib/columns.js';
import { Catalog } from './catalog.js';
import { SchemaEditor } from './editor.js';
import { importResolver } from './indexes.js';
import { isManyToMany, joinTableName } from './m2m.js';
import { classifyStatements } from './classify.js';
import { Unpredictable } from './types.js';
import type { MigrationSql, OperationSql, SqlStatement, SqlTarget } from './types.js';

export interface PredictOptions {
  /** Paths to predict; the other files are context. Default: all. */
  targets?: readonly string[];
  swappable?: Record<string, string>;
  /** The project's DEFAULT_AUTO_FIELD class name (`BigAutoField`): the id type of many-to-many join tables. */
  defaultAutoField?: string;
}

function str(value: PyValue | undefined): string | undefined {
  return value?.kind === 'str' ? value.value : undefined;
}

/** Operations with no database effect (state only). */
const STATE_ONLY = new Set(['AlterModelOptions', 'AlterModelManagers']);
const SUPPORTED_DATABASES = new Set(['postgresql', 'mysql', 'mariadb']);

function describe(op: Operation): string {
  const a = (key: string) => str(op.args[key]) ?? '?';
  switch (op.type) {
    case 'CreateModel':
      return `Create model ${a('name')}`;
    case 'DeleteModel':
      return `Delete model ${a('name')}`;
    case 'AddField':
      return `Add field ${a('name')} to ${a('model_name')}`;
    case 'RemoveField':
      return `Remove field ${a('name')} from ${a('model_name')}`;
    case 'AlterField':
      return `Alter field ${a('name')} on ${a('model_name')}`;
    case 'RenameField':
      return `Rename field ${a('old_name')} on ${a('model_name')} to ${a('new_name')}`;
    case 'RenameModel':
      return `Rename model ${a('old_name')} to ${a('new_name')}`;
    case 'RunPython':
      return 'Raw Python operation';
    case 'RunSQL':
      return 'Raw SQL operation';
    default:
      return `${op.type}${op.model ? ` on ${op.model}` : ''}`;
  }
}

function flagOption(model: ModelState, name: string): boolean | undefined {
  const value = model.options[name];
  return value?.kind === 'bool' ? value.value : undefined;
}

/** Django's allow_migrate_model: unmanaged, proxy and swapped-out models get no SQL. */
function migrates(model: ModelState, swappable: Record<string, string>): boolean {
  if (flagOption(model, 'managed') === false || flagOption(model, 'proxy') === true) return false;
  const setting = str(model.options['swappable']);
  if (!setting) return true;
  const swappedFor = swappable[setting] ?? (setting === 'AUTH_USER_MODEL' ? 'auth.User' : undefined);
  return swappedFor === undefined || swappedFor.toLowerCase() === `${model.app}.${model.name}`.toLowerCase();
}

/** The model an operation acts on, in the state where Django asks allow_migrate_model. */
function operatedModel(op: Operation, app: string, state: ProjectState, after: ProjectState): ModelState | undefined {
  if (op.type === 'CreateModel') return after.model(app, str(op.args['name']) ?? '');
  if (op.type === 'RenameModel') return state.model(app, str(op.args['old_name']) ?? '');
  const name = op.model ?? str(op.args['name']);
  return name ? state.model(app, name) : undefined;
}

/** The columns a field operation may have changed (a relation's `_id` too); undefined: the whole table. */
function touchedColumns(op: Operation): string[] | undefined {
  if (!['AddField', 'AlterField', 'RemoveField', 'RenameField'].includes(op.type)) return undefined;
  const names = op.type === 'RenameField' ? [str(op.args['old_name']), str(op.args['new_name'])] : [op.name];
  if (names.some((name) => !name)) return undefined;
  const dbColumn = op.field?.kwargs['db_column'];
  if (dbColumn !== undefined && dbColumn.kind !== 'str' && dbColumn.kind !== 'none') return undefined;
  return [...names.flatMap((name) => [name!, `${name!}_id`]), ...(dbColumn?.kind === 'str' ? [dbColumn.value] : [])];
}

/** One operation through the editor; statements in Django's order (deferred ones flagged). */
function translate(op: Operation, app: string, state: ProjectState, after: ProjectState, editor: SchemaEditor, target: SqlTarget): void {
  const operated = operatedModel(op, app, state, after);
  if (op.known && operated && !migrates(operated, editor.swappable)) return;
  const model = (name: string | undefined) => {
    const found = name ? state.model(app, name) : undefined;
    if (!found) throw new Unpredictable(`model ${name ?? '?'} is not in the replayed state`);
    return found;
  };
  switch (op.type) {
    case 'CreateModel': {
      const created = after.model(app, str(op.args['name']) ?? '');
      if (!created) throw new Unpredictable('the new model is not in the replayed state');
      if ((op.fields ?? []).some((entry) => entry.field.type === 'ManyToManyField' && entry.name !== entry.name.toLowerCase())) {
        throw new Unpredictable('a many-to-many field named with capitals: the replayed state keeps lower-cased names');
      }
      return editor.createModel(after, created);
    }
    case 'DeleteModel':
      return editor.deleteModel(model(str(op.args['name'])), state);
    case 'AddField': {
      const m = model(op.model);
      if (!op.field || !op.name) throw new Unpredictable('the field is not a literal');
      return editor.addField(after, after.model(app, op.model!) ?? m, op.name, op.field);
    }
    case 'RemoveField':
      return editor.removeField(state, model(op.model), op.name ?? '');
    case 'AlterField': {
      const m = model(op.model);
      const old = m.fields.get((op.name ?? '').toLowerCase());
      if (!old || !op.field) throw new Unpredictable('the old or new field is not known');
      return editor.alterField(state, after, m, after.model(app, op.model!) ?? m, op.name!, old, op.field);
    }
    case 'RenameField': {
      const m = model(op.model);
      const oldName = str(op.args['old_name']) ?? '';
      const newName = str(op.args['new_name']) ?? '';
      const field = m.fields.get(oldName.toLowerCase());
      if (!field) throw new Unpredictable(`${m.name} has no field ${oldName}`);
      // Django's RenameField is an alter_field: a foreign key is dropped and re-created under its new name.
      return editor.alterField(state, after, m, after.model(app, op.model!) ?? m, oldName, field, field, newName);
    }
    case 'RenameModel':
      return renameModel(op, app, state, after, editor);
    case 'AlterModelTable': {
      const m = model(str(op.args['name']));
      const next = after.model(app, m.name) ?? m;
      return editor.alterModelTable(m, next);
    }
    case 'AddIndex':
    case 'AddIndexConcurrently': {
      if (op.type === 'AddIndexConcurrently' && target.database !== 'postgresql') throw new Unpredictable('AddIndexConcurrently is PostgreSQL-only; Django fails on this backend');
      const index = op.args['index'];
      if (!index) throw new Unpredictable('the index is not a literal');
      return editor.addIndex(state, model(op.model), index, op.type === 'AddIndexConcurrently');
    }
    case 'RemoveIndex':
    case 'RemoveIndexConcurrently':
      if (op.type === 'RemoveIndexConcurrently' && target.database !== 'postgresql') throw new Unpredictable('RemoveIndexConcurrently is PostgreSQL-only; Django fails on this backend');
      return editor.removeIndex(state, model(op.model), str(op.args['name']) ?? '', op.type === 'RemoveIndexConcurrently');
    case 'AddConstraint': {
      const constraint = op.args['constraint'];
      if (!constraint) throw new Unpredictable('the constraint is not a literal');
      return editor.addConstraint(state, model(op.model), constraint);
    }
    case 'RemoveConstraint':
      return editor.removeConstraint(state, model(op.model), str(op.args['name']) ?? '');
    case 'AlterUniqueTogether':
      return editor.alterTogether(state, model(str(op.args['name'])), 'unique_together', op.args['unique_together']);
    case 'AlterIndexTogether':
      return editor.alterTogether(state, model(str(op.args['name'])), 'index_together', op.args['index_together']);
    default:
      if (STATE_ONLY.has(op.type)) return;
      throw new Unpredictable(op.known ? `${op.type} is not predicted yet` : `${op.type} is a custom operation: what its database_forwards runs is not known`);
  }
}

/** RenameModel: the table, then every foreign key pointing at it is dropped and re-created with its new name. */
function renameModel(op: Operation, app: string, state: ProjectState, after: ProjectState, editor: SchemaEditor): void {
  const oldName = str(op.args['old_name']) ?? '';
  const newName = str(op.args['new_name']) ?? '';
  const old = state.model(app, oldName);
  const next = after.model(app, newName);
  if (!old || !next) throw new Unpredictable('the renamed model is not in the replayed state');
  for (const field of old.fields.values()) {
    if (field.type === 'ManyToManyField' && !field.kwargs['through']) throw new Unpredictable('the renamed model has a many-to-many field: its join table and column are renamed too');
  }
  editor.renameTable(editor.table(old), editor.table(next));
  editor.renamedModels.add(`${app}.${newName}`.toLowerCase());
  for (const other of after.models()) {
    for (const [fieldName, field] of other.fields) {
      if (field.type === 'ManyToManyField') {
        const to = str(field.kwargs['to'])?.toLowerCase();
        if (to === `${app}.${newName}`.toLowerCase() || (other.app === app && to === newName.toLowerCase())) throw new Unpredictable('a many-to-many field points at the renamed model');
        continue;
      }
      const to = str(field.kwargs['to'])?.toLowerCase();
      if (!to || !(to === `${app}.${newName}`.toLowerCase() || (other.app === app && to === newName.toLowerCase()))) continue;
      if (editor.renamedModels.has(`${other.app}.${other.name}`.toLowerCase()) && other.name.toLowerCase() !== newName.toLowerCase()) {
        throw new Unpredictable(`${other.name}, which points at the renamed model, was itself renamed earlier in this migration: whether Django re-creates that foreign key is not followed`);
      }
      const before = state.model(other.app, other.name === next.name && other.app === app ? oldName : other.name) ?? other;
      const oldField = { ...field, kwargs: { ...field.kwargs, to: { kind: 'str' as const, value: `${app}.${oldName}` } } };
      editor.alterField(state, after, before, other, fieldName, oldField, field);
    }
  }
}

function runSql(op: Operation, target: SqlTarget, statements: SqlStatement[]): void {
  for (const item of op.sql ?? []) {
    if (item.dynamic) throw new Unpredictable('the SQL is built by code when the migration runs');
    for (const statement of classifyStatements(item.text, target)) statements.push(statement);
  }
}

/** What Django would find later on the tables an unpredicted operation acted on depends on what it did. */
function markUnpredicted(op: Operation, app: string, state: ProjectState, after: ProjectState, editor: SchemaEditor): void {
  const operated = operatedModel(op, app, state, after);
  if (!operated) return;
  editor.catalog.markUncertain(editor.table(operated), touchedColumns(op));
  if (op.type !== 'RenameModel' && op.type !== 'AlterModelTable') return;
  // The table may now be under its new name, with whatever the operation left unnamed or renamed.
  const renamed = op.type === 'RenameModel' ? after.model(app, str(op.args['new_name']) ?? '') : after.model(app, operated.name);
  if (!renamed) return;
  editor.catalog.markUncertain(editor.table(renamed));
  // RenameModel re-creates the foreign keys pointing at the model, under names built from its new table.
  if (op.type === 'RenameModel') for (const [other, fieldName] of pointingAt(after, app, renamed.name, editor.swappable)) markField(editor, after, other, fieldName);
}

/** The fields (model, field name) of the state whose relation targets app.model. */
function pointingAt(state: ProjectState, app: string, model: string, swappable: Record<string, string>): Array<[ModelState, string]> {
  const key = `${app}.${model}`.toLowerCase();
  const found: Array<[ModelState, string]> = [];
  for (const other of state.models()) {
    for (const [fieldName, field] of other.fields) if (normaliseRelationTarget(field, other.app, { swappable }) === key) found.push([other, fieldName]);
  }
  return found;
}

function markField(editor: SchemaEditor, state: ProjectState, model: ModelState, fieldName: string): void {
  try {
    const field = model.fields.get(fieldName);
    // A many-to-many field's join table holds the column and the foreign key.
    if (field && isManyToMany(field)) editor.catalog.markUncertain(joinTableName(model, fieldName, field, editor.vendor));
    else editor.catalog.markUncertain(editor.table(model), [editor.fieldColumn(state, model, fieldName)]);
  } catch (error) {
    if (!(error instanceof Unpredictable)) throw error;
    editor.catalog.markUncertain(editor.table(model));
  }
}

function predictOperation(op: Operation, index: number, app: string, state: ProjectState, after: ProjectState, editor: SchemaEditor, target: SqlTarget): OperationSql {
  const result: OperationSql = { index, type: op.type, unknown: false, description: describe(op), statements: [] };
  const start = editor.statements.length;
  const deferredStart = editor.deferred.length;
  try {
    if (op.type === 'RunPython') throw new Unpredictable('RunPython runs Python code: what it sends depends on the data');
    if (op.type === 'RunSQL') runSql(op, target, result.statements);
    else if (op.type === 'SeparateDatabaseAndState') {
      let inner = state;
      for (const child of op.children?.['database_operations'] ?? []) {
        const next = inner.apply(child, app);
        const sub = predictOperation(child, index, app, inner, next, editor, target);
        if (sub.unknown) throw new Unpredictable(sub.reason ?? 'a database operation is not predicted');
        result.statements.push(...sub.statements);
        inner = next;
      }
      return result;
    } else translate(op, app, state, after, editor, target);
  } catch (error) {
    if (!(error instanceof Unpredictable)) throw error;
    editor.statements.length = start;
    editor.deferred.length = deferredStart;
    markUnpredicted(op, app, state, after, editor);
    return { ...result, unknown: true, reason: error.message, statements: [] };
  }
  result.statements.push(...editor.statements.slice(start));
  editor.statements.length = start;
  // Deferred statements stay with the editor until the migration ends; remember which operation made them.
  for (let i = deferredStart; i < editor.deferred.length; i++) deferredOwner.set(editor.deferred[i]!, result);
  return result;
}

const deferredOwner = new WeakMap<SqlStatement, OperationSql>();

function unsupported(file: MigrationFile, target: SqlTarget): MigrationSql {
  const reason = target.database === 'sqlite' ? 'SQLite table rebuilds are not predicted yet' : `${target.database} is not predicted yet`;
  return {
    app: file.app,
    name: file.name,
    file: file.path,
    atomic: file.atomic !== false,
    operations: file.operations.map((op, index) => ({ index, type: op.type, unknown: true, reason, description: describe(op), statements: [] })),
  };
}

/** The statements Django would run for each target migration, in graph order. Never throws on file content. */
export function predictSql(files: readonly MigrationFile[], target: SqlTarget, options: PredictOptions = {}): MigrationSql[] {
  const graph = buildGraph(files, { swappable: options.swappable ?? {} });
  const timeline = replayState(files, graph);
  const wanted = options.targets ? new Set(options.targets) : null;
  const catalog = new Catalog();
  const out: MigrationSql[] = [];
  const seen = new Set<MigrationFile>();
  const ordered: MigrationFile[] = [];
  for (const id of timeline.order) {
    const file = graph.file(id);
    if (file) {
      ordered.push(file);
      seen.add(file);
    }
  }
  // Files the graph could not place (broken dependencies) still get an answer, after the rest.
  for (const file of files) if (!seen.has(file)) ordered.push(file);
  const supported = SUPPORTED_DATABASES.has(target.database);
  for (const file of ordered) {
    const isTarget = !wanted || wanted.has(file.path);
    if (!supported) {
      if (isTarget) out.push(unsupported(file, target));
      continue;
    }
    const migration = predictMigration(file, timeline.before(file), catalog, target, options);
    if (isTarget) out.push(migration);
  }
  return out;
}

function predictMigration(file: MigrationFile, start: ProjectState, catalog: Catalog, target: SqlTarget, options: PredictOptions): MigrationSql {
  catalog.beginMigration();
  const editor = new SchemaEditor(target, catalog, options.swappable ?? {}, importResolver(file.imports), options.defaultAutoField);
  const operations: OperationSql[] = [];
  let state = start;
  file.operations.forEach((op, index) => {
    const after = state.apply(op, file.app, file);
    operations.push(predictOperation(op, index, file.app, state, after, editor, target));
    state = after;
  });
  for (const statement of editor.invalidated) {
    const owner = deferredOwner.get(statement);
    if (owner) Object.assign(owner, { unknown: true, statements: [], reason: 'a later operation of this migration renames what its pending index or foreign key statement names; Django rewrites that statement' });
  }
  for (const statement of editor.deferred) {
    const owner = deferredOwner.get(statement);
    if (owner && !owner.unknown) owner.statements.push(statement);
  }
  return {
    app: file.app,
    name: file.name,
    file: file.path,
    atomic: file.atomic !== false && target.database === 'postgresql',
    operations,
  };
}


