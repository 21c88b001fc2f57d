import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';
import type { MigrationFile, Operation, PyValue } from '../../../src/engine/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/migrations/', import.meta.url));

function load(relative: string): MigrationFile {
  const path = `test/fixtures/migrations/${relative}`;
  return parseMigration(readFileSync(`${FIXTURES}${relative}`, 'utf8'), { path });
}

function op(file: MigrationFile, index: number): Operation {
  const found = file.operations[index];
  if (!found) throw new Error(`no operation ${index} in ${file.path}`);
  return found;
}

function problemCodes(file: MigrationFile): Array<[string, number]> {
  return file.problems.map((problem) => [problem.code, problem.line]);
}

beforeAll(async () => {
  await initParser();
});

describe('0001_initial: makemigrations output with every serialised value shape', () => {
  let file: MigrationFile;
  beforeAll(() => {
    file = load('shapes/migrations/0001_initial.py');
  });

  it('reads identity, attributes and dependencies', () => {
    expect(file).toMatchObject({ app: 'shapes', name: '0001_initial', hasMigrationClass: true, classLine: 21, initial: true, atomic: null, replaces: [], runBefore: [] });
    expect(file.dependencies).toEqual([
      { setting: 'AUTH_USER_MODEL', line: 26 },
      { app: 'contenttypes', name: '__first__', line: 27 },
    ]);
    expect(file.problems).toEqual([]);
    expect(file.operations.map((each) => each.type)).toEqual(['CreateModel', 'CreateModel', 'AddConstraint', 'AddConstraint', 'AddIndex']);
  });

  it('reads imports, including the coding header file and __future__', () => {
    expect(file.imports[0]).toEqual({ module: '__future__', names: [{ name: 'unicode_literals', alias: null }], line: 3 });
    expect(file.imports).toContainEqual({ module: 'decimal', names: [{ name: 'Decimal', alias: null }], line: 9 });
    expect(file.imports).toContainEqual({ module: 'django.db', names: [{ name: 'migrations', alias: null }, { name: 'models', alias: null }], line: 16 });
    expect(file.imports).toContainEqual({ module: 'uuid', names: [{ name: 'uuid', alias: null }], line: 8 });
  });

  it('maps CreateModel fields in order with positional arguments named', () => {
    const author = op(file, 0);
    expect(author).toMatchObject({ known: true, model: 'Author', callee: 'migrations.CreateModel', span: { line: 31, column: 9, endLine: 55 } });
    const fields = Object.fromEntries((author.fields ?? []).map(({ name, field }) => [name, field]));
    expect(Object.keys(fields)).toEqual(['id', 'name', 'uid', 'balance', 'joined', 'status', 'code', 'token', 'slug', 'tags', 'created', 'user']);
    expect(fields['name']?.kwargs['verbose_name']).toEqual({ kind: 'str', value: 'full name' });
    expect(fields['user']).toMatchObject({ type: 'ForeignKey', callee: 'models.ForeignKey', extraArgs: [] });
    expect(fields['user']?.kwargs['to']).toEqual({ kind: 'name', path: 'settings.AUTH_USER_MODEL' });
    expect(fields['user']?.kwargs['on_delete']).toEqual({ kind: 'name', path: 'models.SET_NULL' });
    expect(fields['user']?.kwargs['related_name']).toEqual({ kind: 'str', value: '+' });
    expect(fields['tags']).toMatchObject({ type: 'ArrayField', callee: 'django.contrib.postgres.fields.ArrayField' });
  });

  it('decodes serialised defaults: Decimal, aware datetime, enum subscript, bytes, partial, re.compile, db_default', () => {
    const fields = Object.fromEntries((op(file, 0).fields ?? []).map(({ name, field }) => [name, field.kwargs]));
    expect(fields['uid']?.['default']).toEqual({ kind: 'name', path: 'uuid.uuid4' });
    expect(fields['balance']?.['default']).toMatchObject({ kind: 'call', callee: 'Decimal', args: [{ kind: 'str', value: '0.00' }] });
    const joined = fields['joined']?.['default'] as Extract<PyValue, { kind: 'call' }>;
    expect(joined.callee).toBe('datetime.datetime');
    expect(joined.args.map((arg) => (arg.kind === 'int' ? arg.value : null))).toEqual([2020, 1, 1, 0, 0]);
    expect(joined.kwargs['tzinfo']).toEqual({ kind: 'name', path: 'datetime.timezone.utc' });
    expect(fields['status']?.['default']).toMatchObject({ kind: 'expr', text: 'shapes.models.Status["A"]' });
    expect(fields['token']?.['default']).toEqual({ kind: 'bytes', value: '\x00\x01' });
    expect(fields['slug']?.['default']).toMatchObject({ kind: 'call', callee: 'functools.partial', args: [{ kind: 'name', path: 'shapes.models.make_slug' }, { kind: 'expr' }, { kind: 'expr' }] });
    const validator = (fields['code']?.['validators'] as Extract<PyValue, { kind: 'list' }>).items[0] as Extract<PyValue, { kind: 'call' }>;
    expect(validator.args[0]).toMatchObject({ kind: 'call', callee: 're.compile', args: [{ kind: 'str', value: '^[a-z]+\\Z' }] });
    expect(fields['created']?.['db_default']).toMatchObject({ kind: 'call', callee: 'django.db.models.functions.datetime.Now' });
  });

  it('keeps set literals, set() and frozenset([...]) in options, and bases/managers', () => {
    const options = op(file, 0).args['options'] as Extract<PyValue, { kind: 'dict' }>;
    const byKey = Object.fromEntries(options.entries.map(({ key, value }) => [key.kind === 'str' ? key.value : '?', value]));
    expect(byKey['unique_together']).toMatchObject({ kind: 'set', items: [{ kind: 'tuple', items: [{ kind: 'str', value: 'name' }, { kind: 'str', value: 'uid' }] }] });
    expect(byKey['index_together']).toMatchObject({ kind: 'call', callee: 'set', args: [] });
    expect(byKey['permissions']).toMatchObject({ kind: 'call', callee: 'frozenset', args: [{ kind: 'list' }] });
    expect(op(file, 0).args['bases']).toMatchObject({ kind: 'tuple', items: [{ kind: 'name', path: 'shapes.models.AuditMixin' }, { kind: 'name', path: 'models.Model' }] });
  });

  it('reads numbers including negatives and exponents', () => {
    const fields = Object.fromEntries((op(file, 1).fields ?? []).map(({ name, field }) => [name, field.kwargs]));
    expect(fields['pages']?.['default']).toEqual({ kind: 'int', value: -1, text: '-1' });
    expect(fields['ratio']?.['default']).toEqual({ kind: 'float', value: 1500, text: '1.5e3' });
    expect(fields['readers']?.['to']).toEqual({ kind: 'name', path: 'settings.AUTH_USER_MODEL' });
    expect(fields['total']?.['expression']).toMatchObject({ kind: 'expr', text: 'models.F("pages") * 2' });
  });

  it('reads Q objects with tuple children and _connector, and Enum-subscript deferrable', () => {
    const constraint = op(file, 2).args['constraint'] as Extract<PyValue, { kind: 'call' }>;
    expect(op(file, 2).model).toBe('book');
    expect(constraint.kwargs['condition']).toMatchObject({
      kind: 'call',
      callee: 'models.Q',
      args: [{ kind: 'tuple', items: [{ kind: 'str', value: 'pages__gt' }, { kind: 'int', value: 0 }] }, { kind: 'tuple' }],
      kwargs: { _connector: { kind: 'str', value: 'OR' }, _negated: { kind: 'bool', value: true } },
    });
    expect(constraint.kwargs['deferrable']).toMatchObject({ kind: 'expr', text: 'django.db.models.constraints.Deferrable["DEFERRED"]' });
    const check = op(file, 3).args['constraint'] as Extract<PyValue, { kind: 'call' }>;
    expect(check.kwargs['condition']).toMatchObject({ kind: 'call', callee: 'models.Q', kwargs: { pages__gte: { kind: 'int', value: 0 } } });
    expect(op(file, 4).args['index']).toMatchObject({ kind: 'call', callee: 'models.Index', args: [{ kind: 'call', callee: 'django.db.models.functions.text.Lower' }] });
  });
});

describe('0002: docstrings, attribute order, positional arguments, third-party operations, suppressions', () => {
  let file: MigrationFile;
  beforeAll(() => {
    file = load('shapes/migrations/0002_order_and_positional.py');
  });

  it('reads attributes declared after operations, run_before, __latest__ and extra attributes', () => {
    expect(file.atomic).toBe(false);
    expect(file.initial).toBeNull();
    expect(file.dependencies).toEqual([
      { app: 'shapes', name: '0001_initial', line: 44 },
      { app: 'auth', name: '__latest__', line: 45 },
    ]);
    expect(file.runBefore).toEqual([{ app: 'thirdparty', name: '0001_initial' }]);
    expect(file.extraAttributes).toEqual({ stage: 'Stage.POST_DEPLOY' });
    expect(file.problems).toEqual([]);
  });

  it('maps positional arguments of known operations to their names', () => {
    expect(op(file, 0)).toMatchObject({ type: 'AddField', known: true, model: 'Author', name: 'rating', extraArgs: [] });
    expect(op(file, 0).field).toMatchObject({ type: 'IntegerField', kwargs: { default: { kind: 'int', value: 0 } }, line: 22 });
    expect(op(file, 1)).toMatchObject({ type: 'RenameField', model: 'book', name: 'name', oldName: 'title' });
    expect(op(file, 2)).toMatchObject({ type: 'AddIndexConcurrently', callee: 'AddIndexConcurrently', known: true, model: 'book', span: { line: 25, endLine: 28 } });
    expect(op(file, 2).args['index']).toMatchObject({ kind: 'call', callee: 'models.Index' });
    expect(op(file, 3)).toMatchObject({ type: 'AlterField', model: 'book', name: 'pages', args: { preserve_default: { kind: 'bool', value: false } } });
    expect(op(file, 4)).toMatchObject({ type: 'DeleteModel', model: 'Tribble' });
  });

  it('keeps third-party and in-file custom operations by name as unknown', () => {
    expect(file.operations.slice(5).map((each) => [each.type, each.callee, each.known])).toEqual([
      ['IgnoreMigration', 'linter.IgnoreMigration', false],
      ['IgnoreMigration', 'IgnoreMigration', false],
      ['TouchOperation', 'TouchOperation', false],
    ]);
  });

  it('attaches suppression comments on the call line, the line above, and inside the span', () => {
    expect(file.operations.map((each) => each.suppressed)).toEqual([[], ['rename-field'], ['add-index-non-concurrent', 'add-field-index'], ['alter-field-type'], [], [], [], []]);
    expect(file.fileSuppressions).toEqual(['runpython-reversible']);
    expect(file.suppressionComments).toEqual([
      { line: 23, ids: ['rename-field'], scope: 'operation' },
      { line: 24, ids: ['add-index-non-concurrent', 'add-field-index'], scope: 'operation' },
      { line: 32, ids: ['alter-field-type'], scope: 'operation' },
      { line: 54, ids: ['runpython-reversible'], scope: 'file' },
    ]);
  });
});

describe('0003: RunPython callables and function facts', () => {
  let file: MigrationFile;
  beforeAll(() => {
    file = load('shapes/migrations/0003_data.py');
  });

  it('resolves code and reverse_code slots', () => {
    expect(file.operations.map((each) => [each.code, each.reverseCode])).toEqual([
      [{ kind: 'function', name: 'forwards', line: 53 }, { kind: 'noop', line: 53 }],
      [{ kind: 'function', name: 'batched', line: 54 }, null],
      [{ kind: 'function', name: 'with_schema', line: 55 }, null],
      [{ kind: 'function', name: 'direct_import', line: 56 }, { kind: 'lambda', params: ['apps', 'schema_editor'], text: 'lambda apps, schema_editor: None', line: 56 }],
      [{ kind: 'partial', inner: { kind: 'function', name: 'forward_op', line: 57 }, line: 57 }, null],
      [{ kind: 'reference', path: 'shapes.utils.imported_forwards', line: 58 }, { kind: 'reference', path: 'shapes.utils.backwards', line: 58 }],
    ]);
    expect(op(file, 1).args).toMatchObject({ atomic: { kind: 'bool', value: false }, elidable: { kind: 'bool', value: true }, hints: { kind: 'dict' } });
  });

  it('extracts get_model calls, manager uses, bulk writes and calls', () => {
    const forwards = file.functions['forwards'];
    expect(forwards).toMatchObject({ name: 'forwards', params: ['apps', 'schema_editor'], line: 8, endLine: 16, usesSchemaEditor: false, batches: false });
    expect(forwards?.getModelCalls).toEqual([
      { app: 'shapes', model: 'Author', variable: 'Author', line: 9 },
      { app: 'shapes', model: 'Book', variable: 'Book', line: 10 },
    ]);
    expect(forwards?.managerUses).toEqual([
      { name: 'Author', line: 12 },
      { name: 'Book', line: 13 },
    ]);
    expect(forwards?.bulkWrites).toEqual([
      { kind: 'update', line: 12 },
      { kind: 'iterate_all', line: 13 },
      { kind: 'save', line: 15 },
    ]);
    expect(forwards?.calls).toContain('helper');
    expect(file.functions['helper']?.bulkWrites).toEqual([{ kind: 'delete', line: 20 }]);
    expect(file.functions['helper']?.batches).toBe(true);
  });

  it('sees batching and schema_editor use', () => {
    expect(file.functions['batched']).toMatchObject({ batches: true, usesSchemaEditor: false, bulkWrites: [{ kind: 'bulk_update', line: 28 }] });
    expect(file.functions['with_schema']?.usesSchemaEditor).toBe(true);
    expect(file.functions['direct_import']?.managerUses).toEqual([{ name: 'Author', line: 42 }]);
    expect(file.functions['direct_import']?.getModelCalls).toEqual([]);
  });
});

describe('0004: RunSQL values and nested operation lists', () => {
  let file: MigrationFile;
  beforeAll(() => {
    file = load('shapes/migrations/0004_sql.py');
  });

  it('resolves module constants and implicit concatenation', () => {
    expect(op(file, 0).sql).toEqual([{ text: '\nCREATE VIEW book_view AS\nSELECT id, name FROM shapes_book;\n', dynamic: false, line: 3 }]);
    expect(op(file, 0).reverseSql).toEqual([{ text: 'DROP VIEW book_view;', dynamic: false, line: 7 }]);
  });

  it('reads (sql, params) tuples and RunSQL.noop', () => {
    expect(op(file, 1).sql).toEqual([
      { text: 'INSERT INTO shapes_author (name) VALUES (%s);', dynamic: false, params: { kind: 'list', items: [{ kind: 'str', value: 'x' }] }, line: 18 },
      { text: 'UPDATE shapes_author SET rating = 0;', dynamic: false, params: { kind: 'none' }, line: 19 },
      { text: 'ANALYZE shapes_author;', dynamic: false, line: 20 },
    ]);
    expect(op(file, 1).reverseSql).toEqual([]);
  });

  it('marks f-strings, concatenation with names and % formatting as dynamic', () => {
    expect(op(file, 2).sql).toEqual([{ text: 'f"VACUUM {TABLE}"', dynamic: true, line: 24 }]);
    expect(op(file, 2).reverseSql).toEqual([{ text: '"SELECT 1; -- " + TABLE', dynamic: true, line: 24 }]);
    expect(op(file, 3).sql).toEqual([{ text: '"ALTER TABLE %s ADD COLUMN note text" % TABLE', dynamic: true, line: 25 }]);
    expect(op(file, 3).reverseSql).toBeNull();
  });

  it('puts RunSQL state_operations and SeparateDatabaseAndState lists into children, recursively', () => {
    expect(op(file, 4).children?.['state_operations']).toMatchObject([{ type: 'AddField', model: 'book', name: 'isbn', path: ['state_operations'], index: 0 }]);
    const sdas = op(file, 5);
    expect(Object.keys(sdas.children ?? {})).toEqual(['database_operations', 'state_operations']);
    const database = sdas.children?.['database_operations'] ?? [];
    expect(database.map((each) => [each.type, each.index, each.path])).toEqual([
      ['RunSQL', 0, ['database_operations']],
      ['SeparateDatabaseAndState', 1, ['database_operations']],
    ]);
    expect(database[1]?.children?.['state_operations']).toMatchObject([{ type: 'AlterModelTable', model: 'book', path: ['database_operations', 'state_operations'] }]);
    expect(sdas.children?.['state_operations']).toMatchObject([{ type: 'RenameModel', model: 'Book', name: 'Novel', oldName: 'Book' }]);
    expect(op(file, 6).children).toMatchObject({ database_operations: [], state_operations: [{ type: 'RemoveConstraint', model: 'novel', name: 'pages_positive' }] });
  });
});

describe('0005: operations and dependencies built by code', () => {
  it('reads the literal parts and reports each dynamic piece with its line', () => {
    const file = load('shapes/migrations/0005_dynamic.py');
    expect(file.hasMigrationClass).toBe(true);
    expect(file.dependencies).toEqual([
      { app: 'shapes', name: '0004_sql', line: 14 },
      { app: 'legacy', name: '0001_initial', line: 17 },
    ]);
    expect(file.operations.map((each) => [each.type, each.index])).toEqual([
      ['AddField', 0],
      ['AlterModelOptions', 1],
      ['DeleteModel', 2],
    ]);
    expect(file.atomic).toBeNull();
    expect(problemCodes(file)).toEqual([
      ['conditional-attribute', 17],
      ['dynamic-operations', 21],
      ['dynamic-operations', 22],
      ['dynamic-operations', 23],
      // `operations.append(...)` at line 29 is read exactly, so it is no problem.
      ['dynamic-attribute', 31],
    ]);
    expect(op(file, 2)).toMatchObject({ type: 'DeleteModel', model: 'Old', span: { line: 29 } });
    expect(file.operations.some((each) => each.condition !== undefined)).toBe(false);
  });
});

describe('0006: CRLF line endings, tabs and non-ASCII text', () => {
  it('reads the file with the same lines as an editor shows', () => {
    const raw = readFileSync(`${FIXTURES}shapes/migrations/0006_crlf_tabs_unicode.py`, 'utf8');
    expect(raw).toContain('\r\n');
    const file = load('shapes/migrations/0006_crlf_tabs_unicode.py');
    expect(file.problems).toEqual([]);
    expect(file.dependencies).toEqual([{ app: 'shapes', name: '0005_dynamic', line: 6 }]);
    expect(op(file, 0)).toMatchObject({ type: 'AddField', model: 'novel', name: 'café', span: { line: 9, endLine: 13 } });
    expect(op(file, 0).field?.kwargs['default']).toEqual({ kind: 'str', value: '€ 📚' });
    expect(op(file, 1)).toMatchObject({ type: 'RunSQL', span: { line: 14 }, suppressed: ['run-sql-unknown'] });
    expect(file.bytes).toBe(Buffer.byteLength(raw, 'utf8'));
  });
});

describe('squashed migration', () => {
  it('reads replaces as keys', () => {
    const file = load('shapes/migrations/0001_squashed_0006.py');
    expect(file.replaces).toEqual([
      { app: 'shapes', name: '0001_initial' },
      { app: 'shapes', name: '0002_order_and_positional' },
    ]);
    expect(file.operations).toEqual([]);
  });
});

describe('broken files', () => {
  it('reads around a syntax error and reports its line', () => {
    const file = load('broken/migrations/0001_syntax_error.py');
    expect(problemCodes(file)).toEqual([['syntax-error', 9]]);
    expect(file.operations.map((each) => [each.type, each.name])).toEqual([
      ['AddField', 'a'],
      ['AddField', undefined],
      ['AddField', 'c'],
    ]);
  });

  it('salvages the operations before the point where a file was cut off', () => {
    const file = load('broken/migrations/0002_truncated.py');
    expect(file.dependencies).toEqual([{ app: 'broken', name: '0001_syntax_error', line: 5 }]);
    expect(file.operations.map((each) => [each.type, each.model, each.name])).toEqual([['RemoveField', 'thing', 'a']]);
    expect(problemCodes(file)).toEqual([['syntax-error', 7]]);
  });

  it('skips unreadable dependencies and non-literal attributes with problems', () => {
    const file = load('broken/migrations/0003_odd_dependencies.py');
    expect(file.dependencies).toEqual([
      { app: 'broken', name: '0002_truncated', line: 8 },
      { app: 'accounts', name: '__first__', line: 11 },
    ]);
    expect(file.replaces).toEqual([{ app: 'broken', name: '0001_a' }]);
    expect(file.initial).toBeNull();
    expect(problemCodes(file)).toEqual([
      ['unreadable-dependency', 9],
      ['unreadable-dependency', 10],
      ['unreadable-dependency', 13],
      ['dynamic-attribute', 14],
      ['dynamic-operations', 15],
    ]);
  });

  it('reports a helper module without a Migration class', () => {
    const file = load('broken/migrations/helpers.py');
    expect(file).toMatchObject({ hasMigrationClass: false, classLine: 0, operations: [], app: 'broken', name: 'helpers' });
    expect(problemCodes(file)).toEqual([['no-migration-class', 1]]);
    expect(file.functions['copy_rows']?.getModelCalls).toEqual([{ app: 'broken', model: 'Thing', variable: 'Thing', line: 5 }]);
  });
});
