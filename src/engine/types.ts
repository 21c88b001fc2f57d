/**
 * The engine's data model: what the parser produces from a migration file and what the graph,
 * state replay and rules consume. Plain data only (JSON-friendly except where noted), so the
 * CLI, the bot and tests can all build and print it.
 */

/** 1-based line and column, like an editor shows them. */
export interface SourceSpan {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/**
 * A Python expression as far as a migration file needs it. Literals are decoded; anything we do
 * not model (binary operators, f-strings, comprehensions, subscripts…) is kept as source text.
 */
export type PyValue =
  | { kind: 'str'; value: string }
  | { kind: 'bytes'; value: string }
  | { kind: 'int'; value: number; text: string }
  | { kind: 'float'; value: number; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'tuple'; items: PyValue[] }
  | { kind: 'set'; items: PyValue[] }
  | { kind: 'dict'; entries: Array<{ key: PyValue; value: PyValue }> }
  /** A dotted name: `models.CASCADE`, `settings.AUTH_USER_MODEL`, `uuid.uuid4`, `forwards`. */
  | { kind: 'name'; path: string }
  /** A call: `models.CharField(max_length=10)`, `Decimal('0.00')`, `models.Q(('a', 1))`. */
  | { kind: 'call'; callee: string; args: PyValue[]; kwargs: Record<string, PyValue>; line: number }
  | { kind: 'lambda'; text: string; params: string[]; line: number }
  /** Anything else, kept verbatim: `'a' + SUFFIX`, `f"..."`, `[x for x in y]`, `FOO[1]`. */
  | { kind: 'expr'; text: string; line: number };

/** A migration key: `("app", "0002_name")`. */
export interface MigrationKey {
  app: string;
  name: string;
}

/**
 * One entry of `dependencies`. Swappable dependencies keep the setting name until the graph
 * resolves them against configuration (`AUTH_USER_MODEL` → `auth.User` by default).
 */
export type Dependency =
  | { app: string; name: string; line: number }
  | { setting: string; line: number };

/** A field constructor: `models.ForeignKey(on_delete=..., to='app.model')`. */
export interface FieldDef {
  /** Class name, last segment of the callee: `ForeignKey`, `ArrayField`, `EncryptedTextField`. */
  type: string;
  /** The callee as written: `models.ForeignKey`, `django.contrib.postgres.fields.ArrayField`. */
  callee: string;
  /**
   * The callee resolved through the file's imports to a dotted class path: `models.JSONField` with
   * `from django.db import models` → `django.db.models.JSONField`; `jsonfield.JSONField` stays as written. A
   * callee whose first name is not imported (a snippet without its imports) stays as written too. Always set
   * by the parser; optional for field definitions built by hand (synthetic state).
   */
  classPath?: string;
  /**
   * Keyword arguments, plus known positional ones mapped to their names (`ForeignKey('a.B',
   * models.CASCADE)` → `to`, `on_delete`; `CharField('title')` → `verbose_name`).
   */
  kwargs: Record<string, PyValue>;
  /** Positional arguments that could not be mapped to a name. */
  extraArgs: PyValue[];
  line: number;
}

/** What a RunPython callable slot holds. */
export type CallableRef =
  | { kind: 'noop'; line: number } // migrations.RunPython.noop
  | { kind: 'function'; name: string; line: number } // a function defined in this file
  | { kind: 'reference'; path: string; line: number } // imported or dotted: myapp.utils.forwards
  | { kind: 'lambda'; params: string[]; text: string; line: number }
  | { kind: 'partial'; inner: CallableRef; line: number } // functools.partial(f, ...)
  | { kind: 'other'; text: string; line: number };

/** One SQL item of RunSQL `sql` / `reverse_sql`. */
export interface SqlItem {
  /** The SQL text; for a dynamic value (f-string, concatenation with names) the source text. */
  text: string;
  /** True when the text could not be read as a literal (f-string, `%` formatting, a call…). */
  dynamic: boolean;
  /** `(sql, params)` tuples keep their params. */
  params?: PyValue;
  line: number;
}

/** Facts the parser extracts from a module-level function (RunPython callables). */
export interface FunctionInfo {
  name: string;
  params: string[];
  line: number;
  endLine: number;
  /** `apps.get_model("app", "Model")` / `apps.get_model("app.Model")` calls, with the variable assigned. */
  getModelCalls: Array<{ app: string | null; model: string | null; variable: string | null; line: number }>;
  /** Names used as `X.objects` / `X._default_manager` inside the body. */
  managerUses: Array<{ name: string; line: number }>;
  /** True when the body uses `schema_editor` for anything but `.connection.alias`/`.connection.vendor`. */
  usesSchemaEditor: boolean;
  /** Bulk writes: `.update(`, `.delete(`, `bulk_update(`, `.save(` in a loop, `.objects.all()` iteration. */
  bulkWrites: Array<{ kind: 'update' | 'delete' | 'bulk_update' | 'bulk_create' | 'save' | 'iterate_all'; line: number }>;
  /** The body slices querysets, uses `.iterator(chunk_size=…)`, pk ranges or `transaction.atomic()` per batch. */
  batches: boolean;
  /** Names called inside the body (to follow helper calls one level). */
  calls: string[];
  /** Plain string literals passed as the first argument of `.execute(` / `.executemany(` (cursor or schema_editor). */
  executedSql: Array<{ sql: string; line: number }>;
}

/** A module-level import. */
export interface ImportInfo {
  /** `from myapp.models import Book` → module `myapp.models`, names `[Book]`; `import uuid` → module `uuid`. */
  module: string;
  names: Array<{ name: string; alias: string | null }>;
  line: number;
}

/** One operation in `operations` (or nested in SeparateDatabaseAndState / RunSQL.state_operations). */
export interface Operation {
  /** Class name: `AddField`, `RunPython`, `AddIndexConcurrently`, `IgnoreMigration`. */
  type: string;
  /** The callee as written: `migrations.AddField`, `AddIndexConcurrently`, `linter.IgnoreMigration`. */
  callee: string;
  /** A Django (`django.db.migrations.operations`) or `django.contrib.postgres.operations` class. */
  known: boolean;
  /** Keyword arguments plus known positional ones mapped to parameter names. */
  args: Record<string, PyValue>;
  /** Positional arguments beyond the known signature (or all of them for unknown operations). */
  extraArgs: PyValue[];
  span: SourceSpan;
  /**
   * Where each argument's value sits, keyed like `args` (keyword and mapped positional arguments), so a
   * finding can point at the argument at fault. The span covers the value only, not `name=`: for
   * `null=False` it is `False`. Absent for arguments the reader could not place.
   */
  argSpans?: Record<string, SourceSpan>;
  /** Index in its list (0-based), and the path of argument names for nested ones. */
  index: number;
  /** `[]` at top level; `['database_operations']` inside SeparateDatabaseAndState, etc. */
  path: string[];

  // Normalised views for known operations (absent when the argument is missing or not literal).
  /** `model_name` (field/index/constraint ops) or `name` (model ops), as written. */
  model?: string;
  /** Field name for AddField/AlterField/RemoveField; new name for RenameField/RenameModel/RenameIndex. */
  name?: string;
  oldName?: string;
  /** AddField / AlterField. */
  field?: FieldDef;
  /** CreateModel fields, in order. */
  fields?: Array<{ name: string; field: FieldDef }>;
  /** Nested operation lists by argument name: database_operations, state_operations. */
  children?: Record<string, Operation[]>;
  /** RunPython. */
  code?: CallableRef;
  reverseCode?: CallableRef | null;
  /** RunSQL: null when `reverse_sql` is absent or None; `[]` for RunSQL.noop. */
  sql?: SqlItem[];
  reverseSql?: SqlItem[] | null;
  /** Rule ids suppressed on this operation by `# migrate-help: ignore <id>[, <id>]` ('*' = all). */
  suppressed: string[];
  /**
   * Set when the class body builds the operation under `if`/`elif`/`else` or in a conditional
   * expression (`[...] if c else []`): when it is in the list. Nested operations share their parent's.
   */
  condition?: OperationCondition;
}

/** When a conditionally built operation runs (docs/parser.md, "Operations built by code"). */
export interface OperationCondition {
  /** Python source of the condition: `connection.vendor == "postgresql"`, `not (settings.X)`, joined by `and`. */
  text: string;
  /**
   * The branches it sits in, outermost first. `chain` numbers the `if` statements and conditional
   * expressions of the class body in reading order; `branch` is 0 for the `if` part and 1, 2… for each
   * `elif`/`else` (the `else` of an `if` without one counts too). `negated`: the operation stays only when
   * that branch is not taken (an assignment in the branch replaced the list).
   */
  branches: Array<{ chain: number; branch: number; negated?: true }>;
  /** True when it is on the path state replay follows: the first branch of every chain. */
  replayed: boolean;
}

export interface ParseProblem {
  /** Stable code: syntax-error, no-migration-class, dynamic-attribute, dynamic-operations, conditional-attribute, unreadable-dependency, … */
  code: string;
  message: string;
  line: number;
}

/** One migration file, as read without running it. */
export interface MigrationFile {
  /** Path as given by the caller (POSIX separators). */
  path: string;
  /** App label: the caller's label (apps.py `label`) or the folder above `migrations/`. */
  app: string;
  /** File name without `.py`. */
  name: string;
  /** False when no `class Migration` was found (Django raises BadMigrationError). */
  hasMigrationClass: boolean;
  /** Line of `class Migration`, 0 when absent. */
  classLine: number;
  dependencies: Dependency[];
  replaces: MigrationKey[];
  runBefore: MigrationKey[];
  /** Null when not declared. */
  initial: boolean | null;
  atomic: boolean | null;
  operations: Operation[];
  imports: ImportInfo[];
  /** Module-level functions by name. */
  functions: Record<string, FunctionInfo>;
  /** Rule ids suppressed for the whole file (`# migrate-help: ignore-file <id>` or bare = all). */
  fileSuppressions: string[];
  /** Every suppression comment seen, to report unused ones. */
  suppressionComments: Array<{ line: number; ids: string[]; scope: 'operation' | 'file' }>;
  /** Other class attributes worth keeping (`stage`, `safe`), as source text. */
  extraAttributes: Record<string, string>;
  problems: ParseProblem[];
  /** Size of the source in bytes (UTF-8). */
  bytes: number;
}

export type Database = 'postgresql' | 'mysql' | 'mariadb' | 'sqlite' | 'oracle';

export const DATABASES: readonly Database[] = ['postgresql', 'mysql', 'mariadb', 'sqlite', 'oracle'];

export type Severity = 'error' | 'warning' | 'info';

/** Inputs that change what the rules say. */
export interface EngineSettings {
  database: Database;
  /** Version of the target database as `major[.minor[.patch]]`; defaults per vendor when absent. */
  databaseVersion?: string;
  /** Swappable settings → `app.Model`; AUTH_USER_MODEL defaults to `auth.User`. */
  swappable?: Record<string, string>;
  /** Rule ids to turn off. */
  disabledRules?: string[];
  /** Opt-in rule ids to turn on. */
  enabledRules?: string[];
  /** Severity overrides by rule id. */
  severityOverrides?: Record<string, Severity>;
  /**
   * The project migrates through django-pg-zero-downtime-migrations' backend, which rewrites Django's DDL on
   * PostgreSQL (CONCURRENTLY, NOT VALID + VALIDATE, lock timeouts): the lock rules it makes safe are not run
   * (src/engine/zero-downtime.ts lists them).
   */
  zeroDowntimeBackend?: boolean;
}
