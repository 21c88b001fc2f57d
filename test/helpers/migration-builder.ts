/**
 * Builds MigrationFile objects by hand for graph and state tests, so they can describe a graph
 * shape in a line (`migration('shop.0002_b', { deps: ['shop.0001_a'] })`) instead of a file.
 * Operations are built with the same normalised fields the parser fills in.
 */
import type { Dependency, FieldDef, MigrationFile, MigrationKey, Operation, PyValue } from '../../src/engine/types.js';

export function key(id: string): MigrationKey {
  const dot = id.indexOf('.');
  return { app: id.slice(0, dot), name: id.slice(dot + 1) };
}

export interface MigrationSpec {
  /** `app.name` or `{ setting: 'AUTH_USER_MODEL' }`. */
  deps?: Array<string | { setting: string }>;
  replaces?: string[];
  runBefore?: string[];
  operations?: Operation[];
  path?: string;
  hasMigrationClass?: boolean;
  initial?: boolean | null;
  atomic?: boolean | null;
}

export function migration(id: string, spec: MigrationSpec = {}): MigrationFile {
  const { app, name } = key(id);
  const dependencies: Dependency[] = (spec.deps ?? []).map((dep, i) => (typeof dep === 'string' ? { ...key(dep), line: 6 + i } : { setting: dep.setting, line: 6 + i }));
  const operations = (spec.operations ?? []).map((op, index) => ({ ...op, index }));
  return {
    path: spec.path ?? `${app}/migrations/${name}.py`,
    app,
    name,
    hasMigrationClass: spec.hasMigrationClass ?? true,
    classLine: spec.hasMigrationClass === false ? 0 : 4,
    dependencies,
    replaces: (spec.replaces ?? []).map(key),
    runBefore: (spec.runBefore ?? []).map(key),
    initial: spec.initial ?? null,
    atomic: spec.atomic ?? null,
    operations,
    imports: [],
    functions: {},
    fileSuppressions: [],
    suppressionComments: [],
    extraAttributes: {},
    problems: [],
    bytes: 100,
  };
}

// ---- Python values ----------------------------------------------------------------------

export const py = {
  str: (value: string): PyValue => ({ kind: 'str', value }),
  int: (value: number): PyValue => ({ kind: 'int', value, text: String(value) }),
  bool: (value: boolean): PyValue => ({ kind: 'bool', value }),
  none: (): PyValue => ({ kind: 'none' }),
  name: (path: string): PyValue => ({ kind: 'name', path }),
  list: (...items: PyValue[]): PyValue => ({ kind: 'list', items }),
  tuple: (...items: PyValue[]): PyValue => ({ kind: 'tuple', items }),
  set: (...items: PyValue[]): PyValue => ({ kind: 'set', items }),
  dict: (entries: Record<string, PyValue>): PyValue => ({ kind: 'dict', entries: Object.entries(entries).map(([k, value]) => ({ key: { kind: 'str', value: k }, value })) }),
  call: (callee: string, kwargs: Record<string, PyValue> = {}, args: PyValue[] = []): PyValue => ({ kind: 'call', callee, args, kwargs, line: 1 }),
};

/** `field('CharField', { max_length: py.int(10) })` → models.CharField(max_length=10). */
export function field(type: string, kwargs: Record<string, PyValue> = {}): FieldDef {
  return { type, callee: `models.${type}`, kwargs, extraArgs: [], line: 1 };
}

// ---- operations -------------------------------------------------------------------------

const span = { line: 1, column: 1, endLine: 1, endColumn: 1 };

export function op(type: string, args: Record<string, PyValue>, extra: Partial<Operation> = {}): Operation {
  return { type, callee: `migrations.${type}`, known: true, args, extraArgs: [], span, index: 0, path: [], suppressed: [], ...extra };
}

function fieldValue(def: FieldDef): PyValue {
  return py.call(def.callee, def.kwargs);
}

export function createModel(name: string, fields: Array<[string, FieldDef]>, options: Record<string, PyValue> = {}): Operation {
  return op(
    'CreateModel',
    { name: py.str(name), fields: py.list(...fields.map(([n, f]) => py.tuple(py.str(n), fieldValue(f)))), options: py.dict(options) },
    { model: name, fields: fields.map(([n, f]) => ({ name: n, field: f })) },
  );
}

export function deleteModel(name: string): Operation {
  return op('DeleteModel', { name: py.str(name) }, { model: name });
}

export function renameModel(oldName: string, newName: string): Operation {
  return op('RenameModel', { old_name: py.str(oldName), new_name: py.str(newName) }, { model: oldName, oldName, name: newName });
}

export function alterModelTable(name: string, table: string | null): Operation {
  return op('AlterModelTable', { name: py.str(name), table: table === null ? py.none() : py.str(table) }, { model: name });
}

export function alterModelOptions(name: string, options: Record<string, PyValue>): Operation {
  return op('AlterModelOptions', { name: py.str(name), options: py.dict(options) }, { model: name });
}

export function alterUniqueTogether(name: string, sets: string[][]): Operation {
  return op('AlterUniqueTogether', { name: py.str(name), unique_together: py.set(...sets.map((s) => py.tuple(...s.map(py.str)))) }, { model: name });
}

export function addField(model: string, name: string, def: FieldDef): Operation {
  return op('AddField', { model_name: py.str(model), name: py.str(name), field: fieldValue(def) }, { model, name, field: def });
}

export function alterField(model: string, name: string, def: FieldDef): Operation {
  return op('AlterField', { model_name: py.str(model), name: py.str(name), field: fieldValue(def) }, { model, name, field: def });
}

export function removeField(model: string, name: string): Operation {
  return op('RemoveField', { model_name: py.str(model), name: py.str(name) }, { model, name });
}

export function renameField(model: string, oldName: string, newName: string): Operation {
  return op('RenameField', { model_name: py.str(model), old_name: py.str(oldName), new_name: py.str(newName) }, { model, oldName, name: newName });
}

export function addIndex(model: string, name: string, fields: string[]): Operation {
  return op('AddIndex', { model_name: py.str(model), index: py.call('models.Index', { fields: py.list(...fields.map(py.str)), name: py.str(name) }) }, { model });
}

export function removeIndex(model: string, name: string): Operation {
  return op('RemoveIndex', { model_name: py.str(model), name: py.str(name) }, { model, name });
}

export function addConstraint(model: string, name: string): Operation {
  return op('AddConstraint', { model_name: py.str(model), constraint: py.call('models.UniqueConstraint', { fields: py.list(py.str('id')), name: py.str(name) }) }, { model });
}

export function removeConstraint(model: string, name: string): Operation {
  return op('RemoveConstraint', { model_name: py.str(model), name: py.str(name) }, { model, name });
}

export function separate(databaseOperations: Operation[], stateOperations: Operation[]): Operation {
  const nest = (list: Operation[], arg: string) => list.map((o, index) => ({ ...o, index, path: [arg] }));
  return op('SeparateDatabaseAndState', {}, { children: { database_operations: nest(databaseOperations, 'database_operations'), state_operations: nest(stateOperations, 'state_operations') } });
}

export function runSql(sql: string, stateOperations: Operation[] = []): Operation {
  return op(
    'RunSQL',
    { sql: py.str(sql) },
    { sql: [{ text: sql, dynamic: false, line: 1 }], reverseSql: null, children: stateOperations.length > 0 ? { state_operations: stateOperations.map((o, index) => ({ ...o, index, path: ['state_operations'] })) } : undefined },
  );
}
