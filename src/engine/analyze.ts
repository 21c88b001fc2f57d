/**
 * The rule runner: graph → state replay → every applicable rule on every target migration →
 * suppressions → sorted findings. Pure and synchronous; `analyzeSources` adds parsing for callers
 * that hold file text.
 */
import { buildGraph } from './graph/index.js';
import type { GraphReport, MigrationGraph } from './graph/types.js';
import { initParser, parseMigration } from './parse/index.js';
import { rules as registry } from './rules/index.js';
import type { Finding, MigrationRuleContext, OperationHandler, OperationOf, OperationVisit, ProjectRuleContext, ReportInput, ResolvedSettings, Rule } from './rules/types.js';
import { IGNORED_MIGRATION_ID, isIgnoredByMigrationLinter } from './rules/ignored-migration.js';
import { unusedSuppressionInputs } from './rules/unused-suppression.js';
import type { SuppressionUse } from './rules/unused-suppression.js';
import { EngineSettingsError, compareVersions, parseVersion, resolveSettings, versionInRange } from './settings.js';
import type { Version } from './settings.js';
import { replayState, visitOperations } from './state/index.js';
import { madeSafeByZeroDowntimeBackend } from './zero-downtime.js';
import { conditionMayHold } from './conditions.js';
import type { ProjectState, StateTimeline } from './state/index.js';
import type { EngineSettings, MigrationFile, Operation, ParseProblem, Severity } from './types.js';

export interface AnalyzeOptions {
  /** Paths to lint; every other file is context for the graph and state replay. Default: all files. */
  targets?: string[];
  /** Rules to run instead of the registry (tests of the runner itself). */
  rules?: readonly Rule[];
  /**
   * Run every rule's `check` on every file even when the file holds none of the rule's
   * `operationTypes`. For tests that prove the declarations change no finding.
   */
  ignoreOperationTypes?: boolean;
  /**
   * Keep every rule's findings as reported instead of folding those on the same operation and risk
   * into one: rule tests, which look at one rule's findings.
   */
  ungrouped?: boolean;
}

export interface ReportStats {
  files: number;
  targets: number;
  /** Operations in the target files, nested ones included. */
  operations: number;
  rulesRun: number;
  /** Wall time per phase in milliseconds; `parse` only when the engine parsed (analyzeSources). */
  ms: { parse?: number; graph: number; state: number; rules: number };
}

export interface Report {
  /** Sorted by path, line, rule id. */
  findings: Finding[];
  graph: GraphReport;
  /** Parse problems by file path (files without problems are absent). */
  problems: Record<string, ParseProblem[]>;
  settings: ResolvedSettings;
  stats: ReportStats;
}

export interface SourceFile {
  path: string;
  text: string;
  /** The app label from apps.py, when it differs from the folder name. */
  appLabel?: string;
}

/** Finding ids the runner itself produces (they are not rule modules). */
export const PARSE_ERROR_ID = 'parse-error';
export const INTERNAL_ERROR_ID = 'internal-error';
const UNUSED_SUPPRESSION_ID = 'unused-suppression';

const PARSE_ERROR_WHY =
  'The engine reads migration files without running them. This part of the file is not a shape it can read (a syntax error, or a value built by code), so no rule saw it.';
const PARSE_ERROR_FIX = [
  'Check the line named in the message. If the file is valid Python, keep the migration literal where you can',
  '(what `makemigrations` writes), or review that part by hand; the rest of the file was analysed.',
  '',
  '```bash',
  'python -m py_compile path/to/migration.py   # confirms the file is valid Python',
  'python manage.py sqlmigrate <app> <migration>  # shows the SQL Django would run',
  '```',
].join('\n');
const INTERNAL_ERROR_WHY = 'A rule failed while checking this file, so its verdict is missing. The other rules still ran.';
const INTERNAL_ERROR_FIX = [
  'Please report this with the migration file (or a reduced copy) so the rule can be fixed. Until then, review',
  'the operations this rule covers by hand:',
  '',
  '```bash',
  'python manage.py sqlmigrate <app> <migration>',
  '```',
].join('\n');

/** `{{name}}` holes filled from data; unknown holes stay visible rather than vanish. */
export function fillTemplate(template: string, data: Record<string, string | number> | undefined): string {
  const parts = templateParts(template);
  if (parts.length === 1) return parts[0] as string;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    // Odd slots are holes: [key, text as written].
    if (typeof part === 'string') out += part;
    else out += data && part[0] in data ? String(data[part[0]]) : part[1];
  }
  return out;
}

/** Templates split once into text and holes: few templates fill many findings. */
const templateCache = new Map<string, ReadonlyArray<string | readonly [string, string]>>();

function templateParts(template: string): ReadonlyArray<string | readonly [string, string]> {
  let parts = templateCache.get(template);
  if (!parts) {
    const built: Array<string | readonly [string, string]> = [];
    let last = 0;
    for (const match of template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
      built.push(template.slice(last, match.index), [match[1]!, match[0]]);
      last = match.index + match[0].length;
    }
    built.push(template.slice(last));
    parts = built;
    templateCache.set(template, parts);
  }
  return parts;
}

function normalisePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

function keyOf(file: { app: string; name: string }): string {
  return `${file.app}.${file.name}`;
}

/** Is the rule switched on and does it apply to the target database and version? */
export function ruleApplies(rule: Rule, settings: ResolvedSettings, engine: Partial<EngineSettings>): boolean {
  if (engine.disabledRules?.includes(rule.id)) return false;
  if (rule.optIn && !engine.enabledRules?.includes(rule.id)) return false;
  if (madeSafeByZeroDowntimeBackend(rule.id, settings.database, engine.zeroDowntimeBackend)) return false;
  const range = rule.databases[settings.database];
  if (range === undefined) return false;
  return versionInRange(settings.version, range);
}

function checkRuleIds(engine: Partial<EngineSettings>, known: ReadonlySet<string>): void {
  const unknown = new Set<string>();
  for (const id of [...(engine.disabledRules ?? []), ...(engine.enabledRules ?? []), ...Object.keys(engine.severityOverrides ?? {})]) {
    if (!known.has(id)) unknown.add(id);
  }
  if (unknown.size > 0) {
    throw new EngineSettingsError(`Unknown rule id${unknown.size > 1 ? 's' : ''} in settings: ${[...unknown].join(', ')}. See docs/rules/README.md for the list.`);
  }
}

interface FlatVisit extends OperationVisit {
  /** Enclosing operations, outermost first. */
  ancestors: Operation[];
}

/** An empty project state for when replay failed: rules still run, they just see no earlier models. */
const EMPTY_STATE: ProjectState = {
  model: () => undefined,
  models: () => [],
  apply: () => EMPTY_STATE,
};

/** Operations in execution order with the state each sees (state replay's walk), plus their enclosing operations. */
function flattenVisits(file: MigrationFile, timeline: StateTimeline | undefined): FlatVisit[] {
  const known = timeline?.operationStates?.(file);
  // With the replay's state before every top-level operation, the start state is never read.
  const start = known || !timeline ? EMPTY_STATE : timeline.before({ app: file.app, name: file.name });
  const visits = visitOperations(file, start, known) as FlatVisit[];
  // Most files have no nested operations: share one empty ancestor list instead of building a parent map.
  if (!file.operations.some((op) => op.children !== undefined)) {
    for (const visit of visits) visit.ancestors = NO_ANCESTORS;
    return visits;
  }
  const parents = new Map<Operation, Operation>();
  const walk = (ops: readonly Operation[]): void => {
    for (const op of ops) {
      for (const children of Object.values(op.children ?? {})) {
        for (const child of children) parents.set(child, op);
        walk(children);
      }
    }
  };
  walk(file.operations);
  for (const visit of visits) {
    const ancestors: Operation[] = [];
    for (let parent = parents.get(visit.op); parent; parent = parents.get(parent)) ancestors.unshift(parent);
    visit.ancestors = ancestors; // the visits are fresh objects made for this run
  }
  return visits;
}

const NO_ANCESTORS: Operation[] = [];

/**
 * The rules to run on a file: those without `operationTypes`, plus those declaring a type the file
 * holds (its visits and every nested operation, wherever it sits). Types become bits, so the rule
 * list is built once per combination of types rather than filtered per file.
 */
function ruleSelector(checkers: readonly Rule[]): (file: MigrationFile, visits: readonly OperationVisit[]) => readonly Rule[] {
  const bits = new Map<string, number>();
  for (const rule of checkers) for (const type of rule.operationTypes ?? []) if (!bits.has(type)) bits.set(type, bits.size);
  // More types than bits in a small integer: do without the filter rather than guess.
  if (bits.size > 30) return () => checkers;
  const ALWAYS = -1;
  const masks = checkers.map((rule) => (rule.operationTypes ? rule.operationTypes.reduce((mask, type) => mask | (1 << bits.get(type)!), 0) : ALWAYS));
  const byMask = new Map<number, Rule[]>();
  return (file, visits) => {
    let mask = 0;
    const add = (op: Operation): void => {
      const bit = bits.get(op.type);
      if (bit !== undefined) mask |= 1 << bit;
    };
    for (const visit of visits) add(visit.op);
    // Visits hold nested database/state operations; children elsewhere count too.
    const walk = (ops: readonly Operation[], depth: number): void => {
      for (const op of ops) {
        add(op);
        if (op.children !== undefined && depth < 50) for (const children of Object.values(op.children)) if (Array.isArray(children)) walk(children, depth + 1);
      }
    };
    if (Array.isArray(file.operations)) walk(file.operations, 0);
    let selected = byMask.get(mask);
    if (!selected) {
      selected = checkers.filter((_, index) => masks[index] === ALWAYS || (masks[index]! & mask) !== 0);
      byMask.set(mask, selected);
    }
    return selected;
  };
}

/** Which operation a `# migrate-help: ignore` comment belongs to: the nearest one it precedes or sits inside. */
function commentOwners(file: MigrationFile, visits: readonly FlatVisit[]): ReadonlyMap<number, Operation> {
  // Nearly every file has no comment: share one empty map (never written to) rather than make one each.
  if (file.suppressionComments.length === 0) return NO_OWNERS;
  const owners = new Map<number, Operation>();
  file.suppressionComments.forEach((comment, index) => {
    if (comment.scope !== 'operation') return;
    let best: Operation | undefined;
    let bestScore = Infinity;
    for (const { op } of visits) {
      if (op.suppressed.length === 0) continue;
      const covers = comment.ids.length === 0 || comment.ids.every((id) => op.suppressed.includes(id) || op.suppressed.includes('*'));
      if (!covers) continue;
      let score: number;
      if (comment.line >= op.span.line && comment.line <= op.span.endLine) score = (op.span.endLine - op.span.line) / 1e6; // innermost wins
      else if (op.span.line > comment.line) score = op.span.line - comment.line;
      else continue;
      if (score < bestScore) {
        bestScore = score;
        best = op;
      }
    }
    if (best) owners.set(index, best);
  });
  return owners;
}

interface FileRun {
  file: MigrationFile;
  visits: FlatVisit[];
  /**
   * Visit index by operation (only for files with more visits than SCAN_LIMIT; see visitIndexOf), and index
   * of the first database CreateModel by lower-cased model (rules ask per operation).
   */
  visitIndex: Map<Operation, number> | undefined;
  createdAt: ReadonlyMap<string, number>;
  owners: ReadonlyMap<number, Operation>;
  uses: SuppressionUse[];
}

/** Up to this many visits, finding an operation's visit by scanning beats building a map per file. */
const SCAN_LIMIT = 16;
const NO_MODELS: ReadonlyMap<string, number> = new Map();
const NO_OWNERS: ReadonlyMap<number, Operation> = new Map();

/** Index of the first visit of `op`, or undefined. */
function visitIndexOf(run: FileRun, op: Operation): number | undefined {
  if (run.visitIndex) return run.visitIndex.get(op);
  const { visits } = run;
  for (let index = 0; index < visits.length; index++) if (visits[index]!.op === op) return index;
  return undefined;
}

/** The visits of a file plus the lookups rules and suppressions need, built once per file. */
function buildFileRun(file: MigrationFile, timeline: StateTimeline | undefined): FileRun {
  const visits = flattenVisits(file, timeline);
  // Most files have a few operations and no CreateModel: a shared empty map, and a linear scan
  // instead of an index map (see visitIndexOf), allocate nothing per file.
  let visitIndex: Map<Operation, number> | undefined;
  let createdAt: Map<string, number> | undefined;
  for (let index = 0; index < visits.length; index++) {
    const visit = visits[index]!;
    if (visits.length > SCAN_LIMIT && !(visitIndex ??= new Map()).has(visit.op)) visitIndex.set(visit.op, index);
    if (visit.dbEffective && visit.op.type === 'CreateModel' && visit.model && !(createdAt ??= new Map()).has(visit.model)) createdAt.set(visit.model, index);
  }
  return { file, visits, visitIndex, createdAt: createdAt ?? NO_MODELS, owners: commentOwners(file, visits), uses: [] };
}

/** Parse problems by path, plus one for every target path no file was given for. */
function collectProblems(files: readonly MigrationFile[], targetPaths: ReadonlySet<string>): Record<string, ParseProblem[]> {
  const problems: Record<string, ParseProblem[]> = {};
  for (const file of files) if (file.problems.length > 0) problems[file.path] = file.problems;
  const foundPaths = new Set(files.map((file) => normalisePath(file.path)));
  for (const path of targetPaths) {
    if (!foundPaths.has(path)) problems[path] = [{ code: 'target-not-found', message: `No migration file with path ${path} was given to the engine.`, line: 0 }];
  }
  return problems;
}

const EMPTY_GRAPH_REPORT: GraphReport = { apps: {}, conflicts: [], cycles: [], missing: [], staleReplaces: [], squashes: [], plan: [] };

/** The graph, or an internal-error finding per target when it cannot be built (the rules still run). */
function graphStep(files: MigrationFile[], settings: ResolvedSettings, targets: readonly MigrationFile[], findings: Finding[]): { graph?: MigrationGraph; report: GraphReport } {
  try {
    const graph = buildGraph(files, { swappable: settings.swappable });
    return { graph, report: graph.report() };
  } catch (error) {
    for (const file of targets) findings.push(internalError(file, 'the migration graph', error));
    return { report: { ...EMPTY_GRAPH_REPORT } };
  }
}

/** State replay over the graph, or an internal-error finding per target when it fails. */
function stateStep(files: MigrationFile[], graph: MigrationGraph | undefined, targets: readonly MigrationFile[], findings: Finding[]): StateTimeline | undefined {
  if (!graph) return undefined;
  try {
    return replayState(files, graph);
  } catch (error) {
    for (const file of targets) findings.push(internalError(file, 'state replay', error));
    return undefined;
  }
}

/** Where a finding points: the argument at fault, else the operation; an explicit line has no columns. */
function findingRange(input: ReportInput<string>, line: number): Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'> {
  const { op } = input;
  if (!op || (input.line !== undefined && input.line !== op.span.line)) return { line };
  const span = (input.arg !== undefined ? op.argSpans?.[input.arg] : undefined) ?? op.span;
  return { line: span.line, column: span.column, endLine: span.endLine, endColumn: span.endColumn };
}

/** One analysis run: the rules, the files' visits and the findings gathered so far. */
class RuleRunner {
  readonly findings: Finding[] = [];
  /** The first line of each finding's operation, for grouping (nested operations share index and path). */
  readonly operationLines = new WeakMap<Finding, number>();
  private readonly runs = new Map<MigrationFile, FileRun>();
  private readonly active: Rule[];
  private readonly unusedRule: Rule | undefined;
  private readonly byKey = new Map<string, MigrationFile>();
  private readonly targetKeys = new Map<string, MigrationFile>();
  operations = 0;

  constructor(
    private readonly files: MigrationFile[],
    private readonly targets: readonly MigrationFile[],
    private readonly targetPaths: ReadonlySet<string>,
    rules: readonly Rule[],
    private readonly knownIds: ReadonlySet<string>,
    private readonly settings: Partial<EngineSettings>,
    private readonly resolved: ResolvedSettings,
    private readonly timeline: StateTimeline | undefined,
  ) {
    this.active = rules.filter((rule) => rule.id !== UNUSED_SUPPRESSION_ID && ruleApplies(rule, resolved, settings));
    const unused = rules.find((rule) => rule.id === UNUSED_SUPPRESSION_ID);
    this.unusedRule = unused !== undefined && ruleApplies(unused, resolved, settings) ? unused : undefined;
    for (const file of files) if (!this.byKey.has(keyOf(file))) this.byKey.set(keyOf(file), file);
    for (const file of targets) this.targetKeys.set(keyOf(file), file);
  }

  /** `app.model` → the target files whose database operations create that table; built on first use. */
  private batchCreations: Map<string, MigrationFile[]> | undefined;

  /**
   * True when another target of this run creates the model's table. The targets are the unapplied
   * batch (a PR's new files, the files named on the command line): a table created there is still
   * empty when the later migrations of the batch alter it. When every file read is a target (a whole
   * tree checked), which of them are unapplied is unknown, so nothing counts as new.
   */
  createdEarlierInBatch(file: MigrationFile, model: string): boolean {
    if (this.targets.length >= this.files.length) return false;
    if (!this.batchCreations) {
      this.batchCreations = new Map();
      for (const target of this.targets) {
        for (const visit of this.runFor(target).visits) {
          if (!visit.dbEffective || visit.op.type !== 'CreateModel' || !visit.model) continue;
          const key = `${target.app}.${visit.model}`;
          const creators = this.batchCreations.get(key) ?? [];
          if (!creators.includes(target)) creators.push(target);
          this.batchCreations.set(key, creators);
        }
      }
    }
    return (this.batchCreations.get(`${file.app}.${model.toLowerCase()}`) ?? []).some((creator) => creator !== file);
  }

  get rulesRun(): number {
    return this.active.length + (this.unusedRule ? 1 : 0);
  }

  runFor(file: MigrationFile): FileRun {
    let run = this.runs.get(file);
    if (!run) {
      run = buildFileRun(file, this.timeline);
      this.runs.set(file, run);
    }
    return run;
  }

  private severityOf(rule: Rule, explicit: Severity | undefined): Severity {
    return this.settings.severityOverrides?.[rule.id] ?? explicit ?? rule.severityByDatabase?.[this.resolved.database] ?? rule.severity;
  }

  /** Apply suppressions and turn a report into a finding. */
  emit(rule: Rule, run: FileRun, input: ReportInput<string>): void {
    const { file } = run;
    const template = (rule.messages as Record<string, string>)[input.messageId];
    if (template === undefined) throw new Error(`reported unknown message id "${input.messageId}"`);
    const line = input.line ?? input.op?.span.line ?? (file.classLine || 1);
    // A branch whose `connection.vendor` test the target database fails never runs there.
    if (input.op?.condition && !conditionMayHold(input.op.condition.text, this.resolved.database)) return;
    if (this.suppressed(rule, run, input.op ?? innermostAt(run.visits, line))) return;
    const condition = input.op?.condition?.text;
    const message = fillTemplate(template, input.data);
    const finding: Finding = {
      ruleId: rule.id,
      messageId: input.messageId,
      severity: this.severityOf(rule, input.severity),
      // An operation built under `if`/`else` only runs on that branch: the message says when.
      message: condition === undefined ? message : `${message} (only when ${condition})`,
      path: file.path,
      app: file.app,
      migration: file.name,
      ...findingRange(input, line),
      ...(input.op ? { operation: { type: input.op.type, index: input.op.index, path: input.op.path } } : {}),
      ...(rule.risk && input.op ? { risk: rule.risk } : {}),
      ...(condition === undefined ? {} : { condition }),
      why: rule.why,
      safeAlternative: rule.safeAlternative,
    };
    this.findings.push(finding);
    if (input.op) this.operationLines.set(finding, input.op.span.line);
  }

  /** True when a file or operation suppression hides the rule here; records which comments were used. */
  private suppressed(rule: Rule, run: FileRun, op: Operation | undefined): boolean {
    const { file } = run;
    // A bare suppression must not hide the finding that says it is itself unused.
    const wildcard = rule.id !== UNUSED_SUPPRESSION_ID;
    if (rule.id !== IGNORED_MIGRATION_ID && isIgnoredByMigrationLinter(file)) return true;
    if (file.fileSuppressions.length > 0 && hidesRule(file.fileSuppressions, rule.id, wildcard)) {
      file.suppressionComments.forEach((comment, index) => {
        if (comment.scope !== 'file') return;
        if (comment.ids.length === 0 || comment.ids.includes('*')) run.uses.push({ comment: index, id: '*' });
        else if (comment.ids.includes(rule.id)) run.uses.push({ comment: index, id: rule.id });
      });
      return true;
    }
    if (!op) return false;
    const index = visitIndexOf(run, op);
    // The operation and its enclosing ones, outermost first; most have no suppression at all.
    let suppressing: Operation[] | undefined;
    if (index !== undefined) {
      for (const candidate of run.visits[index]!.ancestors) if (candidate.suppressed.length > 0 && hidesRule(candidate.suppressed, rule.id, wildcard)) (suppressing ??= []).push(candidate);
    }
    if (op.suppressed.length > 0 && hidesRule(op.suppressed, rule.id, wildcard)) (suppressing ??= []).push(op);
    if (!suppressing) return false;
    for (const [commentIndex, owner] of run.owners) {
      if (!suppressing.includes(owner)) continue;
      const comment = file.suppressionComments[commentIndex]!;
      if (comment.ids.includes(rule.id)) run.uses.push({ comment: commentIndex, id: rule.id });
      else if (comment.ids.length === 0 || comment.ids.includes('*')) run.uses.push({ comment: commentIndex, id: '*' });
    }
    return true;
  }

  /** Parse problems of a target as `parse-error` findings, unless a rule reports them in its own words. */
  private reportParseProblems(file: MigrationFile): void {
    for (const problem of file.problems) {
      // A registered rule with the problem's code reports it in its own words (e.g. no-migration-class).
      if (this.knownIds.has(problem.code) && problem.code !== PARSE_ERROR_ID) continue;
      if (this.settings.disabledRules?.includes(PARSE_ERROR_ID)) continue;
      this.findings.push({
        ruleId: PARSE_ERROR_ID,
        messageId: problem.code,
        // A real syntax error means `migrate` will crash on import; other problems only hide a part from the rules.
        severity: this.settings.severityOverrides?.[PARSE_ERROR_ID] ?? (problem.code === 'syntax-error' ? 'error' : 'warning'),
        message: problem.message,
        path: file.path,
        app: file.app,
        migration: file.name,
        line: problem.line || file.classLine || 1,
        why: PARSE_ERROR_WHY,
        safeAlternative: PARSE_ERROR_FIX,
      });
    }
  }

  /** Every applicable per-file rule on every target. */
  checkTargets(ignoreOperationTypes: boolean): void {
    const checkers = this.active.filter((rule) => rule.check !== undefined);
    const selectRules = ignoreOperationTypes ? () => checkers : ruleSelector(checkers);
    for (const file of this.targets) {
      const run = this.runFor(file);
      this.operations += run.visits.length;
      this.reportParseProblems(file);
      const ctx = new RuleContext(run, this.resolved, new MapWithout(this.targetKeys, keyOf(file)), this.byKey, this);
      // Rules that only report on certain operation types have nothing to say about a file without them.
      for (const rule of selectRules(file, run.visits)) {
        ctx.current = rule;
        try {
          rule.check!(ctx);
        } catch (error) {
          this.findings.push(internalError(file, `rule ${rule.id}`, error));
        }
      }
    }
  }

  /** Graph-level rules, reporting on targets only. */
  checkProject(graph: GraphReport): void {
    for (const rule of this.active) {
      if (!rule.checkProject) continue;
      const ctx: ProjectRuleContext = {
        files: this.files,
        settings: this.resolved,
        graph,
        reportAt: (file, input) => {
          if (!this.targetPaths.has(normalisePath(file.path))) return;
          this.emit(rule, this.runFor(file), input);
        },
      };
      try {
        rule.checkProject(ctx);
      } catch (error) {
        const first = this.targets[0];
        if (first) this.findings.push(internalError(first, `rule ${rule.id}`, error));
      }
    }
  }

  /** Suppression comments no finding used, once every other rule has run. */
  reportUnusedSuppressions(): void {
    const rule = this.unusedRule;
    if (!rule) return;
    const activeIds = new Set(this.active.map((active) => active.id));
    for (const file of this.targets) {
      const run = this.runFor(file);
      try {
        for (const input of unusedSuppressionInputs(file, run.uses, { known: this.knownIds, active: activeIds })) this.emit(rule, run, input);
      } catch (error) {
        this.findings.push(internalError(file, `rule ${UNUSED_SUPPRESSION_ID}`, error));
      }
    }
  }
}

/** Runs `step` and returns its result with the wall time it took in milliseconds. */
function timed<T>(step: () => T): [T, number] {
  const started = performance.now();
  const result = step();
  return [result, performance.now() - started];
}

/** Analyse already-parsed files. Throws EngineSettingsError for unknown database/version/rule ids; never for file content. */
export function analyze(files: MigrationFile[], settings: Partial<EngineSettings> = {}, opts: AnalyzeOptions = {}): Report {
  const rules = opts.rules ?? registry;
  const resolved = resolveSettings(settings);
  const knownIds = new Set([...rules.map((rule) => rule.id), PARSE_ERROR_ID, INTERNAL_ERROR_ID]);
  checkRuleIds(settings, knownIds);

  const targetPaths = new Set((opts.targets ?? files.map((file) => file.path)).map(normalisePath));
  const targets = files.filter((file) => targetPaths.has(normalisePath(file.path)));
  const problems = collectProblems(files, targetPaths);
  const early: Finding[] = [];
  const [graph, graphMs] = timed(() => graphStep(files, resolved, targets, early));
  const [timeline, stateMs] = timed(() => stateStep(files, graph.graph, targets, early));

  const runner = new RuleRunner(files, targets, targetPaths, rules, knownIds, settings, resolved, timeline);
  runner.findings.push(...early);
  const [, rulesMs] = timed(() => {
    runner.checkTargets(opts.ignoreOperationTypes === true);
    runner.checkProject(graph.report);
    runner.reportUnusedSuppressions();
  });

  const grouped = opts.ungrouped ? runner.findings : groupByOperationAndRisk(runner.findings, (finding) => runner.operationLines.get(finding));
  const findings = grouped.sort(compareFindings);
  return {
    findings,
    graph: graph.report,
    problems,
    settings: resolved,
    stats: {
      files: files.length,
      targets: targets.length,
      operations: runner.operations,
      rulesRun: runner.rulesRun,
      ms: { graph: graphMs, state: stateMs, rules: rulesMs },
    },
  };
}

/** Parsed version texts: rules ask `versionAtLeast(…)` per migration with few distinct literals. */
const parsedVersions = new Map<string, Version>();

function cachedVersion(text: string): Version {
  let version = parsedVersions.get(text);
  if (!version) {
    version = parseVersion(text);
    parsedVersions.set(text, version);
  }
  return version;
}

type AnyHandler = OperationHandler<string>;

/**
 * One target migration's rule context. A class, so its methods live on the prototype instead of
 * being fresh closures for every file.
 */
class RuleContext implements MigrationRuleContext {
  /** The rule being run, for `report` and `each`. */
  current: Rule | undefined;
  readonly migration: MigrationFile;
  readonly visits: readonly OperationVisit[];
  readonly isAtomic: boolean;

  constructor(
    private readonly run: FileRun,
    readonly settings: ResolvedSettings,
    readonly siblings: ReadonlyMap<string, MigrationFile>,
    readonly files: ReadonlyMap<string, MigrationFile>,
    private readonly runner: Pick<RuleRunner, 'emit' | 'createdEarlierInBatch'>,
  ) {
    this.migration = run.file;
    this.visits = run.visits;
    this.isAtomic = run.file.atomic !== false;
  }

  each(typesOrHandler: string | readonly string[] | AnyHandler, maybeHandler?: AnyHandler): void {
    const declared = this.current?.operationTypes;
    let types: string | readonly string[];
    let handler: AnyHandler;
    if (typeof typesOrHandler === 'function') {
      if (!declared) throw new Error('ctx.each without types needs the rule to declare operationTypes');
      types = declared;
      handler = typesOrHandler;
    } else {
      types = typesOrHandler;
      handler = maybeHandler!;
      // The runner skips the rule on files without its declared types: a subscription outside them would be silently lost.
      if (declared) for (const type of typeof types === 'string' ? [types] : types) if (!declared.includes(type)) throw new Error(`ctx.each('${type}') is not among the rule's operationTypes`);
    }
    for (const visit of this.run.visits) {
      const matches = typeof types === 'string' ? visit.op.type === types : types.includes(visit.op.type);
      if (matches && handler(visit.op as OperationOf<string>, visit.stateBefore, visit as OperationVisit & { op: OperationOf<string> }) === false) return;
    }
  }

  isNewModel(model: string, before?: Operation): boolean {
    const created = this.run.createdAt.get(model.toLowerCase());
    if (created === undefined) return this.runner.createdEarlierInBatch(this.migration, model);
    const limit = before ? visitIndexOf(this.run, before) : undefined;
    return limit === undefined || created <= limit;
  }

  versionAtLeast(version: string): boolean {
    return compareVersions(this.settings.version, cachedVersion(version)) >= 0;
  }

  versionBelow(version: string): boolean {
    return compareVersions(this.settings.version, cachedVersion(version)) < 0;
  }

  report(input: ReportInput<string>): void {
    this.runner.emit(this.current!, this.run, input);
  }
}

/** A read-only view of a map minus one key: copying the targets map per file would cost O(n²) on big trees. */
class MapWithout<V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly inner: ReadonlyMap<string, V>,
    private readonly excluded: string,
  ) {}
  get size(): number {
    return this.inner.size - (this.inner.has(this.excluded) ? 1 : 0);
  }
  has(key: string): boolean {
    return key !== this.excluded && this.inner.has(key);
  }
  get(key: string): V | undefined {
    return key === this.excluded ? undefined : this.inner.get(key);
  }
  *entries(): MapIterator<[string, V]> {
    for (const entry of this.inner.entries()) if (entry[0] !== this.excluded) yield entry;
  }
  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }
  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

/** Does a suppression list hide this rule? A bare (`*`) entry does unless `wildcard` is false. */
function hidesRule(ids: readonly string[], ruleId: string, wildcard: boolean): boolean {
  return ids.includes(ruleId) || (wildcard && ids.includes('*'));
}

/** The innermost operation whose span holds the line (for findings reported by line only). */
function innermostAt(visits: readonly FlatVisit[], line: number): Operation | undefined {
  let best: Operation | undefined;
  for (const { op } of visits) {
    if (line < op.span.line || line > op.span.endLine) continue;
    if (!best || op.span.endLine - op.span.line <= best.span.endLine - best.span.line) best = op;
  }
  return best;
}

function internalError(file: MigrationFile, what: string, error: unknown): Finding {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    ruleId: INTERNAL_ERROR_ID,
    severity: 'warning',
    message: `Internal error in ${what} while checking this file (${detail}); the other checks still ran. Please report it.`,
    path: file.path,
    app: file.app,
    migration: file.name,
    line: file.classLine || 1,
    why: INTERNAL_ERROR_WHY,
    safeAlternative: INTERNAL_ERROR_FIX,
  };
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * One finding per operation and risk: the most severe (the first reported among equals) keeps the
 * others as `related` notes. Findings without an operation or a risk stand alone.
 */
export function groupByOperationAndRisk(findings: readonly Finding[], operationLine: (finding: Finding) => number | undefined = () => undefined): Finding[] {
  const groups = new Map<string, Finding[]>();
  const out: Finding[] = [];
  for (const finding of findings) {
    const op = finding.operation;
    if (!op || !finding.risk) {
      out.push(finding);
      continue;
    }
    // The operation's own line tells apart nested operations with the same index and path.
    const key = `${finding.path}\u0000${operationLine(finding) ?? ''}\u0000${op.path.join('.')}\u0000${op.index}\u0000${op.type}\u0000${finding.risk}`;
    const group = groups.get(key);
    if (group) group.push(finding);
    else {
      groups.set(key, [finding]);
      out.push(finding);
    }
  }
  if ([...groups.values()].every((group) => group.length === 1)) return out;
  const lead = new Map<Finding, Finding>();
  for (const group of groups.values()) {
    if (group.length === 1) continue;
    let head = group[0]!;
    for (const finding of group) if (SEVERITY_RANK[finding.severity] < SEVERITY_RANK[head.severity]) head = finding;
    const related = group.filter((finding) => finding !== head).map((finding) => ({ ruleId: finding.ruleId, ...(finding.messageId ? { messageId: finding.messageId } : {}), severity: finding.severity, message: finding.message }));
    lead.set(group[0]!, { ...head, related: [...(head.related ?? []), ...related] });
  }
  return out.map((finding) => lead.get(finding) ?? finding);
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Parse then analyse: for callers holding file text (the bot, tests, the benchmark). */
export async function analyzeSources(sources: readonly SourceFile[], settings: Partial<EngineSettings> = {}, opts: AnalyzeOptions = {}): Promise<Report> {
  await initParser();
  const started = performance.now();
  const files = sources.map((source) => parseMigration(source.text, { path: source.path, ...(source.appLabel ? { appLabel: source.appLabel } : {}) }));
  const parseMs = performance.now() - started;
  const report = analyze(files, settings, opts);
  report.stats.ms = { parse: parseMs, ...report.stats.ms };
  return report;
}
