import type { GraphReport } from '../graph/types.js';
import type { Database, EngineSettings, FieldDef, MigrationFile, MigrationKey, Operation, PyValue, Severity } from '../types.js';

/** A model as state replay knows it just before an operation runs. */
export interface ModelState {
  app: string;
  /** Model name as first declared (CreateModel `name`). */
  name: string;
  /** Fields by name (lower-cased keys), in declaration order. */
  fields: ReadonlyMap<string, FieldDef>;
  /** CreateModel `options` merged with later AlterModelOptions / AlterModelTable / together changes. */
  options: Readonly<Record<string, PyValue>>;
  /** Explicit `db_table`, when options give a literal one. */
  dbTable: string | null;
  /** Where the model was created (null when it came from an app we did not read). */
  createdIn: MigrationKey | null;
}

/** Read-only view of the project state; model lookups are case-insensitive like Django's. */
export interface StateView {
  model(app: string, modelName: string): ModelState | undefined;
  /** Every model in the state (optionally of one app), sorted by app then lower-cased name. */
  models(app?: string): ModelState[];
}

/** One operation as the rules see it, in execution order (nested database operations included). */
export interface OperationVisit {
  op: Operation;
  /** False for operations inside `state_operations` (no database effect). */
  dbEffective: boolean;
  /** State just before this operation (includes earlier operations of the same migration). */
  stateBefore: StateView;
  /** Lower-cased model name the operation touches, when it has one. */
  model: string | null;
}

export interface ResolvedSettings extends Required<Pick<EngineSettings, 'database'>> {
  database: Database;
  /** Numeric version parts: [major, minor, patch]; defaults per vendor when not given. */
  version: [number, number, number];
  versionText: string;
  swappable: Record<string, string>;
}

export interface ReportInput<M extends string> {
  messageId: M;
  data?: Record<string, string | number>;
  /** The operation to point at; defaults to the class line when absent. */
  op?: Operation;
  /**
   * The argument of `op` at fault (`'field'`, `'constraint'`, `'reverse_sql'`…): the finding's range is
   * that argument's value when the parser placed it, else the whole operation.
   */
  arg?: string;
  /** Explicit line (e.g. a RunPython function line); defaults to the operation's line. The finding then has no columns. */
  line?: number;
  /** Override the rule severity for this finding (e.g. error on PG, warning elsewhere). */
  severity?: Severity;
}

/** An operation whose `type` is known to be one of `T`. */
export type OperationOf<T extends string> = Operation & { readonly type: T };

/**
 * Called for each operation of the subscribed types, in execution order (nested ones included):
 * the operation, the project state just before it, and its visit (`dbEffective`, `model`).
 * Return `false` to stop the walk (e.g. one finding per migration).
 */
export type OperationHandler<T extends string> = (op: OperationOf<T>, before: StateView, visit: OperationVisit & { op: OperationOf<T> }) => void | boolean;

/**
 * What a rule's `check` receives. `T` is the union of the rule's `operationTypes`: `each` only
 * subscribes to those, so the runner's skip filter and the code cannot disagree.
 */
export interface MigrationRuleContext<M extends string = string, T extends string = string> {
  migration: MigrationFile;
  settings: ResolvedSettings;
  /**
   * Visit the operations of the given type(s), or of every declared `operationTypes` when no type
   * is given. Rules that need the whole list (file-level facts, cross-operation comparisons) read
   * `visits` instead.
   */
  each<K extends T>(types: K | readonly K[], handler: OperationHandler<K>): void;
  each(handler: OperationHandler<T>): void;
  /** Every operation in execution order, nested database/state operations flattened. */
  visits: readonly OperationVisit[];
  /** True when `CreateModel` for this model ran earlier in the same migration (or this op creates it). */
  isNewModel(model: string, before?: Operation): boolean;
  /** `atomic` unless the migration sets `atomic = False`. */
  isAtomic: boolean;
  /** Compare the target version: `versionAtLeast('12')`, `versionBelow('11')`. */
  versionAtLeast(version: string): boolean;
  versionBelow(version: string): boolean;
  /** The other migrations analysed in the same run (e.g. a PR's other new files), by `app.name`. */
  siblings: ReadonlyMap<string, MigrationFile>;
  /** Every migration read in this run (targets and context), by `app.name`; for walking dependencies. */
  files?: ReadonlyMap<string, MigrationFile>;
  report(input: ReportInput<M>): void;
}

/** Graph-level checks: the whole set of files plus the graph report. */
export interface ProjectRuleContext<M extends string = string> {
  files: readonly MigrationFile[];
  settings: ResolvedSettings;
  graph: GraphReport;
  reportAt(file: MigrationFile, input: ReportInput<M>): void;
}

export interface RuleCase {
  /** Shown in test names and docs. */
  name?: string;
  /** The migration under test (a whole file). */
  code: string;
  /** Path of the file; default `app/migrations/0002_change.py`. */
  path?: string;
  /** Other files giving context (earlier migrations for state replay, graph siblings): path → code. */
  context?: Record<string, string>;
  settings?: Partial<EngineSettings>;
  /** Bad cases: the findings expected, by message id and line. */
  expect?: Array<{ messageId: string; line: number }>;
}

export interface Rule<M extends string = string, T extends string = string> {
  /** kebab-case, equal to the file name; never changes once shipped. */
  id: string;
  severity: Severity;
  /** Per-database severity where it differs from `severity`. */
  severityByDatabase?: Partial<Record<Database, Severity>>;
  /**
   * Where the rule applies: vendor → version range (`*`, `>=12`, `<11`, `>=14.0 <14.4`).
   * Vendors not listed are not checked.
   */
  databases: Partial<Record<Database, string>>;
  /** Off unless enabled in settings. */
  optIn?: boolean;
  category: 'rolling-deploy' | 'locking' | 'data-migration' | 'graph' | 'hygiene';
  /** One line for the rules table. */
  summary: string;
  /** Message templates keyed by message id; `{{name}}` holes are filled from `data`. */
  messages: Record<M, string>;
  /** Why it is risky: lock level, rewrite, rolling-deploy breakage, data loss. Markdown. */
  why: string;
  /** The safe alternative as a complete multi-step recipe with code. Markdown. */
  safeAlternative: string;
  /** Optional links (Django docs, PostgreSQL docs). */
  links?: string[];
  /**
   * What goes wrong when the finding is ignored. Findings of rules with the same risk on the same
   * operation are one finding (the most severe; the others become its `related` notes).
   */
  risk?: Risk;
  /**
   * Operation types the rule looks at: the runner only runs `check` on migrations holding at least
   * one operation of these types (nested ones included), and `ctx.each` subscribes to these and no
   * others (checked by the compiler and at run time). Leave it out for rules that look at
   * file-level facts (atomic, dependencies, functions, any operation).
   */
  operationTypes?: readonly T[];
  check?(ctx: MigrationRuleContext<M, T>): void;
  checkProject?(ctx: ProjectRuleContext<M>): void;
  cases: { bad: RuleCase[]; good: RuleCase[] };
}

/** Types a rule: `M` from its messages, `T` from its `operationTypes` (which `ctx.each` accepts). */
export function defineRule<M extends string, const T extends string = string>(rule: Rule<M, T>): Rule<M> {
  return rule as unknown as Rule<M>;
}

/**
 * The consequences the runner groups by: `table-lock` (a lock that blocks reads or writes while a scan,
 * validation or backfill runs), `rewrite` (the table is rewritten), `index-build` (an index is built while
 * writes wait), `data-loss` (data is dropped), `rolling-deploy` (the old code breaks while the deploy rolls
 * out), `rollback` (the migration cannot be reversed), `state-drift` (the database and Django's state
 * disagree), `failure` (the migration itself errors).
 */
export type Risk = 'table-lock' | 'rewrite' | 'index-build' | 'data-loss' | 'rolling-deploy' | 'rollback' | 'state-drift' | 'failure';

/** Another rule's finding on the same operation and risk, folded into a finding. */
export interface RelatedFinding {
  ruleId: string;
  messageId?: string;
  severity: Severity;
  message: string;
}

export interface Finding {
  ruleId: string;
  /** The rule's message id (for `parse-error`, the parse problem code). */
  messageId?: string;
  severity: Severity;
  message: string;
  path: string;
  app: string;
  migration: string;
  /** 1-based start line; with an operation, the range below spans it (or the argument at fault). */
  line: number;
  /** 1-based column, end line and end column (inclusive start, exclusive end, like an editor's selection); absent for line-only findings. */
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** The operation pointed at, when there is one. */
  operation?: { type: string; index: number; path: string[] };
  /** The risk the rule declares (findings are grouped by operation and risk). */
  risk?: Risk;
  /** Less severe findings of other rules about the same operation and risk. */
  related?: RelatedFinding[];
  /** The operation's condition when the class body builds it conditionally (the message ends with it too). */
  condition?: string;
  why: string;
  safeAlternative: string;
}
